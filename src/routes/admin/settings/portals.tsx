import { type Context, Hono } from 'hono';
import { PORTALS_PATH, SlugStatus, say } from '../../../../views/admin/portals/messages.js';
import { NewPortal } from '../../../../views/admin/portals/NewPortal.js';
import { PortalPage, type PortalPageProps } from '../../../../views/admin/portals/PortalPage.js';
import { PortalsList } from '../../../../views/admin/portals/PortalsList.js';
import { SummaryPage } from '../../../../views/admin/portals/SummaryPage.js';
import { setReopenDays } from '../../../cases/status.js';
import { deflectedCases, setKnowledgeBase } from '../../../cases/suggestions.js';
import { listModules } from '../../../crm/metadata.js';
import type { Portal } from '../../../db/schema.js';
import type { AppEnv } from '../../../http/env.js';
import { page } from '../../../http/render.js';
import { formValues } from '../../../http/request.js';
import { removeLogo, setAccentColor, setLogo, setPortalDomain } from '../../../portals/branding.js';
import { requireManagePortals } from '../../../portals/guard.js';
import { changeSlug, createPortal, findPortal, listPortals, MAX_PORTALS, oldSlugs, renamePortal, slugMessage } from '../../../portals/portals.js';
import { slugAvailability } from '../../../portals/slugs.js';
import { portalSummary } from '../../../portals/summary.js';
import { addUserType, baseModuleChoices, userTypesOf } from '../../../portals/user-types.js';
import { notFound } from '../record-context.js';
import { portalTypeRoutes } from './portal-types.js';

export const settingsPortalsRoutes = new Hono<AppEnv>();

settingsPortalsRoutes.use('*', requireManagePortals());

const actorOf = (c: Context<AppEnv>) => ({ kind: 'staff' as const, id: c.get('staff')?.id ?? '' });
const NOTICES = ['casesSaved', 'created', 'renamed', 'slugChanged', 'typeAdded', 'typeDeleted', 'brandSaved', 'domainSaved'] as const;
const noticeOf = (c: Context<AppEnv>) => {
  const done = c.req.query('done');
  return NOTICES.find((n) => n === done) ? c.get('t')(`portals:done.${done}`) : undefined;
};

settingsPortalsRoutes.get('/', async (c) => {
  const db = c.get('deps').db;
  const portals = await listPortals(db);
  const types = await userTypesOf(
    db,
    portals.map((p) => p.id),
  );
  return page(c, {
    title: c.get('t')('portals:list.title'),
    body: <PortalsList view={c.get('view')} portals={portals} types={types} max={MAX_PORTALS} baseUrl={c.get('deps').config.baseUrl} notice={noticeOf(c)} />,
  });
});

settingsPortalsRoutes.get('/new', (c) =>
  page(c, {
    title: c.get('t')('portals:create.title'),
    body: <NewPortal view={c.get('view')} values={{ name: '', slug: '' }} defaultName={c.get('org')?.name ?? ''} />,
  }),
);

/** The live availability message under the slug field (htmx), for a new portal or an existing one. */
async function slugCheck(c: Context<AppEnv>, portalId?: string) {
  const slug = (c.req.query('slug') ?? '').trim();
  const view = c.get('view');
  if (!slug) return page(c, { title: c.get('t')('portals:slug.label'), body: <SlugStatus view={view} /> });
  const check = await slugAvailability(c.get('deps').db, slug, portalId);
  return page(c, { title: c.get('t')('portals:slug.label'), body: <SlugStatus view={view} error={say(view, slugMessage(check))} available={check.ok} /> });
}

settingsPortalsRoutes.get('/slug-check', (c) => slugCheck(c));

settingsPortalsRoutes.post('/', async (c) => {
  const form = await formValues(c, ['name', 'slug']);
  const values = { name: form.name ?? '', slug: form.slug ?? '' };
  const result = await createPortal(c.get('deps').db, actorOf(c), values);
  if (result.ok) return c.redirect(`${PORTALS_PATH}/${result.portal.id}?done=created`, 303);
  return page(c, {
    title: c.get('t')('portals:create.title'),
    status: 422,
    body: <NewPortal view={c.get('view')} values={values} defaultName={c.get('org')?.name ?? ''} errors={result.errors} />,
  });
});

/** The portal page, with a form's rejected values and messages when given. */
export async function renderPortalPage(c: Context<AppEnv>, portal: Portal, extra: Partial<PortalPageProps> = {}, status: 200 | 422 = 200) {
  const db = c.get('deps').db;
  const [old, types, baseModules, deflected, modules] = await Promise.all([
    oldSlugs(db, portal.id),
    userTypesOf(db, [portal.id]),
    baseModuleChoices(db),
    deflectedCases(db, portal.id),
    listModules(db),
  ]);
  return page(c, {
    title: portal.name,
    status,
    body: (
      <PortalPage
        view={c.get('view')}
        portal={portal}
        oldSlugs={old}
        types={types}
        baseModules={baseModules}
        baseUrl={c.get('deps').config.baseUrl}
        deflected={deflected}
        modules={modules}
        notice={noticeOf(c)}
        {...extra}
      />
    ),
  });
}

settingsPortalsRoutes.get('/:id', async (c) => {
  const portal = await findPortal(c.get('deps').db, c.req.param('id'));
  return portal ? renderPortalPage(c, portal) : notFound(c);
});

settingsPortalsRoutes.get('/:id/summary', async (c) => {
  const db = c.get('deps').db;
  const portal = await findPortal(db, c.req.param('id'));
  if (!portal) return notFound(c);
  const summary = await portalSummary(db, portal);
  return page(c, {
    title: c.get('t')('portalsteps:summary.title', { name: portal.name }),
    body: <SummaryPage view={c.get('view')} summary={summary} baseUrl={c.get('deps').config.baseUrl} />,
  });
});

