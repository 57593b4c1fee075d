import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import { audit } from '../audit/audit.js';
import type { DB, Portal } from '../db/schema.js';
import { settleConfirmed } from './decide.js';
import { checkSignup, type SignupCheck, type SignupForm, type SignupInput } from './form.js';
import { portalUrl, queueSignupMail } from './mail.js';
import { codeEntryWorked, countCodeEntry, reserveSignupAttempt } from './throttle.js';
import type { PortalSignup, SignupDeps } from './types.js';

// Starting a sign-up and confirming it with its one-time code. The answer to
// a sign-up never says whether the address already has an account: both get
// "we sent a code"; only the email differs.

export type { PortalSignup, SignupDeps } from './types.js';

export const CODE_MINUTES = 15;
export const MAX_CODE_ATTEMPTS = 5;

export const hashCode = (code: string) => createHash('sha256').update(code).digest('hex');
const sameHash = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

export type StartResult =
  | { ok: true; email: string }
  | { ok: false; kind: 'invalid'; check: Extract<SignupCheck, { ok: false }> }
  | { ok: false; kind: 'throttled'; retryAfterSeconds: number };

/** Checks the form, counts the attempt, then stores the sign-up and emails its code (or "you already have an account"). */
export async function startSignup(
  deps: SignupDeps,
  form: SignupForm,
  input: SignupInput & { language: string; address: string },
  now = new Date(),
): Promise<StartResult> {
  const { db } = deps;
  const check = await checkSignup(db, form, input);
  if (!check.ok) return { ok: false, kind: 'invalid', check };
  const verdict = await reserveSignupAttempt(db, 'start', input.address, check.email);
  if (!verdict.allowed) return { ok: false, kind: 'throttled', retryAfterSeconds: verdict.retryAfterSeconds };
  const portal = form.portal;
  // An address that already has an account must not answer faster (or slower) than a new one: both take the
  // same throttle writes above, then one transaction of the same statements, one statement that looks the
  // account up and stores the sign-up only when there is none, one outbox insert and one audit entry.
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  await db.transaction().execute(async (trx) => {
    const stored = await storeUnlessAccount(trx, portal.id, form.typeId, check, input, hashCode(code), now);
    const base = portalUrl(deps, portal);
    const mail =
      stored.kind === 'account'
        ? ({ kind: 'existing', signInUrl: `${base}/login`, resetUrl: `${base}/password/forgot` } as const)
        : ({ kind: 'code', code, minutes: CODE_MINUTES, confirmUrl: `${base}/signup/confirm/${stored.id}/${code}` } as const);
    await queueSignupMail(trx, deps, portal, check.email, input.language, mail);
    await audit(
      trx,
      { kind: 'system' },
      stored.kind === 'account' ? 'portal_signup.existing_account' : 'portal_signup.requested',
      { type: stored.kind === 'account' ? 'portal_user' : 'portal_signup', id: stored.id },
      { portalId: portal.id },
    );
  });
  return { ok: true, email: check.email };
}

/**
 * In one statement: the portal user at the address, if any; else the new sign-up, replacing one not yet
 * confirmed (only the latest code works). The statement is the same whichever way it goes.
 */
async function storeUnlessAccount(
  trx: Transaction<DB>,
  portalId: string,
  typeId: string,
  check: Extract<SignupCheck, { ok: true }>,
  input: SignupInput & { language: string },
  codeHash: string,
  now: Date,
): Promise<{ kind: 'account' | 'signup'; id: string }> {
  const expires = new Date(now.getTime() + CODE_MINUTES * 60_000);
  const { rows } = await sql<{ user_id: string | null; signup_id: string | null }>`
    with account as (
      select id from portal_users where portal_id = ${portalId}::uuid and lower(email) = ${check.email}::text limit 1
    ), replaced as (
      delete from portal_signups
      where portal_id = ${portalId}::uuid and email = ${check.email}::text and status = 'unconfirmed' and not exists (select 1 from account)
    ), created as (
      insert into portal_signups (portal_id, user_type_id, email, data, language, consent, code_hash, code_expires_at, created_at)
      select ${portalId}::uuid, ${typeId}::uuid, ${check.email}::text, ${JSON.stringify(check.data)}::jsonb, ${input.language}::text,
        ${input.consent}::boolean, ${codeHash}::text, ${expires}::timestamptz, ${now}::timestamptz
      where not exists (select 1 from account)
      returning id
    )
    select (select id from account) as user_id, (select id from created) as signup_id`.execute(trx);
  const row = rows[0];
  if (row?.user_id) return { kind: 'account', id: row.user_id };
  if (row?.signup_id) return { kind: 'signup', id: row.signup_id };
  throw new Error('the sign-up was not stored');
}

