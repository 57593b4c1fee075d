import { sql } from 'kysely';
import { snapshotFor } from '../db/config-snapshot.js';
import { type CursorValue, decodeCursor, encodeCursor } from '../db/cursor.js';
import type { Database } from '../db/database.js';
import type { CrmRecord, Field } from '../db/schema.js';
import type { ModuleMeta } from './metadata.js';
import type { Scope } from './records.js';

export type SortKey = 'name' | 'created' | 'updated' | string;
export type ListQuery = {
  q?: string | undefined;
  /** Picklist or multi-select field api_name → value. */
  filters?: Record<string, string>;
  sort?: SortKey;
  dir?: 'asc' | 'desc';
  after?: string | undefined;
  limit?: number;
  /** The recycle bin instead of live records. */
  deleted?: boolean;
};

export type ListPage = { records: CrmRecord[]; next: string | undefined; sort: SortKey; dir: 'asc' | 'desc' };

export const PAGE_SIZE = 25;
/** Rows of a module walked in list order before a search falls back to its own index. */
const SEARCH_WINDOW = 5000;

/** Words of a search as a prefix query: "ali mar" finds "Alice Martin". */
export function searchQuery(q: string): string | undefined {
  const words = q
    .toLowerCase()
    .split(/[^\p{L}\p{N}@._-]+/u)
    .map((w) => w.replace(/[^\p{L}\p{N}]/gu, ''))
    .filter(Boolean)
    .slice(0, 8);
  return words.length ? words.map((w) => `${w}:*`).join(' & ') : undefined;
}

function sortableField(meta: ModuleMeta, key: string): Field | undefined {
  const f = meta.byName.get(key);
  return f && !['subform', 'multiselect', 'textarea'].includes(f.type) ? f : undefined;
}

/**
 * One page of a module's records within a scope, keyset-paginated. Sorting by
 * name, creation or last change uses the module's indexes; sorting by another
 * field orders by its stored value.
 */
