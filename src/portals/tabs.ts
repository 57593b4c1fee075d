import { accountLookup } from '../access/account-lookup.js';
import { type Actor, audit } from '../audit/audit.js';
import { snapshotFor } from '../db/config-snapshot.js';
import type { Database } from '../db/database.js';
import type { Field, Labels, Layout, Module, PortalTypeTab, TabAccess, TabKind, TabReach } from '../db/schema.js';
import { LANGUAGES } from '../i18n/languages.js';
import { defaultCanvasDesign } from './canvas.js';
import { applyTabFieldDefaults } from './type-defaults.js';
import { publicModules, relatedModules } from './user-types.js';

export type TabOption = {
  kind: TabKind;
  module: Module;
  lookups: Field[];
  layouts: Layout[];
  tab: PortalTypeTab | undefined;
  hasCardDesign: boolean;
  /** Products shared so that users can pick them on quote and invoice line items (a public tab, view only). */
  forLineItems: boolean;
  /**
   * The base module's account lookup (src/access/account-lookup.ts): only with one may a related tab reach the
   * records linked to anyone at the user's company.
   */
  accountField: Field | undefined;
};

/** The longest name a tab may be given. */
export const TAB_LABEL_MAX = 40;

/** The module whose records quote and invoice line items pick. */
export const PRODUCTS_MODULE = 'products';

export type TabInput = {
  shown: boolean;
  filterFieldId: string;
  /** A related tab's reach, 'mine' (the default) or 'company'. */
  reach?: string;
  layoutIds: string[];
  view: boolean;
  create: boolean;
  edit: boolean;
  delete: boolean;
  viewMode: string;
  notes: string;
  attachments: string;
  /** The tab's own name per language (empty: the module's). */
  labels?: Record<string, string>;
};

/**
 * The form of every module a type can show, hidden unless `shown` names it:
 * related tabs filter by the lookup named `filterBy` (else their first), all
 * layouts allowed, view only, list view, no notes or files — then each
 * module's own settings on top. For code that configures a type (the demo, tests).
 */
export function tabForm(options: TabOption[], shown: Record<string, Partial<TabInput>>, filterBy = 'contact'): Record<string, TabInput> {
  const form: Record<string, TabInput> = {};
  for (const o of options) {
    const own = shown[o.module.api_name];
    form[o.module.id] = {
      shown: own !== undefined,
      filterFieldId: (o.lookups.find((f) => f.api_name === filterBy) ?? o.lookups[0])?.id ?? '',
      layoutIds: o.layouts.map((l) => l.id),
      view: true,
      create: false,
      edit: false,
      delete: false,
      viewMode: 'list',
      notes: 'none',
      attachments: 'none',
      ...own,
    };
  }
  return form;
}

/** Locale keys per module id, then per form field. */
export type TabErrors = Record<string, Record<string, string>>;
export type SaveTabsResult = { ok: true } | { ok: false; errors: TabErrors };
export type ValidateTabsResult = { ok: true; rows: TabRow[] } | { ok: false; errors: TabErrors };

const ACCESS: readonly TabAccess[] = ['none', 'view', 'add'];
const REACHES: readonly TabReach[] = ['mine', 'company'];
const isReach = (v: string): v is TabReach => (REACHES as readonly string[]).includes(v);
const isAccess = (v: string): v is TabAccess => (ACCESS as readonly string[]).includes(v);

/**
 * The modules a user type's portal can show: its base module, related
 * modules, public modules, then Products (shared for line items) when it is none of those.
 */
