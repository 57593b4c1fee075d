import type { AccessContext, TabConfig } from '../access/context.js';
import { fieldMask, findInScope, maskRecordData } from '../access/engine.js';
import { isCaseModule } from '../cases/status.js';
import { knowledgeBase } from '../cases/suggestions.js';
import { collectLookupIds } from '../crm/lookups.js';
import { layoutFor, type ModuleMeta } from '../crm/metadata.js';
import type { Database } from '../db/database.js';
import type { Layout, Module } from '../db/schema.js';
import { isUuid } from '../http/input.js';
import {
  creatableLayouts,
  type LookupChoice,
  type LookupTargets,
  lookupChoices,
  lookupTargets,
  type RecordHref,
  shownActions,
  tabModule,
} from './portal-pages.js';
import { formFields, type PortalFormFields } from './portal-writes.js';

// What the portal's record forms draw: the fields of the layout, the values
// (an edit's, a clone's, or a new record's filter-by lookup), and the choices
// of each editable lookup. What a submitted form may write: portal-writes.ts.

/** What a new or edit form of a portal tab draws. */
export type PortalFormPage = {
  meta: ModuleMeta;
  tab: TabConfig;
  mode: 'create' | 'edit';
  /** The layouts U may choose from (create). */
  layouts: Layout[];
  form: PortalFormFields;
  values: Record<string, unknown>;
  names: LookupTargets;
  version: number | undefined;
  record: { id: string } | undefined;
  /** A preview: drawn exactly, but disabled. */
  inert: boolean;
  /** A new case: the knowledge base whose articles are suggested as the subject is typed. */
  knowledgeBase: Module | undefined;
  /** Per editable lookup field id: the targets in scope it may point at. */
  choices: Map<string, { choices: LookupChoice[]; more: boolean; module: Module }>;
};

async function choicesFor(db: Database, ctx: AccessContext, form: PortalFormFields): Promise<PortalFormPage['choices']> {
  const out: PortalFormPage['choices'] = new Map();
  await Promise.all(
    form.editable
      .filter((f) => f.type === 'lookup')
      .map(async (f) => {
        const found = await lookupChoices(db, ctx, f);
        if (found) out.set(f.id, found);
      }),
  );
  return out;
}

/** The form for a new record of M, or for editing one in scope; undefined (404) when U would not get it. */
export async function portalFormPage(
  db: Database,
  ctx: AccessContext,
  apiName: string,
  opts: { id?: string | undefined; layoutId?: string | undefined; cloneId?: string | undefined; href: RecordHref },
): Promise<PortalFormPage | undefined> {
  const found = await tabModule(db, ctx, apiName);
  if (!found) return undefined;
  const { meta, tab } = found;
  if (opts.id === undefined) {
    if (!shownActions(ctx, meta.module.id).create) return undefined;
    const layouts = creatableLayouts(ctx, meta, tab);
    const layout = layouts.find((l) => l.id === opts.layoutId) ?? layouts[0];
    if (!layout) return undefined;
    const form = formFields(ctx, meta, layout);
    // The filter-by lookup starts at the user's own record, which it is forced to unless they choose another they stand for.
    const filter = tab.filterFieldId ? meta.byId.get(tab.filterFieldId) : undefined;
    let values: Record<string, unknown> = filter && form.mask.visible.has(filter.id) ? { [filter.api_name]: ctx.recordId } : {};
    if (opts.cloneId !== undefined) {
      const source = isUuid(opts.cloneId) ? await findInScope(db, ctx, meta.module.id, opts.cloneId) : undefined;
      if (!source || !shownActions(ctx, meta.module.id, source).clone) return undefined;
      const visible = maskRecordData(fieldMask(ctx, meta.module.id, source.layout_id), meta, source.data as Record<string, unknown>);
      values = { ...values, ...cloneValues(form, visible) };
    }
    const [names, choices, kb] = await Promise.all([
      lookupTargets(db, ctx, collectLookupIds(meta, [{ data: values }], meta.fields), opts.href),
      choicesFor(db, ctx, form),
      isCaseModule(meta) ? knowledgeBase(db, ctx) : undefined,
    ]);
    const knowledge = kb?.module;
    return {
      meta,
      tab,
      mode: 'create',
      layouts,
      form,
      values,
      names,
      version: undefined,
      record: undefined,
      inert: ctx.readOnly,
      choices,
      knowledgeBase: knowledge,
    };
  }
  if (!isUuid(opts.id)) return undefined;
  const record = await findInScope(db, ctx, meta.module.id, opts.id);
  if (!record || !shownActions(ctx, meta.module.id, record).edit) return undefined;
  const form = formFields(ctx, meta, layoutFor(meta, record.layout_id));
  const values = maskRecordData(form.mask, meta, record.data as Record<string, unknown>);
  const [names, choices] = await Promise.all([
    lookupTargets(db, ctx, collectLookupIds(meta, [{ data: values }], meta.fields), opts.href),
    choicesFor(db, ctx, form),
  ]);
  return {
    meta,
    tab,
    mode: 'edit',
    layouts: [],
    form,
    values,
    names,
    version: record.version,
    record: { id: record.id },
    inert: ctx.readOnly,
    choices,
    knowledgeBase: undefined,
  };
}

/**
 * A lookup's choices narrowed by a search, for a form U would get: the module
 * allows create or edit and some allowed layout lets U set the field. The
 * stored target the form holds (`current`) is kept, named as U may see it.
 */
export async function portalLookupSearch(
  db: Database,
  ctx: AccessContext,
  apiName: string,
  fieldName: string,
  opts: { q: string; current: string },
): Promise<{ choices: LookupChoice[]; module: Module; value: string; current: { id: string; name: string } | undefined } | undefined> {
  const found = await tabModule(db, ctx, apiName);
  if (!found) return undefined;
  const { meta, tab } = found;
  const actions = shownActions(ctx, meta.module.id);
  const field = meta.fields.find((f) => f.api_name === fieldName && f.type === 'lookup');
  if (!field || !(actions.create || tab.canEdit)) return undefined;
  const settable = tab.layoutIds.some((l) =>
    formFields(
      ctx,
      meta,
      meta.layouts.find((x) => x.id === l),
    ).editable.some((f) => f.id === field.id),
  );
  const result = settable ? await lookupChoices(db, ctx, field, opts.q) : undefined;
  if (!result) return undefined;
  const keep = isUuid(opts.current) && !result.choices.some((c) => c.id === opts.current) ? opts.current : undefined;
  const named = keep ? (await lookupTargets(db, ctx, [keep], () => '')).get(keep) : undefined;
  const value = isUuid(opts.current) ? opts.current : '';
  return { choices: result.choices, module: result.module, value, current: keep && named ? { id: keep, name: named.name } : undefined };
}

/** A clone's starting values: the source's fields that are visible and writable in the new record's form, nothing else. */
export function cloneValues(form: PortalFormFields, source: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of form.editable) if (Object.hasOwn(source, f.api_name)) out[f.api_name] = source[f.api_name];
  return out;
}
