import { type Actor, audit } from '../audit/audit.js';
import type { Database } from '../db/database.js';
import type { Portal } from '../db/schema.js';
import { activeProvider, checkProviderForm, DEFAULT_SCOPES, type ProviderField, providerName, providerValues, usableSecret } from './provider.js';

// A portal's single sign-on settings: one OpenID Connect provider per portal.
// The client secret is write-only: it is stored encrypted with APP_KEY, never
// shown back, and an empty field on edit keeps the stored one.

export type SsoSettings = {
  enabled: boolean;
  issuer: string;
  clientId: string;
  hasSecret: boolean;
  scopes: string;
  passwordSignIn: boolean;
  signupAllowed: boolean;
};

/** What the form sends, as typed. */
export type SsoForm = {
  enabled: boolean;
  issuer: string;
  clientId: string;
  clientSecret: string;
  scopes: string;
  passwordSignIn: boolean;
  signupAllowed: boolean;
};

export type SsoField = ProviderField | 'passwordSignIn';
/** Each value is a key under sso:errors. */
export type SsoErrors = Partial<Record<SsoField, string>>;

export const blankSettings = (): SsoSettings => ({
  enabled: false,
  issuer: '',
  clientId: '',
  hasSecret: false,
  scopes: DEFAULT_SCOPES,
  passwordSignIn: true,
  signupAllowed: false,
});

/** The stored row of a portal's settings, its secret still encrypted; undefined before the first save. */
export function ssoRow(db: Database, portalId: string) {
  return db.selectFrom('portal_sso').selectAll().where('portal_id', '=', portalId).executeTakeFirst();
}

/** A portal's settings as the form shows them (never the secret). */
export async function loadSsoSettings(db: Database, portalId: string): Promise<SsoSettings> {
  const row = await ssoRow(db, portalId);
  if (!row) return blankSettings();
  return {
    enabled: row.enabled,
    issuer: row.issuer,
    clientId: row.client_id,
    hasSecret: row.client_secret !== '',
    scopes: row.scopes,
    passwordSignIn: row.password_sign_in,
    signupAllowed: row.signup_allowed,
  };
}

/** The settings a sign-in uses, with the client secret decrypted; undefined unless on and readable with this key. */
export async function activeSso(db: Database, portalId: string, appKey: Buffer | undefined) {
  if (!appKey) return undefined;
  const row = await ssoRow(db, portalId);
  const provider = activeProvider(row, appKey);
  if (!row || !provider) return undefined;
  return { ...provider, passwordSignIn: row.password_sign_in, signupAllowed: row.signup_allowed };
}

export type ActiveSso = NonNullable<Awaited<ReturnType<typeof activeSso>>>;

/** What is wrong with the form, field by field; `hasSecret`: a secret is stored already. */
export function checkSsoForm(form: SsoForm, hasSecret: boolean): SsoErrors {
  const errors: SsoErrors = checkProviderForm(form, hasSecret);
  // Turning password sign-in off is only offered with single sign-on on: nobody may be left without a way in.
  if (!form.passwordSignIn && !form.enabled) errors.passwordSignIn = 'passwordNeedsSso';
  return errors;
}

/** A refusal says whether a secret is stored, for the form shown again. */
export type SaveSso =
  | { ok: true }
  | { ok: false; reason: 'no_key'; hasSecret: boolean }
  | { ok: false; reason: 'invalid'; errors: SsoErrors; hasSecret: boolean };

/** Saves a portal's settings once every field is right; the audit trail names what changed, never the secret. */
export async function saveSsoSettings(db: Database, actor: Actor, portal: Portal, form: SsoForm, appKey: Buffer | undefined): Promise<SaveSso> {
  const row = await ssoRow(db, portal.id);
  if (!appKey) return { ok: false, reason: 'no_key', hasSecret: Boolean(row?.client_secret) };
  const stored = usableSecret(appKey, row);
  const errors = checkSsoForm(form, stored !== undefined);
  if (Object.keys(errors).length > 0) return { ok: false, reason: 'invalid', errors, hasSecret: stored !== undefined };
  const values = {
    ...providerValues(appKey, form, stored),
    password_sign_in: form.passwordSignIn,
    signup_allowed: form.signupAllowed,
    updated_at: new Date(),
  };
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('portal_sso')
      .values({ portal_id: portal.id, ...values })
      .onConflict((oc) => oc.column('portal_id').doUpdateSet(values))
      .execute();
    const { client_secret: _secret, updated_at: _at, ...shown } = values;
    await audit(trx, actor, 'portal.sso_saved', { type: 'portal', id: portal.id }, { ...shown, secret_changed: form.clientSecret !== '' });
  });
  return { ok: true };
}

/** How a portal's sign-in page lets people in. Password sign-in is off only while single sign-on can really be used. */
export type SignInChoices = { sso: { provider: string | undefined } | undefined; password: boolean };

export async function signInChoices(db: Database, portalId: string, appKey: Buffer | undefined): Promise<SignInChoices> {
  const sso = await activeSso(db, portalId, appKey);
  if (!sso) return { sso: undefined, password: true };
  return { sso: { provider: providerName(sso.issuer) }, password: sso.passwordSignIn };
}