export async function tabOptions(db: Database, userTypeId: string): Promise<TabOption[] | undefined> {
  const type = await db.selectFrom('portal_user_types').selectAll().where('id', '=', userTypeId).executeTakeFirst();
  if (!type) return undefined;
  const snapshot = snapshotFor(db);
  const base = snapshot
    ? snapshot.byId.get(type.base_module_id)?.module
    : await db.selectFrom('modules').selectAll().where('id', '=', type.base_module_id).executeTakeFirst();
  if (!base) return undefined;
  const [publics, accountField] = await Promise.all([publicModules(db), accountLookup(db, base.id)]);
  const publicIds = new Set(publics.map((m) => m.id));
  const related = (await relatedModules(db, base.id)).filter((r) => !publicIds.has(r.module.id) && r.module.id !== base.id);
  const entries: { kind: TabKind; module: Module; lookups: Field[] }[] = [
    { kind: 'base', module: base, lookups: [] },
    ...related.map((r) => ({ kind: 'related' as const, module: r.module, lookups: r.lookups })),
    ...publics.filter((m) => m.id !== base.id).map((m) => ({ kind: 'public' as const, module: m, lookups: [] })),
  ];
  if (!entries.some((e) => e.module.api_name === PRODUCTS_MODULE)) {
    const products = snapshot
      ? snapshot.byApiName.get(PRODUCTS_MODULE)?.module
      : await db.selectFrom('modules').selectAll().where('api_name', '=', PRODUCTS_MODULE).where('deleted_at', 'is', null).executeTakeFirst();
    if (products) entries.push({ kind: 'public', module: products, lookups: [] });
  }
  const ids = entries.map((e) => e.module.id);
  const [tabs, layouts, designs, fields] = snapshot
    ? [
        snapshot.types.get(userTypeId)?.tabs ?? [],
        ids.flatMap((id) => snapshot.byId.get(id)?.layouts ?? []),
        ids.filter((id) => snapshot.canvasDesigns.has(id)).map((module_id) => ({ module_id })),
        ids.flatMap((id) => snapshot.byId.get(id)?.fields ?? []),
      ]
    : await Promise.all([
        db.selectFrom('portal_type_tabs').selectAll().where('user_type_id', '=', userTypeId).execute(),
        db.selectFrom('layouts').selectAll().where('module_id', 'in', ids).where('deleted_at', 'is', null).orderBy('position').execute(),
        db.selectFrom('canvas_designs').select('module_id').where('module_id', 'in', ids).execute(),
        db.selectFrom('fields').selectAll().where('module_id', 'in', ids).where('deleted_at', 'is', null).execute(),
      ]);
  const designed = new Set(designs.map((d) => d.module_id));
  return entries.map((e) => ({
    ...e,
    layouts: layouts.filter((l) => l.module_id === e.module.id),
    tab: tabs.find((t) => t.module_id === e.module.id),
    // Without a saved design the canvas view uses the default one (see defaultCanvasDesign).
    hasCardDesign: designed.has(e.module.id) || defaultCanvasDesign(e.module, fields) !== undefined,
    forLineItems: e.module.api_name === PRODUCTS_MODULE && e.kind === 'public',
    accountField,
  }));
}

/** One module's tab as it would be stored. */
export type TabRow = {
  module_id: string;
  kind: TabKind;
  shown: boolean;
  filter_field_id: string | null;
  reach: TabReach;
  layout_ids: string[];
  can_view: boolean;
  can_create: boolean;
  can_edit: boolean;
  can_delete: boolean;
  view_mode: 'list' | 'canvas';
  notes: TabAccess;
  attachments: TabAccess;
  position: number;
  labels: Labels;
};

