import type { Transaction } from 'kysely';
import { fromKysely, type JobWithMetadata, type PgBoss } from 'pg-boss';
import type { Logger } from 'pino';
import { markImportFailed, runImport } from '../crm/import.js';
import type { Database } from '../db/database.js';
import type { DB } from '../db/schema.js';
import { QUEUES } from './queues.js';

export type ImportJob = { importId: string };

/** Queues the import's job inside the transaction that marks it queued. */
export async function enqueueImport(trx: Transaction<DB>, boss: PgBoss, importId: string): Promise<void> {
  await boss.send(QUEUES.csvImport, { importId } satisfies ImportJob, { db: fromKysely(trx) });
}

export async function registerImportWorker(boss: PgBoss, deps: { db: Database; log: Logger }): Promise<void> {
  const { db, log } = deps;
  await boss.work(QUEUES.csvImport, { batchSize: 1, pollingIntervalSeconds: 1, includeMetadata: true }, async (jobs: JobWithMetadata<ImportJob>[]) => {
    for (const job of jobs) {
      const { importId } = job.data;
      try {
        const outcome = await runImport(db, importId, { jobs: boss });
        log.info({ job: job.id, importId, outcome }, 'csv import');
      } catch (err) {
        log.error({ err, job: job.id, importId, attempt: job.retryCount + 1 }, 'csv import could not run');
        if (job.retryCount >= job.retryLimit) await markImportFailed(db, importId);
        throw err;
      }
    }
  });
}
