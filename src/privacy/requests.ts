import { sql, type Transaction } from 'kysely';
import type { PgBoss } from 'pg-boss';
import { privacyRequestEmail } from '../../views/emails/privacy-request.js';
import { audit } from '../audit/audit.js';
import type { Database } from '../db/database.js';
import type { DB, PrivacyRequest, PrivacyRequestEvent, PrivacyRequestKind, PrivacyRequestStatus } from '../db/schema.js';
import { isUuid } from '../http/input.js';
import { createFormatters } from '../i18n/format.js';
import { translator } from '../i18n/i18n.js';
import { isLanguage, type Language } from '../i18n/languages.js';
import { enqueueEmail, enqueueEmails } from '../mail/outbox.js';
import { renderEmail } from '../mail/render.js';
import { emailBrand, portalPublicUrl } from '../portals/branding.js';

// Data-subject requests: a person (through their portal, for themselves or a
// record they created there) or staff on their behalf ask for an export, an
// erasure, a rectification or that processing stop. Each is due one month
// after it was filed; staff may extend it once by up to two further months,
// saying why. Every step is in the request's history; the organization hears
// of each new request, the person of each change of status, in their language.

export const REQUEST_KINDS = ['export', 'rectification', 'stop_processing', 'erasure'] as const satisfies readonly PrivacyRequestKind[];
export const REQUEST_STATUSES = ['submitted', 'in_progress', 'extended', 'completed', 'rejected'] as const satisfies readonly PrivacyRequestStatus[];
export const OPEN_STATUSES: readonly PrivacyRequestStatus[] = ['submitted', 'in_progress', 'extended'];
export const DETAILS_MAX = 5000;
export const REASON_MAX = 2000;

export const isRequestKind = (v: unknown): v is PrivacyRequestKind => REQUEST_KINDS.includes(v as PrivacyRequestKind);
export const isOpen = (r: Pick<PrivacyRequest, 'status'>) => OPEN_STATUSES.includes(r.status);

export type Requester = { kind: 'portal'; id: string; language: string } | { kind: 'staff'; id: string };
export type PrivacyDeps = { boss: PgBoss; baseUrl: string };

export type FileProblem = 'kind' | 'details_required' | 'details_too_long' | 'already_open' | 'subject';
export type FileResult = { ok: true; request: PrivacyRequest } | { ok: false; problem: FileProblem };

/**
 * Files a request about a record. The caller has decided the requester may
 * (the portal asks the engine which records are the user's to speak for).
 */
