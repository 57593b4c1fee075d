import { type RawBuilder, sql, type Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import { type Scrubbers, scrubber, unique } from './erasure-traces.js';

// Rewriting the rows outside the person's own that name them: a table's text
// and JSON columns, and the CSV files imports keep.

type ScrubTarget = {
  table:
    | 'email_outbox'
    | 'inbound_mail'
    | 'audit_log'
    | 'invitation_results'
    | 'privacy_requests'
    | 'privacy_request_events'
    | 'imports'
    | 'record_changes'
    | 'notes'
    | 'attachments';
  text: string[];
  json: string[];
  where?: RawBuilder<unknown>;
  /** Rows that are the person's whatever their text says (an audit entry about their record). */
  tied?: RawBuilder<unknown>;
};

/**
 * Rewrites the rows of a table where a value occurs, and returns how many.
 * Rows are found in SQL (JSON searched as its text, the values JSON-escaped)
 * and rewritten here, JSON string by string, so that no replacement can cut
 * into an escape sequence and leave JSON that no longer parses.
 */
export async function scrubRows(trx: Transaction<DB>, { find, all: scrub }: Scrubbers, target: ScrubTarget): Promise<number> {
  if (scrub.forms.length === 0 || (find.forms.length === 0 && !target.tied)) return 0;
  const found = (col: RawBuilder<unknown>, forms: string[]) => sql`exists (select 1 from unnest(${forms}::text[]) f where strpos(lower(${col}), f) > 0)`;
  const conditions = [
    ...(find.forms.length
      ? [...target.text.map((c) => found(sql`${sql.ref(c)}`, find.forms)), ...target.json.map((c) => found(sql`${sql.ref(c)}::text`, find.jsonForms))]
      : []),
    ...(target.tied ? [target.tied] : []),
  ];
  const columns = [...target.text, ...target.json];
  const { rows } = await sql<Record<string, unknown>>`
    select id::text as row_id, (${target.tied ?? sql`false`}) as tied_row, ${sql.join(columns.map((c) => sql.ref(c)))}
      from ${sql.table(target.table)}
     where (${sql.join(conditions, sql` or `)}) and ${target.where ?? sql`true`}
       for update`.execute(trx);
  let changed = 0;
  for (const row of rows) {
    const named =
      row.tied_row === true ||
      target.text.some((c) => typeof row[c] === 'string' && find.text(row[c] as string) !== row[c]) ||
      target.json.some((c) => row[c] !== null && JSON.stringify(find.json(row[c])) !== JSON.stringify(row[c]));
    if (!named) continue;
    changed++;
    const sets = [
      ...target.text.filter((c) => typeof row[c] === 'string').map((c) => sql`${sql.ref(c)} = ${scrub.text(row[c] as string)}`),
      ...target.json.filter((c) => row[c] !== null).map((c) => sql`${sql.ref(c)} = ${JSON.stringify(scrub.json(row[c]))}::jsonb`),
    ];
    if (sets.length) await sql`update ${sql.table(target.table)} set ${sql.join(sets)} where id::text = ${row.row_id}`.execute(trx);
  }
  return changed;
}

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * An import keeps its CSV file for its report: each line that names the
 * person (read as the import read it: UTF-8, else Windows-1252 byte for byte)
 * is replaced whole, so none of its values stays, the line count unchanged.
 */
export async function scrubImportFiles(trx: Transaction<DB>, values: string[], placeholder: string) {
  const inCsv = unique(values.flatMap((w) => [w, w.replace(/"/g, '""')]));
  const variants = unique(inCsv.flatMap((w) => [w, w.toLowerCase(), w.toUpperCase()]));
  const singleByte = variants.filter((w) => [...w].every((c) => c.charCodeAt(0) <= 0xff));
  const needles = [...variants.map((w) => Buffer.from(w, 'utf8')), ...singleByte.map((w) => Buffer.from(w, 'latin1'))];
  if (needles.length === 0) return;
  const candidates = await trx
    .selectFrom('imports')
    .select(['id', 'content'])
    .where(sql<boolean>`exists (select 1 from unnest(${needles}::bytea[]) f where position(f in content) > 0)`)
    .forUpdate()
    .execute();
  const names = scrubber(inCsv, placeholder);
  const lines = (text: string) =>
    text
      .split(/(\r?\n)/)
      .map((part) => (part === '\n' || part === '\r\n' || names.text(part) === part ? part : placeholder))
      .join('');
  for (const imp of candidates) {
    const bom = imp.content.subarray(0, 3).equals(UTF8_BOM);
    const body = bom ? imp.content.subarray(3) : imp.content;
    let content: Buffer;
    try {
      const text = new TextDecoder('utf-8', { fatal: true }).decode(body);
      content = Buffer.concat([bom ? UTF8_BOM : Buffer.alloc(0), Buffer.from(lines(text), 'utf8')]);
    } catch {
      content = Buffer.from(lines(body.toString('latin1')), 'latin1');
    }
    await trx.updateTable('imports').set({ content }).where('id', '=', imp.id).execute();
  }
}
