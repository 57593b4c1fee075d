import type { Job, PgBoss } from 'pg-boss';
import type { Logger } from 'pino';
import { deleteExpiredSessions } from '../auth/sessions.js';
import { pruneLoginAttempts } from '../auth/throttle.js';
import type { Database } from '../db/database.js';
import { deliverOutboxEmail } from '../mail/deliver.js';
import type { MailTransport } from '../mail/transport.js';
import { MAIL_RETRY_LIMIT } from './boss.js';
import { type MailDeliverJob, QUEUES } from './queues.js';

export type WorkerDeps = {
  db: Database;
  boss: PgBoss;
  log: Logger;
  transport: MailTransport | undefined;
  mailFrom: string;
  mailRetryLimit?: number;
};

/** Registers every job handler. Handlers are thin: one call into the domain each. */
export async function registerWorkers(deps: WorkerDeps): Promise<void> {
  const { boss, db, log } = deps;
  // pg-boss retries retryLimit times after the first try.
  const maxAttempts = (deps.mailRetryLimit ?? MAIL_RETRY_LIMIT) + 1;

  await boss.work<MailDeliverJob>(QUEUES.mailDeliver, { batchSize: 10, pollingIntervalSeconds: 1 }, async (jobs: Job<MailDeliverJob>[]) => {
    const failures: string[] = [];
    for (const job of jobs) {
      const result = await deliverOutboxEmail(db, deps.transport, deps.mailFrom, job.data.outboxId, maxAttempts);
      log.info({ job: job.id, outboxId: job.data.outboxId, outcome: result.outcome, error: result.error }, 'mail delivery');
      if (result.outcome === 'retry') failures.push(`${job.data.outboxId}: ${result.error}`);
    }
    // Failing the batch makes pg-boss retry it; rows already sent are skipped on the retry.
    if (failures.length > 0) throw new Error(`mail delivery failed, will retry: ${failures.join('; ')}`);
  });

  await boss.work(QUEUES.maintenance, async () => {
    const sessions = await deleteExpiredSessions(db);
    await pruneLoginAttempts(db);
    log.info({ expiredSessions: sessions }, 'maintenance done');
  });
  await boss.schedule(QUEUES.maintenance, '17 * * * *');
}
