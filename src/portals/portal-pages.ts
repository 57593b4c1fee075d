import { sql } from 'kysely';
import type { AccessContext, TabConfig } from '../access/context.js';
import {
  type Actions,
  allowedActions,
  COUNT_CAP,
  cappedCountInScope,
  conversationInScope,
  countAndValuesInScope,
  type FieldMask,
  fieldMask,
  findInScope,
  layoutsShowing,
  maskRecordData,
  pageInScope,
  rowScope,
  type ScopeField,
  visibleTabs,
} from '../access/engine.js';
import { type CaseActions, type CaseStatus, caseActions, caseSetup, closingChange, isCaseModule, REOPEN_DAYS, reopenDays } from '../cases/status.js';
import type { StoredValue } from '../crm/field-types.js';
import { layoutFor, layoutSections, loadModuleMetaById, type ModuleMeta } from '../crm/metadata.js';
import { collectLookupIds, displayName } from '../crm/records.js';
import { snapshotFor } from '../db/config-snapshot.js';
import type { Database } from '../db/database.js';
import type { Field, Labels, Layout, Module, RecordState } from '../db/schema.js';
import { isUuid } from '../http/input.js';
import { type CanvasDesign, getCanvasDesign } from './canvas.js';
import { listWebTabs, type WebTab } from './web-tabs.js';

// What the portal's pages show, read only through the permission engine.
// The customer pages and the admin's preview render the same data with the
// same views; only the base address and the read-only context differ.

export const PORTAL_PAGE_SIZE = 25;
const MAX_LIST_COLUMNS = 6;

/** How a page names the address of a record it may link to. */
export type RecordHref = (moduleApiName: string, recordId: string) => string;

export type PortalNav = { modules: { module: Module; tab: TabConfig }[]; webTabs: WebTab[] };

export async function portalNav(db: Database, ctx: AccessContext | undefined): Promise<PortalNav> {
  const tabs = visibleTabs(ctx);
  if (!ctx || tabs.length === 0) return { modules: [], webTabs: [] };
  const snapshot = snapshotFor(db);
  const [modules, webTabs] = await Promise.all([
    snapshot
      ? tabs.flatMap((t) => snapshot.byId.get(t.moduleId)?.module ?? [])
      : db
          .selectFrom('modules')
          .selectAll()
          .where(
            'id',
            'in',
            tabs.map((t) => t.moduleId),
          )
          .where('deleted_at', 'is', null)
          .execute(),
    listWebTabs(db, ctx.userTypeId),
  ]);
  const byId = new Map(modules.map((m) => [m.id, m]));
  const ordered = tabs.map((tab) => ({ tab, module: byId.get(tab.moduleId) })).filter((e): e is { tab: TabConfig; module: Module } => e.module !== undefined);
  const kindOrder = { base: 0, related: 1, public: 2 } as const;
  ordered.sort((a, b) => kindOrder[a.tab.kind] - kindOrder[b.tab.kind] || a.module.position - b.module.position);
  return { modules: ordered, webTabs };
}

/** A module of the portal by its api name, only when U has a tab for it. */
export async function tabModule(db: Database, ctx: AccessContext | undefined, apiName: string): Promise<{ meta: ModuleMeta; tab: TabConfig } | undefined> {
  if (!ctx) return undefined;
  const snapshot = snapshotFor(db);
  const module = snapshot
    ? snapshot.byApiName.get(apiName)?.module
    : await db.selectFrom('modules').select('id').where('api_name', '=', apiName).where('deleted_at', 'is', null).executeTakeFirst();
  const tab = module ? visibleTabs(ctx).find((t) => t.moduleId === module.id) : undefined;
  const meta = tab ? await loadModuleMetaById(db, tab.moduleId) : undefined;
  return meta && tab ? { meta, tab } : undefined;
}

/** Where U's own record (R_U) lives in this portal, when their type shows its tab. */
export function ownRecordHref(nav: PortalNav, ctx: AccessContext | undefined, base: string): string | undefined {
  const own = ctx ? nav.modules.find((m) => m.module.id === ctx.baseModuleId) : undefined;
  return own && ctx ? `${base}/m/${own.module.api_name}/${ctx.recordId}` : undefined;
}

