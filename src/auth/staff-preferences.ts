import type { Database } from '../db/database.js';
import type { TimeFormat } from '../db/schema.js';
import { canonicalTimeZone } from '../i18n/format.js';
import { isLanguage, type Language } from '../i18n/languages.js';
import type { FieldErrors } from '../org/setup-input.js';

export type StaffPreferences = { language: Language | null; timeZone: string | null; timeFormat: TimeFormat | null };

/** Empty values mean "follow the organization". Every problem is a locale key next to its field. */
export function validatePreferences(form: Record<string, string | undefined>): { ok: true; prefs: StaffPreferences } | { ok: false; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const language = form.language ?? '';
  if (language && !isLanguage(language)) errors.language = 'errors:choose';
  const zone = form.timeZone ?? '';
  const timeZone = zone ? canonicalTimeZone(zone) : null;
  if (zone && !timeZone) errors.timeZone = 'errors:choose';
  const timeFormat = form.timeFormat ?? '';
  if (timeFormat && timeFormat !== '12h' && timeFormat !== '24h') errors.timeFormat = 'errors:choose';
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    prefs: {
      language: language ? (language as Language) : null,
      timeZone: timeZone ?? null,
      timeFormat: timeFormat ? (timeFormat as TimeFormat) : null,
    },
  };
}

export async function saveStaffPreferences(db: Database, staffId: string, prefs: StaffPreferences): Promise<void> {
  await db
    .updateTable('staff_users')
    .set({ language: prefs.language, time_zone: prefs.timeZone, time_format: prefs.timeFormat, updated_at: new Date() })
    .where('id', '=', staffId)
    .execute();
}

export async function saveStaffLanguage(db: Database, staffId: string, language: Language): Promise<void> {
  await db.updateTable('staff_users').set({ language, updated_at: new Date() }).where('id', '=', staffId).execute();
}
