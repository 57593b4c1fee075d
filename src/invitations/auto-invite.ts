import { audit } from '../audit/audit.js';
import type { StoredValue } from '../crm/field-types.js';
import { loadModuleMetaById, type ModuleMeta } from '../crm/metadata.js';
import type { RecordData } from '../crm/records.js';
import type { Database } from '../db/database.js';
import type { CrmRecord, Field, PortalUserType } from '../db/schema.js';
import { isUuid } from '../http/input.js';
import type { AutoInviteJob } from '../jobs/queues.js';
import { type InviteDeps, type InviteOutcome, inviteRecord } from './invite.js';

// "Invite records of the base module when field F equals V": rules per user
// type, applied when a record is created or changed so that it matches (by
// staff, an import, a lead's conversion or a portal user), as a job queued
// with the write.
// They invite through the same path as a person would, with the same
// outcomes and reasons; a record that is already a portal user is left alone.

export const RULE_FIELD_TYPES = ['picklist', 'boolean', 'text'] as const;
export const RULE_VALUE_MAX = 200;

export type AutoInviteRule = { id: string; fieldId: string; value: string; createdAt: Date };
export type RuleErrors = Partial<Record<'field' | 'value', { key: string }>>;

/** The base module's fields a rule may test: live, top-level picklists, checkboxes and text fields. */
export function ruleFields(meta: ModuleMeta): Field[] {
  return meta.fields.filter((f) => (RULE_FIELD_TYPES as readonly string[]).includes(f.type) && !f.options.computed);
}

export async function listRules(db: Database, userTypeId: string): Promise<AutoInviteRule[]> {
  const rows = await db
    .selectFrom('auto_invite_rules')
    .select(['id', 'field_id', 'value', 'created_at'])
    .where('user_type_id', '=', userTypeId)
    .orderBy('created_at')
    .execute();
  return rows.map((r) => ({ id: r.id, fieldId: r.field_id, value: r.value, createdAt: r.created_at }));
}

/** The value as stored for a rule on this field, or an error: a picklist value it offers, true/false, or some text. */
function ruleValue(field: Field, raw: string): string | undefined {
  const value = raw.trim();
  if (field.type === 'picklist') return field.options.values?.some((v) => v.value === value) ? value : undefined;
  if (field.type === 'boolean') return value === 'true' || value === 'false' ? value : undefined;
  return value && value.length <= RULE_VALUE_MAX ? value : undefined;
}

export type AddRuleResult = { ok: true } | { ok: false; errors: RuleErrors };

export async function addRule(
  db: Database,
  staffId: string,
  type: PortalUserType,
  meta: ModuleMeta,
  input: { fieldId: string; value: string },
): Promise<AddRuleResult> {
  const field = ruleFields(meta).find((f) => f.id === input.fieldId);
  if (!field || meta.module.id !== type.base_module_id) return { ok: false, errors: { field: { key: 'portalusers:auto.errors.field' } } };
  const value = ruleValue(field, input.value);
  if (value === undefined) return { ok: false, errors: { value: { key: 'portalusers:auto.errors.value' } } };
  return db.transaction().execute(async (trx) => {
    const added = await trx
      .insertInto('auto_invite_rules')
      .values({ user_type_id: type.id, field_id: field.id, value, created_by: staffId })
      .onConflict((oc) => oc.constraint('auto_invite_rules_key').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!added) return { ok: false as const, errors: { value: { key: 'portalusers:auto.errors.duplicate' } } };
    await audit(
      trx,
      { kind: 'staff', id: staffId },
      'portal_user_type.auto_invite_added',
      { type: 'portal_user_type', id: type.id },
      {
        ruleId: added.id,
        field: field.api_name,
        value,
      },
    );
    return { ok: true as const };
  });
}

export async function deleteRule(db: Database, staffId: string, type: PortalUserType, ruleId: string): Promise<boolean> {
  if (!isUuid(ruleId)) return false;
  return db.transaction().execute(async (trx) => {
    const gone = await trx
      .deleteFrom('auto_invite_rules')
      .where('id', '=', ruleId)
      .where('user_type_id', '=', type.id)
      .returning(['field_id', 'value'])
      .executeTakeFirst();
    if (!gone) return false;
    await audit(
      trx,
      { kind: 'staff', id: staffId },
      'portal_user_type.auto_invite_removed',
      { type: 'portal_user_type', id: type.id },
      {
        ruleId,
        fieldId: gone.field_id,
        value: gone.value,
      },
    );
    return true;
  });
}

