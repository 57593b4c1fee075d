import { snapshotFor } from '../db/config-snapshot.js';
import type { Database } from '../db/database.js';
import type { Field, Labels, Layout, Module, PicklistValue } from '../db/schema.js';
import type { T } from '../i18n/i18n.js';

/** A module with its live fields (top level, in order), subform children and layouts. */
export type ModuleMeta = {
  module: Module;
  fields: Field[];
  /** Every live field by id, subform children included. */
  byId: Map<string, Field>;
  byName: Map<string, Field>;
  children: Map<string, Field[]>;
  layouts: Layout[];
  defaultLayout: Layout | undefined;
};

export function listModules(db: Database): Promise<Module[]> {
  const snapshot = snapshotFor(db);
  if (snapshot)
    return Promise.resolve(
      snapshot.modules.map((m) => m.module).sort((a, b) => a.position - b.position || (a.api_name < b.api_name ? -1 : a.api_name > b.api_name ? 1 : 0)),
    );
  return db.selectFrom('modules').selectAll().where('deleted_at', 'is', null).orderBy('position').orderBy('api_name').execute();
}

/** A module's default layout among its live layouts: the one marked default, else the first. */
export function defaultLayoutOf<L extends { is_default: boolean }>(layouts: L[]): L | undefined {
  return layouts.find((l) => l.is_default) ?? layouts[0];
}

export async function loadModuleMeta(db: Database, apiName: string): Promise<ModuleMeta | undefined> {
  const snapshot = snapshotFor(db);
  if (snapshot) return snapshot.byApiName.get(apiName);
  const module = await db.selectFrom('modules').selectAll().where('api_name', '=', apiName).where('deleted_at', 'is', null).executeTakeFirst();
  if (!module) return undefined;
  return loadMetaFor(db, module);
}

export async function loadModuleMetaById(db: Database, id: string): Promise<ModuleMeta | undefined> {
  const snapshot = snapshotFor(db);
  if (snapshot) return snapshot.byId.get(id);
  const module = await db.selectFrom('modules').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
  return module ? loadMetaFor(db, module) : undefined;
}

async function loadMetaFor(db: Database, module: Module): Promise<ModuleMeta> {
  const [fields, layouts] = await Promise.all([
    db.selectFrom('fields').selectAll().where('module_id', '=', module.id).where('deleted_at', 'is', null).orderBy('position').orderBy('created_at').execute(),
    db.selectFrom('layouts').selectAll().where('module_id', '=', module.id).where('deleted_at', 'is', null).orderBy('position').orderBy('created_at').execute(),
  ]);
  return buildMeta(module, fields, layouts);
}

export function buildMeta(module: Module, fields: Field[], layouts: Layout[]): ModuleMeta {
  const top = fields.filter((f) => !f.parent_field_id);
  const children = new Map<string, Field[]>();
  for (const f of fields) {
    if (!f.parent_field_id) continue;
    const list = children.get(f.parent_field_id) ?? [];
    list.push(f);
    children.set(f.parent_field_id, list);
  }
  return {
    module,
    fields: top,
    byId: new Map(fields.map((f) => [f.id, f])),
    byName: new Map(top.map((f) => [f.api_name, f])),
    children,
    layouts,
    defaultLayout: defaultLayoutOf(layouts),
  };
}

/** The layout a record is shown with: its own if still live, else the module's default. */
export function layoutFor(meta: ModuleMeta, layoutId: string | null | undefined): Layout | undefined {
  return meta.layouts.find((l) => l.id === layoutId) ?? meta.defaultLayout;
}

/** Fields of a layout in display order, grouped by section; removed fields drop out. */
export function layoutSections(meta: ModuleMeta, layout: Layout | undefined) {
  if (!layout) return [{ id: 'all', labelKey: undefined, labels: undefined, fields: meta.fields }];
  return layout.sections.map((s) => ({
    id: s.id,
    labelKey: s.labelKey,
    labels: s.labels,
    fields: s.fields.map((id) => meta.byId.get(id)).filter((f): f is Field => Boolean(f && !f.parent_field_id)),
  }));
}

/** Fields a layout shows (the ones a form for it accepts). */
export function layoutFields(meta: ModuleMeta, layout: Layout | undefined): Field[] {
  return layoutSections(meta, layout).flatMap((s) => s.fields);
}

/** Admin-entered labels: the language asked for, else English, else any. */
export function pickLabel(labels: Labels | undefined, lang: string): string | undefined {
  if (!labels) return undefined;
  return labels[lang] || labels.en || Object.values(labels).find(Boolean) || undefined;
}

export function labelOf(
  t: T,
  lang: string,
  item: { label_key?: string | null; labelKey?: string | undefined; labels?: Labels | undefined },
  fallback = '',
): string {
  const key = item.label_key ?? item.labelKey;
  if (key) return t(key);
  return pickLabel(item.labels, lang) ?? fallback;
}

/** The module's name in `lang`; a portal tab's own plural name (`tabLabels`) comes first where one is given. */
export function moduleLabel(t: T, lang: string, module: Module, form: 'singular' | 'plural', tabLabels?: Labels): string {
  const own = form === 'plural' ? tabLabels?.[lang]?.trim() : undefined;
  if (own) return own;
  if (module.label_key) return t(`modules:${module.label_key}.${form}`);
  return pickLabel(Object.fromEntries(Object.entries(module.labels).map(([l, v]) => [l, v?.[form]])), lang) ?? module.api_name;
}

export function fieldLabel(t: T, lang: string, field: Field): string {
  return labelOf(t, lang, field, field.api_name);
}

export function picklistLabel(t: T, lang: string, value: PicklistValue): string {
  return labelOf(t, lang, value, value.value);
}

/** The field's picklist label for a stored value, or the value itself when it is no longer offered. */
export function picklistValueLabel(t: T, lang: string, field: Field, value: string): string {
  const found = field.options.values?.find((v) => v.value === value);
  return found ? picklistLabel(t, lang, found) : value;
}
