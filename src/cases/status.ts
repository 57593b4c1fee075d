import { sql, type Transaction } from 'kysely';
import type { AccessContext } from '../access/context.js';
import { allowedActions, findInScope } from '../access/engine.js';
import { audit } from '../audit/audit.js';
import type { ModuleMeta } from '../crm/metadata.js';
import { type Actor, createRecordIn, type RecordData, updateRecordIn } from '../crm/records.js';
import { snapshotFor } from '../db/config-snapshot.js';
import type { Database } from '../db/database.js';
import type { CrmRecord, DB, Field } from '../db/schema.js';

// A case is a record of the case module; its status follows the help-desk
// norms: a customer's reply to a case waiting for them puts it back In
// Progress; customers close their own case and reopen it within a window.
// Every change is a record change like any other, so it is in the history.

export const CASE_MODULE = 'cases';
export type CaseStatus = 'open' | 'in_progress' | 'waiting' | 'closed';
/** Days after closing in which the customer may reopen a case, unless the portal says otherwise. */
export const REOPEN_DAYS = 30;
export const MAX_REOPEN_DAYS = 365;

/** The portal's reopening window, in days. */
export async function reopenDays(db: Database, portalId: string): Promise<number> {
  const snapshot = snapshotFor(db);
  if (snapshot) return snapshot.portalsById.get(portalId)?.reopen_days ?? REOPEN_DAYS;
  const row = await db.selectFrom('portals').select('reopen_days').where('id', '=', portalId).executeTakeFirst();
  return row?.reopen_days ?? REOPEN_DAYS;
}

/** A portal's reopening window as typed: a whole number of days from 0 (never) to 365, or the message why it is not one. */
export function checkReopenDays(raw: string): { ok: true; value: number } | { ok: false; error: string } {
  const days = /^\d{1,3}$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isInteger(days) || days < 0 || days > MAX_REOPEN_DAYS) return { ok: false, error: 'portals:cases.errors.reopenDays' };
  return { ok: true, value: days };
}

export const CASE_STATES: readonly CaseStatus[] = ['open', 'in_progress', 'waiting', 'closed'];

/** A case module's status field and the picklist value that stands for each state. */
export type CaseSetup = { status: Field; values: Record<CaseStatus, string>; stateOf: Map<string, CaseStatus> };

/**
 * M's case set-up: the status picklist its configuration names, when every
 * state maps to a live value of it (the Cases module by default; any module
 * an admin configures). Undefined for any other module.
 */
export function caseSetup(meta: ModuleMeta): CaseSetup | undefined {
  const config = meta.module.case_config;
  const status = config ? meta.byId.get(config.statusFieldId) : undefined;
  if (!config || status?.type !== 'picklist' || status.parent_field_id) return undefined;
  const live = new Set((status.options.values ?? []).map((v) => v.value));
  if (!CASE_STATES.every((s) => live.has(config.states[s]))) return undefined;
  return { status, values: config.states, stateOf: new Map(CASE_STATES.map((s) => [config.states[s], s])) };
}

export type CaseConfigResult = { ok: true } | { ok: false; error: string };

/**
 * Makes M a case module (or, with `undefined`, stops it being one): each of
 * the four states chosen as `fieldId|value` of one top-level picklist of M,
 * four different values.
 */
