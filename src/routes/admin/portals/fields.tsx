import { type Context, Hono } from 'hono';
import { AccessDiffReview } from '../../../../views/admin/portals/AccessDiff.js';
import { FieldPermissionsPage, type FieldWalkPlace } from '../../../../views/admin/portals/FieldPermissionsPage.js';
import { requireManagePortals } from '../../../auth/guards.js';
import { fieldLabel, labelOf, loadModuleMeta, moduleLabel } from '../../../crm/metadata.js';
import type { AppEnv } from '../../../http/env.js';
import { notFound, page } from '../../../http/render.js';
import { readForm } from '../../../http/request.js';
import { diffAccess } from '../../../portals/access-diff.js';
import { type FieldPermissionInput, type FieldPermissionWarning, fieldPermissionGrid, saveFieldPermissions } from '../../../portals/field-permissions.js';
import { fieldWalk, walkPlace } from '../../../portals/field-walk.js';
import { userTypesOf } from '../../../portals/user-types.js';
import { findUserType } from '../../../portals/web-tabs.js';

export const portalFieldsRoutes = new Hono<AppEnv>();
portalFieldsRoutes.use('*', requireManagePortals());

/** A type's field permissions for one module: `${fieldsPath(typeId, module)}?layout=…`. */
const fieldsPath = (typeId: string, moduleApiName: string) => `/admin/settings/portals/types/${typeId}/fields/${moduleApiName}`;

type Found = NonNullable<Awaited<ReturnType<typeof target>>>;

/** The user type, module and layout the address names, or nothing when any of them does not exist. */
async function target(c: Context<AppEnv>) {
  const db = c.get('deps').db;
  const [type, meta] = await Promise.all([findUserType(db, c.req.param('typeId') ?? ''), loadModuleMeta(db, c.req.param('moduleApiName') ?? '')]);
  if (!type || !meta) return undefined;
  const asked = c.req.query('layout');
  const layout = asked ? meta.layouts.find((l) => l.id === asked) : meta.defaultLayout;
  if (!layout) return undefined;
  return { type, meta, layout };
}

/** Where this page stands in the step's walk through every shown module and layout, and where "Save and next" leads. */
async function walkOf(c: Context<AppEnv>, found: Found): Promise<FieldWalkPlace> {
  const db = c.get('deps').db;
  const { type, meta, layout } = found;
  const walk = await fieldWalk(db, type.id);
  const { index, next } = walkPlace(walk, { moduleApiName: meta.module.api_name, layoutId: layout.id });
  const finishHref = `/admin/settings/portals/${type.portal_id}/summary`;
  if (!next) return { step: index + 1, total: walk.length, finishHref };
  const nextMeta = await loadModuleMeta(db, next.moduleApiName);
  const nextLayout = nextMeta?.layouts.find((l) => l.id === next.layoutId);
  const t = c.get('t');
  const lang = c.get('lang');
  const label = nextMeta ? `${moduleLabel(t, lang, nextMeta.module, 'plural')} · ${nextLayout ? labelOf(t, lang, nextLayout, nextLayout.api_name) : ''}` : '';
  return { step: index + 1, total: walk.length, finishHref, next: { href: `${fieldsPath(type.id, next.moduleApiName)}?layout=${next.layoutId}`, label } };
}

async function render(
  c: Context<AppEnv>,
  found: Found,
  opts: { saved: boolean; tabsSaved?: boolean; warnings: FieldPermissionWarning[]; error?: string; status?: 200 | 422; values?: FieldPermissionInput[] },
) {
  const t = c.get('t');
  const lang = c.get('lang');
  const db = c.get('deps').db;
  const { type, meta, layout } = found;
  const [grid, withCounts, place] = await Promise.all([
    fieldPermissionGrid(db, type.id, meta.module.id, layout.id, opts.values),
    userTypesOf(db, [type.portal_id]),
    walkOf(c, found),
  ]);
  const types = withCounts.map(({ id, name }) => ({ id, name }));
  const moduleName = moduleLabel(t, lang, meta.module, 'plural');
  return page(c, {
    title: t('portalfields:title', { module: moduleName, type: type.name }),
    status: opts.status ?? 200,
    body: (
      <FieldPermissionsPage
        view={c.get('view')}
        base={`${fieldsPath(type.id, meta.module.api_name)}`}
        backHref={`/admin/settings/portals/${type.portal_id}/types/${type.id}`}
        typeName={type.name}
        moduleName={moduleName}
        layouts={meta.layouts}
        layoutId={layout.id}
        sections={grid ?? []}
        walk={place}
        saved={opts.saved}
        notice={opts.tabsSaved ? t('portaltabs:saved') : undefined}
        warnings={opts.warnings.map((w) => t(w.key, { fields: w.fields.map((f) => fieldLabel(t, lang, f)).join(', ') }))}
        error={opts.error}
        steps={{ portalId: type.portal_id, typeId: type.id, baseModule: type.base_module, types }}
      />
    ),
  });
}

