import { type Actor, audit } from '../audit/audit.js';
import type { Database } from '../db/database.js';
import {
  type ActiveProvider,
  activeProvider,
  checkProviderForm,
  DEFAULT_SCOPES,
  type ProviderErrors,
  type ProviderForm,
  providerName,
  providerValues,
  usableSecret,
} from './provider.js';

// Staff sign-in's single sign-on: one OpenID Connect provider for the whole
// organization (the one row of staff_sso), checked and stored like a
// portal's. Password sign-in for staff always stays on: a provider that is
// down or misconfigured never locks the administrators out.

export type StaffSsoSettings = { enabled: boolean; issuer: string; clientId: string; hasSecret: boolean; scopes: string };

/** The stored row, its secret still encrypted; undefined before the first save. */
export function staffSsoRow(db: Database) {
  return db.selectFrom('staff_sso').selectAll().where('id', '=', true).executeTakeFirst();
}

/** The settings as the form shows them (never the secret). */
export async function loadStaffSsoSettings(db: Database): Promise<StaffSsoSettings> {
  const row = await staffSsoRow(db);
  if (!row) return { enabled: false, issuer: '', clientId: '', hasSecret: false, scopes: DEFAULT_SCOPES };
  return { enabled: row.enabled, issuer: row.issuer, clientId: row.client_id, hasSecret: row.client_secret !== '', scopes: row.scopes };
}

/** The provider a staff sign-in uses; undefined unless on and readable with this key. */
export async function activeStaffSso(db: Database, appKey: Buffer | undefined): Promise<ActiveProvider | undefined> {
  if (!appKey) return undefined;
  return activeProvider(await staffSsoRow(db), appKey);
}

/** The button on the staff sign-in page, when single sign-on can be used. */
export async function staffSignInChoice(db: Database, appKey: Buffer | undefined): Promise<{ provider: string | undefined } | undefined> {
  const sso = await activeStaffSso(db, appKey);
  return sso ? { provider: providerName(sso.issuer) } : undefined;
}

export type SaveStaffSso =
  | { ok: true }
  | { ok: false; reason: 'no_key'; hasSecret: boolean }
  | { ok: false; reason: 'invalid'; errors: ProviderErrors; hasSecret: boolean };

/** Saves the settings once every field is right; the audit trail names what changed, never the secret. */
export async function saveStaffSsoSettings(db: Database, actor: Actor, form: ProviderForm, appKey: Buffer | undefined): Promise<SaveStaffSso> {
  const row = await staffSsoRow(db);
  if (!appKey) return { ok: false, reason: 'no_key', hasSecret: Boolean(row?.client_secret) };
  const stored = usableSecret(appKey, row);
  const errors = checkProviderForm(form, stored !== undefined);
  if (Object.keys(errors).length > 0) return { ok: false, reason: 'invalid', errors, hasSecret: stored !== undefined };
  const values = { ...providerValues(appKey, form, stored), updated_at: new Date() };
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('staff_sso')
      .values({ id: true, ...values })
      .onConflict((oc) => oc.column('id').doUpdateSet(values))
      .execute();
    const { client_secret: _secret, updated_at: _at, ...shown } = values;
    await audit(trx, actor, 'staff.sso_saved', undefined, { ...shown, secret_changed: form.clientSecret !== '' });
  });
  return { ok: true };
}
