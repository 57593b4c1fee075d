import { sql, type Transaction } from 'kysely';
import { audit } from '../audit/audit.js';
import { activeStaffById, type SignedInStaff } from '../auth/staff.js';
import { loadModuleMetaById, type ModuleMeta } from '../crm/metadata.js';
import { type Actor, createRecordIn, type RecordData } from '../crm/records.js';
import { modulePermissions, staffRecordScope } from '../crm/staff-access.js';
import type { Database } from '../db/database.js';
import type { DB, Portal } from '../db/schema.js';
import { inviteRecord } from '../invitations/invite.js';
import { domainOf, emailField, type FailureReason } from '../invitations/reasons.js';
import { licencesUsed } from '../portals/user-types.js';
import { queueSignupMail } from './mail.js';
import type { PortalSignup, SignupDeps } from './types.js';

// What becomes of a confirmed sign-up: the waiting list when the type has no
// licence left, accepted at once from an allowed domain, else waiting for a
// staff decision. Approving creates (or links) the base-module record and
// invites it the usual way, every invitation rule applying again.

/**
 * Records of the base module at these addresses: an administrator chooses to
 * link one, never the system alone. A staff user deciding sees only the
 * records they may view (their module permission and record scope), as when
 * inviting; without one (a domain accepted at once) every record counts, so
 * that a match waits for a staff decision.
 */
export async function matchingRecords(db: Database, meta: ModuleMeta, emails: string[], viewer?: SignedInStaff) {
  const field = emailField(meta.fields);
  if (!field || emails.length === 0) return [];
  if (viewer && !(await modulePermissions(db, viewer, meta.module.id)).view) return [];
  // UNSCOPED READ: the sign-up approval shows records at the signing-up addresses, within the deciding staff user's record scope when there is one; only id and name leave.
  return db
    .selectFrom('records')
    .select(['id', 'display_name', sql<string>`lower(data->>${field.api_name})`.as('email')])
    .where('module_id', '=', meta.module.id)
    .where('deleted_at', 'is', null)
    .where(sql<boolean>`lower(data->>${field.api_name}) = any(${emails}::text[])`)
    .$if(viewer !== undefined, (q) => q.where(staffRecordScope(viewer as SignedInStaff, meta.module)))
    .orderBy('created_at')
    .limit(20 * emails.length)
    .execute();
}

/** Decides a just-confirmed sign-up and says where it stands. */
export async function settleConfirmed(deps: SignupDeps, portal: Portal, signupId: string): Promise<'pending' | 'waiting' | 'approved' | 'existing'> {
  const settled = await deps.db.transaction().execute(async (trx) => {
    const s = await trx.selectFrom('portal_signups').selectAll().where('id', '=', signupId).forUpdate().executeTakeFirstOrThrow();
    const typeId = s.user_type_id ?? portal.signup_user_type_id;
    const type = typeId ? await trx.selectFrom('portal_user_types').select(['id', 'user_limit']).where('id', '=', typeId).executeTakeFirst() : undefined;
    const taken = await trx
      .selectFrom('portal_users')
      .select('id')
      .where('portal_id', '=', portal.id)
      .where((eb) => eb(eb.fn('lower', ['email']), '=', s.email))
      .executeTakeFirst();
    if (taken) {
      await setStatus(trx, s, 'rejected', 'already_portal_user', null);
      return 'existing' as const;
    }
    // Signed up again while an earlier sign-up still waits: that one stands, this one goes.
    const earlier = await trx
      .selectFrom('portal_signups')
      .select('status')
      .where('portal_id', '=', portal.id)
      .where('email', '=', s.email)
      .where('status', 'in', ['pending', 'waiting'])
      .where('id', '<>', s.id)
      .executeTakeFirst();
    if (earlier) {
      await trx.deleteFrom('portal_signups').where('id', '=', s.id).execute();
      return earlier.status === 'waiting' ? ('waiting' as const) : ('pending' as const);
    }
    if (!type || (await licencesUsed(trx, type.id)) >= type.user_limit) {
      await toWaiting(trx, deps, portal, s, null);
      return 'waiting' as const;
    }
    if (portal.signup_domains.includes(domainOf(s.email))) return 'auto' as const;
    await queueSignupMail(trx, deps, portal, s.email, s.language, { kind: 'pending' });
    await audit(trx, { kind: 'system' }, 'portal_signup.pending', { type: 'portal_signup', id: s.id }, {});
    return 'pending' as const;
  });
  if (settled !== 'auto') return settled;
  const approved = await approveSignup(deps, { portalId: portal.id, signupId, staffId: null });
  if (approved.ok) return 'approved';
  if (approved.reason === 'licence_limit') return 'waiting';
  // A record already at that address (or anything else to settle) waits for a staff decision.
  await deps.db.transaction().execute(async (trx) => {
    const s = await trx.selectFrom('portal_signups').selectAll().where('id', '=', signupId).executeTakeFirstOrThrow();
    await queueSignupMail(trx, deps, portal, s.email, s.language, { kind: 'pending' });
  });
  return 'pending';
}