portalFieldsRoutes.get('/:typeId/fields/:moduleApiName', async (c) => {
  const found = await target(c);
  if (!found) return notFound(c);
  return render(c, found, { saved: c.req.query('saved') === '1', tabsSaved: c.req.query('done') === 'tabsSaved', warnings: [] });
});

/** The grid as posted: each field's boxes, and the review's own buttons. */
async function readGrid(c: Context<AppEnv>) {
  const form = await readForm(c);
  const visible = new Set(form.all('visible'));
  const readOnly = new Set(form.all('read_only'));
  const rows = [...new Set([...visible, ...readOnly])].map((fieldId) => ({ fieldId, visible: visible.has(fieldId), readOnly: readOnly.has(fieldId) }));
  const values = [...form.all('visible').map((v): [string, string] => ['visible', v]), ...form.all('read_only').map((v): [string, string] => ['read_only', v])];
  return { rows, values, back: form.one('back') === '1', confirmed: form.one('confirm') === '1' };
}

/** Saving waits for the admin to confirm a change in who sees what: the review, a refusal, or nothing (saved at once). */
async function reviewFirst(c: Context<AppEnv>, found: Found, grid: Awaited<ReturnType<typeof readGrid>>) {
  if (grid.confirmed) return undefined;
  const { type, meta, layout } = found;
  const proposed = await diffAccess(c.get('deps').db, type.id, { moduleId: meta.module.id, layoutId: layout.id, fields: grid.rows });
  if (!proposed.ok) return render(c, found, { saved: false, warnings: [], error: c.get('t')(proposed.error), status: 422 });
  if (!proposed.diff.changed) return undefined;
  const action = `${fieldsPath(type.id, meta.module.api_name)}?layout=${encodeURIComponent(layout.id)}`;
  const body = <AccessDiffReview view={c.get('view')} diff={proposed.diff} action={action} values={grid.values} />;
  return page(c, { title: c.get('t')('accessdiff:title'), body });
}

/** After a save, "Save and next" leads to the walk's next page, the last one to the summary; a page off the walk stays. */
async function afterSave(c: Context<AppEnv>, found: Found) {
  const place = await walkOf(c, found);
  if (place.next) return c.redirect(`${place.next.href}&saved=1`, 303);
  if (place.step > 0) return c.redirect(place.finishHref, 303);
  return c.redirect(`${fieldsPath(found.type.id, found.meta.module.api_name)}?layout=${found.layout.id}&saved=1`, 303);
}

portalFieldsRoutes.post('/:typeId/fields/:moduleApiName', async (c) => {
  const found = await target(c);
  const staff = c.get('staff');
  if (!found || !staff) return notFound(c);
  const grid = await readGrid(c);
  if (grid.back) return render(c, found, { saved: false, warnings: [], values: grid.rows });
  const review = await reviewFirst(c, found, grid);
  if (review) return review;
  const { type, meta, layout } = found;
  const result = await saveFieldPermissions(c.get('deps').db, { kind: 'staff', id: staff.id }, type.id, meta.module.id, layout.id, grid.rows);
  if (!result.ok) return render(c, found, { saved: false, warnings: [], error: c.get('t')(result.error), status: 422 });
  if (result.warnings.length > 0) return render(c, found, { saved: true, warnings: result.warnings });
  return afterSave(c, found);
});
