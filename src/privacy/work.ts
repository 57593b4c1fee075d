import { sql, type Transaction } from 'kysely';
import { fromKysely, type JobWithMetadata, type PgBoss } from 'pg-boss';
import type { Logger } from 'pino';
import { loadModuleMetaById } from '../crm/metadata.js';
import { type RecordData, updateRecordIn } from '../crm/records.js';
import type { Database } from '../db/database.js';
import type { DB, PrivacyRequest } from '../db/schema.js';
import { translator } from '../i18n/i18n.js';
import { isLanguage } from '../i18n/languages.js';
import { QUEUES } from '../jobs/queues.js';
import { eraseSubject } from './erasure.js';
import { buildExportArchive } from './export.js';
import { expireExports, saveExport } from './export-store.js';
import { finishWork, type PrivacyDeps, workFailed } from './requests.js';

// The heavy steps of data-subject requests run as jobs: building an export
// archive and erasing a person. Each is queued in the transaction that starts
// it and completes the request in the transaction that does the work.

export type PrivacyJob = { requestId: string; staffId: string };

/** The staff side's hooks into the work a request's completion does. */
export function requestWork(boss: PgBoss, staffId: string) {
  return {
    queue: async (trx: Transaction<DB>, request: PrivacyRequest) => {
      if (request.kind === 'export') {
        await trx
          .insertInto('privacy_exports')
          .values({ request_id: request.id, status: 'queued' })
          .onConflict((oc) => oc.column('request_id').doUpdateSet({ status: 'queued', content: null, error: null }))
          .execute();
      }
      await boss.send(QUEUES.privacyWork, { requestId: request.id, staffId } satisfies PrivacyJob, { db: fromKysely(trx) });
    },
    stopProcessing: (trx: Transaction<DB>, request: PrivacyRequest) => stopProcessing(trx, staffId, request),
  };
}

/** Sets the record's stop-processing flag: no invitation and no email reach the person from now on. */
export async function stopProcessing(trx: Transaction<DB>, staffId: string, request: PrivacyRequest): Promise<void> {
  // UNSCOPED READ: an administrator's decision on a privacy request (requireAdmin): the request's own record, to flag it.
  const record = await trx.selectFrom('records').selectAll().where('id', '=', request.record_id).forUpdate().executeTakeFirstOrThrow();
  const meta = await loadModuleMetaById(trx, record.module_id);
  if (!meta) throw new Error('the record has no module');
  const data = { ...(record.data as RecordData), stop_processing: true };
  // The record service writes live records only: one in the recycle bin is flagged all the same, and stays there.
  const binned = record.deleted_at;
  if (binned) await trx.updateTable('records').set({ deleted_at: null }).where('id', '=', record.id).execute();
  const saved = await updateRecordIn(trx, { kind: 'staff', id: staffId }, meta, { ...record, deleted_at: null }, data, record.version, {
    consentSource: 'privacy_request',
  });
  if (!saved.ok) throw new Error(`the record could not be updated: ${saved.reason}`);
  if (binned) await trx.updateTable('records').set({ deleted_at: binned }).where('id', '=', record.id).execute();
}

/**
 * Does a queued request's work and completes it. The request is locked while
 * the work is written, and only a request still waiting for it is worked on:
 * a job delivered twice, or one that outlived an erasure, does nothing.
 */
export async function runPrivacyWork(db: Database, deps: PrivacyDeps, job: PrivacyJob): Promise<'done' | 'nothing'> {
  const waiting = (r: PrivacyRequest | undefined): r is PrivacyRequest =>
    r !== undefined && r.status !== 'completed' && r.status !== 'rejected' && Boolean(r.outcome.working);
  const lock = (trx: Transaction<DB>) => trx.selectFrom('privacy_requests').selectAll().where('id', '=', job.requestId).forUpdate().executeTakeFirst();
  const first = await db.selectFrom('privacy_requests').selectAll().where('id', '=', job.requestId).executeTakeFirst();
  if (!waiting(first)) return 'nothing';
  if (first.kind === 'export') {
    // Built outside the transaction (it reads a lot); kept only if the request still waits for it.
    const archive = await buildExportArchive(db, first.id);
    return db.transaction().execute(async (trx) => {
      const request = await lock(trx);
      if (!waiting(request)) return 'nothing';
      const stored = await saveExport(trx, request.id, archive);
      await finishWork(trx, deps, request, { export: stored }, true);
      return 'done';
    });
  }
  if (first.kind === 'erasure') {
    const org = await db.selectFrom('org').select('default_language').executeTakeFirstOrThrow();
    const placeholder = translator(isLanguage(org.default_language) ? org.default_language : 'en')('privacy:erasure.placeholder');
    return db.transaction().execute(async (trx) => {
      const request = await lock(trx);
      if (!waiting(request)) return 'nothing';
      // An export of the same person waiting to be built would hold the values erased: it is not built.
      await trx
        .updateTable('privacy_requests')
        .set({ outcome: sql`outcome - 'working'`, version: sql<number>`version + 1` })
        .where('record_id', '=', request.record_id)
        .where('kind', '=', 'export')
        .where(sql<boolean>`outcome ? 'working'`)
        .execute();
      const outcome = await eraseSubject(trx, request, job.staffId, placeholder);
      // After an erasure Porta holds no address of the person's to write to.
      await finishWork(trx, deps, request, { erased: outcome }, false);
      return 'done';
    });
  }
  return 'nothing';
}

export async function registerPrivacyWorker(boss: PgBoss, deps: PrivacyDeps & { db: Database; log: Logger }): Promise<void> {
  const { db, log } = deps;
  await boss.work(QUEUES.privacyWork, { batchSize: 1, pollingIntervalSeconds: 1, includeMetadata: true }, async (jobs: JobWithMetadata<PrivacyJob>[]) => {
    for (const job of jobs) {
      try {
        const outcome = await runPrivacyWork(db, deps, job.data);
        log.info({ job: job.id, requestId: job.data.requestId, outcome }, 'privacy request work');
      } catch (err) {
        log.error({ err, job: job.id, requestId: job.data.requestId, attempt: job.retryCount + 1 }, 'privacy request work failed');
        if (job.retryCount >= job.retryLimit) await workFailed(db, job.data.requestId, err instanceof Error ? err.message : String(err));
        throw err;
      }
    }
  });
}

export { expireExports };
