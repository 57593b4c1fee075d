import { type Context, Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { secureCookies, setSessionCookie } from '../../auth/cookies.js';
import { invalidateSession } from '../../auth/sessions.js';
import { staffReturnPath } from '../../auth/staff.js';
import type { AppEnv } from '../../http/env.js';
import { clientAddress, formValues } from '../../http/request.js';
import { SSO_STATE_MINUTES } from '../../sso/flow.js';
import { completeStaffSso, type StaffSsoRequest, type StaffSsoSignIn, startStaffSso } from '../../sso/staff-sign-in.js';
import { continueToProvider } from '../sso-continue.js';
import { refusedLogin } from './auth.js';

/**
 * Staff sign-in with the organization's single sign-on provider: the start (a
 * form on /admin/login, so a POST behind the app's cross-origin guard) and the
 * provider's callback. Mounted under /admin before the staff guard; the
 * password form stays on the sign-in page whatever happens here.
 */
export const adminSsoRoutes = new Hono<AppEnv>();

/** Holds the state of the sign-in this browser started: the callback must come back to the browser that left. */
const STATE_COOKIE = 'porta_staff_sso_state';
const COOKIE_PATH = '/admin/sso';

function ssoRequest(c: Context<AppEnv>): StaffSsoRequest {
  const { config, log } = c.get('deps');
  return { env: config.env, appKey: config.appKey, baseUrl: config.baseUrl, address: clientAddress(c), userAgent: c.req.header('User-Agent'), log };
}

const noForm = { email: '', next: undefined };

adminSsoRoutes.post('/sso/start', async (c) => {
  const form = await formValues(c, ['next']);
  const returnTo = form.next ? staffReturnPath(form.next) : undefined;
  const result = await startStaffSso(c.get('deps').db, returnTo, ssoRequest(c));
  const t = c.get('t');
  if (!result.ok)
    return result.reason === 'unavailable'
      ? refusedLogin(c, 404, t('sso:staffRefused.unavailable'), { email: '', next: returnTo })
      : refusedLogin(c, 502, t('sso:staffRefused.provider'), { email: '', next: returnTo });
  setCookie(c, STATE_COOKIE, result.state, {
    httpOnly: true,
    // Lax: sent on the provider's top-level redirect back to the callback.
    sameSite: 'Lax',
    secure: secureCookies(c.get('deps').config),
    path: COOKIE_PATH,
    maxAge: SSO_STATE_MINUTES * 60,
  });
  return continueToProvider(c, result.url);
});

type Refusal = Extract<StaffSsoSignIn, { ok: false }>;

const REFUSALS: Record<Exclude<Refusal['reason'], 'throttled'>, [400 | 401 | 403 | 404, string]> = {
  state: [400, 'sso:refused.state'],
  provider_error: [401, 'sso:staffRefused.provider'],
  invalid_token: [401, 'sso:refused.invalidToken'],
  unverified: [403, 'sso:refused.unverified'],
  unknown_user: [403, 'sso:staffRefused.unknownUser'],
  unavailable: [404, 'sso:staffRefused.unavailable'],
};

/** Why the provider's answer signs nobody in, on the staff sign-in page. */
function refused(c: Context<AppEnv>, result: Refusal) {
  const t = c.get('t');
  if (result.reason === 'throttled') {
    c.header('Retry-After', String(result.retryAfterSeconds));
    return refusedLogin(c, 429, t('sso:refused.throttled', { count: Math.ceil(result.retryAfterSeconds / 60) }), noForm);
  }
  const [status, key] = REFUSALS[result.reason];
  return refusedLogin(c, status, t(key), noForm);
}

adminSsoRoutes.get('/sso/callback', async (c) => {
  const { db, config } = c.get('deps');
  const browserState = getCookie(c, STATE_COOKIE);
  deleteCookie(c, STATE_COOKIE, { path: COOKIE_PATH, secure: secureCookies(config), httpOnly: true, sameSite: 'Lax' });
  const callback = { search: new URL(c.req.url).search, browserState, sessionDays: config.sessionDays };
  const result = await completeStaffSso(db, callback, ssoRequest(c));
  if (!result.ok) return refused(c, result);
  // A new sign-in replaces the session this browser had (no fixation, no forgotten sessions).
  const previous = c.get('session');
  if (previous) await invalidateSession(db, previous.id);
  setSessionCookie(c, result.token, result.session.expires_at);
  const target = staffReturnPath(result.returnTo);
  if (result.pendingTwoFactor) return c.redirect(`/admin/two-factor?next=${encodeURIComponent(target)}`, 303);
  return c.redirect(target, 303);
});
