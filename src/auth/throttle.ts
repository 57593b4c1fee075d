import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Database } from '../db/database.js';

export const THROTTLE = {
  windowMinutes: 15,
  /** Failed attempts on one account, since its last success, within the window. */
  accountFailures: 5,
  /** Failed attempts from one address, on any account, within the window. */
  addressFailures: 20,
} as const;

export type ThrottleVerdict = { allowed: true } | { allowed: false; scope: 'account' | 'address'; retryAfterSeconds: number };

type Keys = { account: string; address: string };

/**
 * Keys as stored: anything longer than an address can be (a pasted novel in
 * the email field, a forged X-Forwarded-For) is kept as its hash, so the
 * index always holds it and distinct inputs stay distinct.
 */
function bounded(key: string): string {
  return key.length <= 320 ? key : `sha256:${createHash('sha256').update(key).digest('hex')}`;
}

function accountKey(kind: string, email: string) {
  return bounded(`${kind}:${email.trim().toLowerCase()}`);
}

/** Decides whether a login may be tried now. Stored in PostgreSQL so every web process agrees. */
export async function checkLoginThrottle(db: Database, kind: string, email: string, address: string): Promise<ThrottleVerdict> {
  const keys: Keys = { account: accountKey(kind, email), address: bounded(address) };
  const windowStart = new Date(Date.now() - THROTTLE.windowMinutes * 60_000);
  const [account, byAddress] = await Promise.all([
    db
      .selectFrom('login_attempts as a')
      .select([(eb) => eb.fn.countAll<string>().as('n'), (eb) => eb.fn.min('a.created_at').as('oldest')])
      .where('a.scope', '=', 'account')
      .where('a.key', '=', keys.account)
      .where('a.succeeded', '=', false)
      .where('a.created_at', '>', windowStart)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('login_attempts as s')
              .select('s.id')
              .where('s.scope', '=', 'account')
              .where('s.key', '=', keys.account)
              .where('s.succeeded', '=', true)
              .whereRef('s.created_at', '>', 'a.created_at'),
          ),
        ),
      )
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('login_attempts')
      .select([(eb) => eb.fn.countAll<string>().as('n'), (eb) => eb.fn.min('created_at').as('oldest')])
      .where('scope', '=', 'address')
      .where('key', '=', keys.address)
      .where('succeeded', '=', false)
      .where('created_at', '>', windowStart)
      .executeTakeFirstOrThrow(),
  ]);
  const retry = (oldest: Date | null) => Math.max(1, Math.ceil(((oldest?.getTime() ?? Date.now()) + THROTTLE.windowMinutes * 60_000 - Date.now()) / 1000));
  if (Number(byAddress.n) >= THROTTLE.addressFailures) return { allowed: false, scope: 'address', retryAfterSeconds: retry(byAddress.oldest) };
  if (Number(account.n) >= THROTTLE.accountFailures) return { allowed: false, scope: 'account', retryAfterSeconds: retry(account.oldest) };
  return { allowed: true };
}

export type AttemptReservation = { ids: string[] };

/**
 * Checks the throttle and, when allowed, records the attempt as failed before
 * any password is verified, under a lock on the account and the address. N
 * parallel attempts therefore count N times: they cannot all slip past the
 * check while their passwords are being hashed. A success flips the record.
 */
export async function reserveLoginAttempt(
  db: Database,
  kind: string,
  email: string,
  address: string,
): Promise<{ verdict: ThrottleVerdict; reservation?: AttemptReservation }> {
  const addressKey = bounded(address);
  return db.transaction().execute(async (trx) => {
    // Locks in a fixed order (account, then address) so two attempts never wait on each other in a cycle.
    await sql`select pg_advisory_xact_lock(hashtext(${`login:account:${accountKey(kind, email)}`}))`.execute(trx);
    await sql`select pg_advisory_xact_lock(hashtext(${`login:address:${addressKey}`}))`.execute(trx);
    const verdict = await checkLoginThrottle(trx, kind, email, address);
    if (!verdict.allowed) return { verdict };
    const rows = await trx
      .insertInto('login_attempts')
      .values([
        { scope: 'account', key: accountKey(kind, email), succeeded: false },
        { scope: 'address', key: addressKey, succeeded: false },
      ])
      .returning('id')
      .execute();
    return { verdict, reservation: { ids: rows.map((r) => r.id) } };
  });
}

export async function markAttemptSucceeded(db: Database, reservation: AttemptReservation): Promise<void> {
  await db.updateTable('login_attempts').set({ succeeded: true }).where('id', 'in', reservation.ids).execute();
}

export async function pruneLoginAttempts(db: Database): Promise<void> {
  await db
    .deleteFrom('login_attempts')
    .where('created_at', '<', new Date(Date.now() - 24 * 3600_000))
    .execute();
}