export async function setCaseConfig(db: Database, actor: Actor, meta: ModuleMeta, chosen: Record<CaseStatus, string> | undefined): Promise<CaseConfigResult> {
  let config: { statusFieldId: string; states: Record<CaseStatus, string> } | null = null;
  if (chosen) {
    const parts = CASE_STATES.map((s) => (chosen[s] ?? '').split('|'));
    if (parts.some((p) => p.length !== 2 || !p[0] || !p[1])) return { ok: false, error: 'settings:cases.errors.incomplete' };
    const fieldIds = new Set(parts.map((p) => p[0]));
    const field = meta.byId.get(parts[0]?.[0] ?? '');
    if (fieldIds.size !== 1 || field?.type !== 'picklist' || field.parent_field_id || field.deleted_at)
      return { ok: false, error: 'settings:cases.errors.sameField' };
    const values = parts.map((p) => p[1] as string);
    const live = new Set((field.options.values ?? []).map((v) => v.value));
    if (new Set(values).size !== 4 || !values.every((v) => live.has(v))) return { ok: false, error: 'settings:cases.errors.distinct' };
    config = { statusFieldId: field.id, states: Object.fromEntries(CASE_STATES.map((s, i) => [s, values[i]])) as Record<CaseStatus, string> };
  }
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('modules')
      .set({ case_config: config ? JSON.stringify(config) : null })
      .where('id', '=', meta.module.id)
      .execute();
    await audit(trx, actor, 'module.case_config_set', { type: 'module', id: meta.module.id }, { config });
  });
  return { ok: true };
}

/** Whether M is a case module. */
export const isCaseModule = (meta: ModuleMeta): boolean => caseSetup(meta) !== undefined;

/** The state of a case record, read through its module's set-up. */
export function caseState(meta: ModuleMeta, record: Pick<CrmRecord, 'data'>): CaseStatus | undefined {
  const setup = caseSetup(meta);
  const value = setup ? (record.data as RecordData)[setup.status.api_name] : undefined;
  return typeof value === 'string' ? setup?.stateOf.get(value) : undefined;
}

/** The record's data with its status set to a state. */
function withState(setup: CaseSetup, record: CrmRecord, state: CaseStatus): RecordData {
  return { ...(record.data as RecordData), [setup.status.api_name]: setup.values[state] };
}

/** When the case was last closed, from its history (undefined when it is not closed). */
/** The record_changes entry that closes a case, when the case is closed: its closing time is that entry's latest. */
export function closingChange(meta: ModuleMeta, record: Pick<CrmRecord, 'data'>): { field: string; new: string } | undefined {
  const setup = caseSetup(meta);
  if (!setup || caseState(meta, record) !== 'closed') return undefined;
  return { field: setup.status.id, new: setup.values.closed };
}

