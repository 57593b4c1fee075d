import { Hono } from 'hono';
import { ConfigTransferPage } from '../../../../views/admin/portals/ConfigTransferPage.js';
import { requireManagePortals } from '../../../auth/guards.js';
import type { AppEnv } from '../../../http/env.js';
import { page } from '../../../http/render.js';
import { exportPortalConfig, importPortalConfig } from '../../../portals/config-transfer.js';

export const portalConfigRoutes = new Hono<AppEnv>();
portalConfigRoutes.use('*', requireManagePortals());

const MAX_FILE_BYTES = 2 * 1024 * 1024;

portalConfigRoutes.get('/', (c) => page(c, { title: c.get('t')('portalconfig:page.title'), body: <ConfigTransferPage view={c.get('view')} /> }));

portalConfigRoutes.get('/export', async (c) => {
  const config = await exportPortalConfig(c.get('deps').db);
  c.header('Content-Disposition', 'attachment; filename="porta-portals.json"');
  c.header('Cache-Control', 'no-store');
  return c.body(`${JSON.stringify(config, null, 2)}\n`, 200, { 'Content-Type': 'application/json; charset=utf-8' });
});

portalConfigRoutes.post('/import', async (c) => {
  const staff = c.get('staff');
  const t = c.get('t');
  const body = await c.req.parseBody();
  const file = body.file;
  const render = (status: 200 | 422, props: { problems?: { path: string; key: string }[]; imported?: number }) =>
    page(c, { title: t('portalconfig:page.title'), status, body: <ConfigTransferPage view={c.get('view')} {...props} /> });
  if (!staff || !(file instanceof File) || file.size === 0) return render(422, { problems: [{ path: '', key: 'portalconfig:errors.noFile' }] });
  if (file.size > MAX_FILE_BYTES) return render(422, { problems: [{ path: '', key: 'portalconfig:errors.fileTooLarge' }] });
  const result = await importPortalConfig(c.get('deps').db, { kind: 'staff', id: staff.id }, await file.text());
  return result.ok ? render(200, { imported: result.portals }) : render(422, { problems: result.problems });
});
