import { type Context, Hono } from 'hono';
import {
  actionOfSegment,
  PortalUsersPage,
  type PortalUsersPageProps,
  portalUserActionPath,
  portalUsersPath,
} from '../../../../views/admin/portals/PortalUsersPage.js';
import { requireManagePortalUsers } from '../../../auth/guards.js';
import type { Portal } from '../../../db/schema.js';
import type { AppEnv } from '../../../http/env.js';
import { notFound, page } from '../../../http/render.js';
import { readForm, safeBackPath } from '../../../http/request.js';
import { recentBatches } from '../../../invitations/batches.js';
import { emptyTabsNotice, emptyTabsOf } from '../../../portals/empty-tabs.js';
import {
  type ActionOutcome,
  type ActionRequest,
  applyPortalUserAction,
  isPortalUserAction,
  needsConfirmation,
  type PortalUserAction,
  previewPortalUserAction,
} from '../../../portals/portal-user-actions.js';
import { isPortalUserStatus, listPortalUsers, typesOfPortal } from '../../../portals/portal-users.js';
import { findPortal } from '../../../portals/portals.js';
import { userTypesOf } from '../../../portals/user-types.js';
import { queueCount } from '../../../signup/queue.js';
import { confirmPage } from '../confirm.js';

/** A portal's users and what staff do to them. Mounted under /admin/settings/portals/:id/users. */
export const portalUsersRoutes = new Hono<AppEnv>();

portalUsersRoutes.use('*', requireManagePortalUsers());

const deps = (c: Context<AppEnv>) => ({ db: c.get('deps').db, boss: c.get('deps').boss, baseUrl: c.get('deps').config.baseUrl });

async function render(c: Context<AppEnv>, portal: Portal, extra: Partial<PortalUsersPageProps> = {}, status: 200 | 422 = 200) {
  const db = c.get('deps').db;
  const staff = c.get('staff');
  const query = { q: (c.req.query('q') ?? '').slice(0, 200), status: c.req.query('status') ?? '', type: c.req.query('type') ?? '' };
  const [types, batches, users, signups] = await Promise.all([
    userTypesOf(db, [portal.id]),
    staff ? recentBatches(db, portal.id, staff) : Promise.resolve([]),
    listPortalUsers(db, portal.id, {
      q: query.q,
      status: isPortalUserStatus(query.status) ? query.status : undefined,
      typeId: query.type,
      after: c.req.query('after'),
    }),
    queueCount(db, portal.id),
  ]);
  const empty = await emptyTabsOf(
    db,
    types.map((ty) => ty.id),
  );
  const t = c.get('t');
  const done = c.req.query('done');
  const count = Number(c.req.query('count') ?? '1');
  const configures = Boolean(staff && (staff.profile.is_admin || staff.profile.manage_portals));
  return page(c, {
    title: t('portalusers:list.title', { portal: portal.name }),
    status,
    body: (
      <PortalUsersPage
        view={c.get('view')}
        portal={portal}
        portalHref={configures ? `/admin/settings/portals/${portal.id}` : undefined}
        emailHref={configures ? `/admin/settings/portals/${portal.id}/invitation-email` : undefined}
        types={types}
        emptyTypeIds={new Set(empty.keys())}
        batches={batches}
        signups={portal.signup_user_type_id || signups > 0 ? { href: `${portalUsersPath(portal.id)}/signups`, count: signups } : undefined}
        page={users}
        query={query}
        notice={isPortalUserAction(done) ? t(`portalusers:done.${done}`, { count: Number.isInteger(count) && count > 0 ? count : 1 }) : undefined}
        {...extra}
      />
    ),
  });
}

async function portalOf(c: Context<AppEnv>): Promise<Portal | undefined> {
  return findPortal(c.get('deps').db, c.req.param('id') ?? '');
}

/** Everyone done: back to the list with a count; someone refused: the list with what became of each. */
function answer(c: Context<AppEnv>, portal: Portal, action: PortalUserAction, results: ActionOutcome[]) {
  const done = results.filter((r) => r.ok).length;
  if (done === results.length) return c.redirect(`${portalUsersPath(portal.id)}?done=${action}&count=${done}`, 303);
  return render(c, portal, { outcomes: { action, results } }, done === 0 ? 422 : 200);
}

type ConfirmForm = { action: string; fields: [string, string][]; cancelHref: string };

/** What the action will do to whom, with Confirm (the same form again with confirm=1) and Cancel. */
function actionConfirmPage(c: Context<AppEnv>, action: PortalUserAction, preview: ActionOutcome[], form: ConfirmForm) {
  const t = c.get('t');
  const done = preview.filter((r) => r.ok);
  const refused = preview.filter((r): r is Extract<ActionOutcome, { ok: false }> => !r.ok);
  const sessions = done.reduce((n, r) => n + (r.sessionsEnded ?? 0), 0);
  const facts = [t(`portalusers:confirm.facts.${action}`, { count: done.length })];
  if (action !== 'remove') facts.push(t('portalusers:confirm.sessions', { count: sessions }));
  const title = t(`portalusers:confirm.title.${action}`, { count: done.length });
  return confirmPage(c, {
    title,
    facts: facts,
    people: done.map((r) => (r.name ? `${r.name} <${r.email}>` : r.email)),
    skipped: refused.map((r) => `${r.name || r.email || r.id}: ${t(`portalusers:refused.${r.reason}`)}`),
    ...form,
  });
}

