import { loadModuleMetaById, type ModuleMeta } from '../crm/metadata.js';
import { type RecordErrors, type RecordInput, updateRecordIn, validateRecordInput } from '../crm/records.js';
import type { Database } from '../db/database.js';
import type { Field } from '../db/schema.js';
import { PRIVACY_FIELD_NAMES } from './consent.js';
import { completeRectification, findRequest, isOpen, type PrivacyDeps } from './requests.js';

// A rectification: staff correct the record against what the person asked
// for, on the request's own page; the request keeps which fields changed,
// from what to what.

const RECTIFIABLE = new Set(['text', 'textarea', 'email', 'phone', 'url', 'date']);

/** The fields staff may correct from a rectification request: the record's own plain values. */
export function rectifiableFields(meta: ModuleMeta): Field[] {
  return meta.fields.filter(
    (f) => !f.parent_field_id && !f.options.computed && RECTIFIABLE.has(f.type) && !(PRIVACY_FIELD_NAMES as readonly string[]).includes(f.api_name),
  );
}

export type RectifyResult =
  | { ok: true }
  | { ok: false; problem: 'not_open' | 'conflict' | 'unchanged' }
  | { ok: false; problem: 'invalid'; errors: RecordErrors };

export async function applyRectification(
  db: Database,
  deps: PrivacyDeps,
  staffId: string,
  input: { requestId: string; version: number; values: RecordInput; timeZone: string },
): Promise<RectifyResult> {
  const request = await findRequest(db, input.requestId);
  if (request?.kind !== 'rectification' || !isOpen(request) || request.outcome.working) return { ok: false, problem: 'not_open' };
  if (request.version !== input.version) return { ok: false, problem: 'conflict' };
  // UNSCOPED READ: the record of a rectification request, for an administrator (the privacy request pages need requireAdmin).
  const record = await db.selectFrom('records').selectAll().where('id', '=', request.record_id).where('deleted_at', 'is', null).executeTakeFirst();
  const meta = record ? await loadModuleMetaById(db, record.module_id) : undefined;
  if (!record || !meta) return { ok: false, problem: 'not_open' };
  const fields = rectifiableFields(meta);
  const checked = await validateRecordInput(db, meta, fields, input.values, { timeZone: input.timeZone, existing: record.data as Record<string, never> });
  if (!checked.ok) return { ok: false, problem: 'invalid', errors: checked.errors };
  const before = record.data as Record<string, unknown>;
  const changes = fields
    .filter((f) => JSON.stringify(before[f.api_name] ?? null) !== JSON.stringify(checked.data[f.api_name] ?? null))
    .map((f) => ({ field: f.api_name, fieldId: f.id, old: before[f.api_name] ?? null, new: checked.data[f.api_name] ?? null }));
  if (changes.length === 0) return { ok: false, problem: 'unchanged' };
  return db.transaction().execute(async (trx): Promise<RectifyResult> => {
    const locked = await trx.selectFrom('privacy_requests').select(['version', 'status']).where('id', '=', request.id).forUpdate().executeTakeFirst();
    if (!locked || locked.version !== input.version) return { ok: false, problem: 'conflict' };
    const saved = await updateRecordIn(trx, { kind: 'staff', id: staffId }, meta, record, checked.data, record.version);
    if (!saved.ok) return { ok: false, problem: 'conflict' };
    await completeRectification(trx, deps, staffId, request, changes);
    return { ok: true };
  });
}
