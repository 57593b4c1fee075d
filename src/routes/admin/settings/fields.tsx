import { type Context, Hono } from 'hono';
import { FieldForm, type FieldFormValues, TypeOptions, type ValueRow } from '../../../../views/admin/settings/FieldForm.js';
import { PurgeConfirm } from '../../../../views/admin/settings/PurgeConfirm.js';
import { type FormErrors, keyedLabels } from '../../../crm/admin-labels.js';
import { addField, DEFAULT_SCALE, findFieldForAdmin, updateField } from '../../../crm/field-admin.js';
import { purgeField, recordsHoldingValues, removeField, restoreField } from '../../../crm/field-removal.js';
import { fieldLabel, listModules, type ModuleMeta } from '../../../crm/metadata.js';
import type { Field } from '../../../db/schema.js';
import type { AppEnv } from '../../../http/env.js';
import { notFound, page } from '../../../http/render.js';
import { type Form, queryForm, readForm } from '../../../http/request.js';
import { labelsFrom, settingsModule, valueRowsFrom } from './context.js';
import { renderModulePage } from './module-page.js';

export const fieldSettingsRoutes = new Hono<AppEnv>();

type FormState = { mode: 'create' | 'edit'; field?: Field | undefined; parent?: Field | undefined; values: FieldFormValues; errors: FormErrors };

function valuesOf(meta: ModuleMeta, field: Field): FieldFormValues {
  return {
    type: field.type,
    labels: field.labels,
    required: field.required,
    values: (field.options.values ?? []).map((v) => ({
      value: v.value,
      labels: v.labelKey ? keyedLabels(v.labelKey) : (v.labels ?? {}),
      keyed: Boolean(v.labelKey),
    })),
    target: field.options.targetModuleId ?? '',
    scale: String(field.options.scale ?? DEFAULT_SCALE),
    layoutIds: meta.layouts.map((l) => l.id),
  };
}

// Rows keep their submitted index (errors name rows by it); only the blank rows at the end go.
function withoutTrailingBlanks(rows: ValueRow[]): ValueRow[] {
  const filled = (r: ValueRow) => Boolean(r.value) || Object.values(r.labels).some((l) => l?.trim());
  let end = rows.length;
  while (end > 0 && !filled(rows[end - 1] as ValueRow)) end--;
  return rows.slice(0, end);
}

/** What the form showed, as submitted; picklist rows keep their stored value and whether locale files name them. */
function valuesFrom(body: Form, existing?: ValueRow[]): FieldFormValues {
  const keyed = new Map((existing ?? []).filter((v) => v.keyed).map((v) => [v.value, v]));
  return {
    type: body.one('type') ?? 'text',
    labels: labelsFrom(body, 'label'),
    required: body.one('required') === 'on',
    values: withoutTrailingBlanks(valueRowsFrom(body).map((r) => keyed.get(r.value) ?? { value: r.value, labels: r.labels })),
    target: body.one('target') ?? '',
    scale: body.one('scale') ?? String(DEFAULT_SCALE),
    layoutIds: body.all('layouts'),
  };
}

async function renderForm(c: Context<AppEnv>, meta: ModuleMeta, state: FormState, status: 200 | 422 = 200) {
  const t = c.get('t');
  const modules = await listModules(c.get('deps').db);
  const title = state.field ? t('settings:fields.editTitle', { name: fieldLabel(t, c.get('lang'), state.field) }) : t('settings:fields.add');
  const body = <FieldForm view={c.get('view')} module={meta.module} modules={modules} layouts={meta.layouts} {...state} />;
  return page(c, { title, body, status });
}

/** The subform named by ?parent= (new fields of a subform), or undefined; a wrong one is a 404. */
function parentOf(meta: ModuleMeta, id: string | undefined): Field | undefined | 'invalid' {
  if (!id) return undefined;
  const parent = meta.byId.get(id);
  return parent && parent.type === 'subform' && !parent.parent_field_id ? parent : 'invalid';
}

fieldSettingsRoutes.get('/:module/fields/new', async (c) => {
  const ctx = await settingsModule(c);
  if (ctx instanceof Response) return ctx;
  const parent = parentOf(ctx.meta, c.req.query('parent'));
  if (parent === 'invalid') return notFound(c);
  const values: FieldFormValues = {
    type: 'text',
    labels: {},
    required: false,
    values: [],
    target: '',
    scale: String(DEFAULT_SCALE),
    layoutIds: ctx.meta.layouts.map((l) => l.id),
  };
  return renderForm(c, ctx.meta, { mode: 'create', parent, values, errors: {} });
});

