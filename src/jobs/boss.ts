import { PgBoss } from 'pg-boss';
import { ensurePrivacyQueue } from '../privacy/work.js';
import { ensureImportQueue } from './import-job.js';
import { ensureInviteQueue } from './invite-job.js';
import { QUEUES } from './queues.js';

export type BossOptions = {
  connectionString: string;
  /** Web processes only send: no maintenance, no cron. Workers supervise. */
  role: 'web' | 'worker' | 'both';
  /** Install or upgrade pg-boss's own schema (the release phase does it for web processes). */
  migrate?: boolean;
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
    // Web processes never change the schema; the release phase (and npm start) install pg-boss's.
    migrate: opts.role !== 'web' || opts.migrate === true,
  });
  boss.on('error', (err) => console.error('pg-boss error', err instanceof Error ? err.message : err));
  await boss.start();
  await ensureQueue(boss, QUEUES.mailDeliver, {
    retryLimit: opts.mailRetryLimit ?? MAIL_RETRY_LIMIT,
    retryDelay: opts.mailRetryDelaySeconds ?? 30,
    retryBackoff: opts.mailRetryBackoff ?? true,
    // Kept above the SMTP transport's own deadline, so a send ends (and is recorded) before its job expires.
    expireInSeconds: 120,
  });
  await ensureQueue(boss, QUEUES.mailSweep, { retryLimit: 0, expireInSeconds: 300 });
  await ensureQueue(boss, QUEUES.maintenance, { retryLimit: 1 });
  await ensureQueue(boss, QUEUES.passwordReset, {
    retryLimit: 3,
    retryDelay: 5,
    retryBackoff: true,
    expireInSeconds: 60,
    // A request still waiting after the link's own lifetime is dropped (the person can ask
    // again), and the addresses typed into the form are not kept long after their answer.
    retentionSeconds: 3600,
    deleteAfterSeconds: 3600,
  });
  await ensureImportQueue(boss);
  await ensureInviteQueue(boss);
  await ensurePrivacyQueue(boss);
  return boss;
}

type QueueSettings = {
  retryLimit: number;
  retryDelay?: number;
  retryBackoff?: boolean;
  expireInSeconds?: number;
  retentionSeconds?: number;
  deleteAfterSeconds?: number;
};

/** Creates the queue, or brings an existing one's settings up to date (createQueue alone leaves them as first created). */
async function ensureQueue(boss: PgBoss, name: string, settings: QueueSettings) {
  if (await boss.getQueue(name)) await boss.updateQueue(name, settings);
  else await boss.createQueue(name, settings);
}
