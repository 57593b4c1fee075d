import { type Expression, type ExpressionBuilder, type RawBuilder, type SqlBool, sql } from 'kysely';
import type { ModuleMeta } from '../crm/metadata.js';
import type { Database } from '../db/database.js';
import { containsPattern } from '../db/like.js';
import type { DB, RecordState } from '../db/schema.js';
import { isUuid } from '../http/input.js';
import { type AccessContext, buildUserContext, getsAnything, loadAccessUser, type TabConfig } from './context.js';

// The one place that decides what a portal user may see and do; the rules are
// in ACCESS.md. Everything that reaches records does so through rowScope, so
// lists, details, counts, notes and downloads cannot disagree.

type RecordsEb = ExpressionBuilder<DB, 'records'>;

const nothing = sql<SqlBool>`false`;

/** The tab through which U reaches M at all: present, shown, and with view permission (or the base tab, for R_U). */
function usableTab(ctx: AccessContext, moduleId: string): TabConfig | undefined {
  const tab = ctx.tabs.get(moduleId);
  if (!tab?.shown) return undefined;
  if (!tab.canView && !(tab.kind === 'base' && moduleId === ctx.baseModuleId)) return undefined;
  return tab;
}

/** The tabs U sees in the portal's navigation: the base tab, then related ones, then public ones. */
export function visibleTabs(ctx: AccessContext | undefined): TabConfig[] {
  if (!ctx) return [];
  const order = { base: 0, related: 1, public: 2 } as const;
  return [...ctx.tabs.values()].filter((tab) => usableTab(ctx, tab.moduleId)).sort((a, b) => order[a.kind] - order[b.kind]);
}

/**
 * Whose scope a condition describes: one user's values (a request, a preview)
 * or columns of `portal_users as pu` (every user of a type at once, for the
 * access diff and "who sees this record"). Either way the rules are the same code.
 */
type Subject = { recordId: string | Expression<string>; userId: string | Expression<string> | null };

function scopeOf(ctx: AccessContext, moduleId: string, subject: Subject, eb: RecordsEb): Expression<SqlBool> {
  const tab = usableTab(ctx, moduleId);
  if (!tab || tab.layoutIds.length === 0) return nothing;
  const common = [eb('records.module_id', '=', moduleId), eb('records.deleted_at', 'is', null), eb('records.layout_id', 'in', tab.layoutIds)];
  const { recordId, userId } = subject;
  const createdByU = userId !== null ? [eb('records.created_by_portal_user_id', '=', userId)] : [];
  if (tab.kind === 'public') return eb.and(common);
  if (tab.kind === 'base') {
    if (moduleId !== ctx.baseModuleId) return nothing;
    // Without view permission on the base tab only R_U stays viewable.
    const own = eb('records.id', '=', recordId);
    return eb.and([...common, tab.canView ? eb.or([own, ...createdByU]) : own]);
  }
  // One set of ids, each part read by an index (record_refs by field and target,
  // records by their portal creator), so a list walks only U's records, not the
  // module's: the records whose filter-by lookup points at R_U or at a base
  // record U created, and the records U created.
  const filterFieldId = tab.filterFieldId;
  const parts: Expression<unknown>[] = [];
  if (filterFieldId) {
    parts.push(eb.selectFrom('record_refs as rr').select('rr.record_id as id').where('rr.field_id', '=', filterFieldId).where('rr.target_id', '=', recordId));
    if (userId !== null)
      parts.push(
        eb
          .selectFrom('record_refs as rr')
          // UNSCOPED READ: part of the row scope itself: the base records U created (in X_U), as ids inside U's condition.
          .innerJoin('records as xu', 'xu.id', 'rr.target_id')
          .select('rr.record_id as id')
          .where('rr.field_id', '=', filterFieldId)
          .where('xu.module_id', '=', ctx.baseModuleId)
          .where('xu.created_by_portal_user_id', '=', userId)
          .where('xu.deleted_at', 'is', null),
      );
  }
  if (userId !== null)
    parts.push(
      // UNSCOPED READ: part of the row scope itself: the records of M that U created, as ids inside U's condition.
      eb
        .selectFrom('records as xc')
        .select('xc.id')
        .where('xc.created_by_portal_user_id', '=', userId)
        .where('xc.module_id', '=', moduleId)
        // Also in the outer condition; here so the partial index of portal creators serves it.
        .where('xc.deleted_at', 'is', null),
    );
  if (parts.length === 0) return nothing;
  return eb.and([...common, sql<SqlBool>`records.id in (${sql.join(parts, sql` union all `)})`]);
}

