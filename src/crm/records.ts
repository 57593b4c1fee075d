import { type Expression, type ExpressionBuilder, type SqlBool, sql, type Transaction } from 'kysely';
import { fromKysely, type PgBoss } from 'pg-boss';
import { audit } from '../audit/audit.js';
import { invalidateUserSessions } from '../auth/sessions.js';
import type { Database } from '../db/database.js';
import type { ConsentSource, CrmRecord, DB, Field, FieldChange, RecordState } from '../db/schema.js';
import { isUuid } from '../http/input.js';
import { type AutoInviteJob, QUEUES } from '../jobs/queues.js';
import { logConsentChanges } from '../privacy/consent.js';
import {
  lineItemsTotals,
  lookupIds,
  type ParseContext,
  parseFieldValue,
  type RawValue,
  type StoredValue,
  type SubformRow,
  searchableText,
} from './field-types.js';
import { checkSubformLookups, resolveLookups, resolveRowLookups } from './lookups.js';
import type { ModuleMeta } from './metadata.js';

export type Actor = { kind: 'staff'; id: string } | { kind: 'portal'; id: string; ownerId: string } | { kind: 'system' };

export type RecordData = Record<string, StoredValue>;
/** Field api_name → locale key of the problem. */
export type RecordErrors = Record<string, string>;

export type Scope = (eb: ExpressionBuilder<DB, 'records'>) => Expression<SqlBool>;

/** A submitted lookup: the text typed (a record's name) and the id it held when the form was drawn. */
export type LookupInput = { text: string; id?: string | undefined };

export type RecordInput = Record<string, RawValue | LookupInput>;

function isLookupInput(v: unknown): v is LookupInput {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && 'text' in v;
}

/**
 * Validates the submitted fields (those the layout shows), resolving lookups
 * by id or by name in one query per target module, and merges them into the
 * record's existing data: fields not on the form keep their values.
 */
export async function validateRecordInput(
  db: Database,
  meta: ModuleMeta,
  fields: Field[],
  input: RecordInput,
  ctx: { timeZone: string; existing?: RecordData; lookupScope?: (targetModuleId: string) => Scope | undefined },
): Promise<{ ok: true; data: RecordData } | { ok: false; errors: RecordErrors; data: RecordData }> {
  const errors: RecordErrors = {};
  const data: RecordData = { ...(ctx.existing ?? {}) };
  const lookups: { field: Field; input: LookupInput }[] = [];
  for (const field of fields) {
    if (field.options.computed) continue;
    const raw = input[field.api_name];
    if (field.type === 'lookup') {
      const li = isLookupInput(raw) ? raw : { text: typeof raw === 'string' ? raw : '' };
      if (!li.text.trim() && !(li.id && isUuid(li.id) && !li.text)) {
        if (field.required) errors[field.api_name] = 'errors:required';
        else data[field.api_name] = null;
        continue;
      }
      lookups.push({ field, input: li });
      continue;
    }
    const children = meta.children.get(field.id);
    const value = field.type === 'subform' ? await resolveRowLookups(db, children ?? [], raw as RawValue, ctx.lookupScope) : (raw as RawValue);
    const parsed = parseFieldValue(field, value, { timeZone: ctx.timeZone, children } satisfies ParseContext);
    if (parsed.ok) data[field.api_name] = parsed.value;
    else errors[field.api_name] = parsed.error;
  }
  await resolveLookups(db, lookups, data, errors, ctx.lookupScope, ctx.existing);
  await checkSubformLookups(db, meta, fields, data, errors, ctx.lookupScope);
  applyComputed(meta, data);
  return Object.keys(errors).length > 0 ? { ok: false, errors, data } : { ok: true, data };
}

/** Totals of quote-like modules follow their line items. */
export function applyComputed(meta: ModuleMeta, data: RecordData) {
  const items = meta.byName.get('line_items');
  if (!items) return;
  const { subtotal } = lineItemsTotals((data.line_items as SubformRow[] | null) ?? []);
  const tax = typeof data.tax === 'number' ? data.tax : 0;
  for (const f of meta.fields) {
    if (f.options.computed === 'line_items_subtotal') data[f.api_name] = subtotal;
    if (f.options.computed === 'line_items_total') data[f.api_name] = Math.round((subtotal + tax) * 100) / 100;
  }
}