export async function closedAt(db: Database, meta: ModuleMeta, record: CrmRecord): Promise<Date | undefined> {
  const setup = caseSetup(meta);
  if (!setup || caseState(meta, record) !== 'closed') return undefined;
  const row = await db
    .selectFrom('record_changes')
    .select('at')
    .where('record_id', '=', record.id)
    .where(sql<boolean>`changes @> ${JSON.stringify([{ field: setup.status.id, new: setup.values.closed }])}::jsonb`)
    .orderBy('at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.at ?? record.updated_at;
}

export type CaseActions = { close: boolean; reopen: boolean };

/** What the customer may do with the status of a case they see: close it while open, reopen it within the window. */
export function caseActions(
  meta: ModuleMeta,
  record: Pick<CrmRecord, 'data' | 'state'>,
  closed: Date | undefined,
  days: number,
  now = new Date(),
): CaseActions {
  const status = caseState(meta, record);
  if (record.state !== 'active') return { close: false, reopen: false };
  const withinWindow = closed !== undefined && now.getTime() - closed.getTime() <= days * 86_400_000;
  return { close: status !== 'closed', reopen: status === 'closed' && withinWindow };
}

/**
 * What a customer's reply does to a case (the case module only): a case
 * waiting for them goes back In Progress; a closed one within the reopening
 * window is reopened; a closed one past it stays closed and the reply opens a
 * new case instead, linked to it.
 */
export type ReplyEffect = 'note' | 'follow_up';

export async function replyEffect(db: Database, portalId: string, meta: ModuleMeta, record: CrmRecord): Promise<ReplyEffect> {
  if (caseState(meta, record) !== 'closed') return 'note';
  const [closed, days] = await Promise.all([closedAt(db, meta, record), reopenDays(db, portalId)]);
  return caseActions(meta, record, closed, days).reopen ? 'note' : 'follow_up';
}

/** After a customer's reply, in its transaction: waiting → In Progress, closed (within the window) → Open. */
export async function afterCustomerReply(trx: Transaction<DB>, actor: Actor, meta: ModuleMeta, recordId: string): Promise<void> {
  const setup = caseSetup(meta);
  if (!setup) return;
  // Not FOR UPDATE: the note just inserted holds the KEY SHARE lock its foreign key takes, and FOR UPDATE
  // waits on other transactions' KEY SHARE, so two replies to one case at once would deadlock.
  // UNSCOPED READ: the case U just replied on, which the caller (addPortalNote) found through U's row scope; read again to move its status.
  const record = await trx.selectFrom('records').selectAll().where('id', '=', recordId).forNoKeyUpdate().executeTakeFirst();
  const state = record ? caseState(meta, record) : undefined;
  if (!record || (state !== 'waiting' && state !== 'closed')) return;
  await updateRecordIn(trx, actor, meta, record, withState(setup, record, state === 'waiting' ? 'in_progress' : 'open'), record.version);
}

/**
 * The case a reply to a case closed too long ago opens: the old case's
 * values (so it stays linked to the same customer and owner), Open, the reply
 * as its description, no resolution, and the old case as its previous case.
 */
export async function openFollowUpCase(
  trx: Transaction<DB>,
  actor: Actor & { kind: 'portal' },
  meta: ModuleMeta,
  previous: CrmRecord,
  body: string,
): Promise<CrmRecord> {
  const setup = caseSetup(meta);
  if (!setup) throw new Error('not a case module');
  const data = withState(setup, previous, 'open');
  const description = meta.byName.get('description');
  if (description?.type === 'textarea' || description?.type === 'text') data[description.api_name] = body.trim();
  if (meta.byName.has('resolution')) delete data.resolution;
  const link = meta.byName.get('previous_case');
  if (link?.type === 'lookup' && link.options.targetModuleId === meta.module.id) data[link.api_name] = previous.id;
  const created = await createRecordIn(trx, { ...actor, ownerId: previous.owner_id }, meta, { data, layoutId: previous.layout_id, ownerId: previous.owner_id });
  await audit(trx, { kind: 'portal', id: actor.id }, 'portal.case_followed_up', { type: 'record', id: created.id }, { previous: previous.id });
  return created;
}

export type StatusChange = { ok: true } | { ok: false; status: 403 | 404 | 409 };

/**
 * The customer closes or reopens a case in their scope: only a case they can
 * see, not locked, and only the change its state allows. Audited; in the history.
 */
export async function changeCaseStatus(db: Database, ctx: AccessContext, meta: ModuleMeta, id: string, change: 'close' | 'reopen'): Promise<StatusChange> {
  if (!isCaseModule(meta)) return { ok: false, status: 404 };
  const record = await findInScope(db, ctx, meta.module.id, id);
  if (!record || !allowedActions(ctx, meta.module.id, record).view) return { ok: false, status: 404 };
  const user = ctx.user;
  const tab = ctx.tabs.get(meta.module.id);
  if (!user || ctx.readOnly || tab?.kind === 'public') return { ok: false, status: 403 };
  const [closed, days] = await Promise.all([closedAt(db, meta, record), reopenDays(db, ctx.portalId)]);
  const setup = caseSetup(meta);
  const allowed = caseActions(meta, record, closed, days);
  if (!setup || !allowed[change]) return { ok: false, status: 409 };
  const actor: Actor = { kind: 'portal', id: user.id, ownerId: user.invitedBy };
  const state: CaseStatus = change === 'close' ? 'closed' : 'open';
  const result = await db.transaction().execute(async (trx) => {
    const updated = await updateRecordIn(trx, actor, meta, record, withState(setup, record, state), record.version);
    if (updated.ok)
      await audit(trx, { kind: 'portal', id: user.id }, `portal.case_${change === 'close' ? 'closed' : 'reopened'}`, { type: 'record', id: record.id }, {});
    return updated;
  });
  return result.ok ? { ok: true } : { ok: false, status: result.reason === 'gone' ? 404 : 409 };
}
