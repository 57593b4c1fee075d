import { type Expression, type ExpressionBuilder, type RawBuilder, type SqlBool, sql } from 'kysely';
import type { Database } from '../db/database.js';
import { containsPattern } from '../db/like.js';
import type { DB } from '../db/schema.js';
import type { AccessContext } from './context.js';
import { layoutsShowing } from './rules.js';
import { nothing, type RecordsEb, rowScope } from './scope.js';

// Reads of records through the row scope: one record, pages (searched,
// filtered and ordered by visible fields only) and counts.

export function findInScope(db: Database, ctx: AccessContext | undefined, moduleId: string, id: string) {
  return db.selectFrom('records').selectAll('records').where('records.id', '=', id).where(rowScope(ctx, moduleId)).executeTakeFirst();
}

export type ScopeCursor = { createdAt: Date; id: string };

/** A page of M's records in scope, oldest first, continuing after `after`. */
export function listInScope(db: Database, ctx: AccessContext | undefined, moduleId: string, opts: { limit?: number; after?: ScopeCursor } = {}) {
  const after = opts.after;
  return db
    .selectFrom('records')
    .selectAll('records')
    .where(rowScope(ctx, moduleId))
    .$if(after !== undefined, (q) =>
      q.where((eb) =>
        eb.or([
          eb('records.created_at', '>', after?.createdAt as Date),
          eb.and([eb('records.created_at', '=', after?.createdAt as Date), eb('records.id', '>', after?.id as string)]),
        ]),
      ),
    )
    .orderBy('records.created_at')
    .orderBy('records.id')
    .limit(opts.limit ?? 50)
    .execute();
}