export function displayName(meta: ModuleMeta, data: RecordData): string {
  return meta.module.name_fields
    .map((n) => data[n])
    .filter((v): v is string | number => (typeof v === 'string' && v.trim() !== '') || typeof v === 'number')
    .join(' ')
    .slice(0, 500);
}

function searchText(meta: ModuleMeta, data: RecordData, name: string): string {
  return [name, ...meta.fields.map((f) => searchableText(f, data[f.api_name] ?? null))].filter(Boolean).join(' ').slice(0, 10_000);
}

function refsOf(meta: ModuleMeta, data: RecordData): { field_id: string; target_id: string }[] {
  const refs = new Map<string, { field_id: string; target_id: string }>();
  for (const f of meta.fields) {
    if (f.type === 'lookup') {
      for (const id of lookupIds(f, data[f.api_name] ?? null)) refs.set(`${f.id}:${id}`, { field_id: f.id, target_id: id });
    }
    if (f.type === 'subform') {
      const children = meta.children.get(f.id) ?? [];
      for (const child of children.filter((c) => c.type === 'lookup')) {
        for (const row of (data[f.api_name] as SubformRow[] | null) ?? []) {
          const id = row[child.api_name];
          if (typeof id === 'string') refs.set(`${child.id}:${id}`, { field_id: child.id, target_id: id });
        }
      }
    }
  }
  return [...refs.values()];
}

async function writeRefs(trx: Transaction<DB>, recordId: string, refs: { field_id: string; target_id: string }[]) {
  await trx.deleteFrom('record_refs').where('record_id', '=', recordId).execute();
  if (refs.length > 0)
    await trx
      .insertInto('record_refs')
      .values(refs.map((r) => ({ ...r, record_id: recordId })))
      .execute();
}

function changesBetween(meta: ModuleMeta, before: RecordData, after: RecordData): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const f of meta.fields) {
    const a = before[f.api_name] ?? null;
    const b = after[f.api_name] ?? null;
    if (JSON.stringify(a) !== JSON.stringify(b)) changes.push({ field: f.id, old: a, new: b });
  }
  return changes;
}

function actorColumns(actor: Actor) {
  return { actor_kind: actor.kind, actor_id: actor.kind === 'system' ? null : actor.id };
}

export async function logChange(trx: Database, recordId: string, actor: Actor, action: string, changes: FieldChange[] = []) {
  await trx
    .insertInto('record_changes')
    .values({ record_id: recordId, ...actorColumns(actor), action, changes: JSON.stringify(changes) })
    .execute();
}

export type NewRecord = { data: RecordData; layoutId: string | null; ownerId: string };

/**
 * `consentSource`: where a write comes from, for the consent history (by default: the actor's side).
 * `jobs`: the writes people make (staff forms, imports, conversions, portal forms) pass it, and
 * what follows them (automatic invitations) is queued in their transaction; the system's own
 * bookkeeping (case status, erasure, seeding) passes none.
 */
export type WriteOptions = { consentSource?: ConsentSource; jobs?: PgBoss | undefined };

/**
 * Queues the automatic-invitation judgement of a written record in the write's
 * transaction: a rolled-back write queues nothing, and a crash after the commit
 * loses nothing. The job carries what the write changed, not the rules.
 */
async function queueFollowUps(trx: Transaction<DB>, opts: WriteOptions, actor: Actor, record: CrmRecord, changes: FieldChange[] | null) {
  // An update that changed nothing can make no rule newly match.
  if (!opts.jobs || changes?.length === 0) return;
  const inviterId = actor.kind === 'staff' ? actor.id : actor.kind === 'portal' ? actor.ownerId : record.owner_id;
  const job: AutoInviteJob = { recordId: record.id, inviterId, before: changes && Object.fromEntries(changes.map((c) => [c.field, c.old])) };
  await opts.jobs.send(QUEUES.autoInvite, job, { db: fromKysely(trx) });
}

