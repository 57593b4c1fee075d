import { loadAccessContext } from '../access/context.js';
import { type Actor, audit } from '../audit/audit.js';
import { type Contact, contactFor, recordPortalLogin } from '../auth/portal-session.js';
import { createSession, generateSessionToken, invalidateSession } from '../auth/sessions.js';
import { type AttemptReservation, markAttemptSucceeded, reserveLoginAttempt } from '../auth/throttle.js';
import { hasTwoFactor } from '../auth/two-factor.js';
import type { Database } from '../db/database.js';
import type { Portal } from '../db/schema.js';
import { beginSignIn, type CallbackInput, type SsoLog, stateOf, type Verified, type VerifyRefusal, verifyCallback } from './flow.js';
import { activeSso } from './settings.js';

// Signing in to a portal through its OpenID Connect provider (the legs in
// flow.ts): the active user of this portal whose address the provider has
// verified gets the same session, two-factor step and last-login record as a
// password sign-in.

/**
 * Where the provider sends the browser back, to be registered at the provider:
 * on the portal's own host name when the sign-in started there (`hostOrigin`),
 * else under Porta's address.
 */
export const ssoRedirectUri = (baseUrl: string, slug: string, hostOrigin?: string | undefined) =>
  hostOrigin ? `${hostOrigin}/sso/callback` : `${baseUrl}/p/${slug}/sso/callback`;

/** Every redirect URI of a portal, to register at its provider: Porta's address, and its own host name's when it has one. */
export function portalRedirectUris(baseUrl: string, portal: Pick<Portal, 'slug' | 'domain'>): string[] {
  const own = ssoRedirectUri(baseUrl, portal.slug);
  return portal.domain ? [own, ssoRedirectUri(baseUrl, portal.slug, `${new URL(baseUrl).protocol}//${portal.domain}`)] : [own];
}

/** The browser a step comes from, and the redirect URI of the surface it is on. */
export type SsoRequest = { env: string; appKey: Buffer | undefined; redirectUri: string; address: string; userAgent: string | undefined; log: SsoLog };

export type SsoStart = { ok: true; url: string; state: string } | { ok: false; reason: 'unavailable' | 'provider_error' };

/** The provider's address for a new sign-in; its state goes back to the browser too, which must bring it to the callback. */
export async function startSsoSignIn(db: Database, portal: Portal, returnTo: string | undefined, req: SsoRequest): Promise<SsoStart> {
  const sso = await activeSso(db, portal.id, req.appKey);
  if (!sso) return { ok: false, reason: 'unavailable' };
  const begun = await beginSignIn(db, sso, portal.id, { redirectUri: req.redirectUri, returnTo, env: req.env, log: req.log });
  if (begun.ok) return begun;
  await auditOutcome(db, portal, { kind: 'system' }, { outcome: 'refused', reason: 'provider_error', step: 'discovery' });
  return { ok: false, reason: 'provider_error' };
}

export type SsoRefusal = VerifyRefusal | 'unknown_user' | 'not_active';

export type SsoSignIn =
  | { ok: true; token: string; expiresAt: Date; pendingTwoFactor: boolean; returnTo: string | undefined }
  | { ok: false; reason: SsoRefusal }
  | { ok: false; reason: 'deactivated'; contact: Contact }
  | { ok: false; reason: 'signup'; email: string }
  | { ok: false; reason: 'throttled'; retryAfterSeconds: number };

export type SsoCallback = Omit<CallbackInput, 'redirectUri'> & { replacing: string | undefined; sessionDays: number };

