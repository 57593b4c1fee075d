import { Hono } from 'hono';
import { PreviewChooser } from '../../../../views/admin/portals/PreviewChooser.js';
import type { PortalShell } from '../../../../views/layouts/PortalLayout.js';
import { requireAdmin } from '../../../auth/guards.js';
import { moduleLabel } from '../../../crm/metadata.js';
import type { AppEnv } from '../../../http/env.js';
import { errorPage, page } from '../../../http/render.js';
import type { PortalNav } from '../../../portals/portal-nav.js';
import { PREVIEW_PATH, type PreviewSubject, previewAsType, previewAsUser, previewChoices } from '../../../portals/preview.js';
import { publicPagesOfPortals } from '../../../portals/public-pages.js';
import { portalTabRoutes, type SurfaceResolver } from '../../portal/tab-pages.js';

// The portal as a user type or a portal user sees it: the portal's own tab
// routes (routes/portal/tab-pages.tsx) mounted with a read-only surface, so
// every page, button and form is the one customers get, and every write
// answers 403 with nothing written.

export const portalPreviewRoutes = new Hono<AppEnv>();
// UNSCOPED READ: preview and explain show records as portal users see them, not within the viewer's own
// record scope, so only administrators (who see every record anyway) may use them.
portalPreviewRoutes.use('*', requireAdmin());

portalPreviewRoutes.get('/', async (c) => {
  const t = c.get('t');
  const db = c.get('deps').db;
  const { type, record, user, q, find, portal } = c.req.query();
  if (user) return c.redirect(`${PREVIEW_PATH}/user/${encodeURIComponent(user)}`, 303);
  if (type && record && !find) return c.redirect(`${PREVIEW_PATH}/type/${encodeURIComponent(type)}/${encodeURIComponent(record)}`, 303);
  const [choices, publicPages] = await Promise.all([previewChoices(db, { typeId: type, q }), publicPagesOfPortals(db)]);
  const unknownType = Boolean(type) && !choices.types.some((x) => x.id === type);
  // Reached from a portal's pages (its id in the link, or the type chosen there): that portal's types and users come first.
  const portalId = portal ?? choices.types.find((x) => x.id === type)?.portalId;
  return page(c, {
    title: t('portalpreview:title'),
    status: unknownType ? 404 : 200,
    body: <PreviewChooser view={c.get('view')} {...{ choices, publicPages, portalId, q, unknownType }} typeId={unknownType ? undefined : type} />,
  });
});

/** The surface of a preview address: the same tab routes as the portal, for the chosen type or user, read-only. */
const previewSurface: SurfaceResolver = async (c) => {
  const t = c.get('t');
  const db = c.get('deps').db;
  const { type, sample, user } = c.req.param() as { type?: string; sample?: string; user?: string };
  let subject: PreviewSubject | undefined;
  if (user) {
    const found = await previewAsUser(db, user);
    if (!found.ok)
      return found.reason === 'inactive'
        ? errorPage(c, 404, t('portalpreview:errors.inactiveTitle'), t('portalpreview:errors.inactive'))
        : errorPage(c, 404, t('errors:notFound.title'), t('portalpreview:errors.unknown'));
    subject = found.subject;
  } else {
    subject = await previewAsType(db, type ?? '', sample ?? '');
    if (!subject) return errorPage(c, 404, t('errors:notFound.title'), t('portalpreview:errors.unknown'));
  }
  const { lang } = c.get('view');
  const banner =
    subject.kind === 'type'
      ? t('portalpreview:banner.type', { type: subject.typeName, portal: subject.portalName, record: subject.recordName })
      : t('portalpreview:banner.user', { name: subject.userName, email: subject.email, type: subject.typeName, portal: subject.portalName });
  const { base, portalName, brand } = subject;
  const shell = (nav: PortalNav): PortalShell => ({
    name: portalName,
    base,
    brand,
    tabs: [
      ...nav.modules.map((m) => ({ href: `${base}/m/${m.module.api_name}`, label: moduleLabel(t, lang, m.module, 'plural', m.tab.labels) })),
      ...nav.webTabs.map((w) => ({ href: `${base}/tabs/${w.id}`, label: w.name })),
    ],
    previewBanner: banner,
    previewExit: PREVIEW_PATH,
  });
  return { ctx: subject.ctx, base, shell, readOnly: true };
};

for (const prefix of ['/type/:type/:sample', '/user/:user']) portalPreviewRoutes.route(prefix, portalTabRoutes(previewSurface));
