import { type Context, Hono } from 'hono';
import { ModulePage } from '../../../views/portal/ModulePage.js';
import { RecordPage } from '../../../views/portal/RecordPage.js';
import { WebTabPage } from '../../../views/portal/WebTabPage.js';
import { attachmentInScope } from '../../access/engine.js';
import { moduleLabel } from '../../crm/metadata.js';
import { sendDownload } from '../../http/download.js';
import type { AppEnv } from '../../http/env.js';
import { page } from '../../http/render.js';
import { isUuid } from '../../mail/outbox.js';
import { type PortalNav, portalList, portalNav, portalRecord } from '../../portals/portal-pages.js';
import { portalMessage, portalOf, portalShell, requirePortalUser } from './context.js';

// The pages a signed-in portal user reads: their tabs as lists or cards, a
// record, its files, and web tabs. Everything goes through the permission
// engine with the user's own context; a record outside it answers 404.
// The same loaders and views serve the admins' preview.

export const portalPageRoutes = new Hono<AppEnv>();

for (const path of ['/:slug', '/:slug/m/*', '/:slug/tabs/*']) portalPageRoutes.use(path, requirePortalUser());

const currencyOf = (c: Context<AppEnv>) => c.get('org')?.currency ?? 'EUR';

async function navOf(c: Context<AppEnv>): Promise<PortalNav> {
  return portalNav(c.get('deps').db, portalOf(c).access);
}

function notFound(c: Context<AppEnv>, nav: PortalNav) {
  const t = c.get('t');
  return portalMessage(c, 404, t('errors:notFound.title'), t('errors:notFound.message'), nav);
}

portalPageRoutes.get('/:slug', async (c) => {
  const p = portalOf(c);
  const nav = await navOf(c);
  const first = nav.modules[0];
  if (first) return c.redirect(`${p.base}/m/${first.module.api_name}`, 303);
  const web = nav.webTabs[0];
  if (web) return c.redirect(`${p.base}/tabs/${web.id}`, 303);
  return portalMessage(c, 200, p.portal.name, c.get('t')('portalauth:home.noTabs'), nav);
});

portalPageRoutes.get('/:slug/m/:module', async (c) => {
  const p = portalOf(c);
  const nav = await navOf(c);
  const list = await portalList(c.get('deps').db, p.access, c.req.param('module'), {
    after: c.req.query('after'),
    href: (api, id) => `${p.base}/m/${api}/${id}`,
  });
  if (!list) return notFound(c, nav);
  const { t, lang } = c.get('view');
  return page(c, {
    title: `${moduleLabel(t, lang, list.meta.module, 'plural')} · ${p.portal.name}`,
    portal: portalShell(c, nav),
    body: <ModulePage view={c.get('view')} list={list} href={`${p.base}/m/${list.meta.module.api_name}`} currency={currencyOf(c)} />,
  });
});

portalPageRoutes.get('/:slug/m/:module/:id', async (c) => {
  const p = portalOf(c);
  const nav = await navOf(c);
  const rec = await portalRecord(c.get('deps').db, p.access, c.req.param('module'), c.req.param('id'), { href: (api, id) => `${p.base}/m/${api}/${id}` });
  if (!rec) return notFound(c, nav);
  return page(c, {
    title: `${rec.record.name} · ${p.portal.name}`,
    portal: portalShell(c, nav),
    body: <RecordPage view={c.get('view')} rec={rec} href={`${p.base}/m/${rec.meta.module.api_name}`} currency={currencyOf(c)} />,
  });
});

portalPageRoutes.get('/:slug/m/:module/:id/files/:file', async (c) => {
  const p = portalOf(c);
  const nav = await navOf(c);
  const module = nav.modules.find((m) => m.module.api_name === c.req.param('module'));
  const ids = [c.req.param('id'), c.req.param('file')];
  const file =
    module && ids.every(isUuid) ? await attachmentInScope(c.get('deps').db, p.access, module.module.id, c.req.param('id'), c.req.param('file')) : undefined;
  if (!file) return notFound(c, nav);
  return sendDownload(c, file);
});

portalPageRoutes.get('/:slug/tabs/:tab', async (c) => {
  const p = portalOf(c);
  const nav = await navOf(c);
  const tab = nav.webTabs.find((w) => w.id === c.req.param('tab'));
  if (!tab) return notFound(c, nav);
  return page(c, { title: `${tab.name} · ${p.portal.name}`, portal: portalShell(c, nav), body: <WebTabPage view={c.get('view')} tab={tab} /> });
});
