import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { clearSessionCookie, SESSION_COOKIE, setSessionCookie } from '../../auth/cookies.js';
import { findSessionStaff } from '../../auth/staff.js';
import type { TimeFormat } from '../../db/schema.js';
import { createFormatters } from '../../i18n/format.js';
import { translator } from '../../i18n/i18n.js';
import { resolveLanguage } from '../../i18n/languages.js';
import { getOrg } from '../../org/org.js';
import type { AppEnv } from '../env.js';

export const LANG_COOKIE = 'porta_lang';

/**
 * Loads what every page needs: the organization, the signed-in staff user (if
 * any), the language (preference, then cookie, then Accept-Language, then the
 * organization's default), and the view context built from them.
 */
export function requestContext(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { db, config } = c.get('deps');
    const token = getCookie(c, SESSION_COOKIE);
    const [org, found] = await Promise.all([getOrg(db), token ? findSessionStaff(db, token, config.sessionDays) : undefined]);
    c.set('org', org);
    c.set('session', found?.session);
    // A password alone is not a sign-in while the second factor is owed.
    c.set('staff', found?.session.two_factor_pending ? undefined : found?.staff);
    // The browser's cookie follows the session: renewed when the expiry slid, dropped when the session is gone.
    if (token && !found) clearSessionCookie(c);
    if (token && found?.session.extended) setSessionCookie(c, token, found.session.expires_at);
    const staff = found?.staff;
    applyLocale(c, { language: staff?.language, timeZone: staff?.time_zone, timeFormat: staff?.time_format });
    await next();
  };
}

export type LocalePreferences = { language?: string | null | undefined; timeZone?: string | null | undefined; timeFormat?: TimeFormat | null | undefined };

/**
 * Sets the language, formatters and view context from a person's preferences
 * (staff here; a portal user's once their portal has identified them), falling
 * back to the switcher's cookie, Accept-Language and the organization.
 */
export function applyLocale(c: Context<AppEnv>, prefs: LocalePreferences) {
  const org = c.get('org');
  const staff = c.get('staff');
  const lang = resolveLanguage({
    userPreference: prefs.language,
    cookie: getCookie(c, LANG_COOKIE),
    acceptLanguage: c.req.header('Accept-Language'),
    orgDefault: org?.default_language,
  });
  const t = translator(lang);
  const fmt = createFormatters({
    language: lang,
    timeZone: prefs.timeZone ?? org?.time_zone ?? 'UTC',
    timeFormat: prefs.timeFormat ?? org?.time_format ?? '24h',
  });
  c.set('lang', lang);
  c.set('t', t);
  c.set('fmt', fmt);
  c.set('view', {
    t,
    lang,
    fmt,
    asset: (p) => c.get('deps').assets.url(p),
    path: c.req.path,
    orgName: org?.name,
    staff: staff ? { name: staff.name, email: staff.email, isAdmin: staff.profile.is_admin } : undefined,
  });
  c.header('Content-Language', lang);
}

/** The visitor's language from the cookie and Accept-Language alone, for answers given without the database. */
export function fallbackTranslator(c: Context<AppEnv>) {
  return translator(resolveLanguage({ cookie: getCookie(c, LANG_COOKIE), acceptLanguage: c.req.header('Accept-Language') }));
}
