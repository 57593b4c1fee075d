import { sql, type Transaction } from 'kysely';
import type { Database } from '../db/database.js';
import type { DB } from '../db/schema.js';
import { buildExportArchive } from './export.js';

// Where a built archive is kept: in the database, for EXPORT_DAYS days.

const EXPORT_DAYS = 7;

/** Builds the request's archive and keeps it for EXPORT_DAYS days, replacing an earlier one. */
export async function storeExport(db: Database, requestId: string): Promise<{ filename: string; size: number }> {
  const archive = await buildExportArchive(db, requestId);
  return db.transaction().execute((trx) => saveExport(trx, requestId, archive));
}

/** Keeps a built archive for EXPORT_DAYS days, in the caller's transaction. */
export async function saveExport(trx: Transaction<DB>, requestId: string, { filename, bytes }: { filename: string; bytes: Uint8Array }) {
  const ready = {
    status: 'ready' as const,
    filename,
    size: bytes.byteLength,
    content: Buffer.from(bytes),
    ready_at: sql<Date>`now()`,
    expires_at: sql<Date>`now() + make_interval(days => ${EXPORT_DAYS})`,
    error: null,
  };
  await trx
    .insertInto('privacy_exports')
    .values({ request_id: requestId, ...ready })
    .onConflict((oc) => oc.column('request_id').doUpdateSet(ready))
    .execute();
  return { filename, size: bytes.byteLength };
}

/** A request's archive while it may be downloaded: built, and not yet past its 7 days. */
export function readyArchive(db: Database, requestId: string) {
  return db
    .selectFrom('privacy_exports')
    .select(['filename', 'content'])
    .where('request_id', '=', requestId)
    .where('status', '=', 'ready')
    .where('expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst();
}

/** Drops the content of archives past their expiry; returns how many. */
export async function expireExports(db: Database): Promise<number> {
  const result = await db
    .updateTable('privacy_exports')
    .set({ content: null, status: 'expired' })
    .where('status', '=', 'ready')
    .where('expires_at', '<=', sql<Date>`now()`)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Where a request's archive stands, for staff: queued, ready (its size and expiry), failed or expired. */
export function exportStatus(db: Database, requestId: string) {
  return db.selectFrom('privacy_exports').select(['status', 'size', 'expires_at']).where('request_id', '=', requestId).executeTakeFirst();
}
