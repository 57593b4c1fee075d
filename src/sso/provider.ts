import { decryptSecret, encryptSecret } from './secret.js';

// What every single sign-on setup has, for a portal or for staff: one OpenID
// Connect provider (its issuer), the client (id and a write-only secret,
// stored encrypted with APP_KEY) and the scopes asked for. Checked, stored
// and read back the same way wherever it is used.

export const DEFAULT_SCOPES = 'openid email profile';

/** Host names on which an http:// issuer is accepted: a provider on this machine, as in development. */
export const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** A provider ready to sign in with: its client secret decrypted. */
export type ActiveProvider = { issuer: string; clientId: string; clientSecret: string; scopes: string };

/** The provider's part of a settings form, as typed. */
export type ProviderForm = { enabled: boolean; issuer: string; clientId: string; clientSecret: string; scopes: string };

export type ProviderField = 'issuer' | 'clientId' | 'clientSecret' | 'scopes';
/** Each value is a key under sso:errors. */
export type ProviderErrors = Partial<Record<ProviderField, string>>;

/** A stored provider row, its secret still encrypted. */
export type ProviderRow = { enabled: boolean; issuer: string; client_id: string; client_secret: string; scopes: string };

/** The issuer as it must be: an https:// URL, or http:// on this machine; no query or fragment. */
export function issuerProblem(value: string): string | undefined {
  if (!value) return 'issuerRequired';
  if (!URL.canParse(value)) return 'issuerInvalid';
  const url = new URL(value);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))) return 'issuerScheme';
  if (url.search || url.hash || url.username || url.password) return 'issuerInvalid';
  return undefined;
}

const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** The scopes, one space apart and without repeats; openid and email are required. */
export function normalScopes(value: string): { scopes: string; problem?: string } {
  const list = [...new Set(value.split(/\s+/).filter(Boolean))];
  const scopes = list.join(' ');
  if (list.some((s) => !SCOPE_TOKEN.test(s))) return { scopes, problem: 'scopesInvalid' };
  if (!list.includes('openid') || !list.includes('email')) return { scopes, problem: 'scopesRequired' };
  return { scopes };
}

/** What is wrong with the provider's fields; `hasSecret`: a usable secret is stored already. */
export function checkProviderForm(form: ProviderForm, hasSecret: boolean): ProviderErrors {
  const errors: ProviderErrors = {};
  const issuer = issuerProblem(form.issuer);
  if (issuer) errors.issuer = issuer;
  if (!form.clientId) errors.clientId = 'clientIdRequired';
  else if (form.clientId.length > 255) errors.clientId = 'tooLong';
  if (!form.clientSecret && !hasSecret) errors.clientSecret = 'clientSecretRequired';
  else if (form.clientSecret.length > 2000) errors.clientSecret = 'tooLong';
  const scopes = normalScopes(form.scopes).problem;
  if (scopes) errors.scopes = scopes;
  return errors;
}

/** The stored secret when this key can read it; one stored under another key cannot be used and must be typed again. */
export function usableSecret(appKey: Buffer, row: Pick<ProviderRow, 'client_secret'> | undefined): string | undefined {
  return row && decryptSecret(appKey, row.client_secret) !== undefined ? row.client_secret : undefined;
}

/** The columns a valid form stores: the new secret encrypted, else the one kept. */
export function providerValues(appKey: Buffer, form: ProviderForm, kept: string | undefined) {
  return {
    enabled: form.enabled,
    // As typed: the provider's discovery document must name exactly this issuer (some end with a slash).
    issuer: form.issuer,
    client_id: form.clientId,
    client_secret: form.clientSecret ? encryptSecret(appKey, form.clientSecret) : (kept ?? ''),
    scopes: normalScopes(form.scopes).scopes,
  };
}

/** The provider a sign-in uses; undefined unless it is on and its secret readable with this key. */
export function activeProvider(row: ProviderRow | undefined, appKey: Buffer | undefined): ActiveProvider | undefined {
  if (!appKey || !row?.enabled) return undefined;
  const clientSecret = decryptSecret(appKey, row.client_secret);
  if (clientSecret === undefined) return undefined;
  return { issuer: row.issuer, clientId: row.client_id, clientSecret, scopes: row.scopes };
}

/** Why a provider that is on cannot be used: no application key, or a secret it cannot decrypt. */
export function providerProblem(row: ProviderRow | undefined, appKey: Buffer | undefined): 'no_key' | 'unreadable_secret' | undefined {
  if (!row?.enabled) return undefined;
  if (!appKey) return 'no_key';
  return decryptSecret(appKey, row.client_secret) === undefined ? 'unreadable_secret' : undefined;
}

/** Well-known providers by their issuer's host name, for the sign-in button; any other is "single sign-on". */
const PROVIDER_NAMES: [RegExp, string][] = [
  [/^accounts\.google\.com$/, 'Google'],
  [/^login\.microsoftonline\.com$/, 'Microsoft'],
  [/\.okta\.com$/, 'Okta'],
  [/\.auth0\.com$/, 'Auth0'],
  [/^gitlab\.com$/, 'GitLab'],
];

export function providerName(issuer: string): string | undefined {
  const host = URL.canParse(issuer) ? new URL(issuer).hostname : '';
  return PROVIDER_NAMES.find(([pattern]) => pattern.test(host))?.[1];
}