export type ConfirmResult =
  | { ok: true; status: 'pending' | 'waiting' | 'approved' | 'existing' }
  | { ok: false; reason: 'wrong'; triesLeft: number }
  | { ok: false; reason: 'expired' | 'used' | 'too_many' }
  | { ok: false; reason: 'throttled'; retryAfterSeconds: number };

/**
 * The code typed on the page, for the latest unconfirmed sign-up of that address in the portal. An address
 * with none (unknown, or its sign-up already confirmed) is answered as a wrong code, with the same count of
 * tries: the page tells nobody who signed up, nor who has an account.
 */
export async function confirmByEmail(deps: SignupDeps, portal: Portal, email: string, code: string, address: string): Promise<ConfirmResult> {
  const verdict = await reserveSignupAttempt(deps.db, 'code', address);
  if (!verdict.allowed) return { ok: false, reason: 'throttled', retryAfterSeconds: verdict.retryAfterSeconds };
  const typed = email.trim().toLowerCase();
  const counted = await countCodeEntry(deps.db, portal.id, typed, MAX_CODE_ATTEMPTS);
  if (counted.entries > MAX_CODE_ATTEMPTS) return { ok: false, reason: 'throttled', retryAfterSeconds: counted.retryAfterSeconds };
  const row = await deps.db
    .selectFrom('portal_signups')
    .selectAll()
    .where('portal_id', '=', portal.id)
    .where('email', '=', typed)
    .where('status', '=', 'unconfirmed')
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return confirm(deps, portal, row, code, counted);
}

/** The button of the page the emailed link opens: the sign-up's id and its code. */
export async function confirmById(deps: SignupDeps, portal: Portal, id: string, code: string, address: string): Promise<ConfirmResult> {
  const verdict = await reserveSignupAttempt(deps.db, 'code', address);
  if (!verdict.allowed) return { ok: false, reason: 'throttled', retryAfterSeconds: verdict.retryAfterSeconds };
  const row = /^[0-9a-f-]{36}$/i.test(id)
    ? await deps.db.selectFrom('portal_signups').selectAll().where('portal_id', '=', portal.id).where('id', '=', id).executeTakeFirst()
    : undefined;
  // Counted with the entries typed for the same address: the link gives no tries of its own.
  const counted = await countCodeEntry(deps.db, portal.id, row?.email ?? `id:${id}`, MAX_CODE_ATTEMPTS);
  if (counted.entries > MAX_CODE_ATTEMPTS) return { ok: false, reason: 'throttled', retryAfterSeconds: counted.retryAfterSeconds };
  return confirm(deps, portal, row, code, counted);
}

/** `counted`: the code entries for the address in the throttle's window, this one included. */
async function confirm(
  deps: SignupDeps,
  portal: Portal,
  found: PortalSignup | undefined,
  code: string,
  counted: { entries: number; entryId: string | undefined },
  now = new Date(),
): Promise<ConfirmResult> {
  const { entries } = counted;
  const wrong = (attempts: number): ConfirmResult =>
    attempts >= MAX_CODE_ATTEMPTS ? { ok: false, reason: 'too_many' } : { ok: false, reason: 'wrong', triesLeft: MAX_CODE_ATTEMPTS - attempts };
  // Unknown address or sign-up: the same answer as a wrong code, so nothing is learnt from it.
  if (!found) return wrong(entries);
  const outcome = await deps.db.transaction().execute(async (trx): Promise<ConfirmResult | 'confirmed'> => {
    const row = await trx.selectFrom('portal_signups').selectAll().where('id', '=', found.id).forUpdate().executeTakeFirst();
    if (row?.status !== 'unconfirmed' || !row.code_hash) return { ok: false, reason: 'used' };
    if (row.code_attempts >= MAX_CODE_ATTEMPTS) return { ok: false, reason: 'too_many' };
    if (!row.code_expires_at || row.code_expires_at.getTime() <= now.getTime()) return { ok: false, reason: 'expired' };
    if (!/^\d{6}$/.test(code.trim()) || !sameHash(hashCode(code.trim()), row.code_hash)) {
      const attempts = row.code_attempts + 1;
      await trx.updateTable('portal_signups').set({ code_attempts: attempts }).where('id', '=', row.id).execute();
      return wrong(Math.max(attempts, entries));
    }
    await trx.updateTable('portal_signups').set({ code_hash: null, confirmed_at: now, status: 'pending' }).where('id', '=', row.id).execute();
    await audit(trx, { kind: 'system' }, 'portal_signup.confirmed', { type: 'portal_signup', id: row.id }, { portalId: portal.id });
    return 'confirmed';
  });
  if (outcome !== 'confirmed') return outcome;
  await codeEntryWorked(deps.db, counted.entryId);
  return { ok: true, status: await settleConfirmed(deps, portal, found.id) };
}