export async function listRecords(db: Database, meta: ModuleMeta, scope: Scope, query: ListQuery): Promise<ListPage> {
  const limit = Math.min(Math.max(query.limit ?? PAGE_SIZE, 1), 200);
  const field = query.sort && !['name', 'created', 'updated'].includes(query.sort) ? sortableField(meta, query.sort) : undefined;
  const sort: SortKey = field ? field.api_name : query.sort === 'created' || query.sort === 'updated' ? query.sort : query.deleted ? 'deleted' : 'name';
  const dir = query.dir ?? (sort === 'name' || field ? 'asc' : 'desc');
  const sortExpr: ReturnType<typeof sql<unknown>> =
    sort === 'name'
      ? sql<string>`lower(records.display_name)`
      : sort === 'created'
        ? sql<Date>`records.created_at`
        : sort === 'updated'
          ? sql<Date>`records.updated_at`
          : sort === 'deleted'
            ? sql<Date>`records.deleted_at`
            : field?.type === 'number' || field?.type === 'decimal' || field?.type === 'currency' || field?.type === 'percent'
              ? sql<number>`(records.data->>${field.api_name})::numeric`
              : sql<string>`records.data->>${field?.api_name ?? ''}`;

  let q = db
    .selectFrom('records')
    .selectAll('records')
    .select(sortExpr.as('sort_value'))
    .where('records.module_id', '=', meta.module.id)
    .where('records.deleted_at', query.deleted ? 'is not' : 'is', null)
    .where(scope);

  for (const [name, value] of Object.entries(query.filters ?? {})) {
    const f = meta.byName.get(name);
    if (!f || !value) continue;
    if (f.type === 'picklist') q = q.where(sql<boolean>`records.data @> ${JSON.stringify({ [name]: value })}::jsonb`);
    if (f.type === 'multiselect') q = q.where(sql<boolean>`records.data @> ${JSON.stringify({ [name]: [value] })}::jsonb`);
  }

  const numeric = field?.type === 'number' || field?.type === 'decimal' || field?.type === 'currency' || field?.type === 'percent';
  const kind = sort === 'created' || sort === 'updated' || sort === 'deleted' ? 'date' : numeric ? 'number' : 'text';
  // A cursor whose value is not of the sort's type (edited by hand, or from another sort) starts again at the first page.
  const cursor = query.after ? cursorFor(decodeListCursor(query.after), kind, field !== undefined) : undefined;
  if (cursor) {
    const op = dir === 'asc' ? sql`>` : sql`<`;
    const value = cursor.v;
    // The id breaks ties. Only field values can be NULL: they come last in either direction.
    q = q.where(
      !field
        ? sql<boolean>`(${sortExpr}, records.id) ${op} (${value}, ${cursor.id})`
        : cursor.v === null
          ? sql<boolean>`(${sortExpr} is null and records.id ${op} ${cursor.id})`
          : sql<boolean>`((${sortExpr}, records.id) ${op} (${value}, ${cursor.id}) or ${sortExpr} is null)`,
    );
  }
  // Name, creation and change times are never NULL, so plain ASC/DESC keeps their indexes usable.
  const order = sql.raw(field ? (dir === 'asc' ? 'asc nulls last' : 'desc nulls last') : dir);
  const ts = query.q ? searchQuery(query.q) : undefined;
  const matches = sql<boolean>`search @@ to_tsquery('simple', ${ts ?? ''})`;

  let rows: (CrmRecord & { sort_value: unknown })[];
  if (!ts) {
    rows = (await q
      .orderBy(sql`${sortExpr} ${order}`)
      .orderBy('records.id', dir)
      .limit(limit + 1)
      .execute()) as typeof rows;
  } else if (field || Object.values(query.filters ?? {}).some(Boolean)) {
    // Sorted by a field, or narrowed by a filter too: the planner combines the search and data indexes.
    rows = (await q
      .where(matches)
      .orderBy(sql`${sortExpr} ${order}`)
      .orderBy('records.id', dir)
      .limit(limit + 1)
      .execute()) as typeof rows;
  } else {
    // A search in name (or date) order: walking the index and filtering is fast when
    // matches are common, but crosses the whole module when they all sort late or
    // there are none. So walk a bounded window first; if it does not fill the page,
    // take every match through the search index and sort those.
    const window = q.orderBy(sql`${sortExpr} ${order}`).orderBy('records.id', dir).limit(SEARCH_WINDOW);
    rows = (await db
      .selectFrom(window.as('w'))
      .selectAll('w')
      .where(sql<boolean>`w.search @@ to_tsquery('simple', ${ts})`)
      .orderBy(sql`w.sort_value ${order}`)
      .orderBy('w.id', dir)
      .limit(limit + 1)
      .execute()) as typeof rows;
    if (rows.length <= limit) {
      rows = (await db
        .with(
          (wb) => wb('m').materialized(),
          () => q.where(matches),
        )
        .selectFrom('m')
        .selectAll('m')
        .orderBy(sql`m.sort_value ${order}`)
        .orderBy('m.id', dir)
        .limit(limit + 1)
        .execute()) as typeof rows;
    }
  }
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const next =
    rows.length > limit && last
      ? encodeCursor(last.sort_value instanceof Date ? last.sort_value.toISOString() : ((last.sort_value ?? null) as CursorValue), last.id)
      : undefined;
  return { records: page.map(({ sort_value: _, ...r }) => r as CrmRecord), next, sort, dir };
}

type Cursor = { v: string | number | null; id: string };

/** The cursor with its value as the sort compares it (a time, a number, a text), or undefined when it cannot be one. */
function cursorFor(c: Cursor | undefined, kind: 'date' | 'number' | 'text', nullable: boolean): { v: Date | number | string | null; id: string } | undefined {
  if (!c) return undefined;
  if (c.v === null) return nullable ? { v: null, id: c.id } : undefined;
  if (kind === 'date') {
    const at = typeof c.v === 'string' ? new Date(c.v) : undefined;
    return at && !Number.isNaN(at.getTime()) ? { v: at, id: c.id } : undefined;
  }
  if (kind === 'number') {
    const n = typeof c.v === 'number' ? c.v : /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(c.v) ? Number(c.v) : Number.NaN;
    return Number.isFinite(n) ? { v: n, id: c.id } : undefined;
  }
  return typeof c.v === 'string' ? { v: c.v, id: c.id } : undefined;
}

function decodeListCursor(text: string): Cursor | undefined {
  const c = decodeCursor(text);
  return c && { v: c.value, id: c.id };
}

/** Lookup fields of other modules that point at this module: the related lists of its records. */
export async function referencingFields(db: Database, moduleId: string): Promise<Field[]> {
  const snapshot = snapshotFor(db);
  if (snapshot)
    return snapshot.modules
      .flatMap((m) => m.fields)
      .filter((f) => f.type === 'lookup' && !f.parent_field_id && (f.options as { targetModuleId?: string }).targetModuleId === moduleId)
      .sort((a, b) => a.position - b.position);
  return db
    .selectFrom('fields')
    .selectAll()
    .where('type', '=', 'lookup')
    .where('parent_field_id', 'is', null)
    .where('deleted_at', 'is', null)
    .where(sql<boolean>`options->>'targetModuleId' = ${moduleId}`)
    .orderBy('position')
    .execute();
}
