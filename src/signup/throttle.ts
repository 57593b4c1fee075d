import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Database } from '../db/database.js';

// Sign-up requests and code entries are counted like sign-in attempts, in
// login_attempts (so every web process agrees and erasure finds them), under
// keys of their own: an address's sign-ups never lock anyone out of signing in.

export const SIGNUP_THROTTLE = {
  windowMinutes: 15,
  /** Sign-ups for one email address (each sends an email) within the window. */
  perEmail: 3,
  /** Sign-ups and code entries from one client address within the window. */
  perAddress: 20,
} as const;

export type SignupThrottle = { allowed: true } | { allowed: false; retryAfterSeconds: number };

const bounded = (key: string) => (key.length <= 320 ? key : `sha256:${createHash('sha256').update(key).digest('hex')}`);

/**
 * Counts an attempt and says whether it may go on: the email (when given) and
 * the client address each have their limit. Under a lock per key, so parallel
 * requests count each other.
 */
export async function reserveSignupAttempt(db: Database, kind: 'start' | 'code', address: string, email?: string): Promise<SignupThrottle> {
  const keys = [
    ...(email ? [{ scope: 'account' as const, key: bounded(`signup:${email.trim().toLowerCase()}`), limit: SIGNUP_THROTTLE.perEmail }] : []),
    { scope: 'address' as const, key: bounded(`signup-${kind === 'start' ? 'start' : 'code'}:${address}`), limit: SIGNUP_THROTTLE.perAddress },
  ];
  const since = new Date(Date.now() - SIGNUP_THROTTLE.windowMinutes * 60_000);
  return db.transaction().execute(async (trx) => {
    for (const k of keys) await sql`select pg_advisory_xact_lock(hashtext(${`signup:${k.scope}:${k.key}`}))`.execute(trx);
    for (const k of keys) {
      const row = await trx
        .selectFrom('login_attempts')
        .select([(eb) => eb.fn.countAll<string>().as('n'), (eb) => eb.fn.min('created_at').as('oldest')])
        .where('scope', '=', k.scope)
        .where('key', '=', k.key)
        .where('created_at', '>', since)
        .executeTakeFirstOrThrow();
      if (Number(row.n) >= k.limit) {
        const oldest = row.oldest?.getTime() ?? Date.now();
        return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((oldest + SIGNUP_THROTTLE.windowMinutes * 60_000 - Date.now()) / 1000)) };
      }
    }
    await trx
      .insertInto('login_attempts')
      .values(keys.map((k) => ({ scope: k.scope, key: k.key, succeeded: false })))
      .execute();
    return { allowed: true };
  });
}

/**
 * Counts one code entry for the sign-ups of one email address in a portal
 * (`who`: the address, or the link's sign-up id when it names none), across
 * all of them: starting sign-up after sign-up gives no more tries. Says how
 * many entries the window holds with this one; past `limit` it is not stored.
 * An entry that confirmed is marked so and no longer counts (see codeEntryWorked):
 * the count tells nobody that the address signed up.
 */
export async function countCodeEntry(
  db: Database,
  portalId: string,
  who: string,
  limit: number,
): Promise<{ entries: number; retryAfterSeconds: number; entryId: string | undefined }> {
  const key = bounded(`signup-code:${portalId}:${who.trim().toLowerCase()}`);
  const since = new Date(Date.now() - SIGNUP_THROTTLE.windowMinutes * 60_000);
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext(${`signup:account:${key}`}))`.execute(trx);
    const row = await trx
      .selectFrom('login_attempts')
      .select([(eb) => eb.fn.countAll<string>().as('n'), (eb) => eb.fn.min('created_at').as('oldest')])
      .where('scope', '=', 'account')
      .where('key', '=', key)
      .where('succeeded', '=', false)
      .where('created_at', '>', since)
      .executeTakeFirstOrThrow();
    const n = Number(row.n);
    const oldest = row.oldest?.getTime() ?? Date.now();
    const retryAfterSeconds = Math.max(1, Math.ceil((oldest + SIGNUP_THROTTLE.windowMinutes * 60_000 - Date.now()) / 1000));
    if (n >= limit) return { entries: n + 1, retryAfterSeconds, entryId: undefined };
    const entry = await trx.insertInto('login_attempts').values({ scope: 'account', key, succeeded: false }).returning('id').executeTakeFirstOrThrow();
    return { entries: n + 1, retryAfterSeconds, entryId: entry.id };
  });
}

/** The code entry confirmed its sign-up: it stops counting against the address. */
export async function codeEntryWorked(db: Database, entryId: string | undefined): Promise<void> {
  if (entryId) await db.updateTable('login_attempts').set({ succeeded: true }).where('id', '=', entryId).execute();
}
