import { sql, type Transaction } from 'kysely';
import type { PgBoss } from 'pg-boss';
import { activeStaffById } from '../auth/staff.js';
import type { Database } from '../db/database.js';
import type { DB, Import, ImportRowError } from '../db/schema.js';
import { isUuid } from '../http/input.js';
import { CsvFileError, type CsvRow, columnNames, csvRows, decodeCsv } from './csv.js';
import { batchesOf, type Checked, checkRows, type LookupScope, type Plan, planFor } from './import-rows.js';
import { loadModuleMetaById, type ModuleMeta } from './metadata.js';
import { cleanFilename } from './notes.js';
import { type Actor, createRecordIn } from './records.js';
import { staffLookupScope } from './staff-access.js';

export { type Mapping, type MappingProblems, mappableFields, requiredFields, saveMapping, suggestMapping } from './import-mapping.js';

export const IMPORT_MAX_BYTES = 20 * 1024 * 1024;
export const IMPORT_BATCH_ROWS = 500;
/** Row problems a report page lists; the rest are counted. */
export const REPORT_LIMIT = 100;

/** An import as its pages show it: everything but the file and the full list of row problems. */
export type ImportSummary = Omit<Import, 'content' | 'row_errors'> & { bad_rows: number };
export type UploadResult = { ok: true; id: string } | { ok: false; error: string; line?: number | undefined };

// ---------------------------------------------------------------------------
// Upload

/** Stores an uploaded file once it is known to be a CSV with a header and at least one row. */
export async function createImport(db: Database, staffId: string, meta: ModuleMeta, file: { filename: string; content: Buffer }): Promise<UploadResult> {
  if (file.content.length > IMPORT_MAX_BYTES) return { ok: false, error: 'import:errors.tooLarge' };
  const filename = cleanFilename(file.filename || 'import.csv');
  let rows = 0;
  try {
    const { headers, rows: records } = await openFile({ filename, content: file.content });
    if (headers === undefined) return { ok: false, error: 'import:errors.noHeader' };
    for await (const _ of records) rows++;
  } catch (err) {
    if (err instanceof CsvFileError) return { ok: false, error: err.key, line: err.line };
    throw err;
  }
  if (rows === 0) return { ok: false, error: 'import:errors.noRows' };
  const row = await db
    .insertInto('imports')
    .values({ module_id: meta.module.id, staff_id: staffId, filename, content: file.content, total_rows: rows, mapping: '{}', row_errors: '[]' })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { ok: true, id: row.id };
}

/** The file's column names (undefined when it has no record at all) and its data rows, parsed as they are read. */
async function openFile(file: { filename: string; content: Buffer }): Promise<{ headers: string[] | undefined; rows: AsyncGenerator<CsvRow> }> {
  const all = csvRows(decodeCsv(file.filename, file.content));
  const first = await all.next();
  return { headers: first.done ? undefined : columnNames(first.value.cells), rows: all };
}

/** An import of this module started by this staff user; anyone else's is not found. */
export async function findImport(db: Database, owner: { staffId: string; moduleId: string }, id: string): Promise<ImportSummary | undefined> {
  if (!isUuid(id)) return undefined;
  return db
    .selectFrom('imports')
    .select([
      'id',
      'module_id',
      'staff_id',
      'filename',
      'mapping',
      'skip_bad_rows',
      'status',
      'total_rows',
      'processed_rows',
      'imported_rows',
      'created_at',
      'finished_at',
      sql<number>`jsonb_array_length(row_errors)`.as('bad_rows'),
    ])
    .where('id', '=', id)
    .where('staff_id', '=', owner.staffId)
    .where('module_id', '=', owner.moduleId)
    .executeTakeFirst();
}

/** The column names of the import's file, as the mapping refers to them, and the cells of its first row. */
export async function importPreview(db: Database, id: string): Promise<{ headers: string[]; sample: string[] }> {
  const file = await db.selectFrom('imports').select(['filename', 'content']).where('id', '=', id).executeTakeFirstOrThrow();
  const { headers, rows } = await openFile(file);
  const first = await rows.next();
  await rows.return(undefined);
  return { headers: headers ?? [], sample: first.done ? [] : first.value.cells };
}

/** The first row problems of an import, in file order. */
export async function firstRowErrors(db: Database, id: string, limit = REPORT_LIMIT): Promise<ImportRowError[]> {
  const { rows } = await sql<{ errors: ImportRowError[] }>`
    select coalesce(jsonb_agg(e order by n), '[]'::jsonb) as errors
    from imports, jsonb_array_elements(imports.row_errors) with ordinality as x(e, n)
    where imports.id = ${id} and n <= ${limit}`.execute(db);
  return rows[0]?.errors ?? [];
}

