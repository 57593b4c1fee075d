import type { Transaction } from 'kysely';
import { fromKysely, type JobResult, type JobWithMetadata, type PgBoss } from 'pg-boss';
import type { Logger } from 'pino';
import type { DB } from '../db/schema.js';
import { type BatchJob, runQueuedInvites } from '../invitations/batches.js';
import type { InviteDeps } from '../invitations/invite.js';
import { QUEUES } from './queues.js';

/** Jobs fetched at once: their records are invited a group per transaction. */
export const INVITE_FETCH_SIZE = 100;
const INSERT_CHUNK = 1000;

/** Queues one job per record inside the caller's transaction (the one that creates the batch). */
export async function enqueueInviteJobs(trx: Transaction<DB>, boss: PgBoss, jobs: BatchJob[]): Promise<void> {
  const db = fromKysely(trx);
  for (let i = 0; i < jobs.length; i += INSERT_CHUNK) {
    await boss.insert(
      QUEUES.inviteRecord,
      jobs.slice(i, i + INSERT_CHUNK).map((data) => ({ data })),
      { db },
    );
  }
}

const isBatchJob = (d: unknown): d is BatchJob => {
  const j = d as Partial<BatchJob> | null;
  return (
    !!j &&
    typeof j.batchId === 'string' &&
    typeof j.recordId === 'string' &&
    typeof j.userTypeId === 'string' &&
    typeof j.staffId === 'string' &&
    typeof j.dryRun === 'boolean'
  );
};

export async function registerInviteWorker(boss: PgBoss, deps: InviteDeps & { log: Logger }): Promise<void> {
  const { log } = deps;
  await boss.work(
    QUEUES.inviteRecord,
    // Keeps fetching while batches come back full, so a large batch is not paced by the polling interval.
    { batchSize: INVITE_FETCH_SIZE, pollingIntervalSeconds: 1, burstWhenBatchFull: true, includeMetadata: true, perJobResults: true },
    async (jobs: JobWithMetadata<BatchJob>[]): Promise<JobResult[]> => {
      const valid = jobs.filter((j) => isBatchJob(j.data));
      const outcomes = await runQueuedInvites(
        deps,
        valid.map((j) => ({ jobId: j.id, job: j.data, final: j.retryCount >= j.retryLimit })),
        (err, job, size) =>
          log[size > 1 ? 'warn' : 'error']({ err, batchId: job.batchId, recordId: size === 1 ? job.recordId : undefined, size }, 'invitations failed'),
      );
      return jobs.map((j) => {
        const outcome = outcomes.get(j.id);
        if (!outcome) return { id: j.id, status: 'deadletter', output: { error: 'not an invitation job' } };
        return outcome.ok ? { id: j.id, status: 'completed' } : { id: j.id, status: 'failed', output: { error: outcome.error } };
      });
    },
  );
}