/** A lookup's target as U may see it: a name from its visible name fields (empty: the module's neutral label), a link when in scope. */
export type LookupTargets = Map<string, { name: string; href?: string | undefined; module?: Module | undefined }>;

/**
 * The layouts U may create records of M in, the module's default first: those
 * the tab allows, except any whose mask hides a field the CRM requires (such a
 * record could never be valid). The filter-by lookup is set for them, so it does not count.
 */
export function creatableLayouts(ctx: AccessContext, meta: ModuleMeta, tab: TabConfig): Layout[] {
  return meta.layouts
    .filter((l) => tab.layoutIds.includes(l.id))
    .filter((l) => {
      const mask = fieldMask(ctx, meta.module.id, l.id);
      return layoutSections(meta, l)
        .flatMap((s) => s.fields)
        .every((f) => !f.required || f.options.computed || f.id === tab.filterFieldId || mask.visible.has(f.id));
    })
    .sort((a, b) => Number(b.is_default) - Number(a.is_default) || a.position - b.position);
}

/** What U may do on M with a record page's or list's buttons: create and clone need a layout to create in. */
function pageActions(ctx: AccessContext, meta: ModuleMeta, tab: TabConfig, record?: { id: string; state: RecordState }): Actions {
  const actions = shownActions(ctx, meta.module.id, record);
  if (actions.create && creatableLayouts(ctx, meta, tab).length === 0) return { ...actions, create: false, clone: false };
  return actions;
}

/**
 * What U gets on M, for drawing buttons and forms. A preview shows exactly
 * these too, inert: its surface answers every write with 403.
 */
export function shownActions(ctx: AccessContext, moduleId: string, record?: { id: string; state: RecordState }): Actions {
  return allowedActions(ctx.readOnly ? { ...ctx, readOnly: false } : ctx, moduleId, record);
}

/**
 * The records the visible lookups point at, in one statement: each named from
 * the name fields U's type makes visible for its module and layout (never the
 * stored display name; none visible, or no tab for its module: the module's
 * neutral label), linked only when the target is itself in U's scope.
 */
export async function lookupTargets(db: Database, ctx: AccessContext, ids: string[], href: RecordHref): Promise<LookupTargets> {
  const unique = [...new Set(ids.filter(isUuid))];
  const out: LookupTargets = new Map();
  if (unique.length === 0) return out;
  const tabs = visibleTabs(ctx);
  // UNSCOPED READ: the targets of visible lookups on records already in U's scope, named only from the fields U's type
  // shows (ACCESS.md: a lookup shows its target's name); rowScope below decides only whether it links.
  const rows = await db
    .selectFrom('records')
    .innerJoin('modules', 'modules.id', 'records.module_id')
    .selectAll('modules')
    .select(['records.id as record_id', 'records.layout_id as record_layout', 'records.data as record_data', 'records.deleted_at as record_deleted_at'])
    // rowScope is written for `records` alone; the join adds only `modules`, which it never names.
    .select((eb) => sql<boolean>`${tabs.length ? eb.or(tabs.map((tab) => rowScope(ctx, tab.moduleId)(eb as never))) : sql`false`}`.as('reachable'))
    .where('records.id', 'in', unique)
    .execute();
  const metas = new Map<string, ModuleMeta>();
  await Promise.all(
    [...new Set(rows.filter((r) => tabs.some((t) => t.moduleId === r.id)).map((r) => r.id))].map(async (moduleId) => {
      const meta = await loadModuleMetaById(db, moduleId);
      if (meta) metas.set(moduleId, meta);
    }),
  );
  for (const { record_id, record_layout, record_data, record_deleted_at, reachable, ...module } of rows) {
    const meta = metas.get(module.id);
    const visible =
      meta && !record_deleted_at
        ? (maskRecordData(fieldMask(ctx, module.id, record_layout), meta, record_data as Record<string, unknown>) as Record<string, StoredValue>)
        : {};
    out.set(record_id, {
      name: meta ? displayName(meta, visible) : '',
      href: reachable ? href(module.api_name, record_id) : undefined,
      module,
    });
  }
  return out;
}

/** At most this many targets are offered in a lookup's list; a search narrows them. */
export const LOOKUP_CHOICES = 100;

