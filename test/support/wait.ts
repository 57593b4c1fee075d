import { type Kysely, sql } from 'kysely';
import type { DB } from '../../src/db/schema.js';
/** Polls a condition until it holds (no fixed sleeps in tests). */
export async function waitFor(check: () => Promise<boolean> | boolean, { timeoutMs = 15_000, intervalMs = 100 } = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

/**
 * Waits until no job is queued, retrying or running in any queue: work that a
 * request set off (automatic invitations, deliveries) runs on the same pool
 * as the pages, so a count of a page's statements starts after it.
 */
export async function jobsSettled(db: Kysely<DB>, opts: { timeoutMs?: number } = {}): Promise<void> {
  await waitFor(
    async () =>
      Number((await sql<{ n: string }>`select count(*) as n from pgboss.job where state in ('created', 'retry', 'active')`.execute(db)).rows[0]?.n ?? 0) === 0,
    { timeoutMs: opts.timeoutMs ?? 30_000 },
  );
}
