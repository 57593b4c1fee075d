import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import type { DB } from './schema.js';
import { countPoolStatements } from './statement-count.js';

export type Database = Kysely<DB>;

export type DatabaseHandle = {
  db: Database;
  pool: pg.Pool;
  close(): Promise<void>;
};

/** `countStatements`: each request's statements are tallied for its Server-Timing header (statement-count.ts). */
export function openDatabase(connectionString: string, max = 10, opts: { countStatements?: boolean } = {}): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString,
    max,
    application_name: 'porta',
    // An unreachable database fails requests in seconds instead of hanging them.
    connectionTimeoutMillis: 5_000,
    statement_timeout: 30_000,
    idle_in_transaction_session_timeout: 60_000,
  });
  // An idle client that loses its server (restart, failover) must not crash the process.
  pool.on('error', (err) => console.error('database pool error', err.message));
  // Nor one handed out: the pool takes its own listener off a client it lends, and a
  // server that goes away between two statements of a transaction then makes that
  // client emit an 'error' nobody hears, an uncaught exception. Its next statement
  // fails with the reason instead, and the pool drops it when it comes back.
  pool.on('connect', (client) => client.on('error', () => {}));
  if (opts.countStatements) countPoolStatements(pool);
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    pool,
    // Kysely's destroy() ends the pool too.
    close: () => db.destroy(),
  };
}

/** Runs `fn` in the caller's transaction when `db` is one, else in a transaction of its own. */
export function inTransaction<T>(db: Database, fn: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db as Transaction<DB>) : db.transaction().execute(fn);
}

export async function databaseReachable(db: Database, timeoutMs = 2000): Promise<boolean> {
  const check = db.selectNoFrom((eb) => eb.val(1).as('ok')).executeTakeFirst();
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), timeoutMs).unref());
  try {
    await Promise.race([check, timeout]);
    return true;
  } catch {
    return false;
  }
}