async function timeZoneOf(db: Database, staffId: string): Promise<string> {
  const staff = await db.selectFrom('staff_users').select('time_zone').where('id', '=', staffId).executeTakeFirst();
  if (staff?.time_zone) return staff.time_zone;
  const org = await db.selectFrom('org').select('time_zone').executeTakeFirst();
  return org?.time_zone ?? 'UTC';
}

/** The importer's lookup scope, read when the file is checked or run; a deactivated importer picks nothing. */
async function importerLookupScope(db: Database, staffId: string): Promise<LookupScope> {
  const staff = await activeStaffById(db, staffId);
  return staff ? staffLookupScope(db, staff) : () => (eb) => eb.lit(false);
}

export type ValidationReport = { total: number; badRows: number; errors: ImportRowError[] };

/**
 * A dry run: every row checked as the import would check it, nothing written.
 * The problems found are kept on the import for its report page.
 */
export async function validateImport(db: Database, imp: ImportSummary, meta: ModuleMeta): Promise<ValidationReport> {
  const file = await db.selectFrom('imports').select(['filename', 'content']).where('id', '=', imp.id).executeTakeFirstOrThrow();
  const { headers, rows } = await openFile(file);
  const timeZone = await timeZoneOf(db, imp.staff_id);
  const plan = planFor(meta, headers ?? [], imp.mapping);
  const lookupScope = await importerLookupScope(db, imp.staff_id);
  let total = 0;
  const errors: ImportRowError[] = [];
  for await (const batch of batchesOf(rows, IMPORT_BATCH_ROWS)) {
    total += batch.length;
    for (const r of await checkRows(db, plan, batch, timeZone, lookupScope)) if (r.errors) errors.push({ row: r.row, errors: r.errors });
  }
  await db
    .updateTable('imports')
    .set({ row_errors: JSON.stringify(errors), total_rows: total })
    .where('id', '=', imp.id)
    .where('status', '=', 'uploaded')
    .execute();
  return { total, badRows: errors.length, errors };
}

// ---------------------------------------------------------------------------
// Running

/** Queues a mapped import once; `enqueue` sends its job inside the same transaction. */
export async function startImport(
  db: Database,
  imp: ImportSummary,
  skipBadRows: boolean,
  enqueue: (trx: Transaction<DB>) => Promise<unknown>,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const started = await trx
      .updateTable('imports')
      .set({ status: 'queued', skip_bad_rows: skipBadRows, processed_rows: 0, imported_rows: 0, row_errors: '[]' })
      .where('id', '=', imp.id)
      .where('status', '=', 'uploaded')
      .where(sql<boolean>`mapping <> '{}'::jsonb`)
      .returning('id')
      .executeTakeFirst();
    if (!started) return false;
    await enqueue(trx);
    return true;
  });
}

export type ImportOutcome = 'done' | 'failed' | 'skipped';

type Run = { db: Database; imp: Import; plan: Plan; timeZone: string; actor: Actor; lookupScope: LookupScope; jobs: PgBoss | undefined };

/** Another run of the same import holds it: this one leaves the work to it. */
class ImportBusy extends Error {}
class RowsRejected extends Error {}

/**
 * Runs a queued import. How rows are written depends on what the user chose,
 * and both ways survive a worker killed mid-file:
 *
 * - Without "skip bad rows" the promise is all or nothing, so every row is
 *   checked and written in ONE transaction. A bad row (even one that turned bad
 *   after the dry run, say its account was deleted since) or a crash rolls
 *   everything back, and a retried job simply starts again from the first row.
 *   Progress is written beside the transaction, so the bar moves while none of
 *   the new records is visible yet.
 * - With "skip bad rows" partial success is what was asked for, so each batch
 *   commits together with the cursor (processed_rows) and the counts. A retried
 *   job resumes after the last committed batch, losing and repeating nothing,
 *   and a long file holds no long transaction.
 *
 * `jobs`: where what follows each new record (automatic invitations) is queued, with its batch.
 */
export async function runImport(db: Database, importId: string, opts: { jobs?: PgBoss | undefined } = {}): Promise<ImportOutcome> {
  const imp = await db.selectFrom('imports').selectAll().where('id', '=', importId).executeTakeFirst();
  if (!imp || (imp.status !== 'queued' && imp.status !== 'running')) return 'skipped';
  const meta = await loadModuleMetaById(db, imp.module_id);
  if (!meta) {
    await markImportFailed(db, importId);
    return 'failed';
  }
  await db.updateTable('imports').set({ status: 'running' }).where('id', '=', importId).where('status', '=', 'queued').execute();
  const { headers, rows } = await openFile(imp);
  const plan = planFor(meta, headers ?? [], imp.mapping);
  const run: Run = {
    db,
    imp,
    plan,
    timeZone: await timeZoneOf(db, imp.staff_id),
    actor: { kind: 'staff', id: imp.staff_id },
    lookupScope: await importerLookupScope(db, imp.staff_id),
    jobs: opts.jobs,
  };
  try {
    return imp.skip_bad_rows ? await importGoodRows(run, rows) : await importAllOrNothing(run, rows);
  } catch (err) {
    if (err instanceof ImportBusy) return 'skipped';
    throw err;
  }
}

