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

function accountKey(kind: string, email: string) {
  return `${kind}:${email.trim().toLowerCase()}`;
}

/** Decides whether a login may be tried now. Stored in PostgreSQL so every web process agrees. */
export async function checkLoginThrottle(db: Database, kind: string, email: string, address: string): Promise<ThrottleVerdict> {
  const keys: Keys = { account: accountKey(kind, email), address };
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

export async function recordLoginAttempt(db: Database, kind: string, email: string, address: string, succeeded: boolean) {
  await db
    .insertInto('login_attempts')
    .values([
      { scope: 'account', key: accountKey(kind, email), succeeded },
      { scope: 'address', key: address, succeeded },
    ])
    .execute();
}

export async function pruneLoginAttempts(db: Database): Promise<void> {
  await db
    .deleteFrom('login_attempts')
    .where('created_at', '<', new Date(Date.now() - 24 * 3600_000))
    .execute();
}