async function setStatus(trx: Transaction<DB>, s: PortalSignup, status: PortalSignup['status'], reason: string | null, staffId: string | null) {
  await trx
    .updateTable('portal_signups')
    .set({ status, reason, ...(status === 'approved' || status === 'rejected' ? { decided_by: staffId, decided_at: new Date() } : {}) })
    .where('id', '=', s.id)
    .execute();
  // A rejection's reason is the administrator's own words about the person: it stays on the sign-up, which erasure removes.
  const details = status === 'rejected' && reason !== 'already_portal_user' ? {} : { reason };
  await audit(trx, staffId ? { kind: 'staff', id: staffId } : { kind: 'system' }, `portal_signup.${status}`, { type: 'portal_signup', id: s.id }, details);
}

/** On the waiting list for a licence; told so by email when newly put there. */
async function toWaiting(trx: Transaction<DB>, deps: SignupDeps, portal: Portal, s: PortalSignup, staffId: string | null) {
  const already = s.status === 'waiting';
  await setStatus(trx, s, 'waiting', 'licence_limit', staffId);
  if (!already) await queueSignupMail(trx, deps, portal, s.email, s.language, { kind: 'waiting' });
}

/** Link an existing record at the address (named by id), or create a new one. */
export type ApproveChoice = { kind: 'new' } | { kind: 'link'; recordId: string };

export type ApproveResult =
  | { ok: true; portalUserId: string; recordId: string }
  | { ok: false; reason: 'not_found' | 'not_open' | 'choose_record' | 'no_owner' | 'no_type' | FailureReason };

/** An approval: by a staff user (who sees the records they may view), or null when accepted from an allowed domain. */
export type ApproveRequest = {
  portalId: string;
  signupId: string;
  staffId: string | null;
  choice?: ApproveChoice | undefined;
  viewer?: SignedInStaff | undefined;
};

/**
 * Approves a pending or waiting sign-up (staffId null: accepted from an
 * allowed domain). The record is created by the record service, owned by the
 * portal's sign-up owner, or the chosen existing one is linked; then it is
 * invited. A licence limit puts (or keeps) it on the waiting list.
 */
export async function approveSignup(deps: SignupDeps, req: ApproveRequest): Promise<ApproveResult> {
  const { db } = deps;
  const portal = await db.selectFrom('portals').selectAll().where('id', '=', req.portalId).executeTakeFirst();
  if (!portal) return { ok: false, reason: 'not_found' };
  // Choosing the record, inviting it and settling the sign-up take three transactions: no other decision
  // (a second approval, a rejection) may come between them. One being made answers "already decided".
  const decided = await whileDeciding(db, req.signupId, () => approveLocked(deps, portal, req));
  return decided ?? { ok: false, reason: 'not_open' };
}

/** The key of the lock a decision on one sign-up holds, approving (for its session) or rejecting (for its transaction). */
const decisionLock = (signupId: string) => sql`hashtext(${`portal_signup:decision:${signupId}`})`;

/** Runs `work` holding the sign-up's decision lock; undefined, without waiting, when another decision holds it. */
function whileDeciding<T>(db: Database, signupId: string, work: () => Promise<T>): Promise<T | undefined> {
  return db.connection().execute(async (conn) => {
    const { rows } = await sql<{ got: boolean }>`select pg_try_advisory_lock(${decisionLock(signupId)}) as got`.execute(conn);
    if (!rows[0]?.got) return undefined;
    try {
      return await work();
    } finally {
      await sql`select pg_advisory_unlock(${decisionLock(signupId)})`.execute(conn);
    }
  });
}

async function approveLocked(deps: SignupDeps, portal: Portal, req: ApproveRequest): Promise<ApproveResult> {
  const { db } = deps;
  const prepared = await db.transaction().execute(async (trx) => prepareRecord(trx, deps, portal, req));
  if (!prepared.ok) return prepared;
  const { signup, recordId, typeId, inviterId } = prepared;
  const outcome = await inviteRecord(deps, { recordId, userTypeId: typeId, staffId: inviterId });
  return db.transaction().execute(async (trx): Promise<ApproveResult> => {
    const s = await trx.selectFrom('portal_signups').selectAll().where('id', '=', signup.id).forUpdate().executeTakeFirstOrThrow();
    if (outcome.outcome === 'sent') {
      await trx.updateTable('portal_signups').set({ portal_user_id: outcome.portalUserId }).where('id', '=', s.id).execute();
      await setStatus(trx, s, 'approved', null, req.staffId);
      return { ok: true, portalUserId: outcome.portalUserId, recordId };
    }
    const reason = outcome.outcome === 'failed' ? outcome.reason : 'record_missing';
    if (reason === 'licence_limit') await toWaiting(trx, deps, portal, s, req.staffId);
    else {
      await trx.updateTable('portal_signups').set({ reason }).where('id', '=', s.id).execute();
      await audit(
        trx,
        req.staffId ? { kind: 'staff', id: req.staffId } : { kind: 'system' },
        'portal_signup.approval_failed',
        { type: 'portal_signup', id: s.id },
        { reason },
      );
    }
    return { ok: false, reason };
  });
}

