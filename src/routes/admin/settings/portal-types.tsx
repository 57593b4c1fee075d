import { type Context, Hono } from 'hono';
import { ConfirmAction } from '../../../../views/admin/portals/ConfirmAction.js';
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
    body: <UserTypePage view={c.get('view')} portal={portal} type={current} transferTargets={targets} types={withCounts} notice={notice} {...extra} />,
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

/**
 * Deleting a type is stated first (who moves where, what stays), and done
 * only when the confirmation's form comes back with confirm=1: a GET, or a
 * POST without it, changes nothing.
 */
async function deleteType(c: Context<AppEnv>, values: { transferTo?: string | undefined; confirm?: string | undefined }) {
  const found = await load(c);
  if (!found) return notFound(c);
  const { portal, type } = found;
  const transferTo = values.transferTo || undefined;
  const confirmed = c.req.method === 'POST' && values.confirm === '1';
  const result = await deleteUserType(c.get('deps').db, actorOf(c), type, transferTo, { preview: !confirmed });
  if (!result.ok) return render(c, portal, type, { errors: result.errors }, 422);
  if (confirmed) return c.redirect(`${PORTALS_PATH}/${portal.id}?done=typeDeleted`, 303);
  const t = c.get('t');
  const facts = [
    result.movedTo ? t('portals:types.confirmMove', { count: result.moved, type: result.movedTo.name }) : t('portals:types.confirmNoUsers'),
    t('portals:types.confirmSettings'),
  ];
  if (result.batches > 0) facts.push(t('portals:types.confirmBatches', { count: result.batches, name: type.name }));
  const title = t('portals:types.confirmTitle', { name: type.name });
  const base = `${PORTALS_PATH}/${portal.id}/types/${type.id}`;
  return page(c, {
    title,
    body: (
      <ConfirmAction
        view={c.get('view')}
        title={title}
        facts={facts}
        action={`${base}/delete`}
        fields={[['transferTo', result.movedTo?.id ?? '']]}
        confirmLabel={t('portalusers:confirm.submit')}
        cancelHref={base}
      />
    ),
  });
}

portalTypeRoutes.get('/:typeId/delete', (c) => deleteType(c, { transferTo: c.req.query('transferTo') }));

portalTypeRoutes.post('/:typeId/delete', async (c) => deleteType(c, await formValues(c, ['transferTo', 'confirm'])));