export async function countInScope(db: Database, ctx: AccessContext | undefined, moduleId: string): Promise<number> {
  const row = await db
    .selectFrom('records')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where(rowScope(ctx, moduleId))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** A field a portal list is narrowed or ordered by, with how its stored value compares. */
export type ScopeField =
  | { id: string; apiName: string; kind: 'text' | 'number' | 'multi' }
  /** A picklist, ordered by the position of its values. */
  | { id: string; apiName: string; kind: 'rank'; ranks: string[] };

export type ScopeQuery = {
  /** Words, each found in one of the visible text fields of the record's layout. */
  words?: string[];
  /** Text fields searched, among which only those visible in a record's layout count. */
  searchIn?: ScopeField[];
  filters?: { field: ScopeField; value: string }[];
  /** Ordered by this field, or by creation when absent. */
  sort?: ScopeField | undefined;
  dir: 'asc' | 'desc';
  after?: { value: string | null; id: string } | undefined;
  limit: number;
};

/** At most this many records are counted; beyond it a page says "more than". */
export const COUNT_CAP = 1000;

/** F's value where it is visible in the record's layout, NULL where it is hidden: a hidden value never decides a match or an order. */
function visibleValue(ctx: AccessContext, moduleId: string, field: ScopeField): RawBuilder<unknown> {
  const layouts = layoutsShowing(ctx, moduleId, field.id);
  if (layouts.length === 0) return sql`null`;
  const value =
    field.kind === 'number'
      ? sql`(records.data->>${field.apiName})::numeric`
      : field.kind === 'rank'
        ? sql`array_position(${field.ranks}::text[], records.data->>${field.apiName})`
        : sql`records.data->>${field.apiName}`;
  return sql`case when records.layout_id = any(${layouts}::uuid[]) then ${value} end`;
}

function narrowed(ctx: AccessContext, moduleId: string, query: Omit<ScopeQuery, 'dir' | 'limit'>) {
  return (eb: RecordsEb): Expression<SqlBool> => {
    const conditions: Expression<SqlBool>[] = [rowScope(ctx, moduleId)(eb)];
    for (const { field, value } of query.filters ?? []) {
      const layouts = layoutsShowing(ctx, moduleId, field.id);
      if (layouts.length === 0) return nothing;
      const wanted = JSON.stringify({ [field.apiName]: field.kind === 'multi' ? [value] : value });
      conditions.push(eb.and([eb('records.layout_id', 'in', layouts), sql<SqlBool>`records.data @> ${wanted}::jsonb`]));
    }
    for (const word of query.words ?? []) {
      const pattern = containsPattern(word);
      const hits = (query.searchIn ?? []).map((f) => sql<SqlBool>`${visibleValue(ctx, moduleId, f)} ilike ${pattern}`);
      conditions.push(hits.length ? eb.or(hits) : nothing);
    }
    return eb.and(conditions);
  };
}

/**
 * A page of M's records in scope, searched, filtered and ordered by fields
 * visible to U only (by layout: where a field is hidden it matches nothing and
 * sorts last), keyset-paginated on (value, id).
 */
export async function pageInScope(db: Database, ctx: AccessContext | undefined, moduleId: string, query: ScopeQuery) {
  if (!ctx) return { rows: [], next: undefined };
  const op = query.dir === 'asc' ? sql`>` : sql`<`;
  const sortExpr = query.sort ? visibleValue(ctx, moduleId, query.sort) : sql`records.created_at`;
  const after = query.after;
  const rows = await db
    .selectFrom('records')
    .selectAll('records')
    // As text, the cursor keeps the value exactly (a timestamp's microseconds too).
    .select(sql<string | null>`(${sortExpr})::text`.as('cursor_value'))
    .where(narrowed(ctx, moduleId, query))
    .$if(after !== undefined, (q) =>
      q.where(() => {
        const { value, id } = after as { value: string | null; id: string };
        if (!query.sort) return sql<SqlBool>`(records.created_at, records.id) ${op} (${value}::timestamptz, ${id}::uuid)`;
        const typed = query.sort.kind === 'number' || query.sort.kind === 'rank' ? sql`${value}::numeric` : sql`${value}::text`;
        // NULLs (empty or hidden) come last in either direction; the id breaks ties.
        return value === null
          ? sql<SqlBool>`(${sortExpr} is null and records.id ${op} ${id}::uuid)`
          : sql<SqlBool>`((${sortExpr}, records.id) ${op} (${typed}, ${id}::uuid) or ${sortExpr} is null)`;
      }),
    )
    .orderBy(sql`${sortExpr} ${sql.raw(query.dir)} nulls last`)
    .orderBy('records.id', query.dir)
    .limit(query.limit + 1)
    .execute();
  const page = rows.slice(0, query.limit);
  const last = rows.length > query.limit ? page.at(-1) : undefined;
  return {
    rows: page.map(({ cursor_value: _, ...r }) => r),
    next: last ? { value: last.cursor_value, id: last.id } : undefined,
  };
}

/** How many records of M in scope match, counted up to COUNT_CAP + 1 so a large module is never walked whole. */
export async function cappedCountInScope(db: Database, ctx: AccessContext | undefined, moduleId: string, query: Omit<ScopeQuery, 'dir' | 'limit'> = {}) {
  if (!ctx) return { count: 0, capped: false };
  const row = await db
    .selectFrom((eb) => cappedMatches(eb, ctx, moduleId, query))
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  return cappedCount(row.n);
}

/** The matching records as the subquery `matches`, at most COUNT_CAP + 1 of them. */
function cappedMatches(eb: ExpressionBuilder<DB, never>, ctx: AccessContext, moduleId: string, query: Omit<ScopeQuery, 'dir' | 'limit'>) {
  return eb
    .selectFrom('records')
    .select(sql`1`.as('one'))
    .where(narrowed(ctx, moduleId, query))
    .limit(COUNT_CAP + 1)
    .as('matches');
}

function cappedCount(counted: string | null) {
  const n = Number(counted);
  return n > COUNT_CAP ? { count: COUNT_CAP, capped: true } : { count: n, capped: false };
}

/**
 * cappedCountInScope and a count per value of F in one statement: how many
 * records match (up to COUNT_CAP + 1), and how many in scope hold each value
 * of F (where F is visible in their layout).
 */
export async function countAndValuesInScope(
  db: Database,
  ctx: AccessContext | undefined,
  moduleId: string,
  query: Omit<ScopeQuery, 'dir' | 'limit'>,
  field: ScopeField,
): Promise<{ total: { count: number; capped: boolean }; byValue: Map<string, number> }> {
  if (!ctx) return { total: { count: 0, capped: false }, byValue: new Map() };
  const layouts = layoutsShowing(ctx, moduleId, field.id);
  const value = sql<string | null>`records.data->>${field.apiName}`;
  const row = await db
    .selectNoFrom((eb) => [
      eb
        .selectFrom((sub) => cappedMatches(sub, ctx, moduleId, query))
        .select((c) => c.fn.countAll<string>().as('n'))
        .as('n'),
      layouts.length === 0
        ? sql<Record<string, number> | null>`null`.as('by_value')
        : eb
            .selectFrom((sub) =>
              sub
                .selectFrom('records')
                .select([value.as('value'), (c) => c.fn.countAll<string>().as('n')])
                .where(rowScope(ctx, moduleId))
                .where('records.layout_id', 'in', layouts)
                .groupBy(sql`1`)
                .as('g'),
            )
            .select(sql<Record<string, number> | null>`json_object_agg(g.value, g.n) filter (where g.value is not null)`.as('v'))
            .as('by_value'),
    ])
    .executeTakeFirstOrThrow();
  return {
    total: cappedCount(row.n),
    byValue: new Map(Object.entries(row.by_value ?? {}).map(([k, v]) => [k, Number(v)])),
  };
}