type Prepared = { ok: true; signup: PortalSignup; recordId: string; typeId: string; inviterId: string };

/** Locks the sign-up and gives it its record: the one made by an earlier try, the chosen match, or a new one. */
async function prepareRecord(
  trx: Transaction<DB>,
  deps: SignupDeps,
  portal: Portal,
  req: Pick<ApproveRequest, 'signupId' | 'staffId' | 'choice' | 'viewer'>,
): Promise<Prepared | Extract<ApproveResult, { ok: false }>> {
  const s = await trx.selectFrom('portal_signups').selectAll().where('id', '=', req.signupId).where('portal_id', '=', portal.id).forUpdate().executeTakeFirst();
  if (!s) return { ok: false, reason: 'not_found' };
  if (s.status !== 'pending' && s.status !== 'waiting') return { ok: false, reason: 'not_open' };
  const typeId = s.user_type_id ?? portal.signup_user_type_id;
  const type = typeId ? await trx.selectFrom('portal_user_types').select(['id', 'base_module_id']).where('id', '=', typeId).executeTakeFirst() : undefined;
  const meta = type && (await loadModuleMetaById(trx, type.base_module_id));
  if (!type || !meta) return { ok: false, reason: 'no_type' };
  const owner = portal.signup_owner_id ? await activeStaffById(trx, portal.signup_owner_id) : undefined;
  if (!owner) return { ok: false, reason: 'no_owner' };
  // The owner sends the invitation, as the settings say, whoever approved.
  const inviterId = owner.id;
  if (s.record_id) return { ok: true, signup: s, recordId: s.record_id, typeId: type.id, inviterId };
  const matches = await matchingRecords(trx, meta, [s.email], req.viewer);
  let recordId: string;
  if (req.choice?.kind === 'link') {
    const chosen = req.choice.recordId;
    if (!matches.some((m) => m.id === chosen)) return { ok: false, reason: 'record_missing' };
    recordId = chosen;
  } else if (matches.length > 0 && req.choice?.kind !== 'new') {
    return { ok: false, reason: 'choose_record' };
  } else {
    const actor: Actor = req.staffId ? { kind: 'staff', id: req.staffId } : { kind: 'system' };
    const data = { ...(s.data as RecordData) };
    if (meta.byName.has('language') && data.language == null && s.language) data.language = s.language;
    const record = await createRecordIn(trx, actor, meta, { data, layoutId: meta.defaultLayout?.id ?? null, ownerId: owner.id }, { jobs: deps.boss });
    recordId = record.id;
  }
  await trx.updateTable('portal_signups').set({ record_id: recordId, user_type_id: type.id }).where('id', '=', s.id).execute();
  await audit(
    trx,
    req.staffId ? { kind: 'staff', id: req.staffId } : { kind: 'system' },
    'portal_signup.record_chosen',
    { type: 'portal_signup', id: s.id },
    {
      recordId,
      linked: req.choice?.kind === 'link',
    },
  );
  return { ok: true, signup: s, recordId, typeId: type.id, inviterId };
}

export const REJECT_REASON_MAX = 1000;

/** Rejects a pending or waiting sign-up with the reason the person is emailed. */
export async function rejectSignup(
  deps: SignupDeps,
  req: { portalId: string; signupId: string; staffId: string; reason: string },
): Promise<{ ok: true } | { ok: false; reason: 'not_found' | 'not_open' | 'reason_required' | 'reason_too_long' }> {
  const reason = req.reason.trim();
  if (!reason) return { ok: false, reason: 'reason_required' };
  if (reason.length > REJECT_REASON_MAX) return { ok: false, reason: 'reason_too_long' };
  return deps.db.transaction().execute(async (trx) => {
    // An approval under way holds the sign-up: it is being decided already.
    const { rows } = await sql<{ got: boolean }>`select pg_try_advisory_xact_lock(${decisionLock(req.signupId)}) as got`.execute(trx);
    if (!rows[0]?.got) return { ok: false, reason: 'not_open' } as const;
    const portal = await trx.selectFrom('portals').selectAll().where('id', '=', req.portalId).executeTakeFirst();
    const s =
      portal &&
      (await trx.selectFrom('portal_signups').selectAll().where('id', '=', req.signupId).where('portal_id', '=', portal.id).forUpdate().executeTakeFirst());
    if (!portal || !s) return { ok: false, reason: 'not_found' } as const;
    if (s.status !== 'pending' && s.status !== 'waiting') return { ok: false, reason: 'not_open' } as const;
    await setStatus(trx, s, 'rejected', reason, req.staffId);
    await queueSignupMail(trx, deps, portal, s.email, s.language, { kind: 'rejected', reason });
    return { ok: true } as const;
  });
}
