import { Hono } from 'hono';
import { SetupPage } from '../../views/admin/SetupPage.js';
import { setSessionCookie } from '../auth/cookies.js';
import { createSession, generateSessionToken } from '../auth/sessions.js';
import { staffUserCount } from '../auth/staff.js';
import type { AppEnv } from '../http/env.js';
import { page } from '../http/render.js';
import { clientAddress, formValues } from '../http/request.js';
import { completeSetup } from '../org/setup.js';
import { validateSetup } from '../org/setup-input.js';

const FIELDS = ['orgName', 'emailDomains', 'defaultLanguage', 'timeZone', 'timeFormat', 'country', 'adminName', 'adminEmail', 'password', 'passwordConfirm'];

export const setupRoutes = new Hono<AppEnv>();

// First run only: once a staff user exists the page is gone for good.
setupRoutes.get('/setup', async (c) => {
  if ((await staffUserCount(c.get('deps').db)) > 0) return c.redirect('/admin/login', 303);
  return page(c, {
    title: c.get('t')('setup:title'),
    layout: 'auth',
    body: <SetupPage view={c.get('view')} values={{ country: guessCountry(c.req.header('Accept-Language')) }} errors={{}} />,
  });
});

setupRoutes.post('/setup', async (c) => {
  const { db, boss, config } = c.get('deps');
  const t = c.get('t');
  if ((await staffUserCount(db)) > 0) return c.text(t('setup:alreadyDone'), 403);
  const form = await formValues(c, FIELDS);
  const checked = validateSetup(form);
  if (!checked.ok) {
    return page(c, { title: t('setup:title'), layout: 'auth', status: 422, body: <SetupPage view={c.get('view')} values={form} errors={checked.errors} /> });
  }
  const result = await completeSetup(db, boss, checked.input, config.baseUrl);
  if (!result.ok) return c.text(t('setup:alreadyDone'), 403);
  const token = generateSessionToken();
  const session = await createSession(db, token, { kind: 'staff', id: result.admin.id }, config.sessionDays, {
    ip: clientAddress(c),
    userAgent: c.req.header('User-Agent'),
  });
  setSessionCookie(c, token, session.expires_at);
  return c.redirect('/admin', 303);
});

function guessCountry(acceptLanguage: string | undefined): string {
  const region = acceptLanguage?.split(',')[0]?.split(';')[0]?.split('-')[1];
  return region && /^[A-Za-z]{2}$/.test(region) ? region.toUpperCase() : '';
}
