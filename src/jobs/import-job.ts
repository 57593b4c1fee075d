import type { Transaction } from 'kysely';
import { fromKysely, type JobWithMetadata, type PgBoss } from 'pg-boss';
import type { Logger } from 'pino';
import { markImportFailed, runImport } from '../crm/import.js';
import type { Database } from '../db/database.js';
import type { DB } from '../db/schema.js';

export const IMPORT_QUEUE = 'crm.import';

export type ImportJob = { importId: string };

const SETTINGS = {
  retryLimit: 2,
  retryDelay: 10,
  // A large all-or-nothing import is one long transaction; the heartbeat, not
  // the expiry, is what notices a worker that died in the middle of it.
  expireInSeconds: 3600,
  heartbeatSeconds: 60,
};

/** Creates the import queue, or brings an existing one's settings up to date. */
export async function ensureImportQueue(boss: PgBoss): Promise<void> {
  if (await boss.getQueue(IMPORT_QUEUE)) await boss.updateQueue(IMPORT_QUEUE, SETTINGS);
  else await boss.createQueue(IMPORT_QUEUE, SETTINGS);
}

/** Queues the import's job inside the transaction that marks it queued. */
export async function enqueueImport(trx: Transaction<DB>, boss: PgBoss, importId: string): Promise<void> {
  await boss.send(IMPORT_QUEUE, { importId } satisfies ImportJob, { db: fromKysely(trx) });
}

export async function registerImportWorker(boss: PgBoss, deps: { db: Database; log: Logger }): Promise<void> {
  const { db, log } = deps;
  await boss.work(IMPORT_QUEUE, { batchSize: 1, pollingIntervalSeconds: 1, includeMetadata: true }, async (jobs: JobWithMetadata<ImportJob>[]) => {
    for (const job of jobs) {
      const { importId } = job.data;
      try {
        const outcome = await runImport(db, importId);
        log.info({ job: job.id, importId, outcome }, 'csv import');
      } catch (err) {
        log.error({ err, job: job.id, importId, attempt: job.retryCount + 1 }, 'csv import could not run');
        if (job.retryCount >= job.retryLimit) await markImportFailed(db, importId);
        throw err;
      }
    }
  });
}
