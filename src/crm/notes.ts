import type { Transaction } from 'kysely';
import { type Database, inTransaction } from '../db/database.js';
import type { DB } from '../db/schema.js';
import { isUuid } from '../http/input.js';
import { type Actor, logChange } from './records.js';

export const ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024;
export const NOTE_MAX = 10_000;

type Author = { kind: 'staff' | 'portal'; id: string };

export type NoteProblem = 'empty' | 'too_long';

export function noteProblem(body: string): NoteProblem | undefined {
  if (!body.trim()) return 'empty';
  if (body.length > NOTE_MAX) return 'too_long';
  return undefined;
}

export async function addNote(
  db: Database,
  recordId: string,
  author: Author,
  body: string,
  internal: boolean,
  /** What follows the note in its transaction (a case's status rule). */
  then?: (trx: Transaction<DB>) => Promise<void>,
): Promise<void> {
  await inTransaction(db, async (trx) => {
    await trx.insertInto('notes').values({ record_id: recordId, author_kind: author.kind, author_id: author.id, body: body.trim(), internal }).execute();
    await logChange(trx, recordId, author as Actor, 'note');
    await then?.(trx);
  });
}

/** A file name safe for a Content-Disposition header and a file system. */
export function cleanFilename(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const cleaned = base
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what must go from a file name
    .replace(/[\u0000-\u001f\u007f"<>:|?*]/g, '_')
    // Bidirectional controls make "evil\u202Efdp.exe" read as "evilexe.pdf": they go.
    .replace(/[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '')
    .trim()
    .slice(0, 200);
  return cleaned || 'file';
}

export async function addAttachment(
  db: Database,
  recordId: string,
  author: Author,
  file: { name: string; type: string; bytes: Uint8Array },
  internal: boolean,
): Promise<string> {
  return inTransaction(db, async (trx) => {
    const row = await trx
      .insertInto('attachments')
      .values({
        record_id: recordId,
        author_kind: author.kind,
        author_id: author.id,
        filename: cleanFilename(file.name),
        content_type: file.type || 'application/octet-stream',
        size: file.bytes.byteLength,
        content: Buffer.from(file.bytes),
        internal,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await logChange(trx, recordId, author as Actor, 'attachment');
    return row.id;
  });
}

/** An attachment by id, only within its record (the record itself was found through a scope). */
export function findAttachment(db: Database, recordId: string, id: string, includeInternal: boolean) {
  if (!isUuid(id)) return Promise.resolve(undefined);
  let q = db.selectFrom('attachments').selectAll().where('id', '=', id).where('record_id', '=', recordId);
  if (!includeInternal) q = q.where('internal', '=', false);
  return q.executeTakeFirst();
}
