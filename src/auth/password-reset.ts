import type { Kysely } from 'kysely';
import { fromKysely, type JobAttempt, type PgBoss } from 'pg-boss';
import { portalPasswordResetEmail } from '../../views/emails/portal-password-reset.js';
import { audit } from '../audit/audit.js';
import type { Database } from '../db/database.js';
import type { DB, Portal } from '../db/schema.js';
import { isLanguage, type Language } from '../i18n/languages.js';
import { QUEUES } from '../jobs/queues.js';
import { enqueueEmail } from '../mail/outbox.js';
import { renderEmail } from '../mail/render.js';
import type { FieldErrors } from '../org/setup-input.js';
import { emailBrand, portalPublicUrl } from '../portals/branding.js';
import { hashPassword, passwordProblem } from './passwords.js';
import { createSession, generateSessionToken, invalidateUserSessions, sessionIdFromToken } from './sessions.js';
import { hasTwoFactor } from './two-factor.js';

// "Forgot your password?" for portal users: a link by email whose token is
// stored only as its SHA-256, works once, for one hour. Whether the address
// belongs to anyone is never revealed: the request does the same work for any
// address (it queues one job), and the worker looks the account up and writes
// the link, so neither the answer, its timing nor its statements differ.

export const RESET_MINUTES = 60;
/** Requests beyond this many in an hour send nothing more, so the form cannot flood someone's inbox. */
const MAX_RESETS_PER_HOUR = 3;

/** A "forgot password" request as queued: the portal and the address typed, nothing looked up. */
export type PasswordResetRequest = { portalId: string; email: string };

export function isPasswordResetRequest(data: unknown): data is PasswordResetRequest {
  const d = data as Partial<PasswordResetRequest> | null;
  return !!d && typeof d.portalId === 'string' && typeof d.email === 'string';
}

/** Queues the request; the same statements whatever the address, since nothing about it is looked up here. */
export async function requestPortalPasswordReset(db: Database, boss: PgBoss, portal: Portal, rawEmail: string): Promise<void> {
  const request: PasswordResetRequest = { portalId: portal.id, email: rawEmail.trim().toLowerCase() };
  await boss.send(QUEUES.passwordReset, request, { db: fromKysely(db) });
}

export type PasswordResetOutcome = 'sent' | 'no_account' | 'limit_reached' | 'done_before';

/**
 * Does a queued request's work: when the address is an active user of the
 * portal, stores a new link and writes its email, in one transaction. Given
 * the job's attempt, the job is completed in that same transaction, so a job
 * delivered again after it committed finds itself done and sends nothing, and
 * one whose claim passed to another worker leaves the work to that worker.
 */
export async function sendPortalPasswordReset(
  db: Database,
  boss: PgBoss,
  request: PasswordResetRequest,
  opts: { baseUrl: string; now?: Date; attempt?: JobAttempt },
): Promise<PasswordResetOutcome> {
  const now = opts.now ?? new Date();
  const { attempt } = opts;
  return db.transaction().execute(async (trx) => {
    if (attempt) {
      // pg-boss declares CommandResponse without fields; `affected` counts the jobs this call settled.
      const settled = (await boss.complete(QUEUES.passwordReset, attempt, null, { db: fromKysely(trx) })) as { affected: number };
      if (settled.affected === 0) return 'done_before';
    }
    const portal = await trx.selectFrom('portals').selectAll().where('id', '=', request.portalId).executeTakeFirst();
    if (!portal) return 'no_account';
    // Locked, so parallel requests for one account count each other against the hourly limit.
    const user = await trx
      .selectFrom('portal_users as u')
      // UNSCOPED READ: the name on the account's own record R_U, for the reset email sent to that account's own address.
      .innerJoin('records as r', 'r.id', 'u.record_id')
      .select(['u.id', 'u.email', 'u.language', 'r.display_name'])
      .where('u.portal_id', '=', portal.id)
      .where('u.status', '=', 'active')
      .where((eb) => eb(eb.fn('lower', ['u.email']), '=', request.email))
      .forUpdate('u')
      .executeTakeFirst();
    if (!user) return 'no_account';
    const recent = await trx
      .selectFrom('password_resets')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('user_kind', '=', 'portal')
      .where('user_id', '=', user.id)
      .where('created_at', '>', new Date(now.getTime() - 3600_000))
      .executeTakeFirstOrThrow();
    if (Number(recent.n) >= MAX_RESETS_PER_HOUR) return 'limit_reached';
    const org = await trx.selectFrom('org').select(['name', 'default_language']).executeTakeFirst();
    const language: Language = isLanguage(user.language) ? user.language : isLanguage(org?.default_language) ? org.default_language : 'en';
    const token = generateSessionToken();
    const rendered = await renderEmail(
      portalPasswordResetEmail,
      {
        name: user.display_name,
        portalName: portal.name,
        orgName: org?.name ?? portal.name,
        resetUrl: `${portalPublicUrl(opts.baseUrl, portal)}/password/reset/${token}`,
        brand: emailBrand(opts.baseUrl, portal),
        minutes: RESET_MINUTES,
      },
      language,
    );
    await trx
      .insertInto('password_resets')
      .values({
        user_kind: 'portal',
        user_id: user.id,
        token_hash: sessionIdFromToken(token),
        created_at: now,
        expires_at: new Date(now.getTime() + RESET_MINUTES * 60_000),
      })
      .execute();
    await enqueueEmail(trx, boss, { address: user.email, name: user.display_name }, rendered);
    return 'sent';
  });
}