// With htmx, the options for the chosen type replace the full set the plain form carries.
fieldSettingsRoutes.get('/:module/fields/options', async (c) => {
  const ctx = await settingsModule(c);
  if (ctx instanceof Response) return ctx;
  const values = valuesFrom(queryForm(c));
  const modules = await listModules(c.get('deps').db);
  return page(c, {
    title: c.get('t')('settings:fields.add'),
    body: (
      <TypeOptions view={c.get('view')} module={ctx.meta.module} mode="create" values={values} errors={{}} modules={modules} layouts={[]} only={values.type} />
    ),
  });
});

fieldSettingsRoutes.post('/:module/fields', async (c) => {
  const ctx = await settingsModule(c);
  if (ctx instanceof Response) return ctx;
  const body = await readForm(c);
  const parentId = body.one('parent') || undefined;
  const values = valuesFrom(body);
  const result = await addField(c.get('deps').db, ctx.meta, {
    type: values.type,
    labels: values.labels,
    required: values.required,
    values: valueRowsFrom(body),
    targetModuleId: values.target || undefined,
    scale: values.scale,
    parentFieldId: parentId,
    layoutIds: values.layoutIds,
  });
  if (!result.ok) {
    const parent = parentOf(ctx.meta, parentId);
    return renderForm(c, ctx.meta, { mode: 'create', parent: parent === 'invalid' ? undefined : parent, values, errors: result.errors }, 422);
  }
  return c.redirect(`${ctx.base}?done=fieldAdded`, 303);
});

fieldSettingsRoutes.get('/:module/fields/:id', async (c) => {
  const ctx = await settingsModule(c);
  if (ctx instanceof Response) return ctx;
  const field = ctx.meta.byId.get(c.req.param('id'));
  if (!field) return notFound(c);
  return renderForm(c, ctx.meta, { mode: 'edit', field, values: valuesOf(ctx.meta, field), errors: {} });
});

fieldSettingsRoutes.post('/:module/fields/:id', async (c) => {
  const ctx = await settingsModule(c);
  if (ctx instanceof Response) return ctx;
  const field = ctx.meta.byId.get(c.req.param('id'));
  if (!field) return notFound(c);
  const body = await readForm(c);
  const input = { labels: labelsFrom(body, 'label'), required: body.one('required') === 'on', values: valueRowsFrom(body), scale: body.one('scale') };
  const result = await updateField(c.get('deps').db, ctx.meta, field, input);
  if (!result.ok) {
    const values = { ...valuesFrom(body, valuesOf(ctx.meta, field).values), type: field.type, target: field.options.targetModuleId ?? '' };
    return renderForm(c, ctx.meta, { mode: 'edit', field, values, errors: result.errors }, 422);
  }
  return c.redirect(`${ctx.base}?done=fieldSaved`, 303);
});

fieldSettingsRoutes.post('/:module/fields/:id/remove', async (c) => {
  const ctx = await settingsModule(c);
  if (ctx instanceof Response) return ctx;
  const field = ctx.meta.byId.get(c.req.param('id'));
  if (!field) return notFound(c);
  const result = await removeField(c.get('deps').db, ctx.meta, field);
  if (!result.ok) return renderModulePage(c, ctx.meta.module, { problem: result.errors.field, status: 422 });
  return c.redirect(`${ctx.base}?done=fieldRemoved`, 303);
});

fieldSettingsRoutes.post('/:module/fields/:id/restore', async (c) => {
  const ctx = await settingsModule(c);
  if (ctx instanceof Response) return ctx;
  const field = await findFieldForAdmin(c.get('deps').db, ctx.meta.module.id, c.req.param('id'));
  if (!field) return notFound(c);
  await restoreField(c.get('deps').db, ctx.meta, field);
  return c.redirect(`${ctx.base}?done=fieldRestored`, 303);
});

fieldSettingsRoutes.get('/:module/fields/:id/purge', async (c) => {
  const ctx = await settingsModule(c);
  if (ctx instanceof Response) return ctx;
  const { db } = c.get('deps');
  const field = await findFieldForAdmin(db, ctx.meta.module.id, c.req.param('id'));
  if (!field?.deleted_at) return notFound(c);
  const holding = await recordsHoldingValues(db, ctx.meta.module, field);
  const t = c.get('t');
  return page(c, {
    title: t('settings:purge.title', { name: fieldLabel(t, c.get('lang'), field) }),
    body: <PurgeConfirm view={c.get('view')} module={ctx.meta.module} field={field} holding={holding} />,
  });
});

fieldSettingsRoutes.post('/:module/fields/:id/purge', async (c) => {
  const ctx = await settingsModule(c);
  if (ctx instanceof Response) return ctx;
  const field = await findFieldForAdmin(c.get('deps').db, ctx.meta.module.id, c.req.param('id'));
  if (!field) return notFound(c);
  const result = await purgeField(c.get('deps').db, ctx.meta.module, field);
  if (!result.ok) return renderModulePage(c, ctx.meta.module, { problem: result.errors.field, status: 422 });
  return c.redirect(`${ctx.base}?done=fieldPurged`, 303);
});
