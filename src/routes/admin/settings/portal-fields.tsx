import { type Context, Hono } from 'hono';
import { AccessDiffReview } from '../../../../views/admin/portals/AccessDiff.js';
import { FieldPermissionsPage } from '../../../../views/admin/portals/FieldPermissionsPage.js';
import { fieldLabel, loadModuleMeta, moduleLabel } from '../../../crm/metadata.js';
import type { AppEnv } from '../../../http/env.js';
import { errorPage, page } from '../../../http/render.js';
import { diffAccess } from '../../../portals/access-diff.js';
import { type FieldPermissionInput, type FieldPermissionWarning, fieldPermissionGrid, saveFieldPermissions } from '../../../portals/field-permissions.js';
import { requireManagePortals } from '../../../portals/guard.js';
import { userTypesOf } from '../../../portals/user-types.js';
import { findUserType } from '../../../portals/web-tabs.js';

export const portalFieldsRoutes = new Hono<AppEnv>();
portalFieldsRoutes.use('*', requireManagePortals());

const BASE = '/admin/settings/portal-fields';

function notFound(c: Context<AppEnv>) {
  const t = c.get('t');
  return errorPage(c, 404, t('errors:notFound.title'), t('errors:notFound.message'));
}

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

async function render(
  c: Context<AppEnv>,
  found: NonNullable<Awaited<ReturnType<typeof target>>>,
  opts: { saved: boolean; warnings: FieldPermissionWarning[]; error?: string; status?: 200 | 422; values?: FieldPermissionInput[] },
) {
  const t = c.get('t');
  const lang = c.get('lang');
  const { type, meta, layout } = found;
  const sections = (await fieldPermissionGrid(c.get('deps').db, type.id, meta.module.id, layout.id, opts.values)) ?? [];
  const types = (await userTypesOf(c.get('deps').db, [type.portal_id])).map(({ id, name }) => ({ id, name }));
  const moduleName = moduleLabel(t, lang, meta.module, 'plural');
  return page(c, {
    title: t('portalfields:title', { module: moduleName, type: type.name }),
    status: opts.status ?? 200,
    body: (
      <FieldPermissionsPage
        view={c.get('view')}
        base={`${BASE}/${type.id}/${meta.module.api_name}`}
        backHref={`/admin/settings/portals/${type.portal_id}/types/${type.id}`}
        typeName={type.name}
        moduleName={moduleName}
        layouts={meta.layouts}
        layoutId={layout.id}
        sections={sections}
        saved={opts.saved}
        warnings={opts.warnings.map((w) => t(w.key, { fields: w.fields.map((f) => fieldLabel(t, lang, f)).join(', ') }))}
        error={opts.error}
        steps={{ portalId: type.portal_id, typeId: type.id, baseModule: type.base_module, types }}
      />
    ),
  });
}

portalFieldsRoutes.get('/:typeId/:moduleApiName', async (c) => {
  const found = await target(c);
  if (!found) return notFound(c);
  return render(c, found, { saved: c.req.query('saved') === '1', warnings: [] });
});

portalFieldsRoutes.post('/:typeId/:moduleApiName', async (c) => {
  const found = await target(c);
  const staff = c.get('staff');
  if (!found || !staff) return notFound(c);
  let body: Record<string, string | File | (string | File)[]>;
  try {
    body = await c.req.parseBody({ all: true });
  } catch {
    body = {};
  }
  const list = (name: string) => [body[name] ?? []].flat().filter((v): v is string => typeof v === 'string');
  const visible = new Set(list('visible'));
  const readOnly = new Set(list('read_only'));
  const rows = [...new Set([...visible, ...readOnly])].map((fieldId) => ({ fieldId, visible: visible.has(fieldId), readOnly: readOnly.has(fieldId) }));
  const { type, meta, layout } = found;
  const db = c.get('deps').db;
  const action = `${BASE}/${type.id}/${meta.module.api_name}?layout=${encodeURIComponent(layout.id)}`;
  if (list('back')[0] === '1') return render(c, found, { saved: false, warnings: [], values: rows });
  // Saving waits for the admin to confirm a change in who sees what; one that changes nothing is saved at once.
  if (list('confirm')[0] !== '1') {
    const proposed = await diffAccess(db, type.id, { moduleId: meta.module.id, layoutId: layout.id, fields: rows });
    if (!proposed.ok) return render(c, found, { saved: false, warnings: [], error: c.get('t')(proposed.error), status: 422 });
    if (proposed.diff.changed) {
      const values = [...list('visible').map((v): [string, string] => ['visible', v]), ...list('read_only').map((v): [string, string] => ['read_only', v])];
      return page(c, {
        title: c.get('t')('accessdiff:title'),
        body: <AccessDiffReview view={c.get('view')} diff={proposed.diff} action={action} values={values} />,
      });
    }
  }
  const result = await saveFieldPermissions(db, { kind: 'staff', id: staff.id }, type.id, meta.module.id, layout.id, rows);
  if (!result.ok) return render(c, found, { saved: false, warnings: [], error: c.get('t')(result.error), status: 422 });
  if (result.warnings.length > 0) return render(c, found, { saved: true, warnings: result.warnings });
  return c.redirect(`${BASE}/${type.id}/${meta.module.api_name}?layout=${layout.id}&saved=1`, 303);
});