/**
 * The records of M that U can reach, as a condition on `records`:
 * `selectFrom('records').where(rowScope(ctx, m))`.
 */
export function rowScope(ctx: AccessContext | undefined, moduleId: string): (eb: RecordsEb) => Expression<SqlBool> {
  return (eb) => (ctx ? scopeOf(ctx, moduleId, { recordId: ctx.recordId, userId: ctx.user?.id ?? null }, eb) : nothing);
}

const subjectColumns: Subject = { recordId: sql.ref<string>('pu.record_id'), userId: sql.ref<string>('pu.id') };

/** The active users of the context's type, as `portal_users as pu`. */
function activeUsersOf(eb: RecordsEb, ctx: AccessContext) {
  return (
    eb
      .selectFrom('portal_users as pu')
      // UNSCOPED READ: each user's own record R_U, joined only to leave out users whose record is in the recycle bin (typeScope).
      // Whose own record is in the recycle bin gets nothing.
      .innerJoin('records as own', (j) => j.onRef('own.id', '=', 'pu.record_id').on('own.deleted_at', 'is', null))
      .where('pu.user_type_id', '=', ctx.userTypeId)
      .where('pu.portal_id', '=', ctx.portalId)
      .where('pu.status', '=', 'active')
  );
}

/**
 * The records of M that at least one active user of the context's type
 * reaches with the context's configuration (its user and sample record are
 * ignored): the access diff compares this for the saved and the proposed configuration.
 */
export function typeScope(ctx: AccessContext | undefined, moduleId: string): (eb: RecordsEb) => Expression<SqlBool> {
  return (eb) => {
    if (!ctx) return nothing;
    const scope = scopeOf(ctx, moduleId, subjectColumns, eb);
    if (scope === nothing) return nothing;
    return eb.exists(
      activeUsersOf(eb, ctx)
        .select(sql`1`.as('one'))
        .where(() => scope),
    );
  };
}

/**
 * The active users of the context's type who reach the record, by id and
 * name: one query per type, whatever the number of users.
 */
export async function usersReaching(db: Database, ctx: AccessContext, record: { id: string; moduleId: string }) {
  // UNSCOPED READ: the users' own records R_U, for their names; only the explain page (administrators) asks who reaches a record.
  return db
    .selectFrom('portal_users as pu')
    .innerJoin('records as own', 'own.id', 'pu.record_id')
    .select(['pu.id', 'pu.email', 'own.display_name'])
    .where('pu.user_type_id', '=', ctx.userTypeId)
    .where('pu.portal_id', '=', ctx.portalId)
    .where('pu.status', '=', 'active')
    .where('own.deleted_at', 'is', null)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('records')
          .select(sql`1`.as('one'))
          .where('records.id', '=', record.id)
          .where((r) => scopeOf(ctx, record.moduleId, subjectColumns, r)),
      ),
    )
    .orderBy('own.display_name')
    .orderBy('pu.id')
    .execute();
}

export type Actions = { view: boolean; create: boolean; edit: boolean; delete: boolean; clone: boolean };

const noActions: Actions = { view: false, create: false, edit: false, delete: false, clone: false };

const lockedStates: ReadonlySet<RecordState> = new Set(['pending_approval', 'under_review']);

/**
 * What U may do on M, or on one record of M that was read through rowScope
 * (this does not check the scope again).
 */
export function allowedActions(ctx: AccessContext | undefined, moduleId: string, record?: { id: string; state: RecordState }): Actions {
  if (!ctx) return noActions;
  const tab = usableTab(ctx, moduleId);
  if (!tab) return noActions;
  const isOwn = record !== undefined && moduleId === ctx.baseModuleId && record.id === ctx.recordId;
  const view = tab.canView || isOwn;
  if (tab.kind === 'public') return { ...noActions, view: tab.canView };
  if (ctx.readOnly) return { ...noActions, view };
  const create = tab.canView && tab.canCreate;
  return {
    view,
    create,
    edit: tab.canEdit && (!record || !lockedStates.has(record.state)),
    delete: tab.canDelete && !isOwn,
    clone: view && create,
  };
}

export type ForcedLookup = { ok: true; fieldId: string | null; value: string | null } | { ok: false; status: 422; reason: 'lookup_outside_scope' };