/** The provider's answer: the one sign-in it names, or why not; each outcome is on the audit trail. */
export async function completeSsoSignIn(db: Database, portal: Portal, callback: SsoCallback, req: SsoRequest): Promise<SsoSignIn> {
  // An address opened without a state (a bookmark, a crawler) is no sign-in attempt: refused, not counted.
  if (!stateOf(callback.search)) return { ok: false, reason: 'state' };
  // Throttled like a password sign-in, and counted before anything is checked: failures from one address add up.
  const { verdict, reservation } = await reserveLoginAttempt(db, `portal-sso:${portal.id}`, req.address, req.address);
  if (!verdict.allowed || !reservation) {
    await auditOutcome(db, portal, { kind: 'system' }, { outcome: 'refused', reason: 'throttled' });
    return { ok: false, reason: 'throttled', retryAfterSeconds: verdict.allowed ? 60 : verdict.retryAfterSeconds };
  }
  const input = { search: callback.search, browserState: callback.browserState, redirectUri: req.redirectUri };
  const result = await verifyCallback(db, portal.id, () => activeSso(db, portal.id, req.appKey), input, req);
  if (!result.ok) {
    await auditOutcome(db, portal, { kind: 'system' }, { outcome: 'refused', reason: result.reason, detail: result.detail, email: result.email });
    return { ok: false, reason: result.reason };
  }
  return signInUser(db, portal, result, reservation, callback, req);
}

type Identified = Extract<Verified<NonNullable<Awaited<ReturnType<typeof activeSso>>>>, { ok: true }>;

type Refused = Extract<SsoSignIn, { ok: false }>;

/** The active user of this portal with that address: a session as a password sign-in opens, or the reason there is none. */
async function signInUser(
  db: Database,
  portal: Portal,
  who: Identified,
  reservation: AttemptReservation,
  callback: SsoCallback,
  req: SsoRequest,
): Promise<SsoSignIn> {
  const user = await db
    .selectFrom('portal_users')
    // UNSCOPED READ: only whether the account's own record R_U is in the recycle bin, to refuse the sign-in.
    .leftJoin('records as own', 'own.id', 'portal_users.record_id')
    .select(['portal_users.id', 'portal_users.status', 'portal_users.invited_by', 'own.deleted_at as own_deleted_at'])
    .where('portal_users.portal_id', '=', portal.id)
    .where((eb) => eb(eb.fn('lower', ['portal_users.email']), '=', who.email))
    .executeTakeFirst();
  const refuse = async (refusal: Refused, actor: Actor = { kind: 'system' }) => {
    await auditOutcome(db, portal, actor, { outcome: 'refused', reason: refusal.reason, email: who.email });
    return refusal;
  };
  if (!user) return refuse(who.provider.signupAllowed ? { ok: false, reason: 'signup', email: who.email } : { ok: false, reason: 'unknown_user' });
  const actor = { kind: 'portal' as const, id: user.id };
  if (user.status === 'deactivated' || (user.status === 'active' && user.own_deleted_at !== null))
    return refuse({ ok: false, reason: 'deactivated', contact: await contactFor(db, user.id, user.invited_by) }, actor);
  if (user.status !== 'active') return refuse({ ok: false, reason: 'not_active' }, actor);
  if (!(await loadAccessContext(db, { portalUserId: user.id, portalId: portal.id }))) return refuse({ ok: false, reason: 'unknown_user' }, actor);
  await markAttemptSucceeded(db, reservation);
  const pendingTwoFactor = await hasTwoFactor(db, { kind: 'portal', id: user.id });
  const token = generateSessionToken();
  const session = await createSession(db, token, actor, callback.sessionDays, {
    ip: req.address,
    userAgent: req.userAgent,
    twoFactorPending: pendingTwoFactor,
  });
  if (!pendingTwoFactor) await recordPortalLogin(db, user.id);
  if (callback.replacing) await invalidateSession(db, callback.replacing);
  await auditOutcome(db, portal, actor, { outcome: 'signed_in', email: who.email, two_factor_pending: pendingTwoFactor });
  return { ok: true, token, expiresAt: session.expires_at, pendingTwoFactor, returnTo: who.returnTo };
}

function auditOutcome(db: Database, portal: Portal, actor: Actor, details: Record<string, unknown>) {
  const shown = Object.fromEntries(Object.entries(details).filter(([, v]) => v !== undefined));
  return audit(db, actor, details.outcome === 'signed_in' ? 'portal.sso_signed_in' : 'portal.sso_refused', { type: 'portal', id: portal.id }, shown);
}
