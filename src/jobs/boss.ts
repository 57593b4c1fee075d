import { PgBoss } from 'pg-boss';
import { QUEUES } from './queues.js';

export type BossOptions = {
  connectionString: string;
  /** Web processes only send: no maintenance, no cron. Workers supervise. */
  role: 'web' | 'worker' | 'both';
  mailRetryDelaySeconds?: number;
  mailRetryLimit?: number;
  /** Exponential backoff between retries (on by default). */
  mailRetryBackoff?: boolean;
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
  await ensureQueue(boss, QUEUES.mailDeliver, {
    retryLimit: opts.mailRetryLimit ?? MAIL_RETRY_LIMIT,
    retryDelay: opts.mailRetryDelaySeconds ?? 30,
    retryBackoff: opts.mailRetryBackoff ?? true,
    expireInSeconds: 120,
  });
  await ensureQueue(boss, QUEUES.maintenance, { retryLimit: 1 });
  return boss;
}

type QueueSettings = { retryLimit: number; retryDelay?: number; retryBackoff?: boolean; expireInSeconds?: number };

/** Creates the queue, or brings an existing one's settings up to date (createQueue alone leaves them as first created). */
async function ensureQueue(boss: PgBoss, name: string, settings: QueueSettings) {
  if (await boss.getQueue(name)) await boss.updateQueue(name, settings);
  else await boss.createQueue(name, settings);
}