export async function fileRequest(
  db: Database,
  deps: PrivacyDeps,
  input: { recordId: string; kind: unknown; details: string; requester: Requester },
): Promise<FileResult> {
  if (!isRequestKind(input.kind)) return { ok: false, problem: 'kind' };
  const kind = input.kind;
  const details = input.details.trim();
  if (kind === 'rectification' && details === '') return { ok: false, problem: 'details_required' };
  if (details.length > DETAILS_MAX) return { ok: false, problem: 'details_too_long' };
  return db.transaction().execute(async (trx) => {
    // One open request of a kind per record and requester: the same ask twice is one piece of work.
    // UNSCOPED READ: locks the subject by id and reads only its id; the portal found the subject through privacySubject first.
    const locked = await trx.selectFrom('records').select('id').where('id', '=', input.recordId).forUpdate().executeTakeFirst();
    if (!locked) return { ok: false, problem: 'subject' } as const;
    const open = await trx
      .selectFrom('privacy_requests')
      .select('id')
      .where('record_id', '=', input.recordId)
      .where('requested_by_id', '=', input.requester.id)
      .where('kind', '=', kind)
      .where('status', 'in', OPEN_STATUSES)
      .executeTakeFirst();
    if (open) return { ok: false, problem: 'already_open' } as const;
    const org = await trx.selectFrom('org').select(['default_language', 'privacy_contact', 'name', 'time_zone', 'time_format']).executeTakeFirstOrThrow();
    const language = input.requester.kind === 'portal' && isLanguage(input.requester.language) ? input.requester.language : org.default_language;
    const request = await trx
      .insertInto('privacy_requests')
      .values({
        record_id: input.recordId,
        kind,
        details,
        requested_by_kind: input.requester.kind,
        requested_by_id: input.requester.id,
        portal_user_id: input.requester.kind === 'portal' ? input.requester.id : null,
        language,
        due_at: sql<Date>`now() + interval '1 month'`,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await addEvent(trx, request.id, input.requester, 'submitted', {});
    await audit(trx, input.requester, 'privacy.request_filed', { type: 'privacy_request', id: request.id }, { kind, recordId: input.recordId });
    await tellOrganization(trx, deps, request, org);
    return { ok: true, request } as const;
  });
}

async function addEvent(
  trx: Transaction<DB>,
  requestId: string,
  actor: { kind: 'staff' | 'portal'; id: string } | { kind: 'system' },
  event: string,
  details: Record<string, unknown>,
) {
  await trx
    .insertInto('privacy_request_events')
    .values({ request_id: requestId, actor_kind: actor.kind, actor_id: actor.kind === 'system' ? null : actor.id, event, details: JSON.stringify(details) })
    .execute();
}

const languageOf = (v: string | null | undefined, fallback: string): Language => (isLanguage(v) ? v : isLanguage(fallback) ? fallback : 'en');

async function tellOrganization(
  trx: Transaction<DB>,
  deps: PrivacyDeps,
  request: PrivacyRequest,
  org: { default_language: string; privacy_contact: string | null; name: string; time_zone: string; time_format: '12h' | '24h' },
) {
  const recipients = org.privacy_contact
    ? [{ email: org.privacy_contact, language: null, time_zone: null, time_format: null }]
    : await trx
        .selectFrom('staff_users as s')
        .innerJoin('profiles as p', 'p.id', 's.profile_id')
        .select(['s.email', 's.language', 's.time_zone', 's.time_format'])
        .where('p.is_admin', '=', true)
        .where('s.active', '=', true)
        .execute();
  const emails = [];
  for (const r of recipients) {
    const language = languageOf(r.language, org.default_language);
    const t = translator(language);
    const fmt = createFormatters({ language, timeZone: r.time_zone ?? org.time_zone, timeFormat: r.time_format ?? org.time_format });
    const email = await renderEmail(
      privacyRequestEmail,
      {
        to: 'organization',
        number: request.number,
        kindLabel: t(`privacy:kinds.${request.kind}`),
        statusLabel: t(`privacy:statuses.${request.status}`),
        due: fmt.date(request.due_at),
        reason: '',
        url: `${deps.baseUrl}/admin/privacy/requests/${request.id}`,
        orgName: org.name,
      },
      language,
    );
    emails.push({ to: { address: r.email }, email });
  }
  await enqueueEmails(trx, deps.boss, emails);
}

/** The person hears of the request's new status: the portal user who filed it, or else the record's own address. */
async function tellPerson(trx: Transaction<DB>, deps: PrivacyDeps, request: PrivacyRequest, reason: string) {
  const org = await trx.selectFrom('org').select(['name', 'default_language', 'time_zone', 'time_format']).executeTakeFirstOrThrow();
  const user = request.portal_user_id
    ? await trx
        .selectFrom('portal_users as u')
        .innerJoin('portals as p', 'p.id', 'u.portal_id')
        .select(['u.email', 'u.language', 'u.time_zone', 'u.time_format', 'p.name', 'p.slug', 'p.domain', 'p.accent_color', 'p.logo_hash'])
        .where('u.id', '=', request.portal_user_id)
        .executeTakeFirst()
    : undefined;
  // UNSCOPED READ: the address on the request's own record, to tell the person about their own request.
  const record = user
    ? undefined
    : await trx.selectFrom('records').select(sql<string | null>`data->>'email'`.as('email')).where('id', '=', request.record_id).executeTakeFirst();
  const address = user?.email ?? record?.email;
  if (!address) return;
  // The person's language today, else the one they filed the request in.
  const language = languageOf(user?.language ?? request.language, org.default_language);
  const t = translator(language);
  const fmt = createFormatters({ language, timeZone: user?.time_zone ?? org.time_zone, timeFormat: user?.time_format ?? org.time_format });
  const email = await renderEmail(
    privacyRequestEmail,
    {
      to: 'person',
      number: request.number,
      kindLabel: t(`privacy:kinds.${request.kind}`),
      statusLabel: t(`privacy:statuses.${request.status}`),
      due: fmt.date(request.due_at),
      reason,
      url: user ? `${portalPublicUrl(deps.baseUrl, user)}/privacy/requests/${request.id}` : undefined,
      orgName: org.name,
      brand: user ? emailBrand(deps.baseUrl, user) : undefined,
    },
    language,
  );
  await enqueueEmail(trx, deps.boss, { address }, email);
}

export type ActionProblem = 'not_open' | 'conflict' | 'reason_required' | 'reason_too_long' | 'already_extended' | 'months' | 'not_submitted';
export type StaffAction = { kind: 'accept' } | { kind: 'reject'; reason: string } | { kind: 'extend'; months: number; reason: string } | { kind: 'complete' };
export type ActionResult = { ok: true; request: PrivacyRequest; work?: 'export' | 'erasure' } | { ok: false; problem: ActionProblem };

/**
 * A staff step on a request, checked against the version the page was drawn
 * from. Completing an export or an erasure queues its job (returned as
 * `work`); the request is completed when the job has done it.
 */
export async function actOnRequest(
  db: Database,
  deps: PrivacyDeps,
  staffId: string,
  requestId: string,
  version: number,
  action: StaffAction,
  work: { queue(trx: Transaction<DB>, request: PrivacyRequest): Promise<void>; stopProcessing(trx: Transaction<DB>, request: PrivacyRequest): Promise<void> },
): Promise<ActionResult> {
  const reason = 'reason' in action ? action.reason.trim() : '';
  if ((action.kind === 'reject' || action.kind === 'extend') && reason === '') return { ok: false, problem: 'reason_required' };
  if (reason.length > REASON_MAX) return { ok: false, problem: 'reason_too_long' };
  if (action.kind === 'extend' && ![1, 2].includes(action.months)) return { ok: false, problem: 'months' };
  const staff = { kind: 'staff' as const, id: staffId };
  return db.transaction().execute(async (trx): Promise<ActionResult> => {
    const current = await trx.selectFrom('privacy_requests').selectAll().where('id', '=', requestId).forUpdate().executeTakeFirst();
    if (!current || !isOpen(current)) return { ok: false, problem: 'not_open' };
    if (current.version !== version) return { ok: false, problem: 'conflict' };
    if (current.outcome.working) return { ok: false, problem: 'not_open' };
    const update = trx.updateTable('privacy_requests').where('id', '=', requestId).returningAll();
    const bump = { version: sql<number>`version + 1`, handled_by: staffId };
    let request: PrivacyRequest;
    let queued: 'export' | 'erasure' | undefined;
    switch (action.kind) {
      case 'accept':
        if (current.status !== 'submitted' && !(current.status === 'extended' && !(await wasAccepted(trx, current.id))))
          return { ok: false, problem: 'not_submitted' };
        request = await update.set({ ...bump, status: 'in_progress' }).executeTakeFirstOrThrow();
        await addEvent(trx, requestId, staff, 'accepted', {});
        break;
      case 'reject':
        request = await update.set({ ...bump, status: 'rejected', rejection_reason: reason, closed_at: new Date() }).executeTakeFirstOrThrow();
        await addEvent(trx, requestId, staff, 'rejected', { reason });
        break;
      case 'extend':
        if (current.extended_at) return { ok: false, problem: 'already_extended' };
        request = await update
          .set({
            ...bump,
            status: 'extended',
            extended_at: new Date(),
            extension_reason: reason,
            due_at: sql<Date>`due_at + make_interval(months => ${action.months})`,
          })
          .executeTakeFirstOrThrow();
        await addEvent(trx, requestId, staff, 'extended', { reason, months: action.months, due: request.due_at.toISOString() });
        break;
      case 'complete':
        if (current.kind === 'export' || current.kind === 'erasure') {
          request = await update
            .set({
              ...bump,
              status: current.status === 'submitted' ? 'in_progress' : current.status,
              outcome: JSON.stringify({ ...current.outcome, working: true }),
            })
            .executeTakeFirstOrThrow();
          await addEvent(trx, requestId, staff, current.kind === 'export' ? 'export_started' : 'erasure_started', {});
          await work.queue(trx, request);
          queued = current.kind;
          await audit(trx, staff, `privacy.${current.kind}_started`, { type: 'privacy_request', id: requestId }, {});
          // Work has started: the person hears of it now (once in progress), and again when the job has done it.
          if (request.status !== current.status) await tellPerson(trx, deps, request, '');
          return { ok: true, request, work: queued };
        }
        if (current.kind === 'rectification') return { ok: false, problem: 'not_open' };
        await work.stopProcessing(trx, current);
        request = await closeCompleted(trx, staff, current, {});
        break;
    }
    await audit(
      trx,
      staff,
      `privacy.request_${action.kind}`,
      { type: 'privacy_request', id: requestId },
      action.kind === 'extend' ? { months: action.months } : {},
    );
    await tellPerson(trx, deps, request, reason);
    return { ok: true, request, work: queued };
  });
}

/** Whether staff accepted the request at some point (an extension can come first). */
export async function wasAccepted(db: Database, requestId: string): Promise<boolean> {
  const row = await db.selectFrom('privacy_request_events').select('id').where('request_id', '=', requestId).where('event', '=', 'accepted').executeTakeFirst();
  return row !== undefined;
}

/** Marks an open request completed with what the work did, in the caller's transaction. */
export async function closeCompleted(
  trx: Transaction<DB>,
  actor: { kind: 'staff'; id: string } | { kind: 'system' },
  request: PrivacyRequest,
  outcome: Record<string, unknown>,
): Promise<PrivacyRequest> {
  const done = await trx
    .updateTable('privacy_requests')
    .set({ status: 'completed', closed_at: new Date(), outcome: JSON.stringify(outcome), version: sql<number>`version + 1` })
    .where('id', '=', request.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await addEvent(trx, request.id, actor, 'completed', outcome);
  return done;
}

/** The job's end of an export or erasure: completed, and the person told (unless there is nobody left to tell). */
export async function finishWork(trx: Transaction<DB>, deps: PrivacyDeps, request: PrivacyRequest, outcome: Record<string, unknown>, tell: boolean) {
  const done = await closeCompleted(trx, { kind: 'system' }, request, outcome);
  if (tell) await tellPerson(trx, deps, done, '');
  return done;
}

/** A job that could not do its work: the request is open again, with the failure in its history. */
export async function workFailed(db: Database, requestId: string, error: string) {
  await db.transaction().execute(async (trx) => {
    const r = await trx.selectFrom('privacy_requests').select('outcome').where('id', '=', requestId).forUpdate().executeTakeFirst();
    if (!r) return;
    const { working: _, ...rest } = r.outcome as Record<string, unknown>;
    await trx
      .updateTable('privacy_requests')
      .set({ outcome: JSON.stringify(rest), version: sql<number>`version + 1` })
      .where('id', '=', requestId)
      .execute();
    await addEvent(trx, requestId, { kind: 'system' }, 'work_failed', { error: error.slice(0, 500) });
    await trx
      .updateTable('privacy_exports')
      .set({ status: 'failed', error: error.slice(0, 2000) })
      .where('request_id', '=', requestId)
      .execute();
    await audit(trx, { kind: 'system' }, 'privacy.work_failed', { type: 'privacy_request', id: requestId }, {});
  });
}

/** A rectification applied by staff: the changes (field, old, new) are the request's outcome. */
export async function completeRectification(trx: Transaction<DB>, deps: PrivacyDeps, staffId: string, request: PrivacyRequest, changes: unknown[]) {
  const done = await closeCompleted(trx, { kind: 'staff', id: staffId }, request, { changes });
  await audit(trx, { kind: 'staff', id: staffId }, 'privacy.request_complete', { type: 'privacy_request', id: request.id }, { fields: changes.length });
  await tellPerson(trx, deps, done, '');
  return done;
}

export function findRequest(db: Database, id: string): Promise<PrivacyRequest | undefined> {
  if (!isUuid(id)) return Promise.resolve(undefined);
  return db.selectFrom('privacy_requests').selectAll().where('id', '=', id).executeTakeFirst();
}

export function requestEvents(db: Database, requestId: string): Promise<PrivacyRequestEvent[]> {
  return db.selectFrom('privacy_request_events').selectAll().where('request_id', '=', requestId).orderBy('at').orderBy('id').execute();
}

/** How a request stands against its due date. */
export function dueState(r: Pick<PrivacyRequest, 'status' | 'due_at'>, now = new Date()): 'overdue' | 'due_soon' | 'on_time' | 'closed' {
  if (!isOpen(r)) return 'closed';
  const ms = r.due_at.getTime() - now.getTime();
  if (ms < 0) return 'overdue';
  return ms <= 7 * 24 * 3600 * 1000 ? 'due_soon' : 'on_time';
}

export type QueueFilter = {
  kind?: PrivacyRequestKind | undefined;
  status?: PrivacyRequestStatus | 'open' | undefined;
  due?: 'overdue' | 'due_soon' | undefined;
};
export type QueueRow = PrivacyRequest & { record_name: string; api_name: string; export_status: string | null };
export type QueueCounts = { open: number; overdue: number; dueSoon: number; byStatus: Record<string, number>; byKind: Record<string, number> };

/** The staff queue: oldest due first, filtered; with counts over every request (one statement each). */
export async function requestQueue(db: Database, filter: QueueFilter, limit = 200): Promise<{ rows: QueueRow[]; counts: QueueCounts }> {
  let q = db
    .selectFrom('privacy_requests as r')
    // UNSCOPED READ: the privacy request queue, for administrators (requireAdmin): each request's record name.
    .innerJoin('records as rec', 'rec.id', 'r.record_id')
    .innerJoin('modules as m', 'm.id', 'rec.module_id')
    .leftJoin('privacy_exports as x', 'x.request_id', 'r.id')
    .selectAll('r')
    .select(['rec.display_name as record_name', 'm.api_name', 'x.status as export_status'])
    .orderBy(sql`r.status in ('submitted', 'in_progress', 'extended')`, 'desc')
    .orderBy('r.due_at')
    .orderBy('r.number')
    .limit(limit);
  if (filter.kind) q = q.where('r.kind', '=', filter.kind);
  if (filter.status === 'open') q = q.where('r.status', 'in', OPEN_STATUSES);
  else if (filter.status) q = q.where('r.status', '=', filter.status);
  if (filter.due) {
    q = q.where('r.status', 'in', OPEN_STATUSES);
    q = filter.due === 'overdue' ? q.where('r.due_at', '<', sql<Date>`now()`) : q.where(sql<boolean>`r.due_at between now() and now() + interval '7 days'`);
  }
  const [rows, counts] = await Promise.all([
    q.execute(),
    sql<{ status: string; kind: string; n: number; overdue: number; due_soon: number }>`
      select status, kind, count(*)::int as n,
             count(*) filter (where due_at < now())::int as overdue,
             count(*) filter (where due_at between now() and now() + interval '7 days')::int as due_soon
      from privacy_requests group by status, kind`.execute(db),
  ]);
  const c: QueueCounts = { open: 0, overdue: 0, dueSoon: 0, byStatus: {}, byKind: {} };
  for (const r of counts.rows) {
    c.byStatus[r.status] = (c.byStatus[r.status] ?? 0) + r.n;
    if (OPEN_STATUSES.includes(r.status as PrivacyRequestStatus)) {
      c.open += r.n;
      c.overdue += r.overdue;
      c.dueSoon += r.due_soon;
      c.byKind[r.kind] = (c.byKind[r.kind] ?? 0) + r.n;
    }
  }
  return { rows, counts: c };
}
