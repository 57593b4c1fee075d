import { type Context, Hono } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { ModuleIndex } from '../../../../views/admin/records/ModuleIndex.js';
import { RecordForm } from '../../../../views/admin/records/RecordForm.js';
import { RecordList } from '../../../../views/admin/records/RecordList.js';
import { RecycleBin } from '../../../../views/admin/records/RecycleBin.js';
import { type ListQuery, listRecords } from '../../../crm/list.js';
import { collectLookupIds, namesFor, pickableLookups } from '../../../crm/lookups.js';
import { layoutFor, layoutSections, listModules, loadModuleMetaById, type ModuleMeta, moduleLabel } from '../../../crm/metadata.js';
import { createRecord, findRecord, type RecordData, validateRecordInput } from '../../../crm/records.js';
import { modulePermissions, permissionsByModule, staffLookupScope, staffRecordScope } from '../../../crm/staff-access.js';
import { listFilterFields, staffListPage, staffRecycleBin } from '../../../crm/staff-list.js';
import type { AppEnv } from '../../../http/env.js';
import { readRecordForm } from '../../../http/record-form.js';
import { forbidden, page } from '../../../http/render.js';
import { lookupEcho, lookupSuggestUrl, type ModuleContext, moduleContext, timeZoneOf } from './context.js';
import { autoInviteNotice } from './portal-access.js';

export const recordsRoutes = new Hono<AppEnv>();

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
  const query = listQueryOf(c, meta);
  const cols = chosenColumns(c, meta);
  const listed = await staffListPage(c.get('deps').db, ctx.staff, meta, ctx.scope, query, cols);
  const body = (
    <RecordList
      view={c.get('view')}
      module={meta.module}
      fields={meta.fields}
      columns={listed.columns}
      filterFields={listFilterFields(meta)}
      page={listed.page}
      query={{ q: query.q, filters: query.filters, cols }}
      names={listed.names}
      currency={c.get('org')?.currency ?? 'EUR'}
      perms={ctx.perms}
      base={base}
    />
  );
  return page(c, { title: moduleLabel(c.get('t'), c.get('lang'), meta.module, 'plural'), body });
});

/** The list's search, filters, sorting and page from the address. */
function listQueryOf(c: Context<AppEnv>, meta: ModuleMeta): ListQuery & { q: string; filters: Record<string, string> } {
  const filters: Record<string, string> = {};
  for (const f of listFilterFields(meta)) {
    const v = c.req.query(`f.${f.api_name}`);
    if (v) filters[f.api_name] = v;
  }
  const dir = c.req.query('dir') === 'asc' ? 'asc' : c.req.query('dir') === 'desc' ? 'desc' : undefined;
  return { q: c.req.query('q')?.slice(0, 200) ?? '', filters, sort: c.req.query('sort'), ...(dir ? { dir } : {}), after: c.req.query('after') };
}

/** Chosen columns are remembered per module in this browser until chosen again. */
function chosenColumns(c: Context<AppEnv>, meta: ModuleMeta): string[] {
  const columnsCookie = `porta_cols_${meta.module.api_name}`;
  const asked = c.req.queries('col') ?? c.req.query('cols')?.split(',');
  if (asked) setCookie(c, columnsCookie, asked.join(','), { path: '/admin/m', sameSite: 'Lax', httpOnly: true, maxAge: 365 * 24 * 3600 });
  return (asked ?? getCookie(c, columnsCookie)?.split(',') ?? []).filter((n) => meta.byName.has(n));
}

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
  const names = await namesFor(c.get('deps').db, ctx.staff, ids);
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
  return pickableLookups(c.get('deps').db, ctx.staff, ctx.meta.fields, (apiName) => c.req.query(apiName));
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
  const record = await createRecord(
    db,
    { kind: 'staff', id: staff.id },
    meta,
    { data: checked.data, layoutId: chosen?.id ?? null, ownerId: staff.id },
    { jobs: c.get('deps').boss },
  );
  const invited = await autoInviteNotice(c, meta, record, undefined);
  return c.redirect(`${base}/${record.id}?created=1${invited}`, 303);
});

recordsRoutes.get('/:module/recycle-bin', async (c) => {
  const ctx = await moduleContext(c);
  if (ctx instanceof Response) return ctx;
  const { meta, base } = ctx;
  const bin = await staffRecycleBin(c.get('deps').db, ctx.staff, meta, ctx.perms, ctx.scope, c.req.query('after'));
  const body = <RecycleBin view={c.get('view')} module={meta.module} records={bin.records} next={bin.next} base={base} />;
  return page(c, { title: c.get('t')('crm:recycleBin.title'), body });
});

export type { ModuleMeta };