const consentSourceOf = (actor: Actor, opts: WriteOptions): ConsentSource => opts.consentSource ?? (actor.kind === 'portal' ? 'portal' : actor.kind);
const auditActor = (actor: Actor) => (actor.kind === 'system' ? actor : { kind: actor.kind, id: actor.id });

export async function createRecord(db: Database, actor: Actor, meta: ModuleMeta, rec: NewRecord, opts: WriteOptions = {}): Promise<CrmRecord> {
  return db.transaction().execute((trx) => createRecordIn(trx, actor, meta, rec, opts));
}

export async function createRecordIn(trx: Transaction<DB>, actor: Actor, meta: ModuleMeta, rec: NewRecord, opts: WriteOptions = {}): Promise<CrmRecord> {
  applyComputed(meta, rec.data);
  const name = displayName(meta, rec.data);
  const row = await trx
    .insertInto('records')
    .values({
      module_id: meta.module.id,
      // A portal user's records belong to the staff user who invited them, whatever the caller passed.
      owner_id: actor.kind === 'portal' ? actor.ownerId : rec.ownerId,
      layout_id: rec.layoutId,
      data: JSON.stringify(rec.data),
      display_name: name,
      search: sql<string>`to_tsvector('simple', ${searchText(meta, rec.data, name)})`,
      created_by_staff_id: actor.kind === 'staff' ? actor.id : null,
      created_by_portal_user_id: actor.kind === 'portal' ? actor.id : null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await writeRefs(trx, row.id, refsOf(meta, rec.data));
  await logChange(trx, row.id, actor, 'create', changesBetween(meta, {}, rec.data));
  await logConsentChanges(trx, auditActor(actor), consentSourceOf(actor, opts), row.id, {}, rec.data);
  await queueFollowUps(trx, opts, actor, row, null);
  return row;
}

export type UpdateResult = { ok: true; record: CrmRecord } | { ok: false; reason: 'conflict' | 'gone' };

/** Saves new data if nobody saved in between (the version the form was drawn from). */
export async function updateRecord(
  db: Database,
  actor: Actor,
  meta: ModuleMeta,
  record: CrmRecord,
  data: RecordData,
  expectedVersion: number,
  opts: WriteOptions = {},
): Promise<UpdateResult> {
  return db.transaction().execute((trx) => updateRecordIn(trx, actor, meta, record, data, expectedVersion, opts));
}

/** updateRecord in the caller's transaction, so what goes with the change (an audit entry) commits with it. */
export async function updateRecordIn(
  trx: Transaction<DB>,
  actor: Actor,
  meta: ModuleMeta,
  record: CrmRecord,
  data: RecordData,
  expectedVersion: number,
  opts: WriteOptions = {},
): Promise<UpdateResult> {
  applyComputed(meta, data);
  const name = displayName(meta, data);
  // UNSCOPED READ: hands back only the row it just wrote: a record the caller already holds, read through its scope or by a job.
  const updated = await trx
    .updateTable('records')
    .set({
      data: JSON.stringify(data),
      display_name: name,
      search: sql<string>`to_tsvector('simple', ${searchText(meta, data, name)})`,
      updated_at: new Date(),
      version: sql<number>`version + 1`,
    })
    .where('id', '=', record.id)
    .where('version', '=', expectedVersion)
    .where('deleted_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
  if (!updated) return { ok: false, reason: record.version !== expectedVersion ? 'conflict' : 'gone' } as const;
  await writeRefs(trx, record.id, refsOf(meta, data));
  const changes = changesBetween(meta, record.data as RecordData, data);
  if (changes.length > 0) await logChange(trx, record.id, actor, 'update', changes);
  await logConsentChanges(trx, auditActor(actor), consentSourceOf(actor, opts), record.id, record.data as RecordData, data);
  await queueFollowUps(trx, opts, actor, updated, changes);
  return { ok: true, record: updated } as const;
}

/** Finds a record of the module through a scope: a record outside it is simply not found. */
export function findRecord(db: Database, meta: ModuleMeta, id: string, scope: Scope, opts: { deleted?: boolean } = {}): Promise<CrmRecord | undefined> {
  if (!isUuid(id)) return Promise.resolve(undefined);
  return db
    .selectFrom('records')
    .selectAll()
    .where('id', '=', id)
    .where('module_id', '=', meta.module.id)
    .where('deleted_at', opts.deleted ? 'is not' : 'is', null)
    .where(scope)
    .executeTakeFirst();
}

/**
 * Moves a record to the recycle bin. A portal user whose own record it is
 * gets nothing while it is there (ACCESS.md): their sessions end with it.
 */
export async function moveToRecycleBin(db: Database, actor: Actor, record: CrmRecord): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('records').set({ deleted_at: new Date(), version: sql<number>`version + 1` }).where('id', '=', record.id).execute();
    await logChange(trx, record.id, actor, 'delete');
    await trx
      .deleteFrom('sessions')
      .where('user_kind', '=', 'portal')
      .where('user_id', 'in', (eb) => eb.selectFrom('portal_users').select('id').where('record_id', '=', record.id))
      .execute();
  });
}

