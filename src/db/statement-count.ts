import { AsyncLocalStorage } from 'node:async_hooks';
import type pg from 'pg';

// Counts the statements a request sends through Porta's pool, for the
// Server-Timing header (SERVER_TIMING=true): the benchmark reads it to report
// statements per request as PostgreSQL received them, not as estimated.

export type StatementTally = { statements: number; ms: number };

const tallies = new AsyncLocalStorage<StatementTally>();

/** Runs `fn` with a fresh tally; statements sent from anything it awaits are counted into it. */
export function withStatementTally<T>(fn: (tally: StatementTally) => Promise<T>): Promise<T> {
  const tally: StatementTally = { statements: 0, ms: 0 };
  return tallies.run(tally, () => fn(tally));
}

/** Makes every client of the pool count its statements into the tally of the request that sends them. */
export function countPoolStatements(pool: pg.Pool): void {
  pool.on('connect', (client) => {
    // Through the prototype at each call, so anything else wrapping pg's Client still sees every statement.
    const query = (...args: unknown[]) => (Object.getPrototypeOf(client).query as (...a: unknown[]) => unknown).apply(client, args);
    client.query = ((...args: unknown[]) => {
      const tally = tallies.getStore();
      if (!tally) return query(...args);
      tally.statements += 1;
      const started = performance.now();
      const result = query(...args);
      if (result instanceof Promise) {
        const done = () => {
          tally.ms += performance.now() - started;
        };
        result.then(done, done);
      }
      return result;
    }) as typeof client.query;
  });
}