export type LookupChoice = { id: string; name: string };

/**
 * The records a lookup field of a portal form may point at: its target
 * module's records in U's scope, named from visible fields, newest first,
 * narrowed by a search over their visible text fields.
 */
export async function lookupChoices(
  db: Database,
  ctx: AccessContext,
  field: Field,
  q = '',
): Promise<{ choices: LookupChoice[]; more: boolean; module: Module } | undefined> {
  const target = field.options.targetModuleId;
  const tab = target ? visibleTabs(ctx).find((t) => t.moduleId === target) : undefined;
  const meta = tab ? await loadModuleMetaById(db, tab.moduleId) : undefined;
  if (!meta) return undefined;
  const words = q.trim().slice(0, 200).split(/\s+/).filter(Boolean).slice(0, MAX_SEARCH_WORDS);
  const searchIn = meta.fields.filter((f) => SEARCHABLE.has(f.type) && layoutsShowing(ctx, meta.module.id, f.id).length > 0).map(scopeField);
  const page = await pageInScope(db, ctx, meta.module.id, { words, searchIn, dir: 'desc', limit: LOOKUP_CHOICES });
  const choices = page.rows.map((r) => {
    const visible = maskRecordData(fieldMask(ctx, meta.module.id, r.layout_id), meta, r.data as Record<string, unknown>) as Record<string, StoredValue>;
    return { id: r.id, name: displayName(meta, visible) };
  });
  return { choices, more: page.next !== undefined, module: meta.module };
}

export type PortalRow = { id: string; data: Record<string, StoredValue>; state: string };

/** What a list is asked for, as the address says it: `?q=…&f.status=open&sort=subject&dir=asc&after=…`. */
export type PortalListQuery = {
  q?: string | undefined;
  filters?: Record<string, string>;
  sort?: string | undefined;
  dir?: string | undefined;
  after?: string | undefined;
};

export type PortalList = {
  meta: ModuleMeta;
  tab: TabConfig;
  actions: Actions;
  /** A preview: the actions are drawn, inert. */
  inert: boolean;
  /** The visible fields of the tab's first allowed layout, as list columns. */
  columns: Field[];
  /** Canvas view: the card design limited to fields visible somewhere in the tab. */
  card: CanvasDesign | undefined;
  /** Picklists visible somewhere in the tab, to filter by. */
  filterFields: Field[];
  /** Columns the list may be ordered by. */
  sortFields: Field[];
  /** The query as applied: a refused part is dropped, and `refused` says so. */
  query: { q: string; filters: Record<string, string>; sort: string; dir: 'asc' | 'desc' };
  refused: 'hidden_field' | undefined;
  /** A case list with its status visible: how many of the user's cases are in each status (links that filter). */
  statusCounts: { value: string; state: CaseStatus | undefined; count: number }[] | undefined;
  /** A case list's status field (its values are the four states). */
  statusField: Field | undefined;
  rows: PortalRow[];
  total: { count: number; capped: boolean };
  next: string | undefined;
  names: LookupTargets;
};

const SEARCHABLE = new Set(['text', 'email', 'phone', 'url', 'textarea']);
const FILTERABLE = new Set(['picklist', 'multiselect']);
const SORTABLE_NUMBERS = new Set(['number', 'decimal', 'currency', 'percent']);
const MAX_SEARCH_WORDS = 6;

const scopeField = (f: Field): ScopeField =>
  f.type === 'picklist'
    ? { id: f.id, apiName: f.api_name, kind: 'rank', ranks: (f.options.values ?? []).map((v) => v.value) }
    : { id: f.id, apiName: f.api_name, kind: f.type === 'multiselect' ? 'multi' : SORTABLE_NUMBERS.has(f.type) ? 'number' : 'text' };

export function encodeCursor(c: { value: string | null; id: string }): string {
  return Buffer.from(JSON.stringify([c.value, c.id])).toString('base64url');
}

export function decodeCursor(raw: string | undefined): { value: string | null; id: string } | undefined {
  if (!raw || raw.length > 600) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed) || parsed.length !== 2) return undefined;
    const [value, id] = parsed as unknown[];
    if (typeof id !== 'string' || !isUuid(id) || (value !== null && typeof value !== 'string')) return undefined;
    return { value, id };
  } catch {
    return undefined;
  }
}

