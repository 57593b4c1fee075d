import type { Database } from '../db/database.js';
import type { Portal } from '../db/schema.js';
import type { FieldErrors } from '../org/setup-input.js';
import { checkNewPassword, type ResetResult, resetPortalPassword } from './password-reset.js';
import { type PortalLoginResult, portalLogin, recordPortalLogin } from './portal-session.js';
import { invalidateSession } from './sessions.js';
import { checkSecondFactor, completeTwoFactorSession } from './two-factor.js';

// The steps of the portal's sign-in that a form submits: the password, the
// second factor, a new password through a reset link. Each one that opens a
// session ends the one this browser had (another account's, say).

/** The browser a step comes from; `replacing` is the portal session it had, if any. */
export type SignInRequest = { sessionDays: number; address: string; userAgent: string | undefined; replacing: string | undefined };

export type PasswordSignIn =
  | { ok: true; token: string; expiresAt: Date; pendingTwoFactor: boolean }
  | { ok: false; reason: 'missing' }
  | Exclude<PortalLoginResult, { ok: true }>;

/** The sign-in form: both fields are needed; a new sign-in replaces the session this browser had for the portal. */
export async function signInWithPassword(
  db: Database,
  portal: Portal,
  form: { email: string; password?: string | undefined },
  req: SignInRequest,
): Promise<PasswordSignIn> {
  if (!form.email || !form.password) return { ok: false, reason: 'missing' };
  const result = await portalLogin(db, portal, { email: form.email, password: form.password, address: req.address, userAgent: req.userAgent }, req.sessionDays);
  if (!result.ok) return result;
  if (req.replacing) await invalidateSession(db, req.replacing);
  return { ok: true, token: result.token, expiresAt: result.session.expires_at, pendingTwoFactor: result.pendingTwoFactor };
}

export type SecondFactorSignIn = { ok: true } | { ok: false; reason: 'missing' | 'invalid' } | { ok: false; reason: 'throttled'; retryAfterSeconds: number };

/** The sign-in step of a session that owes its second factor: a right code (or recovery code) makes it a full sign-in. */
export async function signInWithSecondFactor(
  db: Database,
  pending: { userId: string; sessionId: string },
  code: string | undefined,
  req: Omit<SignInRequest, 'userAgent' | 'replacing'>,
): Promise<SecondFactorSignIn> {
  if (!code?.trim()) return { ok: false, reason: 'missing' };
  const checked = await checkSecondFactor(db, { kind: 'portal', id: pending.userId }, code, { address: req.address, allowRecovery: true });
  if (!checked.ok) return checked;
  await completeTwoFactorSession(db, pending.sessionId, req.sessionDays);
  await recordPortalLogin(db, pending.userId);
  return { ok: true };
}

export type ResetSignIn = ResetResult | { ok: false; reason: 'password'; errors: FieldErrors };

/** A new password through a reset link: checked first, then set once; the browser that reset is signed in anew. */
export async function signInWithResetLink(
  db: Database,
  portal: Portal,
  token: string,
  form: Record<string, string | undefined>,
  req: SignInRequest,
): Promise<ResetSignIn> {
  const checked = checkNewPassword(form);
  if (!checked.ok) return { ok: false, reason: 'password', errors: checked.errors };
  const result = await resetPortalPassword(db, portal, token, checked.password, { sessionDays: req.sessionDays, ip: req.address, userAgent: req.userAgent });
  if (result.ok && req.replacing) await invalidateSession(db, req.replacing);
  return result;
}
