import { PgBoss } from 'pg-boss';
import { QUEUES } from './queues.js';

export type BossOptions = {
  connectionString: string;
  /** Web processes only send: no maintenance, no cron. Workers supervise. */
  role: 'web' | 'worker' | 'both';
  mailRetryDelaySeconds?: number;
  mailRetryLimit?: number;
};

export const MAIL_RETRY_LIMIT = 5;

export async function startBoss(opts: BossOptions): Promise<PgBoss> {
  const runsWorker = opts.role !== 'web';
  const boss = new PgBoss({
    connectionString: opts.connectionString,
    application_name: `porta-${opts.role}`,
    max: 4,
    supervise: runsWorker,
    schedule: runsWorker,
    migrate: true,
  });
  boss.on('error', (err) => console.error('pg-boss error', err instanceof Error ? err.message : err));
  await boss.start();
  await boss.createQueue(QUEUES.mailDeliver, {
    retryLimit: opts.mailRetryLimit ?? MAIL_RETRY_LIMIT,
    retryDelay: opts.mailRetryDelaySeconds ?? 30,
    retryBackoff: true,
    retryDelayMax: 3600,
    expireInSeconds: 120,
  });
  await boss.createQueue(QUEUES.maintenance, { retryLimit: 1 });
  return boss;
}
