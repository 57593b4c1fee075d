import { sha256 } from '@oslojs/crypto/sha2';
import { decodeBase32IgnorePadding, encodeBase32LowerCaseNoPadding, encodeBase32UpperCaseNoPadding, encodeHexLowerCase } from '@oslojs/encoding';
import { createTOTPKeyURI, generateHOTP } from '@oslojs/otp';
import { type Actor, audit } from '../audit/audit.js';
import type { Database } from '../db/database.js';
import type { SessionUserKind } from '../db/schema.js';
import { markAttemptSucceeded, reserveLoginAttempt } from './throttle.js';

// Two-factor sign-in with an authenticator app (TOTP, RFC 6238: 30-second
// steps, 6 digits, SHA-1 as every app expects), for staff and portal users.
// A code is accepted once: the step it matched is remembered and only later
// steps pass afterwards. Ten recovery codes stand in for a lost phone, each
// usable once and stored as SHA-256 only.

export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
export const RECOVERY_CODE_COUNT = 10;
/** Steps either side of now that still pass: a phone's clock a little off, a code typed as it changes. */
const DRIFT_STEPS = 1;

export type TwoFactorUser = { kind: SessionUserKind; id: string };
export type TwoFactorState = { enabled: boolean; recoveryLeft: number };

const actorOf = (user: TwoFactorUser): Actor => ({ kind: user.kind, id: user.id });

export async function twoFactorState(db: Database, user: TwoFactorUser): Promise<TwoFactorState> {
  const [row, left] = await Promise.all([
    db.selectFrom('two_factor').select('enabled_at').where('user_kind', '=', user.kind).where('user_id', '=', user.id).executeTakeFirst(),
    db
      .selectFrom('recovery_codes')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('user_kind', '=', user.kind)
      .where('user_id', '=', user.id)
      .where('used_at', 'is', null)
      .executeTakeFirstOrThrow(),
  ]);
  return { enabled: Boolean(row?.enabled_at), recoveryLeft: Number(left.n) };
}

export async function hasTwoFactor(db: Database, user: TwoFactorUser): Promise<boolean> {
  const row = await db
    .selectFrom('two_factor')
    .select('user_id')
    .where('user_kind', '=', user.kind)
    .where('user_id', '=', user.id)
    .where('enabled_at', 'is not', null)
    .executeTakeFirst();
  return Boolean(row);
}

export type TwoFactorSetup = { secret: string; uri: string };

/** "ABCD EFGH …": the key as a person types it into an app. */
export function groupSecret(secret: string): string {
  return secret.replace(/(.{4})(?=.)/g, '$1 ');
}

/**
 * The key to add to the authenticator app, before it is confirmed. The same
 * key comes back until it is confirmed, so reloading the page does not
 * invalidate what was just scanned. Undefined when two-factor is already on.
 */
export async function beginTwoFactorSetup(db: Database, user: TwoFactorUser, label: { issuer: string; account: string }): Promise<TwoFactorSetup | undefined> {
  const bytes = new Uint8Array(20);
  crypto.getRandomValues(bytes);
  await db
    .insertInto('two_factor')
    .values({ user_kind: user.kind, user_id: user.id, secret: encodeBase32UpperCaseNoPadding(bytes) })
    .onConflict((oc) => oc.columns(['user_kind', 'user_id']).doNothing())
    .execute();
  const row = await db
    .selectFrom('two_factor')
    .select(['secret', 'enabled_at'])
    .where('user_kind', '=', user.kind)
    .where('user_id', '=', user.id)
    .executeTakeFirstOrThrow();
  if (row.enabled_at) return undefined;
  const uri = createTOTPKeyURI(label.issuer, label.account, decodeBase32IgnorePadding(row.secret), TOTP_PERIOD_SECONDS, TOTP_DIGITS);
  return { secret: row.secret, uri };
}

