import { sql } from 'kysely';
import type { Database } from '../db/database.js';
import type { AccessContext } from './context.js';
import { usableTab } from './rules.js';
import { rowScope } from './scope.js';

// What U reads around one record in scope: its notes, its files and when it was closed.

export type ConversationNote = { id: string; body: string; created_at: Date; author_kind: 'staff' | 'portal'; author_id: string; staff_name: string | null };
export type ConversationFile = Omit<ConversationNote, 'body'> & { filename: string; content_type: string; size: number };
export type Conversation = { notes: ConversationNote[] | undefined; attachments: ConversationFile[] | undefined; closedAt: Date | null | undefined };

/**
 * What U may read around one record of theirs, in one statement: its notes
 * and its files' descriptions (never internal ones, each only with the tab's
 * setting on; staff authors' names joined), and, for a closed case, when it
 * was last closed (`closedChange`: the record_changes entry that closes it).
 * All of it empty when the record is outside U's scope.
 */
export async function conversationInScope(
  db: Database,
  ctx: AccessContext | undefined,
  moduleId: string,
  recordId: string,
  opts: { closedChange?: unknown } = {},
): Promise<Conversation> {
  const tab = ctx ? usableTab(ctx, moduleId) : undefined;
  const notes = tab !== undefined && tab.notes !== 'none';
  const files = tab !== undefined && tab.attachments !== 'none';
  if (!ctx || !tab || (!notes && !files && opts.closedChange === undefined)) return { notes: undefined, attachments: undefined, closedAt: undefined };
  const author = (table: 'notes' | 'attachments') =>
    sql`left join staff_users s on ${sql.ref(`${table}.author_kind`)} = 'staff' and s.id = ${sql.ref(`${table}.author_id`)}`;
  const row = await db
    .selectFrom('records')
    .select([
      notes
        ? sql<ConversationNote[]>`(select coalesce(json_agg(n order by n.created_at, n.id), '[]') from (
            select notes.id, notes.body, notes.created_at, notes.author_kind, notes.author_id, s.name as staff_name
            from notes ${author('notes')} where notes.record_id = records.id and not notes.internal) n)`.as('notes')
        : sql<null>`null`.as('notes'),
      files
        ? sql<ConversationFile[]>`(select coalesce(json_agg(f order by f.created_at, f.id), '[]') from (
            select attachments.id, attachments.filename, attachments.content_type, attachments.size, attachments.created_at,
                   attachments.author_kind, attachments.author_id, s.name as staff_name
            from attachments ${author('attachments')} where attachments.record_id = records.id and not attachments.internal) f)`.as('attachments')
        : sql<null>`null`.as('attachments'),
      opts.closedChange === undefined
        ? sql<null>`null`.as('closed_at')
        : sql<
            string | null
          >`(select max(rc.at) from record_changes rc where rc.record_id = records.id and rc.changes @> ${JSON.stringify([opts.closedChange])}::jsonb)`.as(
            'closed_at',
          ),
      'records.updated_at',
    ])
    .where('records.id', '=', recordId)
    .where(rowScope(ctx, moduleId))
    .executeTakeFirst();
  // JSON carries times as text.
  const dated = <T extends { created_at: Date }>(rows: T[] | null | undefined) => rows?.map((r) => ({ ...r, created_at: new Date(r.created_at) }));
  return {
    notes: notes ? (dated(row?.notes) ?? []) : undefined,
    attachments: files ? (dated(row?.attachments) ?? []) : undefined,
    closedAt: opts.closedChange === undefined || !row ? undefined : row.closed_at ? new Date(row.closed_at) : row.updated_at,
  };
}

/** One attachment for download, by id scoped to its record and the record to U's scope. */
export async function attachmentInScope(db: Database, ctx: AccessContext | undefined, moduleId: string, recordId: string, attachmentId: string) {
  const tab = ctx ? usableTab(ctx, moduleId) : undefined;
  if (!tab || tab.attachments === 'none') return undefined;
  return db
    .selectFrom('attachments')
    .selectAll('attachments')
    .where('attachments.id', '=', attachmentId)
    .where('attachments.record_id', '=', recordId)
    .where('attachments.internal', '=', false)
    .where((eb) =>
      eb.exists(eb.selectFrom('records').select(sql`1`.as('one')).whereRef('records.id', '=', 'attachments.record_id').where(rowScope(ctx, moduleId))),
    )
    .executeTakeFirst();
}