/**
 * One page of a module's tab: its records in scope with only visible fields,
 * searched over visible text fields, filtered by visible picklists, ordered by
 * a visible column; a filter or order naming any other field is refused (the
 * list is drawn without it). The total is capped: a large public module is never counted whole.
 */
export async function portalList(
  db: Database,
  ctx: AccessContext | undefined,
  apiName: string,
  opts: PortalListQuery & { href: RecordHref },
): Promise<PortalList | undefined> {
  const found = await tabModule(db, ctx, apiName);
  if (!ctx || !found) return undefined;
  const { meta, tab } = found;
  const moduleId = meta.module.id;
  const shown = (f: Field) => layoutsShowing(ctx, moduleId, f.id).length > 0;

  const masks = new Map<string, FieldMask>();
  const maskOf = (layoutId: string | null) => {
    const key = layoutId ?? '';
    let mask = masks.get(key);
    if (!mask) {
      mask = fieldMask(ctx, moduleId, layoutId);
      masks.set(key, mask);
    }
    return mask;
  };
  const firstLayout = meta.layouts.find((l) => tab.layoutIds.includes(l.id));
  const firstMask = maskOf(firstLayout?.id ?? null);
  const columns = layoutSections(meta, firstLayout)
    .flatMap((s) => s.fields)
    .filter((f) => firstMask.visible.has(f.id) && f.type !== 'subform' && f.type !== 'textarea')
    .slice(0, MAX_LIST_COLUMNS);
  const filterFields = meta.fields.filter((f) => FILTERABLE.has(f.type) && shown(f));
  // A lookup orders by its stored id, which means nothing to the reader.
  const sortFields = columns.filter((f) => f.type !== 'multiselect' && f.type !== 'lookup');
  const searchIn = meta.fields.filter((f) => SEARCHABLE.has(f.type) && shown(f)).map(scopeField);

  // Only fields U may see narrow or order the list; naming another one is refused.
  let refused: PortalList['refused'];
  const filters: { field: ScopeField; value: string }[] = [];
  const applied: Record<string, string> = {};
  for (const [name, value] of Object.entries(opts.filters ?? {})) {
    if (!value) continue;
    const field = filterFields.find((f) => f.api_name === name);
    if (!field) {
      refused = 'hidden_field';
      continue;
    }
    filters.push({ field: scopeField(field), value: value.slice(0, 200) });
    applied[name] = value;
  }
  let sortField: Field | undefined;
  if (opts.sort && opts.sort !== 'created') {
    sortField = sortFields.find((f) => f.api_name === opts.sort);
    if (!sortField) refused = 'hidden_field';
  }
  const dir = opts.dir === 'asc' || opts.dir === 'desc' ? opts.dir : sortField ? 'asc' : 'desc';
  const q = (opts.q ?? '').trim().slice(0, 200);
  const words = q.split(/\s+/).filter(Boolean).slice(0, MAX_SEARCH_WORDS);
  const narrowing = { words, searchIn, filters };
  const after = refused ? undefined : decodeCursor(opts.after);

  const setup = caseSetup(meta);
  const statusField = setup ? filterFields.find((f) => f.id === setup.status.id) : undefined;
  // The count and, for a case list, the count per status: one statement.
  const counting = statusField
    ? countAndValuesInScope(db, ctx, moduleId, narrowing, scopeField(statusField))
    : cappedCountInScope(db, ctx, moduleId, narrowing).then((total) => ({ total, byValue: undefined }));
  const [page, { total, byValue: statusCounts }, design] = await Promise.all([
    pageInScope(db, ctx, moduleId, { ...narrowing, sort: sortField ? scopeField(sortField) : undefined, dir, after, limit: PORTAL_PAGE_SIZE }),
    counting,
    tab.viewMode === 'canvas' ? getCanvasDesign(db, moduleId) : Promise.resolve(undefined),
  ]);
  const rows = page.rows.map((r) => ({
    id: r.id,
    state: r.state,
    data: maskRecordData(maskOf(r.layout_id), meta, r.data as Record<string, unknown>) as Record<string, StoredValue>,
  }));
  const visibleSomewhere = (id: string | null) => (id && tab.layoutIds.some((l) => maskOf(l).visible.has(id)) ? id : null);
  const card = design
    ? {
        titleFieldId: visibleSomewhere(design.titleFieldId),
        subtitleFieldIds: design.subtitleFieldIds.filter((id) => visibleSomewhere(id)),
        badgeFieldId: visibleSomewhere(design.badgeFieldId),
      }
    : undefined;
  const names = await lookupTargets(db, ctx, collectLookupIds(meta, rows, meta.fields), opts.href);
  return {
    meta,
    tab,
    actions: pageActions(ctx, meta, tab),
    inert: ctx.readOnly,
    columns,
    card,
    filterFields,
    sortFields,
    query: { q, filters: applied, sort: sortField?.api_name ?? 'created', dir },
    refused,
    statusCounts: statusField
      ? (statusField.options.values ?? []).map((v) => ({ value: v.value, state: setup?.stateOf.get(v.value), count: statusCounts?.get(v.value) ?? 0 }))
      : undefined,
    statusField,
    rows,
    total,
    next: page.next ? encodeCursor(page.next) : undefined,
    names,
  };
}

