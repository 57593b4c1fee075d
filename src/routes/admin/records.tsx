import { type Context, Hono } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { ModuleIndex } from '../../../views/admin/records/ModuleIndex.js';
import { RecordForm } from '../../../views/admin/records/RecordForm.js';
import { RecordList } from '../../../views/admin/records/RecordList.js';
import { RecycleBin } from '../../../views/admin/records/RecycleBin.js';
import type { LookupNames } from '../../../views/components/FieldValue.js';
import { listRecords, PAGE_SIZE } from '../../crm/list.js';
import { layoutFor, layoutSections, listModules, loadModuleMetaById, type ModuleMeta, moduleLabel } from '../../crm/metadata.js';
import { collectLookupIds, createRecord, findRecord, lookupNames, type RecordData, validateRecordInput } from '../../crm/records.js';
import { modulePermissions, permissionsByModule, staffLookupScope, staffRecordScope } from '../../crm/staff-access.js';
import type { Field } from '../../db/schema.js';
import type { AppEnv } from '../../http/env.js';
import { isUuid } from '../../http/input.js';
import { readRecordForm } from '../../http/record-form.js';
import { page } from '../../http/render.js';
import { forbidden, type ModuleContext, moduleContext, timeZoneOf } from './record-context.js';
import { autoInviteAfterSave } from './record-portal.js';

export const recordsRoutes = new Hono<AppEnv>();

/** Names (and links, when the user may open them) of the records lookups point at. */
export async function namesFor(c: Context<AppEnv>, ids: string[]): Promise<LookupNames> {
  const { db } = c.get('deps');
  const staff = c.get('staff');
  const found = await lookupNames(db, ids);
  const modules = new Map((await listModules(db)).map((m) => [m.id, m]));
  const perms = staff ? await permissionsByModule(db, staff) : new Map();
  const names: LookupNames = new Map();
  for (const [id, r] of found) {
    const module = modules.get(r.moduleId);
    const mayOpen = !r.deleted && module && (staff?.profile.is_admin || perms.get(module.id)?.view);
    names.set(id, { name: r.name, href: mayOpen && module ? `/admin/m/${module.api_name}/${id}` : undefined });
  }
  return names;
}

export function lookupSuggestUrl(base: string) {
  return (field: Field) => (field.options.targetModuleId ? `${base}/lookup?field=${field.id}` : undefined);
}

// The modules this user may open.
recordsRoutes.get('/', async (c) => {
  const staff = c.get('staff');
  if (!staff) return forbidden(c);
  const { db } = c.get('deps');
  const [modules, perms] = await Promise.all([listModules(db), permissionsByModule(db, staff)]);
  const visible = modules.filter((m) => staff.profile.is_admin || perms.get(m.id)?.view);
  return page(c, { title: c.get('t')('crm:modules.title'), body: <ModuleIndex view={c.get('view')} modules={visible} /> });
});

recordsRoutes.get('/:module', async (c) => {
  const ctx = await moduleContext(c);
  if (ctx instanceof Response) return ctx;
  const { meta, base } = ctx;
  const q = c.req.query('q')?.slice(0, 200) ?? '';
  const filterFields = meta.fields.filter((f) => f.type === 'picklist' || f.type === 'multiselect');
  const filters: Record<string, string> = {};
  for (const f of filterFields) {
    const v = c.req.query(`f.${f.api_name}`);
    if (v) filters[f.api_name] = v;
  }
  // Chosen columns are remembered per module in this browser until chosen again.
  const columnsCookie = `porta_cols_${meta.module.api_name}`;
  const asked = c.req.queries('col') ?? c.req.query('cols')?.split(',');
  if (asked) setCookie(c, columnsCookie, asked.join(','), { path: '/admin/m', sameSite: 'Lax', httpOnly: true, maxAge: 365 * 24 * 3600 });
  const chosen = (asked ?? getCookie(c, columnsCookie)?.split(',') ?? []).filter((n) => meta.byName.has(n));
  const defaults = layoutSections(meta, meta.defaultLayout)
    .flatMap((s) => s.fields)
    .filter((f) => !meta.module.name_fields.includes(f.api_name) && !['subform', 'textarea'].includes(f.type))
    .slice(0, 4)
    .map((f) => f.api_name);
  const cols = chosen.length ? chosen : defaults;
  const columns = cols.map((n) => meta.byName.get(n)).filter((f): f is Field => Boolean(f));
  const dir = c.req.query('dir') === 'asc' ? 'asc' : c.req.query('dir') === 'desc' ? 'desc' : undefined;
  const result = await listRecords(c.get('deps').db, meta, ctx.scope, {
    q,
    filters,
    sort: c.req.query('sort'),
    dir,
    after: c.req.query('after'),
    limit: PAGE_SIZE,
  });
  const names = await namesFor(c, collectLookupIds(meta, result.records, columns));
  const body = (
    <RecordList
      view={c.get('view')}
      module={meta.module}
      fields={meta.fields}
      columns={columns}
      filterFields={filterFields}
      page={result}
      query={{ q, filters, cols: chosen }}
      names={names}
      currency={c.get('org')?.currency ?? 'EUR'}
      perms={ctx.perms}
      base={base}
    />
  );
  return page(c, { title: moduleLabel(c.get('t'), c.get('lang'), meta.module, 'plural'), body });
});

