import { type Context, Hono } from 'hono';
import { DashboardPage } from '../../../../views/admin/portals/DashboardPage.js';
import { requireManagePortals } from '../../../auth/guards.js';
import { addIndicator, type IndicatorErrors, type IndicatorInput, indicatorOptions, listIndicators, removeIndicator } from '../../../dashboards/indicators.js';
import type { AppEnv } from '../../../http/env.js';
import { notFound, page } from '../../../http/render.js';
import { formValues } from '../../../http/request.js';
import { findUserType } from '../../../portals/web-tabs.js';

export const portalDashboardsRoutes = new Hono<AppEnv>();
portalDashboardsRoutes.use('*', requireManagePortals());

const path = (typeId: string) => `/admin/settings/portals/types/${typeId}/dashboards`;

async function render(c: Context<AppEnv>, values: Partial<IndicatorInput>, errors: IndicatorErrors, status: 200 | 422 = 200) {
  const t = c.get('t');
  const db = c.get('deps').db;
  const type = await findUserType(db, c.req.param('type') ?? '');
  const options = type ? await indicatorOptions(db, type.id) : undefined;
  if (!type || !options) return notFound(c);
  return page(c, {
    title: t('portalconfig:dashboards.title', { type: type.name, portal: type.portal_name }),
    status,
    body: (
      <DashboardPage
        view={c.get('view')}
        base={path(type.id)}
        typeName={type.name}
        portalName={type.portal_name}
        options={options}
        indicators={await listIndicators(db, type.id)}
        values={values}
        errors={errors}
      />
    ),
  });
}

portalDashboardsRoutes.get('/:type/dashboards', (c) => render(c, {}, {}));

portalDashboardsRoutes.post('/:type/dashboards', async (c) => {
  const staff = c.get('staff');
  const type = await findUserType(c.get('deps').db, c.req.param('type'));
  if (!staff || !type) return render(c, {}, {});
  const form = await formValues(c, ['moduleId', 'measure', 'sumFieldId', 'groupBy']);
  const input = { moduleId: form.moduleId ?? '', measure: form.measure ?? '', sumFieldId: form.sumFieldId ?? '', groupBy: form.groupBy ?? '' };
  const added = await addIndicator(c.get('deps').db, { kind: 'staff', id: staff.id }, type.id, input);
  if (!added.ok) return render(c, input, added.errors, 422);
  return c.redirect(path(type.id), 303);
});

portalDashboardsRoutes.post('/:type/dashboards/:indicator/remove', async (c) => {
  const staff = c.get('staff');
  const type = await findUserType(c.get('deps').db, c.req.param('type'));
  if (!staff || !type) return render(c, {}, {});
  await removeIndicator(c.get('deps').db, { kind: 'staff', id: staff.id }, type.id, c.req.param('indicator'));
  return c.redirect(path(type.id), 303);
});
