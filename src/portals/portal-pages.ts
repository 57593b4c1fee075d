import { sql } from 'kysely';
import type { AccessContext, TabConfig } from '../access/context.js';
import {
  type Actions,
  allowedActions,
  fieldMask,
  layoutsShowing,
  maskRecordData,
  pageInScope,
  rowScope,
  type ScopeField,
  visibleTabs,
} from '../access/engine.js';
import type { StoredValue } from '../crm/field-types.js';
import { layoutSections, loadModuleMetaById, type ModuleMeta } from '../crm/metadata.js';
import { displayName } from '../crm/records.js';
import { snapshotFor } from '../db/config-snapshot.js';
import type { Database } from '../db/database.js';
import type { Field, Layout, Module, RecordState } from '../db/schema.js';
import { isUuid } from '../http/input.js';

// What every portal page and form shares, read only through the permission
// engine: the tab's module, the actions drawn, the names lookups show. The
// customer pages and the admin's preview render the same data with the same
// views; only the base address and the read-only context differ.

/** How a page names the address of a record it may link to. */
export type RecordHref = (moduleApiName: string, recordId: string) => string;

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
export function pageActions(ctx: AccessContext, meta: ModuleMeta, tab: TabConfig, record?: { id: string; state: RecordState }): Actions {
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

export const SEARCHABLE = new Set(['text', 'email', 'phone', 'url', 'textarea']);
const SORTABLE_NUMBERS = new Set(['number', 'decimal', 'currency', 'percent']);
export const MAX_SEARCH_WORDS = 6;

export const scopeField = (f: Field): ScopeField =>
  f.type === 'picklist'
    ? { id: f.id, apiName: f.api_name, kind: 'rank', ranks: (f.options.values ?? []).map((v) => v.value) }
    : { id: f.id, apiName: f.api_name, kind: f.type === 'multiselect' ? 'multi' : SORTABLE_NUMBERS.has(f.type) ? 'number' : 'text' };
