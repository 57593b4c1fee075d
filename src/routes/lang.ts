import { Hono } from 'hono';
import { setCookie } from 'hono/cookie';
import { saveStaffLanguage } from '../auth/staff-preferences.js';
import type { AppEnv } from '../http/env.js';
import { LANG_COOKIE } from '../http/middleware/context.js';
import { formValues, safeBackPath } from '../http/request.js';
import { isLanguage } from '../i18n/languages.js';

export const langRoutes = new Hono<AppEnv>();

// The switcher: remembered in a cookie for everyone, and in the profile of a signed-in staff user
// (whose preference would otherwise win over the cookie).
langRoutes.post('/lang', async (c) => {
  const form = await formValues(c, ['lang', 'back']);
  const back = safeBackPath(form.back, '/');
  if (!isLanguage(form.lang)) return c.text(c.get('t')('errors:language'), 422);
  setCookie(c, LANG_COOKIE, form.lang, { path: '/', sameSite: 'Lax', maxAge: 365 * 24 * 3600, secure: c.get('deps').config.env === 'production' });
  const staff = c.get('staff');
  if (staff) await saveStaffLanguage(c.get('deps').db, staff.id, form.lang);
  return c.redirect(back, 303);
});