/** Who wrote a note or added a file, as a portal user may see it. */
export type Author = { kind: 'you' } | { kind: 'staff'; name: string | undefined } | { kind: 'portal' };

export type PortalRecord = {
  meta: ModuleMeta;
  tab: TabConfig;
  actions: Actions;
  inert: boolean;
  record: { id: string; name: string; state: string; data: Record<string, StoredValue> };
  sections: { id: string; labelKey: string | undefined; labels: Labels | undefined; fields: Field[] }[];
  readOnly: Set<string>;
  required: Set<string>;
  names: LookupTargets;
  notes: { id: string; body: string; createdAt: Date; author: Author }[] | undefined;
  /** A case: whether the customer may close or reopen it (drawn inert in a preview), and the portal's reopening window. */
  caseActions: CaseActions | undefined;
  reopenDays: number;
  attachments: { id: string; filename: string; size: number; createdAt: Date; author: Author }[] | undefined;
  /** A case: its conversation, the notes and files U may see in time order. */
  conversation:
    | (
        | { kind: 'note'; id: string; body: string; createdAt: Date; author: Author }
        | { kind: 'file'; id: string; filename: string; size: number; createdAt: Date; author: Author }
      )[]
    | undefined;
};

/** One record of a tab, undefined (404) when it is outside U's scope: never loaded first and checked afterwards. */
export async function portalRecord(
  db: Database,
  ctx: AccessContext | undefined,
  apiName: string,
  id: string,
  opts: { href: RecordHref },
): Promise<PortalRecord | undefined> {
  const found = await tabModule(db, ctx, apiName);
  if (!ctx || !found || !isUuid(id)) return undefined;
  const { meta, tab } = found;
  const record = await findInScope(db, ctx, meta.module.id, id);
  if (!record) return undefined;
  const actions = pageActions(ctx, meta, tab, record);
  if (!actions.view) return undefined;
  const mask = fieldMask(ctx, meta.module.id, record.layout_id);
  const data = maskRecordData(mask, meta, record.data as Record<string, unknown>) as Record<string, StoredValue>;
  const sections = layoutSections(meta, layoutFor(meta, record.layout_id))
    .map((s) => ({ id: s.id, labelKey: s.labelKey, labels: s.labels, fields: s.fields.filter((f) => mask.visible.has(f.id)) }))
    .filter((s) => s.fields.length > 0);
  const userCase = isCaseModule(meta) && tab.kind !== 'public';
  const [names, around, days] = await Promise.all([
    lookupTargets(db, ctx, collectLookupIds(meta, [{ data }], meta.fields), opts.href),
    conversationInScope(db, ctx, meta.module.id, record.id, { closedChange: userCase ? closingChange(meta, record) : undefined }),
    userCase ? reopenDays(db, ctx.portalId) : REOPEN_DAYS,
  ]);
  const { notes, attachments } = around;
  const closed = around.closedAt ?? undefined;
  // Who wrote: U themselves, a staff member by name, or another portal user (never their address).
  const authorOf = (kind: string, id: string, staffName: string | null): Author =>
    kind === 'staff' ? { kind: 'staff', name: staffName ?? undefined } : kind === 'portal' && id === ctx.user?.id ? { kind: 'you' } : { kind: 'portal' };
  const noteRows = notes?.map((n) => ({ id: n.id, body: n.body, createdAt: n.created_at, author: authorOf(n.author_kind, n.author_id, n.staff_name) }));
  const fileRows = attachments?.map((a) => ({
    id: a.id,
    filename: a.filename,
    size: a.size,
    createdAt: a.created_at,
    author: authorOf(a.author_kind, a.author_id, a.staff_name),
  }));
  return {
    meta,
    tab,
    actions,
    inert: ctx.readOnly,
    // Built from the visible name fields only: the stored display name may hold hidden ones.
    record: { id: record.id, name: displayName(meta, data), state: record.state, data },
    sections,
    readOnly: mask.readOnly,
    required: mask.required,
    names,
    notes: noteRows,
    attachments: fileRows,
    // Where the notes are shown: where they are not, the files keep their own list.
    conversation:
      userCase && noteRows
        ? [...(noteRows ?? []).map((n) => ({ kind: 'note' as const, ...n })), ...(fileRows ?? []).map((f) => ({ kind: 'file' as const, ...f }))].sort(
            (a, b) => a.createdAt.getTime() - b.createdAt.getTime(),
          )
        : undefined,
    caseActions: userCase ? caseActions(meta, record, closed, days) : undefined,
    reopenDays: days,
  };
}