async function writeRecords(trx: Transaction<DB>, run: Run, checked: Checked[]): Promise<number> {
  const { meta } = run.plan;
  let written = 0;
  for (const r of checked) {
    if (r.errors) continue;
    await createRecordIn(
      trx,
      run.actor,
      meta,
      { data: r.data, layoutId: meta.defaultLayout?.id ?? null, ownerId: run.imp.staff_id },
      { consentSource: 'import', jobs: run.jobs },
    );
    written++;
  }
  return written;
}

async function importAllOrNothing(run: Run, rows: AsyncIterable<CsvRow>): Promise<ImportOutcome> {
  const { db, imp } = run;
  const errors: ImportRowError[] = [];
  let processed = 0;
  try {
    await db.transaction().execute(async (trx) => {
      const { rows: lock } = await sql<{ held: boolean }>`select pg_try_advisory_xact_lock(hashtextextended(${`import:${imp.id}`}, 0)) as held`.execute(trx);
      if (!lock[0]?.held) throw new ImportBusy();
      // A run that finished while this one waited to start must not be repeated.
      const current = await trx.selectFrom('imports').select('status').where('id', '=', imp.id).executeTakeFirst();
      if (current?.status !== 'running') throw new ImportBusy();
      await db.updateTable('imports').set({ processed_rows: 0, imported_rows: 0 }).where('id', '=', imp.id).execute();
      let imported = 0;
      for await (const batch of batchesOf(rows, IMPORT_BATCH_ROWS)) {
        const checked = await checkRows(trx, run.plan, batch, run.timeZone, run.lookupScope);
        for (const r of checked) if (r.errors) errors.push({ row: r.row, errors: r.errors });
        // After the first bad row nothing more is written, but every row is still checked for the report.
        if (errors.length === 0) imported += await writeRecords(trx, run, checked);
        processed += batch.length;
        await db.updateTable('imports').set({ processed_rows: processed }).where('id', '=', imp.id).execute();
      }
      if (errors.length > 0) throw new RowsRejected();
      await trx
        .updateTable('imports')
        .set({ status: 'done', total_rows: processed, processed_rows: processed, imported_rows: imported, row_errors: '[]', finished_at: new Date() })
        .where('id', '=', imp.id)
        .execute();
    });
  } catch (err) {
    if (!(err instanceof RowsRejected)) throw err;
  }
  if (errors.length === 0) return 'done';
  await db
    .updateTable('imports')
    .set({ status: 'failed', total_rows: processed, processed_rows: processed, imported_rows: 0, row_errors: JSON.stringify(errors), finished_at: new Date() })
    .where('id', '=', imp.id)
    .execute();
  return 'failed';
}

async function importGoodRows(run: Run, rows: AsyncIterable<CsvRow>): Promise<ImportOutcome> {
  const { db, imp } = run;
  let cursor = imp.processed_rows;
  for await (const batch of batchesOf(rows, IMPORT_BATCH_ROWS, cursor)) {
    await db.transaction().execute(async (trx) => {
      const checked = await checkRows(trx, run.plan, batch, run.timeZone, run.lookupScope);
      const imported = await writeRecords(trx, run, checked);
      const bad = checked.flatMap((r) => (r.errors ? [{ row: r.row, errors: r.errors }] : []));
      // The cursor only moves from where this run found it: a second run of the same import rolls back instead.
      const moved = await trx
        .updateTable('imports')
        .set({
          processed_rows: sql<number>`processed_rows + ${batch.length}`,
          imported_rows: sql<number>`imported_rows + ${imported}`,
          row_errors: sql<ImportRowError[]>`row_errors || ${JSON.stringify(bad)}::jsonb`,
        })
        .where('id', '=', imp.id)
        .where('processed_rows', '=', cursor)
        .executeTakeFirst();
      if (Number(moved.numUpdatedRows) !== 1) throw new ImportBusy();
    });
    cursor += batch.length;
  }
  await db
    .updateTable('imports')
    .set({ status: 'done', total_rows: cursor, finished_at: new Date() })
    .where('id', '=', imp.id)
    .where('status', '=', 'running')
    .execute();
  return 'done';
}

/** An import whose job gave up: the page says so instead of showing it running forever. */
export async function markImportFailed(db: Database, importId: string): Promise<void> {
  await db
    .updateTable('imports')
    .set({ status: 'failed', finished_at: new Date() })
    .where('id', '=', importId)
    .where('status', 'in', ['queued', 'running'])
    .execute();
}