/** Lookup suggestions for a datalist (htmx): names of matching records the user may see. */
recordsRoutes.get('/:module/lookup', async (c) => {
  const ctx = await moduleContext(c);
  if (ctx instanceof Response) return ctx;
  const field = ctx.meta.byId.get(c.req.query('field') ?? '');
  const target = field?.options.targetModuleId ? await loadModuleMetaById(c.get('deps').db, field.options.targetModuleId) : undefined;
  if (!field || !target) return c.html('');
  const perms = await modulePermissions(c.get('deps').db, ctx.staff, target.module.id);
  if (!perms.view) return c.html('');
  const inputName = Object.keys(c.req.queries()).find((k) => k !== 'field');
  // Without a name, query() would answer every parameter at once.
  const q = inputName ? (c.req.query(inputName) ?? '').slice(0, 100) : '';
  if (q.trim().length < 1) return c.html('');
  const result = await listRecords(c.get('deps').db, target, staffRecordScope(ctx.staff, target.module), { q, limit: 10 });
  const options = await Promise.all(result.records.map((r) => (<option value={r.display_name}></option>).toString()));
  return c.html(options.join(''));
});

type FormState = { values: Record<string, unknown>; errors: Record<string, string>; layoutId: string | undefined };

async function renderForm(c: Context<AppEnv>, ctx: ModuleContext, state: FormState, status: 200 | 422 = 200) {
  const { meta, base } = ctx;
  const layout = layoutFor(meta, state.layoutId);
  const sections = layoutSections(meta, layout);
  const ids = collectLookupIds(
    meta,
    [{ data: state.values }],
    sections.flatMap((s) => s.fields),
  );
  const names = await namesFor(c, ids);
  const body = (
    <RecordForm
      view={c.get('view')}
      module={meta.module}
      mode="create"
      action={base}
      cancel={base}
      sections={sections}
      values={state.values}
      errors={state.errors}
      names={names}
      children={meta.children}
      timeZone={timeZoneOf(c)}
      layouts={meta.layouts}
      layoutId={layout?.id}
      lookupSuggestUrl={lookupSuggestUrl(base)}
    />
  );
  return page(c, { title: c.get('t')('crm:actions.new', { name: moduleLabel(c.get('t'), c.get('lang'), meta.module, 'singular') }), body, status });
}

/** Values a new record starts with: a clone's visible fields, or a lookup pre-filled from a related list. */
async function initialValues(c: Context<AppEnv>, ctx: ModuleContext): Promise<RecordData> {
  const cloneId = c.req.query('clone');
  if (cloneId) {
    const source = await findRecord(c.get('deps').db, ctx.meta, cloneId, ctx.scope);
    if (source) return { ...(source.data as RecordData) };
  }
  // Pre-filled only with a record of the lookup's own target module that this user may pick.
  const db = c.get('deps').db;
  const scope = await staffLookupScope(db, ctx.staff);
  const values: RecordData = {};
  for (const f of ctx.meta.fields) {
    const v = c.req.query(f.api_name);
    const target = f.options.targetModuleId;
    if (f.type !== 'lookup' || !v || !isUuid(v) || !target) continue;
    const found = await db
      .selectFrom('records')
      .select('id')
      .where('id', '=', v)
      .where('module_id', '=', target)
      .where('deleted_at', 'is', null)
      .where(scope(target))
      .executeTakeFirst();
    if (found) values[f.api_name] = found.id;
  }
  return values;
}

recordsRoutes.get('/:module/new', async (c) => {
  const ctx = await moduleContext(c);
  if (ctx instanceof Response) return ctx;
  if (!ctx.perms.create) return forbidden(c);
  return renderForm(c, ctx, { values: await initialValues(c, ctx), errors: {}, layoutId: c.req.query('layout') });
});

recordsRoutes.post('/:module', async (c) => {
  const ctx = await moduleContext(c);
  if (ctx instanceof Response) return ctx;
  if (!ctx.perms.create) return forbidden(c);
  const { meta, staff, base } = ctx;
  const { db } = c.get('deps');
  const { input, meta: formMeta } = await readRecordForm(c, meta.fields);
  // Only the fields of the layout the form was drawn with are taken.
  const chosen = layoutFor(meta, formMeta.__layout);
  const fields = layoutSections(meta, chosen).flatMap((s) => s.fields);
  const checked = await validateRecordInput(db, meta, fields, input, { timeZone: timeZoneOf(c), lookupScope: await staffLookupScope(db, staff) });
  if (!checked.ok) return renderForm(c, ctx, { values: { ...checked.data, ...lookupEcho(fields, input) }, errors: checked.errors, layoutId: chosen?.id }, 422);
  const record = await createRecord(db, { kind: 'staff', id: staff.id }, meta, { data: checked.data, layoutId: chosen?.id ?? null, ownerId: staff.id });
  const invited = await autoInviteAfterSave(c, meta, record, undefined);
  return c.redirect(`${base}/${record.id}?created=1${invited}`, 303);
});

/** On a form that comes back with errors, lookups show what was typed. */
export function lookupEcho(fields: Field[], input: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) if (f.type === 'lookup') out[f.api_name] = input[f.api_name];
  return out;
}

recordsRoutes.get('/:module/recycle-bin', async (c) => {
  const ctx = await moduleContext(c);
  if (ctx instanceof Response) return ctx;
  const { meta, base } = ctx;
  const result = await listRecords(c.get('deps').db, meta, ctx.scope, { deleted: true, after: c.req.query('after'), limit: PAGE_SIZE });
  return page(c, {
    title: c.get('t')('crm:recycleBin.title'),
    body: (
      <RecycleBin
        view={c.get('view')}
        module={meta.module}
        records={result.records}
        next={result.next}
        base={base}
        perms={ctx.perms}
        isAdmin={ctx.staff.profile.is_admin}
        staffId={ctx.staff.id}
      />
    ),
  });
});

export type { ModuleMeta };
