import { Hono } from 'hono';
import { LoginPage } from '../../../views/admin/LoginPage.js';
import { clearSessionCookie, setSessionCookie } from '../../auth/cookies.js';
import { invalidateSession } from '../../auth/sessions.js';
import { staffLogin, staffUserCount } from '../../auth/staff.js';
import type { AppEnv } from '../../http/env.js';
import { page } from '../../http/render.js';
import { clientAddress, formValues, safeBackPath } from '../../http/request.js';

export const adminAuthRoutes = new Hono<AppEnv>();

adminAuthRoutes.get('/login', async (c) => {
  if (c.get('staff')) return c.redirect('/admin', 303);
  if ((await staffUserCount(c.get('deps').db)) === 0) return c.redirect('/setup', 303);
  const t = c.get('t');
  const notice = c.req.query('signedOut') === '1' ? t('auth:signedOut') : undefined;
  const next = safeBackPath(c.req.query('next'), '');
  return page(c, { title: t('auth:login.title'), layout: 'auth', body: <LoginPage view={c.get('view')} notice={notice} next={next || undefined} /> });
});

adminAuthRoutes.post('/login', async (c) => {
  const { db, config } = c.get('deps');
  const t = c.get('t');
  const form = await formValues(c, ['email', 'password', 'next']);
  const email = (form.email ?? '').trim();
  const next = safeBackPath(form.next, '/admin');
  const refuse = (status: 401 | 403 | 422 | 429, error: string) =>
    page(c, { title: t('auth:login.title'), layout: 'auth', status, body: <LoginPage view={c.get('view')} email={email} error={error} next={form.next} /> });
  if (!email || !form.password) return refuse(422, t('auth:login.errors.missing'));
  const result = await staffLogin(db, { email, password: form.password, address: clientAddress(c), userAgent: c.req.header('User-Agent') }, config.sessionDays);
  if (!result.ok) {
    switch (result.reason) {
      case 'invalid':
        return refuse(401, t('auth:login.errors.invalid'));
      case 'deactivated':
        return refuse(403, t('auth:login.errors.deactivated'));
      case 'throttled_account':
      case 'throttled_address': {
        const minutes = Math.ceil(result.retryAfterSeconds / 60);
        c.header('Retry-After', String(result.retryAfterSeconds));
        return refuse(429, t(`auth:login.errors.${result.reason}`, { count: minutes }));
      }
    }
  }
  // A new sign-in replaces the session this browser had (no fixation, no forgotten sessions).
  const previous = c.get('session');
  if (previous) await invalidateSession(db, previous.id);
  setSessionCookie(c, result.token, result.session.expires_at);
  const target = next.startsWith('/admin') ? next : '/admin';
  if (result.pendingTwoFactor) return c.redirect(`/admin/two-factor?next=${encodeURIComponent(target)}`, 303);
  return c.redirect(target, 303);
});

adminAuthRoutes.post('/logout', async (c) => {
  const session = c.get('session');
  if (session) await invalidateSession(c.get('deps').db, session.id);
  clearSessionCookie(c);
  return c.redirect('/admin/login?signedOut=1', 303);
});
