import { type Context, Hono } from 'hono';
import { WebTabsPage } from '../../../../views/admin/portals/WebTabsPage.js';
import { requireManagePortals } from '../../../auth/guards.js';
import type { AppEnv } from '../../../http/env.js';
import { notFound, page } from '../../../http/render.js';
import { formValues } from '../../../http/request.js';
import { addWebTab, findUserType, listWebTabs, removeWebTab, validateWebTab, type WebTabErrors } from '../../../portals/web-tabs.js';

export const portalWebTabsRoutes = new Hono<AppEnv>();
portalWebTabsRoutes.use('*', requireManagePortals());

async function render(c: Context<AppEnv>, values: { name?: string | undefined; url?: string | undefined }, errors: WebTabErrors, status: 200 | 422 = 200) {
  const t = c.get('t');
  const type = await findUserType(c.get('deps').db, c.req.param('type') ?? '');
  if (!type) return notFound(c);
  const tabs = await listWebTabs(c.get('deps').db, type.id);
  return page(c, {
    title: t('portalconfig:webTabs.title', { type: type.name, portal: type.portal_name }),
    status,
    body: (
      <WebTabsPage
        view={c.get('view')}
        base={`/admin/settings/portals/types/${type.id}/web-tabs`}
        typeName={type.name}
        portalName={type.portal_name}
        tabs={tabs}
        values={values}
        errors={errors}
      />
    ),
  });
}

portalWebTabsRoutes.get('/:type/web-tabs', (c) => render(c, {}, {}));

portalWebTabsRoutes.post('/:type/web-tabs', async (c) => {
  const staff = c.get('staff');
  const type = await findUserType(c.get('deps').db, c.req.param('type'));
  if (!staff || !type) return render(c, {}, {});
  const form = await formValues(c, ['name', 'url']);
  const checked = validateWebTab(form);
  if (!checked.ok) return render(c, form, checked.errors, 422);
  const added = await addWebTab(c.get('deps').db, { kind: 'staff', id: staff.id }, type.id, checked);
  if (!added.ok) return render(c, form, added.errors, 422);
  return c.redirect(`/admin/settings/portals/types/${type.id}/web-tabs`, 303);
});

portalWebTabsRoutes.post('/:type/web-tabs/:tab/remove', async (c) => {
  const staff = c.get('staff');
  const type = await findUserType(c.get('deps').db, c.req.param('type'));
  if (!staff || !type) return render(c, {}, {});
  await removeWebTab(c.get('deps').db, { kind: 'staff', id: staff.id }, type.id, c.req.param('tab'));
  return c.redirect(`/admin/settings/portals/types/${type.id}/web-tabs`, 303);
});
