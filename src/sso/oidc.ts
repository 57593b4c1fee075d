import { createHash } from 'node:crypto';
import * as client from 'openid-client';
import { type ActiveProvider, LOOPBACK_HOSTS } from './provider.js';

// The OpenID Connect side of single sign-on, all through openid-client:
// discovery, the authorization URL with PKCE (S256), state and nonce, and the
// code grant, which validates the ID token (signature, issuer, audience,
// expiry, nonce) and the state.

/** How long a provider's discovered metadata is reused before it is asked again. */
const DISCOVERY_TTL_MS = 5 * 60_000;
const TIMEOUT_SECONDS = 10;

/** By issuer, client and secret: each keeps the provider's metadata and its fetched signing keys. */
const configs = new Map<string, { at: number; config: client.Configuration }>();

/**
 * Whether plain-http requests to this issuer are allowed: openid-client refuses
 * them by default. Allowed outside production (a provider under development), and
 * for an issuer on this machine (localhost, 127.0.0.1), which never crosses a network.
 */
export function insecureAllowed(issuer: string, env: string): boolean {
  const url = new URL(issuer);
  if (url.protocol === 'https:') return false;
  return env !== 'production' || LOOPBACK_HOSTS.has(url.hostname);
}

/** The client configuration for a provider, its metadata discovered at most every few minutes. */
export async function providerConfig(sso: ActiveProvider, env: string): Promise<client.Configuration> {
  const key = [sso.issuer, sso.clientId, createHash('sha256').update(sso.clientSecret).digest('hex')].join('\n');
  const cached = configs.get(key);
  if (cached && Date.now() - cached.at < DISCOVERY_TTL_MS) return cached.config;
  const execute = insecureAllowed(sso.issuer, env) ? [client.allowInsecureRequests] : [];
  const config = await client.discovery(new URL(sso.issuer), sso.clientId, sso.clientSecret, undefined, { execute, timeout: TIMEOUT_SECONDS });
  for (const [k, v] of configs) if (Date.now() - v.at >= DISCOVERY_TTL_MS) configs.delete(k);
  configs.set(key, { at: Date.now(), config });
  return config;
}

export type AuthorizationStart = { url: string; state: string; nonce: string; codeVerifier: string };

/** A new authorization request: fresh state, nonce and PKCE verifier, and the provider's address with them. */
export async function authorizationRequest(config: client.Configuration, scopes: string, redirectUri: string): Promise<AuthorizationStart> {
  const state = client.randomState();
  const nonce = client.randomNonce();
  const codeVerifier = client.randomPKCECodeVerifier();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: scopes,
    state,
    nonce,
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
  });
  return { url: url.href, state, nonce, codeVerifier };
}

export type Identity = { subject: string; email: string | undefined; emailVerified: boolean };

export type CodeGrant = { ok: true; identity: Identity } | { ok: false; reason: 'provider_error' | 'invalid_token'; error: unknown };

/**
 * The provider's answer at the callback: the code exchanged with the expected
 * state, nonce and PKCE verifier, the ID token validated by openid-client. The
 * email comes from the ID token, else from the userinfo endpoint (whose subject
 * must be the ID token's), always together with its email_verified.
 */
export async function redeemCode(
  config: client.Configuration,
  callbackUrl: URL,
  expected: { state: string; nonce: string; codeVerifier: string },
): Promise<CodeGrant> {
  let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
  try {
    tokens = await client.authorizationCodeGrant(config, callbackUrl, {
      expectedState: expected.state,
      expectedNonce: expected.nonce,
      pkceCodeVerifier: expected.codeVerifier,
      idTokenExpected: true,
    });
  } catch (err) {
    return {
      ok: false,
      reason: err instanceof client.AuthorizationResponseError || err instanceof client.ResponseBodyError ? 'provider_error' : 'invalid_token',
      error: err,
    };
  }
  const claims = tokens.claims();
  if (!claims) return { ok: false, reason: 'invalid_token', error: new Error('the token response has no ID token') };
  if (typeof claims.email === 'string')
    return { ok: true, identity: { subject: claims.sub, email: claims.email, emailVerified: claims.email_verified === true } };
  try {
    const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
    const email = typeof info.email === 'string' ? info.email : undefined;
    return { ok: true, identity: { subject: claims.sub, email, emailVerified: info.email_verified === true } };
  } catch (err) {
    return { ok: false, reason: 'provider_error', error: err };
  }
}
