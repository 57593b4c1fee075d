import { PgBoss } from 'pg-boss';
import { QUEUES, type QueueName } from './queues.js';

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
  for (const [name, settings] of Object.entries(queueSettings(opts)) as [QueueName, QueueSettings][]) await ensureQueue(boss, name, settings);
  return boss;
}

type QueueSettings = {
  retryLimit: number;
  retryDelay?: number;
  retryBackoff?: boolean;
  expireInSeconds?: number;
  heartbeatSeconds?: number;
  retentionSeconds?: number;
  deleteAfterSeconds?: number;
};

/** Every queue's retry and expiry settings: the only place they live. */
function queueSettings(opts: BossOptions): Record<QueueName, QueueSettings> {
  return {
    [QUEUES.mailDeliver]: {
      retryLimit: opts.mailRetryLimit ?? MAIL_RETRY_LIMIT,
      retryDelay: opts.mailRetryDelaySeconds ?? 30,
      retryBackoff: opts.mailRetryBackoff ?? true,
      // Kept above the SMTP transport's own deadline, so a send ends (and is recorded) before its job expires.
      expireInSeconds: 120,
    },
    [QUEUES.mailSweep]: { retryLimit: 0, expireInSeconds: 300 },
    [QUEUES.maintenance]: { retryLimit: 1 },
    [QUEUES.invitationExpiry]: { retryLimit: 1, expireInSeconds: 600 },
    [QUEUES.passwordReset]: {
      retryLimit: 3,
      retryDelay: 5,
      retryBackoff: true,
      expireInSeconds: 60,
      // A request still waiting after the link's own lifetime is dropped (the person can ask
      // again), and the addresses typed into the form are not kept long after their answer.
      retentionSeconds: 3600,
      deleteAfterSeconds: 3600,
    },
    [QUEUES.csvImport]: {
      retryLimit: 2,
      retryDelay: 10,
      // A large all-or-nothing import is one long transaction; the heartbeat, not
      // the expiry, is what notices a worker that died in the middle of it.
      expireInSeconds: 3600,
      heartbeatSeconds: 60,
    },
    [QUEUES.inviteRecord]: {
      // A job fails as a whole only when the database does (a lost connection, a
      // deadlock); a record that fails its rules is a result, not a failed job.
      retryLimit: 5,
      retryDelay: 5,
      retryBackoff: true,
      // A worker killed mid-batch stops its heartbeat: its jobs go back to the
      // queue within seconds instead of waiting out the expiry.
      heartbeatSeconds: 15,
      expireInSeconds: 600,
    },
    // As for batch invitations: a refused invitation is an outcome, a retry is for a database that failed.
    [QUEUES.autoInvite]: { retryLimit: 5, retryDelay: 5, retryBackoff: true, expireInSeconds: 300 },
    [QUEUES.privacyWork]: {
      retryLimit: 2,
      retryDelay: 30,
      expireInSeconds: 1800,
      // A worker killed while building an archive stops its heartbeat: the job is
      // retried within a minute instead of waiting out the half-hour expiry.
      heartbeatSeconds: 30,
    },
  };
}

/** Creates the queue, or brings an existing one's settings up to date (createQueue alone leaves them as first created). */
async function ensureQueue(boss: PgBoss, name: string, settings: QueueSettings) {
  if (await boss.getQueue(name)) await boss.updateQueue(name, settings);
  else await boss.createQueue(name, settings);
}
