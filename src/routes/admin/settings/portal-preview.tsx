import { type Context, Hono } from 'hono';
import { PreviewChooser } from '../../../../views/admin/portals/PreviewChooser.js';
import type { PortalShell } from '../../../../views/layouts/PortalLayout.js';
import { ModulePage } from '../../../../views/portal/ModulePage.js';
import { RecordPage } from '../../../../views/portal/RecordPage.js';
import { WebTabPage } from '../../../../views/portal/WebTabPage.js';
import { attachmentInScope } from '../../../access/engine.js';
import { moduleLabel } from '../../../crm/metadata.js';
import { sendDownload } from '../../../http/download.js';
import type { AppEnv } from '../../../http/env.js';
import { errorPage, page } from '../../../http/render.js';
import { isUuid } from '../../../mail/outbox.js';
import { requireManagePortals } from '../../../portals/guard.js';
import { type PortalNav, portalList, portalNav, portalRecord } from '../../../portals/portal-pages.js';
import { PREVIEW_PATH, type PreviewSubject, previewAsType, previewAsUser, previewChoices } from '../../../portals/preview.js';

// The portal as a user type or a portal user sees it, through the same engine
// and the same page views as the portal itself. Only GET routes exist here:
// a preview cannot write anything.

export const portalPreviewRoutes = new Hono<AppEnv>();
portalPreviewRoutes.use('*', requireManagePortals());

portalPreviewRoutes.get('/', async (c) => {
  const t = c.get('t');
  const db = c.get('deps').db;
  const { type, record, user, q, find } = c.req.query();
  if (user) return c.redirect(`${PREVIEW_PATH}/user/${encodeURIComponent(user)}`, 303);
  if (type && record && !find) return c.redirect(`${PREVIEW_PATH}/type/${encodeURIComponent(type)}/${encodeURIComponent(record)}`, 303);
  const choices = await previewChoices(db, { typeId: type, q });
  const unknownType = Boolean(type) && !choices.types.some((x) => x.id === type);
  return page(c, {
    title: t('portalpreview:title'),
    status: unknownType ? 404 : 200,
    body: <PreviewChooser view={c.get('view')} choices={choices} typeId={unknownType ? undefined : type} q={q} unknownType={unknownType} />,
  });
});

type Resolved = { subject: PreviewSubject; nav: PortalNav; shell: PortalShell } | Response;

async function resolve(c: Context<AppEnv>): Promise<Resolved> {
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
  const nav = await portalNav(db, subject.ctx);
  const { lang } = c.get('view');
  const banner =
    subject.kind === 'type'
      ? t('portalpreview:banner.type', { type: subject.typeName, portal: subject.portalName, record: subject.recordName })
      : t('portalpreview:banner.user', { name: subject.userName, email: subject.email, type: subject.typeName, portal: subject.portalName });
  const shell: PortalShell = {
    name: subject.portalName,
    base: subject.base,
    tabs: [
      ...nav.modules.map((m) => ({ href: `${subject.base}/m/${m.module.api_name}`, label: moduleLabel(t, lang, m.module, 'plural') })),
      ...nav.webTabs.map((w) => ({ href: `${subject.base}/tabs/${w.id}`, label: w.name })),
    ],
    previewBanner: banner,
    previewExit: PREVIEW_PATH,
  };
  return { subject, nav, shell };
}

const currencyOf = (c: Context<AppEnv>) => c.get('org')?.currency ?? 'EUR';

function notFound(c: Context<AppEnv>, shell: PortalShell) {
  const t = c.get('t');
  return page(c, {
    title: t('errors:notFound.title'),
    status: 404,
    portal: shell,
    body: (
      <section>
        <h1>{t('errors:notFound.title')}</h1>
        <p>{t('errors:notFound.message')}</p>
      </section>
    ),
  });
}

for (const prefix of ['/type/:type/:sample', '/user/:user']) {
  portalPreviewRoutes.get(prefix, async (c) => {
    const r = await resolve(c);
    if (r instanceof Response) return r;
    const first = r.nav.modules[0];
    if (first) return c.redirect(`${r.subject.base}/m/${first.module.api_name}`, 303);
    const t = c.get('t');
    return page(c, {
      title: r.shell.name,
      portal: r.shell,
      body: (
        <section>
          <h1>{r.shell.name}</h1>
          <p>{t('portalpreview:noTabs')}</p>
        </section>
      ),
    });
  });

  portalPreviewRoutes.get(`${prefix}/m/:module`, async (c) => {
    const r = await resolve(c);
    if (r instanceof Response) return r;
    const db = c.get('deps').db;
    const base = r.subject.base;
    const list = await portalList(db, r.subject.ctx, c.req.param('module'), {
      after: c.req.query('after'),
      href: (api, id) => `${base}/m/${api}/${id}`,
    });
    if (!list) return notFound(c, r.shell);
    const { t, lang } = c.get('view');
    return page(c, {
      title: `${moduleLabel(t, lang, list.meta.module, 'plural')} · ${r.shell.name}`,
      portal: r.shell,
      body: <ModulePage view={c.get('view')} list={list} href={`${base}/m/${list.meta.module.api_name}`} currency={currencyOf(c)} />,
    });
  });

  portalPreviewRoutes.get(`${prefix}/m/:module/:id`, async (c) => {
    const r = await resolve(c);
    if (r instanceof Response) return r;
    const db = c.get('deps').db;
    const base = r.subject.base;
    const rec = await portalRecord(db, r.subject.ctx, c.req.param('module'), c.req.param('id'), { href: (api, id) => `${base}/m/${api}/${id}` });
    if (!rec) return notFound(c, r.shell);
    return page(c, {
      title: `${rec.record.name} · ${r.shell.name}`,
      portal: r.shell,
      body: <RecordPage view={c.get('view')} rec={rec} href={`${base}/m/${rec.meta.module.api_name}`} currency={currencyOf(c)} />,
    });
  });

  portalPreviewRoutes.get(`${prefix}/m/:module/:id/files/:file`, async (c) => {
    const r = await resolve(c);
    if (r instanceof Response) return r;
    const module = r.nav.modules.find((m) => m.module.api_name === c.req.param('module'));
    const ids = [c.req.param('id'), c.req.param('file')];
    const file =
      module && ids.every(isUuid)
        ? await attachmentInScope(c.get('deps').db, r.subject.ctx, module.module.id, c.req.param('id'), c.req.param('file'))
        : undefined;
    if (!file) return notFound(c, r.shell);
    return sendDownload(c, file);
  });

  portalPreviewRoutes.get(`${prefix}/tabs/:tab`, async (c) => {
    const r = await resolve(c);
    if (r instanceof Response) return r;
    const tab = r.nav.webTabs.find((w) => w.id === c.req.param('tab'));
    if (!tab) return notFound(c, r.shell);
    return page(c, { title: `${tab.name} · ${r.shell.name}`, portal: r.shell, body: <WebTabPage view={c.get('view')} tab={tab} /> });
  });
}