/**
 * The value of F(M) for a record U creates on M: the submitted target when it
 * is in X_U, R_U when none was submitted; a target outside X_U is refused.
 * Modules other than related ones force nothing.
 */
export async function forcedLookup(db: Database, ctx: AccessContext, moduleId: string, submitted: string | null | undefined): Promise<ForcedLookup> {
  const tab = ctx.tabs.get(moduleId);
  const fieldId = tab?.kind === 'related' ? tab.filterFieldId : null;
  if (!fieldId) return { ok: true, fieldId: null, value: null };
  if (!submitted || submitted === ctx.recordId) return { ok: true, fieldId, value: ctx.recordId };
  const userId = ctx.user?.id;
  // Anything but an id names no record (and would not reach the database as one).
  const created =
    userId && isUuid(submitted)
      ? await db
          // UNSCOPED READ: only a base record U created (in X_U), by the id U submitted, and only its id: the check that keeps F(M) in X_U.
          .selectFrom('records')
          .select('id')
          .where('id', '=', submitted)
          .where('module_id', '=', ctx.baseModuleId)
          .where('created_by_portal_user_id', '=', userId)
          .where('deleted_at', 'is', null)
          .executeTakeFirst()
      : undefined;
  return created ? { ok: true, fieldId, value: submitted } : { ok: false, status: 422, reason: 'lookup_outside_scope' };
}

export type FieldMask = { visible: Set<string>; readOnly: Set<string>; required: Set<string> };

/**
 * The fields of one layout of M that leave the server, those that cannot be
 * written, and those the portal requires. Read-only and required fields are
 * always visible ones; a public module's fields are all read-only.
 */
export function fieldMask(ctx: AccessContext | undefined, moduleId: string, layoutId: string | null): FieldMask {
  const mask: FieldMask = { visible: new Set(), readOnly: new Set(), required: new Set() };
  if (!ctx || !layoutId) return mask;
  const tab = usableTab(ctx, moduleId);
  if (!tab?.layoutIds.includes(layoutId)) return mask;
  for (const [fieldId, perm] of ctx.fields.get(layoutId) ?? []) {
    if (!perm.visible) continue;
    mask.visible.add(fieldId);
    if (perm.readOnly || tab.kind === 'public') mask.readOnly.add(fieldId);
    if (perm.required) mask.required.add(fieldId);
  }
  return mask;
}

/** The record's data with every field not visible removed; the only way record data reaches portal code. */
export function maskRecordData(mask: FieldMask, meta: Pick<ModuleMeta, 'fields'>, data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of meta.fields) {
    if (mask.visible.has(field.id) && Object.hasOwn(data, field.api_name)) out[field.api_name] = data[field.api_name];
  }
  return out;
}

export type WriteCheck = { ok: true } | { ok: false; status: 422; reason: 'read_only_context' | 'hidden_field' | 'read_only_field'; fieldId?: string };

/** Refuses a submission naming a hidden or read-only field (never silently dropped). */
export function checkWrite(ctx: AccessContext | undefined, mask: FieldMask, submittedFieldIds: Iterable<string>): WriteCheck {
  if (!ctx || ctx.readOnly) return { ok: false, status: 422, reason: 'read_only_context' };
  for (const id of submittedFieldIds) {
    if (!mask.visible.has(id)) return { ok: false, status: 422, reason: 'hidden_field', fieldId: id };
    if (mask.readOnly.has(id)) return { ok: false, status: 422, reason: 'read_only_field', fieldId: id };
  }
  return { ok: true };
}

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

/** Where F may be read in M: the allowed layouts whose mask makes it visible (none: hidden everywhere). */
export function layoutsShowing(ctx: AccessContext | undefined, moduleId: string, fieldId: string): string[] {
  const tab = ctx ? usableTab(ctx, moduleId) : undefined;
  return tab ? tab.layoutIds.filter((l) => ctx?.fields.get(l)?.get(fieldId)?.visible) : [];
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
    .selectFrom((eb) =>
      eb
        .selectFrom('records')
        .select(sql`1`.as('one'))
        .where(narrowed(ctx, moduleId, query))
        .limit(COUNT_CAP + 1)
        .as('matches'),
    )
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  const n = Number(row.n);
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
        .selectFrom((sub) =>
          sub
            .selectFrom('records')
            .select(sql`1`.as('one'))
            .where(narrowed(ctx, moduleId, query))
            .limit(COUNT_CAP + 1)
            .as('matches'),
        )
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
  const n = Number(row.n);
  return {
    total: n > COUNT_CAP ? { count: COUNT_CAP, capped: true } : { count: n, capped: false },
    byValue: new Map(Object.entries(row.by_value ?? {}).map(([k, v]) => [k, Number(v)])),
  };
}

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

