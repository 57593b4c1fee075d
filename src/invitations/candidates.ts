import { type ExpressionBuilder, sql } from 'kysely';
import type { SignedInStaff } from '../auth/staff.js';
import { searchQuery } from '../crm/list.js';
import type { ModuleMeta } from '../crm/metadata.js';
import { staffRecordScope } from '../crm/staff-access.js';
import { decodeCursor, encodeCursor } from '../db/cursor.js';
import type { Database } from '../db/database.js';
import { containsPattern } from '../db/like.js';
import type { DB, Field } from '../db/schema.js';
import { isUuid } from '../http/input.js';
import { emailField, type FailureReason, type PROCESSING_ERROR } from './reasons.js';

// Who can still be invited to a portal: records of a user type's base module
// that the staff user can reach, that have an address in the module's email
// field, and that are not portal users yet (of any portal). Searching by name
// or address narrows them; the same conditions define "all N matching" when a
// batch is started from a search, so the batch is exactly what was counted.
// A record whose latest real attempt for the user type failed is marked with
// that reason, and "hide records that failed before" leaves it out of the
// list, the count and "all matching" alike.

export const CANDIDATES_PAGE = 25;

/** Why the record's latest attempt failed: a rule's code, or the processing error. */
export type LastFailure = FailureReason | typeof PROCESSING_ERROR;
export type Candidate = { id: string; name: string; email: string; lastFailure?: LastFailure | undefined };
export type CandidatePage = { candidates: Candidate[]; next: string | undefined };
/** Earlier attempts to invite to this user type: marked on each candidate, and left out when hideFailed. */
export type FailedFilter = { userTypeId: string; hideFailed: boolean };
export type CandidateQuery = { q?: string | undefined; after?: string | undefined; limit?: number; failed?: FailedFilter | undefined };

/** The module's address field, the one invitations are sent to; undefined when the module has none. */
export const candidateEmailField = (meta: ModuleMeta): Field | undefined => emailField([...meta.byId.values()]);

/**
 * The reason of the record's latest real attempt for the user type when that attempt failed, else null.
 * Dry runs only predict, so their results do not count as attempts.
 */
const lastFailureOf = (userTypeId: string) => sql<string | null>`(
  select case when ir.outcome = 'failed' then coalesce(ir.reason, 'processing_error') end
  from invitation_results ir
  left join invitation_batches b on b.id = ir.batch_id
  where ir.record_id = records.id and ir.user_type_id = ${userTypeId} and ir.outcome <> 'would_send' and b.dry_run is not true
  order by ir.created_at desc, ir.id desc
  limit 1
)`;

function candidates(db: Database, staff: SignedInStaff, meta: ModuleMeta, address: Field, q: string | undefined, failed?: FailedFilter) {
  const email = sql<string>`records.data->>${address.api_name}`;
  let query = db
    .selectFrom('records')
    .where('records.module_id', '=', meta.module.id)
    .where('records.deleted_at', 'is', null)
    .where(staffRecordScope(staff, meta.module))
    .where(sql<boolean>`btrim(coalesce(${email}, '')) <> ''`)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('portal_users as pu').select(sql`1`.as('one')).whereRef('pu.record_id', '=', 'records.id'))));
  if (failed?.hideFailed) query = query.where(sql<boolean>`${lastFailureOf(failed.userTypeId)} is null`);
  const text = q?.trim();
  if (text) {
    const words = searchQuery(text);
    const like = containsPattern(text.toLowerCase());
    query = query.where((eb: ExpressionBuilder<DB, 'records'>) =>
      eb.or([...(words ? [sql<boolean>`records.search @@ to_tsquery('simple', ${words})`] : []), sql<boolean>`lower(${email}) like ${like}`]),
    );
  }
  return { query, email };
}

/** One page of candidates in name order, keyset-paginated on (name, id). */
export async function listCandidates(db: Database, staff: SignedInStaff, meta: ModuleMeta, query: CandidateQuery): Promise<CandidatePage> {
  const address = candidateEmailField(meta);
  if (!address) return { candidates: [], next: undefined };
  const limit = Math.min(Math.max(query.limit ?? CANDIDATES_PAGE, 1), 200);
  const { query: base, email } = candidates(db, staff, meta, address, query.q, query.failed);
  let q = base
    .select([
      'records.id',
      'records.display_name as name',
      sql<string>`lower(records.display_name)`.as('sort_name'),
      email.as('email'),
      // In the select list, PostgreSQL runs the subquery only for the rows the limit keeps: the page's own records.
      (query.failed && !query.failed.hideFailed ? lastFailureOf(query.failed.userTypeId) : sql<string | null>`null`).as('last_failure'),
    ])
    .orderBy(sql`lower(records.display_name)`)
    .orderBy('records.id')
    .limit(limit + 1);
  const cursor = query.after ? decodeNameCursor(query.after) : undefined;
  if (cursor) q = q.where(sql<boolean>`(lower(records.display_name), records.id) > (${cursor.name}, ${cursor.id})`);
  const rows = await q.execute();
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    candidates: page.map((r) => ({ id: r.id, name: r.name, email: r.email.trim(), lastFailure: (r.last_failure ?? undefined) as LastFailure | undefined })),
    next: rows.length > limit && last ? encodeNameCursor(last.sort_name, last.id) : undefined,
  };
}

/** How many candidates match the search: the N of "select all N matching". */
export async function countCandidates(db: Database, staff: SignedInStaff, meta: ModuleMeta, q: string | undefined, failed?: FailedFilter): Promise<number> {
  const address = candidateEmailField(meta);
  if (!address) return 0;
  const row = await candidates(db, staff, meta, address, q, failed)
    .query.select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Every matching candidate's id, in list order: the records of a batch started with "all matching". */
export async function matchingCandidateIds(
  db: Database,
  staff: SignedInStaff,
  meta: ModuleMeta,
  q: string | undefined,
  max: number,
  failed?: FailedFilter,
): Promise<string[]> {
  const address = candidateEmailField(meta);
  if (!address) return [];
  const rows = await candidates(db, staff, meta, address, q, failed)
    .query.select('records.id')
    .orderBy(sql`lower(records.display_name)`)
    .orderBy('records.id')
    .limit(max + 1)
    .execute();
  return rows.map((r) => r.id);
}

/**
 * The chosen records the staff user can reach in the base module, in the order
 * given. Records that became portal users, lost their address or went to the
 * recycle bin since the list was shown stay in: their outcome says why.
 */
export async function reachableRecordIds(db: Database, staff: SignedInStaff, meta: ModuleMeta, ids: string[]): Promise<string[]> {
  const wanted = [...new Set(ids.filter(isUuid))];
  if (wanted.length === 0) return [];
  const found = new Set<string>();
  for (let i = 0; i < wanted.length; i += 5000) {
    const rows = await db
      .selectFrom('records')
      .select('records.id')
      .where('records.id', 'in', wanted.slice(i, i + 5000))
      .where('records.module_id', '=', meta.module.id)
      .where(staffRecordScope(staff, meta.module))
      .execute();
    for (const r of rows) found.add(r.id);
  }
  return wanted.filter((id) => found.has(id));
}

/** A keyset cursor on (lower(name), id), opaque in URLs. */
export const encodeNameCursor = (name: string, id: string): string => encodeCursor(name, id);

export function decodeNameCursor(text: string): { name: string; id: string } | undefined {
  const c = decodeCursor(text);
  return c && typeof c.value === 'string' ? { name: c.value, id: c.id } : undefined;
}