/**
 * A confirmed action is done; an unconfirmed one that needs confirming is
 * previewed (nothing changes) and answered with the confirmation, unless it
 * would do nothing at all, which is answered as the refusal it is.
 */
async function actOrConfirm(c: Context<AppEnv>, req: ActionRequest, confirmed: boolean, form: ConfirmForm): Promise<ActionOutcome[] | Response> {
  if (!confirmed && req.action === 'change_type') {
    const warned = await confirmEmptyType(c, req, form);
    if (warned) return warned;
  }
  if (confirmed || !needsConfirmation(req.action)) return applyPortalUserAction(deps(c), req);
  const preview = await previewPortalUserAction(deps(c), req);
  return preview.some((r) => r.ok) ? actionConfirmPage(c, req.action, preview, form) : preview;
}

/**
 * Moving users to a type whose tabs show no field is stated first, naming
 * the tabs and who would move; nothing moves until confirmed. Undefined when
 * the type shows something (or is no type of the portal: the action refuses it).
 */
async function confirmEmptyType(c: Context<AppEnv>, req: ActionRequest, form: ConfirmForm): Promise<ActionOutcome[] | Response | undefined> {
  const db = c.get('deps').db;
  const empty = (await emptyTabsOf(db, [req.toTypeId ?? ''])).get(req.toTypeId ?? '');
  const type = empty && (await typesOfPortal(db, req.portalId)).find((ty) => ty.id === req.toTypeId);
  if (!empty || !type) return undefined;
  const preview = await previewPortalUserAction(deps(c), req);
  const moving = preview.filter((r) => r.ok);
  if (moving.length === 0) return preview;
  const t = c.get('t');
  const refused = preview.filter((r): r is Extract<ActionOutcome, { ok: false }> => !r.ok);
  const notice = emptyTabsNotice(t, c.get('lang'), type, empty);
  const title = t('portals:emptyTabs.title.change_type', { type: type.name });
  return confirmPage(c, {
    title,
    facts: [notice.text, t('portals:emptyTabs.goAhead.change_type', { count: moving.length, type: type.name })],
    links: notice.links,
    people: moving.map((r) => (r.name ? `${r.name} <${r.email}>` : r.email)),
    skipped: refused.map((r) => `${r.name || r.email || r.id}: ${t(`portalusers:refused.${r.reason}`)}`),
    ...form,
  });
}

portalUsersRoutes.get('/', async (c) => {
  const portal = await portalOf(c);
  return portal ? render(c, portal) : notFound(c);
});

portalUsersRoutes.post('/bulk', async (c) => {
  const portal = await portalOf(c);
  if (!portal) return notFound(c);
  const t = c.get('t');
  const body = await readForm(c);
  const action = body.one('action');
  const ids = body.all('ids');
  if (!isPortalUserAction(action)) return render(c, portal, { error: t('portalusers:bulk.chooseAction') }, 422);
  if (ids.length === 0) return render(c, portal, { error: t('portalusers:bulk.noneSelected') }, 422);
  if (action === 'change_type' && !body.one('toType')) return render(c, portal, { error: t('portalusers:bulk.chooseType') }, 422);
  const req = { staffId: c.get('staff')?.id ?? '', portalId: portal.id, action, userIds: ids, toTypeId: body.one('toType') };
  const fields: [string, string][] = [['action', action], ['toType', body.one('toType') ?? ''], ...ids.map((id): [string, string] => ['ids', id])];
  const results = await actOrConfirm(c, req, body.one('confirm') === '1', {
    action: `${portalUsersPath(portal.id)}/bulk`,
    fields,
    cancelHref: portalUsersPath(portal.id),
  });
  return results instanceof Response ? results : answer(c, portal, action, results);
});

// One user, from a row of the list or from their record's page (which `back` names).
portalUsersRoutes.post('/:userId/:action', async (c) => {
  const portal = await portalOf(c);
  const action = actionOfSegment(c.req.param('action'));
  if (!portal || !action) return notFound(c);
  const body = await readForm(c);
  const userId = c.req.param('userId');
  const back = body.one('back');
  const req = { staffId: c.get('staff')?.id ?? '', portalId: portal.id, action, userIds: [userId], toTypeId: body.one('toType') };
  const results = await actOrConfirm(c, req, body.one('confirm') === '1', {
    action: portalUserActionPath(portal.id, userId, action),
    fields: [
      ['toType', body.one('toType') ?? ''],
      ['back', back ?? ''],
    ],
    cancelHref: back ? safeBackPath(back, portalUsersPath(portal.id)) : portalUsersPath(portal.id),
  });
  if (results instanceof Response) return results;
  const [result] = results;
  if (!result || (!result.ok && result.reason === 'not_found')) return notFound(c);
  return back ? backToRecord(c, safeBackPath(back, portalUsersPath(portal.id)), action, result) : answer(c, portal, action, [result]);
});

/** Back on the record's page the action came from, its portal access panel saying how it went. */
function backToRecord(c: Context<AppEnv>, path: string, action: PortalUserAction, result: ActionOutcome) {
  const query = result.ok ? `portalAccess=${action}` : `portalAccess=refused&reason=${result.reason}`;
  return c.redirect(`${path}${path.includes('?') ? '&' : '?'}${query}#portal-access`, 303);
}
