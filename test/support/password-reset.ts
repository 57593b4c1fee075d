import { sql } from 'kysely';
import { QUEUES } from '../../src/jobs/queues.js';
import type { TestApp } from './app.js';
import { waitFor } from './wait.js';

export type ResetRequestJob = { id: string; state: string; retry_count: number; data: { portalId: string; email: string } };

/** The "forgot password" requests queued so far (for one address when given), oldest first. */
export async function resetRequestJobs(t: TestApp, email?: string): Promise<ResetRequestJob[]> {
  const jobs = await sql<ResetRequestJob>`
    select id, state, retry_count, data from pgboss.job
    where name = ${QUEUES.passwordReset} and (${email ?? null}::text is null or data->>'email' = ${email ?? null})
    order by created_on`.execute(t.db);
  return jobs.rows;
}

/** Waits until the worker (startTestApp({ worker: true })) has settled every queued "forgot password" request. */
export function resetRequestsHandled(t: TestApp): Promise<void> {
  return waitFor(async () => (await resetRequestJobs(t)).every((j) => j.state === 'completed' || j.state === 'failed'));
}
