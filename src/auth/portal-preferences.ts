import { sql, type Transaction } from 'kysely';
import { logChange } from '../crm/records.js';
import type { Database } from '../db/database.js';
import type { DB, Org, TimeFormat } from '../db/schema.js';
import { canonicalTimeZone, isCountry } from '../i18n/format.js';
import { isLanguage, type Language } from '../i18n/languages.js';
import type { FieldErrors } from '../org/setup-input.js';
import type { PortalAccount } from './portal-request.js';

// A portal user's language, time format, time zone and country: asked on the
// welcome page right after accepting the invitation, changed later on their
// profile. Until chosen they follow the organization's.

export type PortalPreferences = { language: Language; timeFormat: TimeFormat; timeZone: string; country: string };
export type PreferenceValues = Record<keyof PortalPreferences, string>;

/** What the preferences form shows: the user's choices, else the language they are reading now and the organization's settings. */
export function preferenceValues(user: PortalAccount, org: Org | undefined, shownLanguage: Language): PreferenceValues {
  return {
    language: user.language ?? shownLanguage,
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
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('portal_users')
      .set({ language: prefs.language, time_format: prefs.timeFormat, time_zone: prefs.timeZone, country: prefs.country })
      .where('id', '=', portalUserId)
      .execute();
    await writeLanguageToRecord(trx, portalUserId, prefs.language);
  });
}

/** The preferences form: saved when every field is right, else its messages and what was submitted, to draw it again. */
export async function submitPortalPreferences(
  db: Database,
  portalUserId: string,
  form: Record<string, string | undefined>,
): Promise<{ ok: true } | { ok: false; errors: FieldErrors; values: PreferenceValues }> {
  const checked = validatePortalPreferences(form);
  if (!checked.ok) {
    return {
      ok: false,
      errors: checked.errors,
      values: { language: form.language ?? '', timeFormat: form.timeFormat ?? '', timeZone: form.timeZone ?? '', country: form.country ?? '' },
    };
  }
  await savePortalPreferences(db, portalUserId, checked.prefs);
  return { ok: true };
}

export async function savePortalLanguage(db: Database, portalUserId: string, language: Language): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('portal_users').set({ language }).where('id', '=', portalUserId).execute();
    await writeLanguageToRecord(trx, portalUserId, language);
  });
}

/**
 * The language a person chooses is also their record's language field (the
 * one invitation and reset emails are written in), when their base module has
 * one offering it. A preference, not a portal edit of the record: it applies
 * whatever the type's field permissions, and is logged in the record's history
 * as the portal user's change.
 */
async function writeLanguageToRecord(trx: Transaction<DB>, portalUserId: string, language: Language) {
  const target = await trx
    .selectFrom('portal_users as u')
    // UNSCOPED READ: the signed-in user's own record R_U, by the id on their account, to keep its language field in step with their choice.
    .innerJoin('records as r', 'r.id', 'u.record_id')
    .innerJoin('fields as f', (j) =>
      j.onRef('f.module_id', '=', 'r.module_id').on('f.api_name', '=', 'language').on('f.type', '=', 'picklist').on('f.deleted_at', 'is', null),
    )
    .select(['r.id as recordId', 'f.id as fieldId', 'f.options', 'u.invited_by', sql<string | null>`r.data->>'language'`.as('current')])
    .where('u.id', '=', portalUserId)
    .where('r.deleted_at', 'is', null)
    .executeTakeFirst();
  if (!target || target.current === language) return;
  if (!(target.options.values ?? []).some((v) => v.value === language)) return;
  await trx
    .updateTable('records')
    .set({
      data: sql`jsonb_set(data, '{language}', to_jsonb(${language}::text))`,
      updated_at: new Date(),
      version: sql<number>`version + 1`,
    })
    .where('id', '=', target.recordId)
    .execute();
  await logChange(trx, target.recordId, { kind: 'portal', id: portalUserId, ownerId: target.invited_by }, 'update', [
    { field: target.fieldId, old: target.current, new: language },
  ]);
}