export type ResetLinkState = 'valid' | 'expired' | 'used' | 'unknown';

/** What a reset link in this portal is worth now. */
export async function portalResetState(db: Database, portal: Portal, token: string, now = new Date()): Promise<ResetLinkState> {
  if (!/^[a-z2-7]{32}$/.test(token)) return 'unknown';
  const row = await db
    .selectFrom('password_resets as r')
    .innerJoin('portal_users as u', 'u.id', 'r.user_id')
    .select(['r.expires_at', 'r.used_at', 'u.status'])
    .where('r.token_hash', '=', sessionIdFromToken(token))
    .where('r.user_kind', '=', 'portal')
    .where('u.portal_id', '=', portal.id)
    .executeTakeFirst();
  if (row?.status !== 'active') return 'unknown';
  if (row.used_at) return 'used';
  return row.expires_at <= now ? 'expired' : 'valid';
}

export function checkNewPassword(form: Record<string, string | undefined>): { ok: true; password: string } | { ok: false; errors: FieldErrors } {
  const password = form.password ?? '';
  const problem = passwordProblem(password);
  if (problem) return { ok: false, errors: { password: `errors:password.${problem}` } };
  if (password !== (form.passwordConfirm ?? '')) return { ok: false, errors: { passwordConfirm: 'errors:password.mismatch' } };
  return { ok: true, password };
}

export type ResetResult = { ok: true; token: string; expiresAt: Date; pendingTwoFactor: boolean } | { ok: false; reason: Exclude<ResetLinkState, 'valid'> };

/**
 * Sets the new password through a usable link, once (two submissions of the
 * same link race on the row: one wins). Every session the user had ends; the
 * browser that reset gets a new one, still owing its second factor when on.
 */
export async function resetPortalPassword(
  db: Database,
  portal: Portal,
  token: string,
  password: string,
  opts: { sessionDays: number; ip?: string; userAgent?: string | undefined; now?: Date },
): Promise<ResetResult> {
  const now = opts.now ?? new Date();
  const state = await portalResetState(db, portal, token, now);
  if (state !== 'valid') return { ok: false, reason: state };
  const passwordHash = await hashPassword(password);
  return db.transaction().execute(async (trx) => {
    const used = await trx
      .updateTable('password_resets')
      .set({ used_at: now })
      .where('token_hash', '=', sessionIdFromToken(token))
      .where('user_kind', '=', 'portal')
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .returning('user_id')
      .executeTakeFirst();
    if (!used) return { ok: false, reason: 'used' } as const;
    const user = { kind: 'portal' as const, id: used.user_id };
    // Any other link sent before stops working too: an old email must not reopen the account.
    await revokePasswordResets(trx, user, now);
    await trx.updateTable('portal_users').set({ password_hash: passwordHash }).where('id', '=', user.id).where('status', '=', 'active').execute();
    const ended = await invalidateUserSessions(trx, user);
    const pendingTwoFactor = await hasTwoFactor(trx, user);
    const sessionToken = generateSessionToken();
    const session = await createSession(trx, sessionToken, user, opts.sessionDays, {
      ip: opts.ip ?? null,
      userAgent: opts.userAgent ?? null,
      twoFactorPending: pendingTwoFactor,
    });
    if (!pendingTwoFactor) await trx.updateTable('portal_users').set({ last_login_at: now }).where('id', '=', user.id).execute();
    await audit(trx, { kind: 'portal', id: user.id }, 'portal_user.password_reset', { type: 'portal_user', id: user.id }, { sessionsEnded: ended });
    return { ok: true, token: sessionToken, expiresAt: session.expires_at, pendingTwoFactor } as const;
  });
}

/** Ends every open password-reset link of a user (after a reset, and when the user is deactivated). */
export async function revokePasswordResets(db: Kysely<DB>, user: { kind: 'staff' | 'portal'; id: string }, now = new Date()): Promise<void> {
  await db
    .updateTable('password_resets')
    .set({ used_at: now })
    .where('user_kind', '=', user.kind)
    .where('user_id', '=', user.id)
    .where('used_at', 'is', null)
    .execute();
}
