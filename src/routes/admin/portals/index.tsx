import { type Context, Hono } from 'hono';
import { PORTALS_PATH, SlugStatus, say } from '../../../../views/admin/portals/messages.js';
import { NewPortal } from '../../../../views/admin/portals/NewPortal.js';
import { PortalPage, type PortalPageProps } from '../../../../views/admin/portals/PortalPage.js';
import { PortalsList } from '../../../../views/admin/portals/PortalsList.js';
import { SummaryPage } from '../../../../views/admin/portals/SummaryPage.js';
import { guardByPath, requireManagePortals, requireManagePortalUsers } from '../../../auth/guards.js';
import { deflectedCases } from '../../../cases/suggestions.js';
import { listModules } from '../../../crm/metadata.js';
import type { Portal } from '../../../db/schema.js';
import type { AppEnv } from '../../../http/env.js';
import { notFound, page } from '../../../http/render.js';
import { formValues, readForm } from '../../../http/request.js';
import { type PortalSettingsInput, savePortalSettings } from '../../../portals/portal-settings.js';
import { createPortal, findPortal, listPortals, MAX_PORTALS, oldSlugs, slugMessage } from '../../../portals/portals.js';
import { slugAvailability } from '../../../portals/slugs.js';
import { portalSummary } from '../../../portals/summary.js';
import { addUserType, baseModuleChoices, userTypesOf } from '../../../portals/user-types.js';

import { portalAutoInviteRoutes } from './auto-invite.js';
import { portalInvitationEmailRoutes } from './invitation-email.js';
import { portalInviteRoutes } from './invites.js';
import { portalTypeRoutes } from './types.js';
import { portalUsersRoutes } from './users.js';

export const settingsPortalsRoutes = new Hono<AppEnv>();

// Who may use what, by path: a portal's users and its bulk invitations need "manage portal users"; the rest of the configurator "manage portals".
const PORTAL_USERS_PAGES = new RegExp(`^${PORTALS_PATH}/[^/]+/(users|invite)(/|$)`);
settingsPortalsRoutes.use('*', guardByPath([[PORTAL_USERS_PAGES, requireManagePortalUsers()]], requireManagePortals()));

const actorOf = (c: Context<AppEnv>) => ({ kind: 'staff' as const, id: c.get('staff')?.id ?? '' });
const NOTICES = ['created', 'portalSaved', 'typeDeleted'] as const;
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
  const { db, config } = c.get('deps');
  const portal = await findPortal(db, c.req.param('id'));
  if (!portal) return notFound(c);
  const summary = await portalSummary(db, portal, { baseUrl: config.baseUrl, appKey: config.appKey });
  return page(c, {
    title: c.get('t')('portalsteps:summary.title', { name: portal.name }),
    body: <SummaryPage view={c.get('view')} summary={summary} baseUrl={c.get('deps').config.baseUrl} />,
  });
});

settingsPortalsRoutes.get('/:id/slug-check', async (c) => {
  const portal = await findPortal(c.get('deps').db, c.req.param('id'));
  return portal ? slugCheck(c, portal.id) : notFound(c);
});

/** The portal step's form as sent: its text settings (left out: kept), a new logo file, or the logo's removal. */
async function readSettings(c: Context<AppEnv>): Promise<PortalSettingsInput> {
  const form = await readForm(c);
  const file = form.file('logo');
  return {
    name: form.one('name'),
    slug: form.one('slug'),
    domain: form.one('domain'),
    reopenDays: form.one('reopenDays'),
    knowledgeBase: form.one('knowledgeBase'),
    accent: form.one('accent'),
    logo: file && { name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) },
    removeLogo: form.one('removeLogo') === 'on',
  };
}

/** The portal step's one form: every setting saved at once, then on to the first user type; a refusal shows the form as typed. */
settingsPortalsRoutes.post('/:id', async (c) => {
  const db = c.get('deps').db;
  const portal = await findPortal(db, c.req.param('id'));
  if (!portal) return notFound(c);
  const input = await readSettings(c);
  const result = await savePortalSettings(db, actorOf(c), portal.id, input, c.get('deps').config.baseUrl);
  if (!result.ok) return renderPortalPage(c, portal, { values: input, portalErrors: result.errors }, 422);
  c.get('portalHosts').forget();
  const [first] = await userTypesOf(db, [portal.id]);
  return c.redirect(first ? `${PORTALS_PATH}/${portal.id}/types/${first.id}?done=portalSaved` : `${PORTALS_PATH}/${portal.id}?done=portalSaved`, 303);
});

settingsPortalsRoutes.post('/:id/types', async (c) => {
  const db = c.get('deps').db;
  const portal = await findPortal(db, c.req.param('id'));
  if (!portal) return notFound(c);
  const form = await formValues(c, ['typeName', 'baseModule']);
  const values = { typeName: form.typeName ?? '', baseModule: form.baseModule ?? '' };
  const result = await addUserType(db, actorOf(c), portal.id, { name: values.typeName, baseModuleId: values.baseModule });
  if (result.ok) return c.redirect(`${PORTALS_PATH}/${portal.id}/types/${result.type.id}?done=typeAdded`, 303);
  return renderPortalPage(c, portal, { values, typeErrors: result.errors }, 422);
});

settingsPortalsRoutes.route('/:id/types/:typeId/auto-invite', portalAutoInviteRoutes);
settingsPortalsRoutes.route('/:id/types', portalTypeRoutes);
settingsPortalsRoutes.route('/:id/users', portalUsersRoutes);
settingsPortalsRoutes.route('/:id/invite', portalInviteRoutes);
settingsPortalsRoutes.route('/:id/invitation-email', portalInvitationEmailRoutes);
