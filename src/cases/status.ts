import { sql, type Transaction } from 'kysely';
import type { AccessContext } from '../access/context.js';
import { allowedActions, findInScope } from '../access/engine.js';
import { audit } from '../audit/audit.js';
import type { ModuleMeta } from '../crm/metadata.js';
import { type Actor, type RecordData, updateRecordIn } from '../crm/records.js';
import type { Database } from '../db/database.js';
import type { CrmRecord, DB } from '../db/schema.js';

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
  const row = await db.selectFrom('portals').select('reopen_days').where('id', '=', portalId).executeTakeFirst();
  return row?.reopen_days ?? REOPEN_DAYS;
}

/** Sets a portal's reopening window: a whole number of days from 0 (never) to 365. */
export async function setReopenDays(db: Database, actor: Actor, portalId: string, raw: string): Promise<{ ok: true } | { ok: false; error: string }> {
  const days = /^\d{1,3}$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isInteger(days) || days < 0 || days > MAX_REOPEN_DAYS) return { ok: false, error: 'portals:cases.errors.reopenDays' };
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('portals').set({ reopen_days: days, updated_at: new Date() }).where('id', '=', portalId).execute();
    await audit(trx, actor, 'portal.reopen_days_set', { type: 'portal', id: portalId }, { days });
  });
  return { ok: true };
}

/** Whether M is the case module: a status picklist with the four help-desk states. */
export function isCaseModule(meta: ModuleMeta): boolean {
  const status = meta.byName.get('status');
  const values = new Set(status?.type === 'picklist' ? (status.options.values ?? []).map((v) => v.value) : []);
  return meta.module.api_name === CASE_MODULE && ['open', 'in_progress', 'waiting', 'closed'].every((v) => values.has(v));
}

export const caseStatus = (record: Pick<CrmRecord, 'data'>): string | undefined => {
  const value = (record.data as RecordData).status;
  return typeof value === 'string' ? value : undefined;
};

/** When the case was last closed, from its history (undefined when it is not closed). */
export async function closedAt(db: Database, meta: ModuleMeta, record: CrmRecord): Promise<Date | undefined> {
  const status = meta.byName.get('status');
  if (caseStatus(record) !== 'closed' || !status) return undefined;
  const row = await db
    .selectFrom('record_changes')
    .select('at')
    .where('record_id', '=', record.id)
    .where(sql<boolean>`changes @> ${JSON.stringify([{ field: status.id, new: 'closed' }])}::jsonb`)
    .orderBy('at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.at ?? record.updated_at;
}

export type CaseActions = { close: boolean; reopen: boolean };

/** What the customer may do with the status of a case they see: close it while open, reopen it within the window. */
export function caseActions(record: Pick<CrmRecord, 'data' | 'state'>, closed: Date | undefined, days: number, now = new Date()): CaseActions {
  const status = caseStatus(record);
  if (record.state !== 'active') return { close: false, reopen: false };
  const withinWindow = closed !== undefined && now.getTime() - closed.getTime() <= days * 86_400_000;
  return { close: status !== 'closed', reopen: status === 'closed' && withinWindow };
}

/** A customer's reply to a case waiting for them puts it back In Progress (in the reply's transaction). */
export async function afterCustomerReply(trx: Transaction<DB>, actor: Actor, meta: ModuleMeta, recordId: string): Promise<void> {
  if (!isCaseModule(meta)) return;
  const record = await trx.selectFrom('records').selectAll().where('id', '=', recordId).forUpdate().executeTakeFirst();
  if (!record || caseStatus(record) !== 'waiting') return;
  await updateRecordIn(trx, actor, meta, record, { ...(record.data as RecordData), status: 'in_progress' }, record.version);
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
  const allowed = caseActions(record, closed, days);
  if (!allowed[change]) return { ok: false, status: 409 };
  const actor: Actor = { kind: 'portal', id: user.id, ownerId: user.invitedBy };
  const status: CaseStatus = change === 'close' ? 'closed' : 'open';
  const result = await db.transaction().execute(async (trx) => {
    const updated = await updateRecordIn(trx, actor, meta, record, { ...(record.data as RecordData), status }, record.version);
    if (updated.ok)
      await audit(trx, { kind: 'portal', id: user.id }, `portal.case_${change === 'close' ? 'closed' : 'reopened'}`, { type: 'record', id: record.id }, {});
    return updated;
  });
  return result.ok ? { ok: true } : { ok: false, status: result.reason === 'gone' ? 404 : 409 };
}
