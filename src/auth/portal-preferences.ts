import type { Database } from '../db/database.js';
import type { Org, TimeFormat } from '../db/schema.js';
import { canonicalTimeZone, isCountry } from '../i18n/format.js';
import { isLanguage, type Language } from '../i18n/languages.js';
import type { FieldErrors } from '../org/setup-input.js';
import type { PortalAccount } from './portal-session.js';

// A portal user's language, time format, time zone and country: asked on the
// welcome page right after accepting the invitation, changed later on their
// profile. Until chosen they follow the organization's.

export type PortalPreferences = { language: Language; timeFormat: TimeFormat; timeZone: string; country: string };
export type PreferenceValues = Record<keyof PortalPreferences, string>;

export function preferenceValues(user: PortalAccount, org: Org | undefined): PreferenceValues {
  return {
    language: user.language ?? org?.default_language ?? 'en',
    timeFormat: user.timeFormat ?? org?.time_format ?? '24h',
    timeZone: user.timeZone ?? org?.time_zone ?? 'UTC',
    country: user.country ?? org?.country ?? '',
  };
}

/** Every field is required here (there is no "organization default" choice); each problem is a locale key next to its field. */
export function validatePortalPreferences(
  form: Record<string, string | undefined>,
): { ok: true; prefs: PortalPreferences } | { ok: false; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const language = form.language ?? '';
  if (!isLanguage(language)) errors.language = 'errors:choose';
  const timeFormat = form.timeFormat ?? '';
  if (timeFormat !== '12h' && timeFormat !== '24h') errors.timeFormat = 'errors:choose';
  const timeZone = canonicalTimeZone(form.timeZone ?? '');
  if (!timeZone) errors.timeZone = 'errors:choose';
  const country = (form.country ?? '').toUpperCase();
  if (!isCountry(country)) errors.country = 'errors:choose';
  if (Object.keys(errors).length > 0 || !timeZone) return { ok: false, errors };
  return { ok: true, prefs: { language: language as Language, timeFormat: timeFormat as TimeFormat, timeZone, country } };
}

export async function savePortalPreferences(db: Database, portalUserId: string, prefs: PortalPreferences): Promise<void> {
  await db
    .updateTable('portal_users')
    .set({ language: prefs.language, time_format: prefs.timeFormat, time_zone: prefs.timeZone, country: prefs.country })
    .where('id', '=', portalUserId)
    .execute();
}

export async function savePortalLanguage(db: Database, portalUserId: string, language: Language): Promise<void> {
  await db.updateTable('portal_users').set({ language }).where('id', '=', portalUserId).execute();
}