settingsPortalsRoutes.get('/:id/slug-check', async (c) => {
  const portal = await findPortal(c.get('deps').db, c.req.param('id'));
  return portal ? slugCheck(c, portal.id) : notFound(c);
});

settingsPortalsRoutes.post('/:id/name', async (c) => {
  const db = c.get('deps').db;
  const portal = await findPortal(db, c.req.param('id'));
  if (!portal) return notFound(c);
  const { name = '' } = await formValues(c, ['name']);
  const result = await renamePortal(db, actorOf(c), portal.id, name);
  if (result.ok) return c.redirect(`${PORTALS_PATH}/${portal.id}?done=renamed`, 303);
  return renderPortalPage(c, portal, { values: { name }, portalErrors: result.errors }, 422);
});

settingsPortalsRoutes.post('/:id/slug', async (c) => {
  const db = c.get('deps').db;
  const portal = await findPortal(db, c.req.param('id'));
  if (!portal) return notFound(c);
  const { slug = '' } = await formValues(c, ['slug']);
  const result = await changeSlug(db, actorOf(c), portal.id, slug);
  if (result.ok) return c.redirect(`${PORTALS_PATH}/${portal.id}?done=slugChanged`, 303);
  return renderPortalPage(c, portal, { values: { slug }, portalErrors: result.errors }, 422);
});

settingsPortalsRoutes.post('/:id/cases', async (c) => {
  const db = c.get('deps').db;
  const portal = await findPortal(db, c.req.param('id'));
  if (!portal) return notFound(c);
  const { reopenDays = '' } = await formValues(c, ['reopenDays']);
  const result = await setReopenDays(db, actorOf(c), portal.id, reopenDays);
  if (result.ok) return c.redirect(`${PORTALS_PATH}/${portal.id}?done=casesSaved`, 303);
  return renderPortalPage(c, portal, { values: { reopenDays }, portalErrors: { reopenDays: { key: result.error } } }, 422);
});

settingsPortalsRoutes.post('/:id/knowledge-base', async (c) => {
  const db = c.get('deps').db;
  const portal = await findPortal(db, c.req.param('id'));
  if (!portal) return notFound(c);
  const { knowledgeBase = '' } = await formValues(c, ['knowledgeBase']);
  const result = await setKnowledgeBase(db, actorOf(c), portal.id, knowledgeBase);
  if (result.ok) return c.redirect(`${PORTALS_PATH}/${portal.id}?done=casesSaved#cases-title`, 303);
  return renderPortalPage(c, portal, { portalErrors: { knowledgeBase: { key: result.error } } }, 422);
});

settingsPortalsRoutes.post('/:id/accent', async (c) => {
  const db = c.get('deps').db;
  const portal = await findPortal(db, c.req.param('id'));
  if (!portal) return notFound(c);
  const { accent = '' } = await formValues(c, ['accent']);
  const result = await setAccentColor(db, actorOf(c), portal.id, accent);
  if (result.ok) return c.redirect(`${PORTALS_PATH}/${portal.id}?done=brandSaved#brand-title`, 303);
  return renderPortalPage(c, portal, { values: { accent }, portalErrors: { accent: { key: result.error } } }, 422);
});

settingsPortalsRoutes.post('/:id/logo', async (c) => {
  const db = c.get('deps').db;
  const portal = await findPortal(db, c.req.param('id'));
  if (!portal) return notFound(c);
  const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
  const file = body.logo instanceof File && body.logo.size > 0 ? body.logo : undefined;
  const result = await setLogo(db, actorOf(c), portal.id, file ? { name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) } : undefined);
  if (result.ok) return c.redirect(`${PORTALS_PATH}/${portal.id}?done=brandSaved#brand-title`, 303);
  return renderPortalPage(c, portal, { portalErrors: { logo: { key: result.error } } }, 422);
});

settingsPortalsRoutes.post('/:id/logo/remove', async (c) => {
  const db = c.get('deps').db;
  const portal = await findPortal(db, c.req.param('id'));
  if (!portal) return notFound(c);
  await removeLogo(db, actorOf(c), portal.id);
  return c.redirect(`${PORTALS_PATH}/${portal.id}?done=brandSaved#brand-title`, 303);
});

settingsPortalsRoutes.post('/:id/domain', async (c) => {
  const db = c.get('deps').db;
  const portal = await findPortal(db, c.req.param('id'));
  if (!portal) return notFound(c);
  const { domain = '' } = await formValues(c, ['domain']);
  const result = await setPortalDomain(db, actorOf(c), portal.id, domain, c.get('deps').config.baseUrl);
  if (!result.ok) return renderPortalPage(c, portal, { values: { domain }, portalErrors: { domain: { key: result.error } } }, 422);
  c.get('portalHosts').forget();
  return c.redirect(`${PORTALS_PATH}/${portal.id}?done=domainSaved#domain-title`, 303);
});

settingsPortalsRoutes.post('/:id/types', async (c) => {
  const db = c.get('deps').db;
  const portal = await findPortal(db, c.req.param('id'));
  if (!portal) return notFound(c);
  const form = await formValues(c, ['typeName', 'baseModule']);
  const values = { typeName: form.typeName ?? '', baseModule: form.baseModule ?? '' };
  const result = await addUserType(db, actorOf(c), portal.id, { name: values.typeName, baseModuleId: values.baseModule });
  if (result.ok) return c.redirect(`${PORTALS_PATH}/${portal.id}?done=typeAdded`, 303);
  return renderPortalPage(c, portal, { values, typeErrors: result.errors }, 422);
});

settingsPortalsRoutes.route('/:id/types', portalTypeRoutes);