export type ExplainReason =
  | 'user_inactive'
  | 'not_found'
  | 'no_tab'
  | 'tab_hidden'
  | 'no_view_permission'
  | 'layout_not_allowed'
  | 'recycle_bin'
  | 'not_own_record'
  | 'lookup_elsewhere'
  | 'own_record'
  | 'created_by_user'
  | 'linked_through_lookup'
  | 'public_module';

export type Explanation = {
  inScope: boolean;
  reason: ExplainReason;
  tab: TabConfig | undefined;
  lookupFieldId: string | null;
  layoutId: string | null;
  mask: FieldMask;
};

const emptyMask = (): FieldMask => ({ visible: new Set(), readOnly: new Set(), required: new Set() });

/**
 * Whether U (or a previewed type) reaches a record, and the first rule that
 * decided it, checked in ACCESS.md's order.
 */
export async function explainAccess(db: Database, who: AccessContext | { portalUserId: string }, recordId: string): Promise<Explanation> {
  const ctx = 'portalUserId' in who ? await contextForExplain(db, who.portalUserId) : who;
  const none = (reason: ExplainReason, extra: Partial<Explanation> = {}): Explanation => ({
    inScope: false,
    reason,
    tab: undefined,
    lookupFieldId: null,
    layoutId: null,
    mask: emptyMask(),
    ...extra,
  });
  if (!ctx) return none('user_inactive');
  // UNSCOPED READ: explain reads the record whatever the scope, to name the rule that excludes it; only administrators reach
  // it (the portal-explain page), and only its module, layout, recycle-bin state and portal creator are read.
  const record = await db
    .selectFrom('records')
    .select(['id', 'module_id', 'layout_id', 'deleted_at', 'created_by_portal_user_id'])
    .where('id', '=', recordId)
    .executeTakeFirst();
  if (!record) return none('not_found');
  const tab = ctx.tabs.get(record.module_id);
  const layoutId = record.layout_id;
  if (!tab) return none('no_tab', { layoutId });
  if (!tab.shown) return none('tab_hidden', { tab, layoutId });
  const isOwn = tab.kind === 'base' && record.module_id === ctx.baseModuleId && record.id === ctx.recordId;
  if (!usableTab(ctx, record.module_id) || (!tab.canView && !isOwn)) return none('no_view_permission', { tab, layoutId });
  const mask = fieldMask(ctx, record.module_id, layoutId);
  const decided = (inScope: boolean, reason: ExplainReason, lookupFieldId: string | null = null): Explanation => ({
    inScope,
    reason,
    tab,
    lookupFieldId,
    layoutId,
    mask: inScope ? mask : emptyMask(),
  });
  if (!layoutId || !tab.layoutIds.includes(layoutId)) return decided(false, 'layout_not_allowed');
  if (record.deleted_at) return decided(false, 'recycle_bin');
  const createdByU = ctx.user !== undefined && record.created_by_portal_user_id === ctx.user.id;
  if (tab.kind === 'public') return decided(true, 'public_module');
  if (tab.kind === 'base') {
    if (record.module_id !== ctx.baseModuleId) return decided(false, 'not_own_record');
    if (isOwn) return decided(true, 'own_record');
    return createdByU ? decided(true, 'created_by_user') : decided(false, 'not_own_record');
  }
  if (createdByU) return decided(true, 'created_by_user');
  const filterFieldId = tab.filterFieldId;
  if (!filterFieldId) return decided(false, 'lookup_elsewhere');
  // Everything else already holds here, so the row scope decides whether the lookup reaches X_U.
  const link = await findInScope(db, ctx, record.module_id, record.id);
  return link ? decided(true, 'linked_through_lookup', filterFieldId) : decided(false, 'lookup_elsewhere', filterFieldId);
}

/** Explain looks at the user wherever the request comes from; only their status and configuration matter. */
async function contextForExplain(db: Database, portalUserId: string): Promise<AccessContext | undefined> {
  const user = await loadAccessUser(db, portalUserId);
  if (!getsAnything(user)) return undefined;
  return buildUserContext(db, user);
}