export async function restoreFromRecycleBin(db: Database, actor: Actor, record: CrmRecord): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('records').set({ deleted_at: null, version: sql<number>`version + 1` }).where('id', '=', record.id).execute();
    await logChange(trx, record.id, actor, 'restore');
  });
}

/** Deletes for good: the record, its notes, attachments, history and the references it holds. */
/**
 * Deletes a record of the recycle bin for good. A portal account whose own
 * record it is cannot outlive it: the account goes in the same transaction
 * (its sessions and second factor with it; its invitations and history rows
 * follow the schema's cascades), audited with its address.
 */
export async function purgeRecord(db: Database, actor: Actor, record: CrmRecord): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const accounts = await trx.deleteFrom('portal_users').where('record_id', '=', record.id).returning(['id', 'email', 'portal_id']).execute();
    for (const account of accounts) {
      await invalidateUserSessions(trx, { kind: 'portal', id: account.id });
      await trx.deleteFrom('two_factor').where('user_kind', '=', 'portal').where('user_id', '=', account.id).execute();
      await trx.deleteFrom('recovery_codes').where('user_kind', '=', 'portal').where('user_id', '=', account.id).execute();
      await audit(
        trx,
        actor,
        'portal_user.removed_with_record',
        { type: 'portal_user', id: account.id },
        { email: account.email, portalId: account.portal_id, recordId: record.id },
      );
    }
    await trx.deleteFrom('record_refs').where('target_id', '=', record.id).execute();
    await trx.updateTable('records').set({ converted_to: null }).where('converted_to', '=', record.id).execute();
    await trx.deleteFrom('records').where('id', '=', record.id).execute();
  });
}

export async function setRecordState(db: Database, actor: Actor, record: CrmRecord, state: RecordState): Promise<void> {
  if (record.state === state) return;
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('records').set({ state, version: sql<number>`version + 1`, updated_at: new Date() }).where('id', '=', record.id).execute();
    await logChange(trx, record.id, actor, 'state', [{ field: 'state', old: record.state, new: state }]);
  });
}

export async function reassignOwner(db: Database, actor: Actor, record: CrmRecord, ownerId: string): Promise<boolean> {
  if (record.owner_id === ownerId) return true;
  return db.transaction().execute(async (trx) => {
    const owner = await trx.selectFrom('staff_users').select('id').where('id', '=', ownerId).where('active', '=', true).executeTakeFirst();
    if (!owner) return false;
    await trx
      .updateTable('records')
      .set({ owner_id: ownerId, version: sql<number>`version + 1`, updated_at: new Date() })
      .where('id', '=', record.id)
      .execute();
    await logChange(trx, record.id, actor, 'owner', [{ field: 'owner', old: record.owner_id, new: ownerId }]);
    return true;
  });
}
