import type { JobResult, JobWithMetadata, PgBoss } from 'pg-boss';
import type { Logger } from 'pino';
import { autoInviteWritten } from '../invitations/auto-invite.js';
import type { InviteDeps } from '../invitations/invite.js';
import { type AutoInviteJob, QUEUES } from './queues.js';

const isAutoInviteJob = (d: unknown): d is AutoInviteJob => {
  const j = d as Partial<AutoInviteJob> | null;
  return !!j && typeof j.recordId === 'string' && typeof j.inviterId === 'string' && (j.before === null || typeof j.before === 'object');
};

/** Automatic invitations of written records: each job settled on its own, so one failure neither fails nor repeats the rest. */
export async function registerAutoInviteWorker(boss: PgBoss, deps: InviteDeps & { log: Logger }): Promise<void> {
  const { log } = deps;
  await boss.work(
    QUEUES.autoInvite,
    // An import queues one job per row: full batches are fetched at once rather than paced by the polling interval.
    { batchSize: 20, pollingIntervalSeconds: 1, burstWhenBatchFull: true, includeMetadata: true, perJobResults: true },
    async (jobs: JobWithMetadata<unknown>[]) => {
      const run = async (job: JobWithMetadata<unknown>): Promise<JobResult> => {
        if (!isAutoInviteJob(job.data)) return { id: job.id, status: 'deadletter', output: { error: 'not an automatic invitation job' } };
        try {
          const outcome = await autoInviteWritten(deps, job.data);
          if (outcome) log.info({ job: job.id, recordId: job.data.recordId, outcome: outcome.outcome }, 'automatic invitation');
          return { id: job.id, status: 'completed', output: { outcome: outcome?.outcome ?? 'none' } };
        } catch (err) {
          log.error({ err, job: job.id, recordId: job.data.recordId, attempt: job.retryCount + 1 }, 'automatic invitation could not run');
          return { id: job.id, status: 'failed', output: { error: err instanceof Error ? err.message : String(err) } };
        }
      };
      // Two saves of one record in the same batch run one after the other: side by side, both would find it uninvited.
      const byRecord = new Map<string, JobWithMetadata<unknown>[]>();
      for (const job of jobs) {
        const key = isAutoInviteJob(job.data) ? job.data.recordId : job.id;
        byRecord.set(key, [...(byRecord.get(key) ?? []), job]);
      }
      const settled = await Promise.all(
        [...byRecord.values()].map(async (group) => {
          const results: JobResult[] = [];
          for (const job of group) results.push(await run(job));
          return results;
        }),
      );
      return settled.flat();
    },
  );
}