function check(option: TabOption, input: TabInput | undefined, position: number): { row?: TabRow; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const isBase = option.kind === 'base';
  const shown = isBase || Boolean(input?.shown);
  if (!input || !shown) return { errors };
  const layoutIds = [...new Set(input.layoutIds)];
  if (layoutIds.length === 0) errors.layouts = 'portaltabs:errors.layoutRequired';
  else if (layoutIds.some((id) => !option.layouts.some((l) => l.id === id))) errors.layouts = 'portaltabs:errors.layoutInvalid';
  let filter: string | null = null;
  if (option.kind === 'related') {
    if (option.lookups.length === 1) filter = option.lookups[0]?.id ?? null;
    else if (!input.filterFieldId) errors.filter = 'portaltabs:errors.filterRequired';
    else if (!option.lookups.some((f) => f.id === input.filterFieldId)) errors.filter = 'portaltabs:errors.filterInvalid';
    else filter = input.filterFieldId;
  }
  const reach = option.kind === 'related' ? (input.reach ?? 'mine') : 'mine';
  if (!isReach(reach)) errors.reach = 'portaltabs:errors.reachInvalid';
  // Company reach compares the base module's account lookup: without one it would reach nothing more.
  else if (reach === 'company' && !option.accountField) errors.reach = 'portaltabs:errors.companyNeedsAccount';
  if (input.viewMode !== 'list' && input.viewMode !== 'canvas') errors.viewMode = 'portaltabs:errors.viewModeInvalid';
  else if (input.viewMode === 'canvas' && !option.hasCardDesign) errors.viewMode = 'portaltabs:errors.canvasNeedsDesign';
  if (!isAccess(input.notes)) errors.notes = 'portaltabs:errors.accessInvalid';
  if (!isAccess(input.attachments)) errors.attachments = 'portaltabs:errors.accessInvalid';
  if (isBase && input.delete) errors.delete = 'portaltabs:errors.baseNoDelete';
  const labels: Labels = {};
  for (const lang of LANGUAGES) {
    const label = input.labels?.[lang]?.trim() ?? '';
    if (label.length > TAB_LABEL_MAX) errors[`label.${lang}`] = 'portaltabs:errors.labelTooLong';
    else if (label) labels[lang] = label;
  }
  if (Object.keys(errors).length) return { errors };
  const viewOnly = option.kind === 'public';
  return {
    errors,
    row: {
      module_id: option.module.id,
      kind: option.kind,
      shown: true,
      filter_field_id: filter,
      reach: reach as TabReach,
      layout_ids: layoutIds,
      can_view: viewOnly || isBase || input.view,
      can_create: !viewOnly && input.create,
      can_edit: !viewOnly && input.edit,
      can_delete: !viewOnly && !isBase && input.delete,
      view_mode: input.viewMode as 'list' | 'canvas',
      notes: viewOnly && input.notes === 'add' ? 'view' : (input.notes as TabAccess),
      attachments: viewOnly && input.attachments === 'add' ? 'view' : (input.attachments as TabAccess),
      position,
      labels,
    },
  };
}

/**
 * The rows a tab configuration would store, or why it cannot be stored: every
 * module is checked, so the errors cover the whole form at once.
 */
export async function validateTabs(db: Database, userTypeId: string, input: Record<string, TabInput>): Promise<ValidateTabsResult> {
  const options = await tabOptions(db, userTypeId);
  if (!options) return { ok: false, errors: { form: { form: 'errors:notFound.title' } } };
  const errors: TabErrors = {};
  const rows: TabRow[] = [];
  options.forEach((option, i) => {
    const checked = check(option, input[option.module.id], i);
    if (Object.keys(checked.errors).length) errors[option.module.id] = checked.errors;
    else if (checked.row) rows.push(checked.row);
  });
  if (!rows.some((r) => r.kind === 'base')) {
    const baseId = options[0]?.module.id ?? 'form';
    errors[baseId] = { ...errors[baseId], shown: errors[baseId]?.shown ?? 'portaltabs:errors.baseRequired' };
  }
  if (Object.keys(errors).length) return { ok: false, errors };
  return { ok: true, rows };
}

/**
 * Replaces a user type's tab configuration: every module is checked first and
 * nothing is written unless all are valid, so the engine never sees half a change.
 */
export async function saveTabs(db: Database, actor: Actor, userTypeId: string, input: Record<string, TabInput>): Promise<SaveTabsResult> {
  const valid = await validateTabs(db, userTypeId, input);
  if (!valid.ok) return valid;
  const rows = valid.rows;
  await db.transaction().execute(async (trx) => {
    const before = new Map(
      (await trx.selectFrom('portal_type_tabs').select(['module_id', 'shown']).where('user_type_id', '=', userTypeId).execute()).map((t) => [
        t.module_id,
        t.shown,
      ]),
    );
    const keep = rows.map((r) => r.module_id);
    await trx.deleteFrom('portal_type_tabs').where('user_type_id', '=', userTypeId).where('module_id', 'not in', keep).execute();
    for (const row of rows) {
      await trx
        .insertInto('portal_type_tabs')
        .values({ ...row, user_type_id: userTypeId })
        .onConflict((oc) => oc.columns(['user_type_id', 'module_id']).doUpdateSet({ ...row }))
        .execute();
      // A tab shown for the first time starts with its records' names visible.
      if (row.kind !== 'base' && !before.get(row.module_id)) await applyTabFieldDefaults(trx, userTypeId, row.module_id, row.layout_ids, { email: false });
    }
    await audit(trx, actor, 'portals.tabs_saved', { type: 'portal_user_type', id: userTypeId }, { tabs: rows });
  });
  return { ok: true };
}
