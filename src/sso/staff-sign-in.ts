import { type Actor, audit } from '../audit/audit.js';
import { createSession, generateSessionToken } from '../auth/sessions.js';
import { findStaffByEmail } from '../auth/staff.js';
import { markAttemptSucceeded, reserveLoginAttempt } from '../auth/throttle.js';
import { hasTwoFactor } from '../auth/two-factor.js';
import type { Database } from '../db/database.js';
import type { Session } from '../db/schema.js';
import { beginSignIn, type CallbackInput, type SsoLog, stateOf, type VerifyRefusal, verifyCallback } from './flow.js';
import { activeStaffSso } from './staff-settings.js';

// Staff sign-in through the organization's OpenID Connect provider (the legs
// in flow.ts, with states made for nobody's portal): the active staff user
// whose address the provider has verified gets the same session and
// two-factor step as a password sign-in, throttled the same way.

/** Where the provider sends a staff sign-in back, to be registered at the provider. */
export const staffRedirectUri = (baseUrl: string) => `${baseUrl}/admin/sso/callback`;

export type StaffSsoRequest = { env: string; appKey: Buffer | undefined; baseUrl: string; address: string; userAgent: string | undefined; log: SsoLog };

export type StaffSsoStart = { ok: true; url: string; state: string } | { ok: false; reason: 'unavailable' | 'provider_error' };

/** The provider's address for a new staff sign-in; its state goes back to the browser too. */
export async function startStaffSso(db: Database, returnTo: string | undefined, req: StaffSsoRequest): Promise<StaffSsoStart> {
  const sso = await activeStaffSso(db, req.appKey);
  if (!sso) return { ok: false, reason: 'unavailable' };
  const begun = await beginSignIn(db, sso, null, { redirectUri: staffRedirectUri(req.baseUrl), returnTo, env: req.env, log: req.log });
  if (begun.ok) return begun;
  await auditOutcome(db, { kind: 'system' }, { outcome: 'refused', reason: 'provider_error', step: 'discovery' });
  return { ok: false, reason: 'provider_error' };
}

export type StaffSsoRefusal = VerifyRefusal | 'unknown_user';

export type StaffSsoSignIn =
  | { ok: true; token: string; session: Session; pendingTwoFactor: boolean; returnTo: string | undefined }
  | { ok: false; reason: StaffSsoRefusal }
  | { ok: false; reason: 'throttled'; retryAfterSeconds: number };

export type StaffSsoCallback = Omit<CallbackInput, 'redirectUri'> & { sessionDays: number };

/** The provider's answer: the active staff user it names, signed in, or why not; each outcome is on the audit trail. */
export async function completeStaffSso(db: Database, callback: StaffSsoCallback, req: StaffSsoRequest): Promise<StaffSsoSignIn> {
  // An address opened without a state (a bookmark, a crawler) is no sign-in attempt: refused, not counted.
  if (!stateOf(callback.search)) return { ok: false, reason: 'state' };
  // Counted before anything is checked, as a password sign-in is: failures from one address add up.
  const { verdict, reservation } = await reserveLoginAttempt(db, 'staff-sso', req.address, req.address);
  if (!verdict.allowed || !reservation) {
    await auditOutcome(db, { kind: 'system' }, { outcome: 'refused', reason: 'throttled' });
    return { ok: false, reason: 'throttled', retryAfterSeconds: verdict.allowed ? 60 : verdict.retryAfterSeconds };
  }
  const input = { search: callback.search, browserState: callback.browserState, redirectUri: staffRedirectUri(req.baseUrl) };
  const who = await verifyCallback(db, null, () => activeStaffSso(db, req.appKey), input, req);
  if (!who.ok) {
    await auditOutcome(db, { kind: 'system' }, { outcome: 'refused', reason: who.reason, detail: who.detail, email: who.email });
    return { ok: false, reason: who.reason };
  }
  const staff = await findStaffByEmail(db, who.email);
  // A deactivated staff user is refused as an unknown one: the page does not tell which addresses exist.
  if (!staff?.active) {
    await auditOutcome(db, staff ? { kind: 'staff', id: staff.id } : { kind: 'system' }, { outcome: 'refused', reason: 'unknown_user', email: who.email });
    return { ok: false, reason: 'unknown_user' };
  }
  await markAttemptSucceeded(db, reservation);
  const actor = { kind: 'staff' as const, id: staff.id };
  const pendingTwoFactor = await hasTwoFactor(db, actor);
  const token = generateSessionToken();
  const session = await createSession(db, token, actor, callback.sessionDays, {
    ip: req.address,
    userAgent: req.userAgent,
    twoFactorPending: pendingTwoFactor,
  });
  await auditOutcome(db, actor, { outcome: 'signed_in', email: who.email, two_factor_pending: pendingTwoFactor });
  return { ok: true, token, session, pendingTwoFactor, returnTo: who.returnTo };
}

function auditOutcome(db: Database, actor: Actor, details: Record<string, unknown>) {
  const shown = Object.fromEntries(Object.entries(details).filter(([, v]) => v !== undefined));
  return audit(db, actor, details.outcome === 'signed_in' ? 'staff.sso_signed_in' : 'staff.sso_refused', undefined, shown);
}
