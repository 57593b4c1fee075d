import { type Context, Hono } from 'hono';
import { LoginPage } from '../../../views/admin/LoginPage.js';
import { clearSessionCookie, setSessionCookie } from '../../auth/cookies.js';
import { invalidateSession } from '../../auth/sessions.js';
import { type StaffLoginResult, staffLogin, staffReturnPath, staffUserCount } from '../../auth/staff.js';
import type { AppEnv } from '../../http/env.js';
import { page } from '../../http/render.js';
import { clientAddress, formValues, safeBackPath } from '../../http/request.js';
import { staffSignInChoice } from '../../sso/staff-settings.js';

export const adminAuthRoutes = new Hono<AppEnv>();

adminAuthRoutes.get('/login', async (c) => {
  if (c.get('staff')) return c.redirect('/admin', 303);
  if ((await staffUserCount(c.get('deps').db)) === 0) return c.redirect('/setup', 303);
  const t = c.get('t');
  const notice = c.req.query('signedOut') === '1' ? t('auth:signedOut') : undefined;
  const next = safeBackPath(c.req.query('next'), '');
  const sso = await staffSignInChoice(c.get('deps').db, c.get('deps').config.appKey);
  return page(c, { title: t('auth:login.title'), layout: 'auth', body: <LoginPage view={c.get('view')} notice={notice} next={next || undefined} sso={sso} /> });
});

type Refusal = Extract<StaffLoginResult, { ok: false }>;

/** Why a sign-in was refused, as the page says it (a throttled one also says when to try again). */
function refusalMessage(c: Context<AppEnv>, result: Refusal): { status: 401 | 403 | 429; message: string } {
  const t = c.get('t');
  switch (result.reason) {
    case 'invalid':
      return { status: 401, message: t('auth:login.errors.invalid') };
    case 'deactivated':
      return { status: 403, message: t('auth:login.errors.deactivated') };
    case 'throttled_account':
    case 'throttled_address':
      c.header('Retry-After', String(result.retryAfterSeconds));
      return { status: 429, message: t(`auth:login.errors.${result.reason}`, { count: Math.ceil(result.retryAfterSeconds / 60) }) };
  }
}

/** The sign-in form again, with what was typed and why it was refused. */
export async function refusedLogin(
  c: Context<AppEnv>,
  status: 400 | 401 | 403 | 404 | 422 | 429 | 502,
  error: string,
  form: { email: string; next: string | undefined },
) {
  const sso = await staffSignInChoice(c.get('deps').db, c.get('deps').config.appKey);
  return page(c, {
    title: c.get('t')('auth:login.title'),
    layout: 'auth',
    status,
    body: <LoginPage view={c.get('view')} email={form.email} error={error} next={form.next} sso={sso} />,
  });
}

adminAuthRoutes.post('/login', async (c) => {
  const { db, config } = c.get('deps');
  const form = await formValues(c, ['email', 'password', 'next']);
  const typed = { email: (form.email ?? '').trim(), next: form.next };
  if (!typed.email || !form.password) return refusedLogin(c, 422, c.get('t')('auth:login.errors.missing'), typed);
  const input = { email: typed.email, password: form.password, address: clientAddress(c), userAgent: c.req.header('User-Agent') };
  const result = await staffLogin(db, input, config.sessionDays);
  if (!result.ok) {
    const { status, message } = refusalMessage(c, result);
    return refusedLogin(c, status, message, typed);
  }
  // A new sign-in replaces the session this browser had (no fixation, no forgotten sessions).
  const previous = c.get('session');
  if (previous) await invalidateSession(db, previous.id);
  setSessionCookie(c, result.token, result.session.expires_at);
  const target = staffReturnPath(form.next);
  if (result.pendingTwoFactor) return c.redirect(`/admin/two-factor?next=${encodeURIComponent(target)}`, 303);
  return c.redirect(target, 303);
});

adminAuthRoutes.post('/logout', async (c) => {
  const session = c.get('session');
  if (session) await invalidateSession(c.get('deps').db, session.id);
  clearSessionCookie(c);
  return c.redirect('/admin/login?signedOut=1', 303);
});