/** How many of a tab's records the home page lists as the most recent. */
const RECENT_ON_HOME = 5;

export type PortalHome = {
  tiles: { module: Module; tab: TabConfig; count: number; capped: boolean }[];
  recent: { module: Module; id: string; name: string; updatedAt: Date }[];
};

/**
 * The portal's home: each tab with its count (capped, all in one statement)
 * and the records in scope changed most recently, named from visible fields.
 */
export async function portalHome(db: Database, ctx: AccessContext | undefined, nav: PortalNav): Promise<PortalHome> {
  if (!ctx || nav.modules.length === 0) return { tiles: [], recent: [] };
  const modules = nav.modules;
  const counts = await db
    .selectNoFrom((eb) =>
      modules.map((m, i) =>
        eb
          .selectFrom((inner) =>
            inner
              .selectFrom('records')
              .select(sql`1`.as('one'))
              .where(rowScope(ctx, m.module.id))
              .limit(COUNT_CAP + 1)
              .as('matches'),
          )
          .select((c) => c.fn.countAll<string>().as('n'))
          .as(`m${i}`),
      ),
    )
    .executeTakeFirstOrThrow();
  const recentRows = await modules
    .map((m, i) =>
      db
        .selectFrom((eb) =>
          eb
            .selectFrom('records')
            .select(['records.id', 'records.module_id', 'records.layout_id', 'records.data', 'records.updated_at'])
            .where(rowScope(ctx, m.module.id))
            .orderBy('records.updated_at', 'desc')
            .limit(RECENT_ON_HOME)
            .as(`r${i}`),
        )
        .selectAll(),
    )
    .reduce((all, q) => all.unionAll(q))
    .orderBy('updated_at', 'desc')
    .limit(RECENT_ON_HOME)
    .execute();
  const metas = new Map<string, ModuleMeta>();
  await Promise.all(
    [...new Set(recentRows.map((r) => r.module_id))].map(async (id) => {
      const meta = await loadModuleMetaById(db, id);
      if (meta) metas.set(id, meta);
    }),
  );
  const row = counts as Record<string, string | number | bigint>;
  return {
    tiles: modules.map((m, i) => {
      const n = Number(row[`m${i}`] ?? 0);
      return { module: m.module, tab: m.tab, count: Math.min(n, COUNT_CAP), capped: n > COUNT_CAP };
    }),
    recent: recentRows.flatMap((r) => {
      const meta = metas.get(r.module_id);
      if (!meta) return [];
      const visible = maskRecordData(fieldMask(ctx, r.module_id, r.layout_id), meta, r.data as Record<string, unknown>) as Record<string, StoredValue>;
      return [{ module: meta.module, id: r.id, name: displayName(meta, visible), updatedAt: r.updated_at }];
    }),
  };
}
