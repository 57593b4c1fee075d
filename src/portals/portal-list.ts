import type { AccessContext, TabConfig } from '../access/context.js';
import {
  type Actions,
  cappedCountInScope,
  countAndValuesInScope,
  type FieldMask,
  fieldMask,
  layoutsShowing,
  maskRecordData,
  pageInScope,
  type ScopeField,
} from '../access/engine.js';
import { type CaseStatus, caseSetup } from '../cases/status.js';
import type { StoredValue } from '../crm/field-types.js';
import { collectLookupIds } from '../crm/lookups.js';
import { layoutSections, type ModuleMeta } from '../crm/metadata.js';
import { decodeCursor, encodeCursor } from '../db/cursor.js';
import type { Database } from '../db/database.js';
import type { Field } from '../db/schema.js';
import { type CanvasDesign, getCanvasDesign } from './canvas.js';
import { type LookupTargets, lookupTargets, MAX_SEARCH_WORDS, pageActions, type RecordHref, SEARCHABLE, scopeField, tabModule } from './portal-pages.js';

// A tab's list (or cards): its records in scope, searched, filtered and ordered
// only by what U may see, one page at a time.

export const PORTAL_PAGE_SIZE = 25;
const MAX_LIST_COLUMNS = 6;

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

const FILTERABLE = new Set(['picklist', 'multiselect']);

/** A list's query as the address carries it: `f.<field>` filters, and the form's one "order" choice or a column heading's sort and dir. */
export function listQueryOf(query: Record<string, string>): PortalListQuery {
  const filters = Object.fromEntries(Object.entries(query).flatMap(([k, v]) => (k.startsWith('f.') ? [[k.slice(2), v]] : [])));
  const order = query.order;
  return {
    q: query.q,
    filters,
    sort: order ? order.slice(0, order.lastIndexOf('.')) : query.sort,
    dir: order ? order.slice(order.lastIndexOf('.') + 1) : query.dir,
    after: query.after,
  };
}

/** A tab list's cursor: the sort field's text (or null) and the record's id. */
function decodeListCursor(raw: string | undefined): { value: string | null; id: string } | undefined {
  const c = decodeCursor(raw);
  return c && typeof c.value !== 'number' ? { value: c.value, id: c.id } : undefined;
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
  const after = refused ? undefined : decodeListCursor(opts.after);

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
    next: page.next ? encodeCursor(page.next.value, page.next.id) : undefined,
    names,
  };
}