const currentStep = (now: Date) => BigInt(Math.floor(now.getTime() / (TOTP_PERIOD_SECONDS * 1000)));

/** The time step a code belongs to, within the allowed drift and after `after`; undefined when it matches none. */
function matchingStep(secret: string, code: string, now: Date, after: bigint | null): bigint | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  const key = decodeBase32IgnorePadding(secret);
  const step = currentStep(now);
  for (let d = -DRIFT_STEPS; d <= DRIFT_STEPS; d++) {
    const candidate = step + BigInt(d);
    if (after !== null && candidate <= after) continue;
    if (constantTimeEqual(generateHOTP(key, candidate, TOTP_DIGITS), code)) return candidate;
  }
  return undefined;
}

function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** Spaces and dashes people type or paste are ignored; recovery codes are case-insensitive. */
function normalize(code: string): string {
  return code.replace(/[\s-]/g, '').toLowerCase();
}

const hashRecoveryCode = (code: string) => encodeHexLowerCase(sha256(new TextEncoder().encode(normalize(code))));

function newRecoveryCode(): string {
  const bytes = new Uint8Array(7);
  crypto.getRandomValues(bytes);
  const raw = encodeBase32LowerCaseNoPadding(bytes).slice(0, 10);
  return `${raw.slice(0, 5)}-${raw.slice(5)}`;
}

export type ConfirmResult = { ok: true; recoveryCodes: string[] } | { ok: false; reason: 'invalid' | 'not_started' | 'already_enabled' };

/**
 * Turns two-factor on once the user proves their app has the key, and returns
 * fresh recovery codes: shown this once, stored only as hashes.
 */
export async function confirmTwoFactorSetup(db: Database, user: TwoFactorUser, rawCode: string, now = new Date()): Promise<ConfirmResult> {
  const code = normalize(rawCode);
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('two_factor')
      .select(['secret', 'enabled_at'])
      .where('user_kind', '=', user.kind)
      .where('user_id', '=', user.id)
      .forUpdate()
      .executeTakeFirst();
    if (!row) return { ok: false, reason: 'not_started' } as const;
    if (row.enabled_at) return { ok: false, reason: 'already_enabled' } as const;
    const step = matchingStep(row.secret, code, now, null);
    if (step === undefined) return { ok: false, reason: 'invalid' } as const;
    await trx
      .updateTable('two_factor')
      .set({ enabled_at: now, last_counter: step.toString() })
      .where('user_kind', '=', user.kind)
      .where('user_id', '=', user.id)
      .execute();
    const recoveryCodes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
    await trx.deleteFrom('recovery_codes').where('user_kind', '=', user.kind).where('user_id', '=', user.id).execute();
    await trx
      .insertInto('recovery_codes')
      .values(recoveryCodes.map((c) => ({ user_kind: user.kind, user_id: user.id, code_hash: hashRecoveryCode(c) })))
      .execute();
    await audit(trx, actorOf(user), 'two_factor.enabled', { type: targetType(user), id: user.id });
    return { ok: true, recoveryCodes } as const;
  });
}

const targetType = (user: TwoFactorUser) => (user.kind === 'staff' ? 'staff_user' : 'portal_user');

export type SecondFactorMethod = 'totp' | 'recovery';

