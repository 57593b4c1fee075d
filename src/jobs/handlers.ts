import type { JobResult, JobWithMetadata, PgBoss } from 'pg-boss';
import type { Logger } from 'pino';
import { isPasswordResetRequest, sendPortalPasswordReset } from '../auth/password-reset.js';
import { deleteExpiredSessions } from '../auth/sessions.js';
import { pruneLoginAttempts } from '../auth/throttle.js';
import type { Database } from '../db/database.js';
import { deliverOutboxEmail, requeueStrandedEmails } from '../mail/deliver.js';
import type { MailTransport } from '../mail/transport.js';
import { expireExports, registerPrivacyWorker } from '../privacy/work.js';
import { pruneSignups } from '../signup/prune.js';
import { registerAutoInviteWorker } from './auto-invite-job.js';
import { registerImportWorker } from './import-job.js';
import { registerInvitationExpiry } from './invitation-expiry.js';
import { registerInviteWorker } from './invite-job.js';
import { type MailDeliverJob, QUEUES } from './queues.js';

export type WorkerDeps = {
  db: Database;
  boss: PgBoss;
  log: Logger;
  transport: MailTransport | undefined;
  mailFrom: string;
  /** The public address links in emails point to. */
  baseUrl: string;
};

/** Registers every job handler. Handlers are thin: one call into the domain each. */
export async function registerWorkers(deps: WorkerDeps): Promise<void> {
  const { boss, db, log } = deps;

  const deliver = async (job: JobWithMetadata<MailDeliverJob>): Promise<JobResult> => {
    const { outboxId } = job.data;
    try {
      const result = await deliverOutboxEmail(db, deps.transport, deps.mailFrom, outboxId, {
        final: job.retryCount >= job.retryLimit,
        signal: job.signal,
      });
      const failed = result.outcome === 'retry' || result.outcome === 'failed';
      log[failed ? 'warn' : 'info']({ job: job.id, outboxId, attempt: job.retryCount + 1, ...result }, 'mail delivery');
      return { id: job.id, status: failed ? 'failed' : 'completed', output: result };
    } catch (err) {
      log.error({ err, job: job.id, outboxId }, 'mail delivery could not run');
      return { id: job.id, status: 'failed', output: { error: err instanceof Error ? err.message : String(err) } };
    }
  };

  // Each job is settled on its own, so one bad address neither fails nor
  // repeats the rest of its batch. The batch shares one expiry, so its
  // deliveries run side by side rather than queueing behind a slow server;
  // while batches come back full (a bulk invitation) the next is fetched at once.
  await boss.work(
    QUEUES.mailDeliver,
    { batchSize: 10, pollingIntervalSeconds: 1, burstWhenBatchFull: true, includeMetadata: true, perJobResults: true },
    async (jobs: JobWithMetadata<MailDeliverJob>[]) => {
      const first = new Map<string, JobWithMetadata<MailDeliverJob>>();
      for (const job of jobs) if (!first.has(job.data.outboxId)) first.set(job.data.outboxId, job);
      return Promise.all(
        jobs.map((job) =>
          // Two jobs for one email in the same batch would both find it pending and both send it.
          first.get(job.data.outboxId) === job ? deliver(job) : { id: job.id, status: 'completed' as const, output: { outcome: 'duplicate' } },
        ),
      );
    },
  );

  // Each request in its own transaction, which also completes its job (see sendPortalPasswordReset).
  await boss.work(
    QUEUES.passwordReset,
    { batchSize: 10, pollingIntervalSeconds: 1, includeMetadata: true, perJobResults: true },
    (jobs: JobWithMetadata<unknown>[]) =>
      Promise.all(
        jobs.map(async (job): Promise<JobResult> => {
          if (!isPasswordResetRequest(job.data)) return { id: job.id, status: 'deadletter', output: { error: 'not a password-reset request' } };
          try {
            const outcome = await sendPortalPasswordReset(db, boss, job.data, { baseUrl: deps.baseUrl, attempt: job });
            log.debug({ job: job.id, outcome }, 'password reset request');
            return { id: job.id, status: 'completed' };
          } catch (err) {
            log.error({ err, job: job.id }, 'password reset request could not run');
            return { id: job.id, status: 'failed', output: { error: err instanceof Error ? err.message : String(err) } };
          }
        }),
      ),
  );

  await boss.work(QUEUES.mailSweep, async () => {
    const result = await requeueStrandedEmails(db, boss);
    if (result.requeued > 0 || result.gaveUp > 0) log.warn(result, 'stranded outbox emails');
  });
  await boss.schedule(QUEUES.mailSweep, '*/10 * * * *');

  await boss.work(QUEUES.maintenance, async () => {
    const sessions = await deleteExpiredSessions(db);
    await pruneLoginAttempts(db);
    const exports = await expireExports(db);
    const signups = await pruneSignups(db);
    log.info({ expiredSessions: sessions, expiredExports: exports, prunedSignups: signups }, 'maintenance done');
  });
  await boss.schedule(QUEUES.maintenance, '17 * * * *');
  await registerImportWorker(boss, { db, log });
  await registerInviteWorker(boss, { db, boss, log, baseUrl: deps.baseUrl });
  await registerAutoInviteWorker(boss, { db, boss, log, baseUrl: deps.baseUrl });
  await registerInvitationExpiry(boss, { db, log });
  await registerPrivacyWorker(boss, { db, log, boss, baseUrl: deps.baseUrl });
}
