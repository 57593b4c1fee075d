import { type Context, Hono } from 'hono';
import { PORTALS_PATH } from '../../../../views/admin/portals/messages.js';
import { UserTypePage, type UserTypePageProps } from '../../../../views/admin/portals/UserTypePage.js';
import { setTypeRequiresTwoFactor } from '../../../auth/two-factor.js';
import type { Portal, PortalUserType } from '../../../db/schema.js';
import type { AppEnv } from '../../../http/env.js';
import { page } from '../../../http/render.js';
import { formValues } from '../../../http/request.js';
import { findPortal } from '../../../portals/portals.js';
import { deleteUserType, findUserType, renameUserType, setUserLimit, transferTargets, userTypesOf } from '../../../portals/user-types.js';
import { notFound } from '../record-context.js';

/** A portal's user type: rename, user limit, deletion. Mounted under /admin/settings/portals/:id/types. */
export const portalTypeRoutes = new Hono<AppEnv>();

const actorOf = (c: Context<AppEnv>) => ({ kind: 'staff' as const, id: c.get('staff')?.id ?? '' });
const NOTICES = ['renamed', 'limitSaved', 'twoFactorSaved'] as const;

async function load(c: Context<AppEnv>): Promise<{ portal: Portal; type: PortalUserType } | undefined> {
  const db = c.get('deps').db;
  const portal = await findPortal(db, c.req.param('id') ?? '');
  const type = portal && (await findUserType(db, portal.id, c.req.param('typeId') ?? ''));
  return portal && type ? { portal, type } : undefined;
}

async function render(c: Context<AppEnv>, portal: Portal, type: PortalUserType, extra: Partial<UserTypePageProps> = {}, status: 200 | 422 = 200) {
  const db = c.get('deps').db;
  const [withCounts, targets] = await Promise.all([userTypesOf(db, [portal.id]), transferTargets(db, type)]);
  const current = withCounts.find((x) => x.id === type.id);
  if (!current) return notFound(c);
  const done = c.req.query('done');
  const notice = NOTICES.find((n) => n === done) ? c.get('t')(`portals:done.${done}`) : undefined;
  return page(c, {
    title: current.name,
    status,
    body: <UserTypePage view={c.get('view')} portal={portal} type={current} transferTargets={targets} notice={notice} {...extra} />,
  });
}

portalTypeRoutes.get('/:typeId', async (c) => {
  const found = await load(c);
  return found ? render(c, found.portal, found.type) : notFound(c);
});

portalTypeRoutes.post('/:typeId/name', async (c) => {
  const found = await load(c);
  if (!found) return notFound(c);
  const { name = '' } = await formValues(c, ['name']);
  const result = await renameUserType(c.get('deps').db, actorOf(c), found.type, name);
  if (result.ok) return c.redirect(`${PORTALS_PATH}/${found.portal.id}/types/${found.type.id}?done=renamed`, 303);
  return render(c, found.portal, found.type, { values: { name }, errors: result.errors }, 422);
});

portalTypeRoutes.post('/:typeId/limit', async (c) => {
  const found = await load(c);
  if (!found) return notFound(c);
  const { limit = '' } = await formValues(c, ['limit']);
  const result = await setUserLimit(c.get('deps').db, actorOf(c), found.type, limit);
  if (result.ok) return c.redirect(`${PORTALS_PATH}/${found.portal.id}/types/${found.type.id}?done=limitSaved`, 303);
  return render(c, found.portal, found.type, { values: { limit }, errors: result.errors }, 422);
});

portalTypeRoutes.post('/:typeId/two-factor', async (c) => {
  const found = await load(c);
  if (!found) return notFound(c);
  const { required } = await formValues(c, ['required']);
  await setTypeRequiresTwoFactor(c.get('deps').db, actorOf(c), found.type.id, required === 'on');
  return c.redirect(`${PORTALS_PATH}/${found.portal.id}/types/${found.type.id}?done=twoFactorSaved`, 303);
});

portalTypeRoutes.post('/:typeId/delete', async (c) => {
  const found = await load(c);
  if (!found) return notFound(c);
  const { transferTo } = await formValues(c, ['transferTo']);
  const result = await deleteUserType(c.get('deps').db, actorOf(c), found.type, transferTo || undefined);
  if (result.ok) return c.redirect(`${PORTALS_PATH}/${found.portal.id}?done=typeDeleted`, 303);
  return render(c, found.portal, found.type, { errors: result.errors }, 422);
});