/** Checks a code from the app (a step not used before) or an unused recovery code, and uses it up. */
export async function useSecondFactor(
  db: Database,
  user: TwoFactorUser,
  rawCode: string,
  opts: { allowRecovery: boolean; now?: Date },
): Promise<SecondFactorMethod | undefined> {
  const code = normalize(rawCode);
  const now = opts.now ?? new Date();
  if (/^\d{6}$/.test(code)) {
    const row = await db
      .selectFrom('two_factor')
      .select(['secret', 'last_counter'])
      .where('user_kind', '=', user.kind)
      .where('user_id', '=', user.id)
      .where('enabled_at', 'is not', null)
      .executeTakeFirst();
    if (!row) return undefined;
    const step = matchingStep(row.secret, code, now, row.last_counter === null ? null : BigInt(row.last_counter));
    if (step === undefined) return undefined;
    // Two requests with the same code race here: only one moves the counter forward.
    const moved = await db
      .updateTable('two_factor')
      .set({ last_counter: step.toString() })
      .where('user_kind', '=', user.kind)
      .where('user_id', '=', user.id)
      .where((eb) => eb.or([eb('last_counter', 'is', null), eb('last_counter', '<', step.toString())]))
      .executeTakeFirst();
    return Number(moved.numUpdatedRows) === 1 ? 'totp' : undefined;
  }
  if (!opts.allowRecovery || !/^[a-z2-7]{10}$/.test(code)) return undefined;
  const used = await db
    .updateTable('recovery_codes')
    .set({ used_at: now })
    .where('user_kind', '=', user.kind)
    .where('user_id', '=', user.id)
    .where('code_hash', '=', hashRecoveryCode(code))
    .where('used_at', 'is', null)
    .where((eb) =>
      eb.exists(
        eb.selectFrom('two_factor').select('user_id').where('user_kind', '=', user.kind).where('user_id', '=', user.id).where('enabled_at', 'is not', null),
      ),
    )
    .executeTakeFirst();
  if (Number(used.numUpdatedRows) !== 1) return undefined;
  await audit(db, actorOf(user), 'two_factor.recovery_code_used', { type: targetType(user), id: user.id });
  return 'recovery';
}

export type CheckedCode =
  | { ok: true; method: SecondFactorMethod }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'throttled'; retryAfterSeconds: number };

/** useSecondFactor behind the sign-in throttle: six digits are guessable without a limit. */
export async function checkSecondFactor(
  db: Database,
  user: TwoFactorUser,
  code: string,
  opts: { address: string; allowRecovery: boolean; now?: Date },
): Promise<CheckedCode> {
  const { verdict, reservation } = await reserveLoginAttempt(db, `2fa:${user.kind}`, user.id, opts.address);
  if (!verdict.allowed || !reservation) return { ok: false, reason: 'throttled', retryAfterSeconds: verdict.allowed ? 60 : verdict.retryAfterSeconds };
  const method = await useSecondFactor(db, user, code, { allowRecovery: opts.allowRecovery, now: opts.now });
  if (!method) return { ok: false, reason: 'invalid' };
  await markAttemptSucceeded(db, reservation);
  return { ok: true, method };
}

/** The session has its second factor: from now on it is a full sign-in, with a full lifetime. */
export async function completeTwoFactorSession(db: Database, sessionId: string, lifetimeDays: number): Promise<void> {
  await db
    .updateTable('sessions')
    .set({ two_factor_pending: false, expires_at: new Date(Date.now() + lifetimeDays * 24 * 60 * 60 * 1000) })
    .where('id', '=', sessionId)
    .execute();
}

export type DisableResult = { ok: true } | { ok: false; reason: 'invalid' | 'not_enabled' } | { ok: false; reason: 'throttled'; retryAfterSeconds: number };

/** Turning two-factor off takes a current code from the app, so a borrowed signed-in browser cannot do it. */
export async function disableTwoFactor(db: Database, user: TwoFactorUser, code: string, address: string): Promise<DisableResult> {
  if (!(await hasTwoFactor(db, user))) return { ok: false, reason: 'not_enabled' };
  const checked = await checkSecondFactor(db, user, code, { address, allowRecovery: false });
  if (!checked.ok) return checked;
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('recovery_codes').where('user_kind', '=', user.kind).where('user_id', '=', user.id).execute();
    await trx.deleteFrom('two_factor').where('user_kind', '=', user.kind).where('user_id', '=', user.id).execute();
    await audit(trx, actorOf(user), 'two_factor.disabled', { type: targetType(user), id: user.id });
  });
  return { ok: true };
}