/** Whether a record's value of the field is the rule's value (text compares without case or surrounding spaces). */
export function matches(field: Pick<Field, 'type'>, stored: unknown, value: string): boolean {
  if (field.type === 'boolean') return stored === (value === 'true');
  if (typeof stored !== 'string') return false;
  if (field.type === 'text') return stored.trim().toLowerCase() === value.trim().toLowerCase();
  return stored === value;
}

/**
 * The user types whose rules the record's data now matches and did not match
 * before the change (every matching type for a new record), in the order
 * portals and types are shown.
 */
async function newlyMatchedTypes(db: Database, meta: ModuleMeta, data: RecordData, before: RecordData | undefined): Promise<string[]> {
  const rules = await db
    .selectFrom('auto_invite_rules as a')
    .innerJoin('portal_user_types as t', 't.id', 'a.user_type_id')
    .innerJoin('portals as p', 'p.id', 't.portal_id')
    .select(['a.user_type_id', 'a.field_id', 'a.value'])
    .where('t.base_module_id', '=', meta.module.id)
    .orderBy('p.position')
    .orderBy('t.is_default', 'desc')
    .orderBy('t.position')
    .orderBy('a.created_at')
    .execute();
  const typeIds: string[] = [];
  for (const rule of rules) {
    const field = meta.byId.get(rule.field_id);
    if (!field || field.parent_field_id) continue;
    const now = matches(field, data[field.api_name], rule.value);
    const was = before !== undefined && matches(field, before[field.api_name], rule.value);
    if (now && !was && !typeIds.includes(rule.user_type_id)) typeIds.push(rule.user_type_id);
  }
  return typeIds;
}

/**
 * After a record was saved: the rules of its module it now matches (and did
 * not match before the change) invite it, with the given staff user as the
 * inviter, one type after another until one invitation is sent. Undefined
 * when no rule applies, or the record is a portal user already.
 */
export async function autoInvite(
  deps: InviteDeps,
  staffId: string,
  meta: ModuleMeta,
  record: CrmRecord,
  before: RecordData | undefined,
): Promise<InviteOutcome | undefined> {
  const typeIds = await newlyMatchedTypes(deps.db, meta, record.data as RecordData, before);
  if (typeIds.length === 0) return undefined;
  const already = await deps.db.selectFrom('portal_users').select('id').where('record_id', '=', record.id).executeTakeFirst();
  if (already) return undefined;
  let first: InviteOutcome | undefined;
  for (const userTypeId of typeIds) {
    const outcome = await inviteRecord(deps, { recordId: record.id, userTypeId, staffId });
    if (outcome.outcome === 'sent') return outcome;
    first ??= outcome;
  }
  return first;
}

/**
 * The job queued by a record write (crm/records.ts): the record as it is now,
 * judged against what that write changed. A record gone to the recycle bin
 * since is left alone, and one invited meanwhile is a portal user already, so
 * a repeated job invites nobody twice.
 */
export async function autoInviteWritten(deps: InviteDeps, job: AutoInviteJob): Promise<InviteOutcome | undefined> {
  if (!isUuid(job.recordId)) return undefined;
  // UNSCOPED READ: a job's own record, named by the write that queued it.
  const record = await deps.db.selectFrom('records').selectAll().where('id', '=', job.recordId).where('deleted_at', 'is', null).executeTakeFirst();
  if (!record) return undefined;
  const meta = await loadModuleMetaById(deps.db, record.module_id);
  if (!meta) return undefined;
  let before: RecordData | undefined;
  if (job.before) {
    before = { ...(record.data as RecordData) };
    for (const [fieldId, old] of Object.entries(job.before)) {
      const field = meta.byId.get(fieldId);
      if (field) before[field.api_name] = old as StoredValue;
    }
  }
  return autoInvite(deps, job.inviterId, meta, record, before);
}

/**
 * For the staff page after a save: whether the save queued an invitation, that
 * is, it made the record match a rule while it was no portal user. A portal
 * user created after the save is the queued invitation itself.
 */
export async function autoInviteQueued(db: Database, meta: ModuleMeta, record: CrmRecord, before: RecordData | undefined): Promise<boolean> {
  const typeIds = await newlyMatchedTypes(db, meta, record.data as RecordData, before);
  if (typeIds.length === 0) return false;
  const already = await db
    .selectFrom('portal_users')
    .select('id')
    .where('record_id', '=', record.id)
    .where('created_at', '<', record.updated_at)
    .executeTakeFirst();
  return !already;
}
