import { createHash, timingSafeEqual } from 'node:crypto';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/database.js';
import { authorizationRequest, providerConfig, redeemCode } from './oidc.js';
import type { ActiveProvider } from './provider.js';

// The two legs of every single sign-on, for a portal and for staff alike. The
// start keeps the state (as its SHA-256), the nonce and the PKCE verifier
// server-side, with whom it was made for (a portal, or null: staff). The
// callback claims that state once, for the same owner, within ten minutes,
// lets openid-client redeem the code and validate the ID token, and answers
// the email the provider vouches for, only when it says it is verified.

/** How long a started sign-in may take at the provider. */
export const SSO_STATE_MINUTES = 10;

/** Whom a sign-in is for: a portal's id, or null for staff sign-in. */
export type SsoOwner = string | null;

const hashState = (state: string) => createHash('sha256').update(state).digest('hex');

export type Begun = { ok: true; url: string; state: string } | { ok: false };

/** Where a provider's failures are written, for the administrator to find why sign-in fails. */
export type SsoLog = Pick<Logger, 'warn'>;

/** What a failure says, for the log: its kind and message, never a request (which carries the client's credentials). */
export function failureOf(err: unknown): { name: string; message: string; code?: string; cause?: string } {
  if (!(err instanceof Error)) return { name: 'unknown', message: String(err).slice(0, 300) };
  const code = (err as { code?: unknown }).code;
  // The library's own reason (which claim did not match, say), without the claims it carries.
  const cause = err.cause instanceof Error ? err.cause.message.slice(0, 300) : undefined;
  return { name: err.name, message: err.message.slice(0, 300), ...(typeof code === 'string' ? { code } : {}), ...(cause ? { cause } : {}) };
}

/** The provider's address for a new sign-in, its checks kept; not ok when the provider cannot be reached. */
export async function beginSignIn(
  db: Database,
  provider: ActiveProvider,
  owner: SsoOwner,
  at: { redirectUri: string; returnTo: string | undefined; env: string; log: SsoLog },
): Promise<Begun> {
  let start: Awaited<ReturnType<typeof authorizationRequest>>;
  try {
    start = await authorizationRequest(await providerConfig(provider, at.env), provider.scopes, at.redirectUri);
  } catch (err) {
    at.log.warn({ issuer: provider.issuer, err: failureOf(err) }, 'single sign-on: the provider could not be discovered');
    return { ok: false };
  }
  // A state is of no use once claimed or past its minutes: its verifier and nonce go at once, and starts leave no pile.
  await db
    .deleteFrom('sso_states')
    .where((eb) => eb.or([eb('used_at', 'is not', null), eb('created_at', '<', new Date(Date.now() - SSO_STATE_MINUTES * 60_000))]))
    .execute();
  await db
    .insertInto('sso_states')
    .values({
      state_hash: hashState(start.state),
      portal_id: owner,
      code_verifier: start.codeVerifier,
      nonce: start.nonce,
      return_to: at.returnTo ?? null,
      redirect_uri: at.redirectUri,
    })
    .execute();
  return { ok: true, url: start.url, state: start.state };
}

/** The state's stored checks, claimed for good by this request: unknown, used, expired or another owner's → undefined. */
function claimState(db: Database, owner: SsoOwner, state: string) {
  return db
    .updateTable('sso_states')
    .set({ used_at: sql`now()` })
    .where('state_hash', '=', hashState(state))
    .where('portal_id', owner === null ? 'is' : '=', owner)
    .where('used_at', 'is', null)
    .where('created_at', '>', sql<Date>`now() - make_interval(mins => ${SSO_STATE_MINUTES})`)
    .returning(['code_verifier', 'nonce', 'return_to', 'redirect_uri'])
    .executeTakeFirst();
}

function sameState(a: string, b: string | undefined) {
  if (b === undefined) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The state a callback carries, or '' when none. */
export const stateOf = (search: string) => new URLSearchParams(search).get('state') ?? '';

export type CallbackInput = {
  /** The callback's query string as the provider sent it. */
  search: string;
  /** The state this browser was given at the start (its cookie). */
  browserState: string | undefined;
  /** The redirect URI of the surface the callback came to: it must be the one the start sent. */
  redirectUri: string;
};

export type VerifyRefusal = 'state' | 'provider_error' | 'invalid_token' | 'unverified' | 'unavailable';

export type Verified<P> =
  | { ok: true; email: string; returnTo: string | undefined; provider: P }
  | { ok: false; reason: VerifyRefusal; detail?: string | undefined; email?: string | undefined };

/** The verified email the provider vouches for, from a state made for this owner that has not come back before. */
export async function verifyCallback<P extends ActiveProvider>(
  db: Database,
  owner: SsoOwner,
  loadProvider: () => Promise<P | undefined>,
  callback: CallbackInput,
  at: { env: string; log: SsoLog },
): Promise<Verified<P>> {
  const params = new URLSearchParams(callback.search);
  const state = stateOf(callback.search);
  const stored = state ? await claimState(db, owner, state) : undefined;
  // The answer must come back to the surface the sign-in started on (a portal's own host name, or Porta's address).
  if (!stored || !sameState(state, callback.browserState) || stored.redirect_uri !== callback.redirectUri) return { ok: false, reason: 'state' };
  // The provider's own refusal (the user declined, say): only its code goes on the trail, never its text.
  const error = params.get('error');
  if (error) return { ok: false, reason: 'provider_error', detail: error.replace(/[^a-z_]/gi, '').slice(0, 40) };
  const provider = await loadProvider();
  if (!provider) return { ok: false, reason: 'unavailable' };
  let config: Awaited<ReturnType<typeof providerConfig>>;
  try {
    config = await providerConfig(provider, at.env);
  } catch (err) {
    at.log.warn({ issuer: provider.issuer, err: failureOf(err) }, 'single sign-on: the provider could not be discovered');
    return { ok: false, reason: 'provider_error', detail: 'discovery' };
  }
  const url = new URL(stored.redirect_uri);
  url.search = callback.search;
  const grant = await redeemCode(config, url, { state, nonce: stored.nonce, codeVerifier: stored.code_verifier });
  if (!grant.ok) {
    at.log.warn({ issuer: provider.issuer, reason: grant.reason, err: failureOf(grant.error) }, 'single sign-on: the provider’s answer was refused');
    return { ok: false, reason: grant.reason };
  }
  const email = grant.identity.email?.trim().toLowerCase();
  if (!email || !grant.identity.emailVerified) return { ok: false, reason: 'unverified', email };
  return { ok: true, email, returnTo: stored.return_to ?? undefined, provider };
}
