import { type Context, Hono } from 'hono';
import { PORTALS_PATH } from '../../../../views/admin/portals/messages.js';
import { UserTypePage, type UserTypePageProps } from '../../../../views/admin/portals/UserTypePage.js';
import type { Portal, PortalUserType } from '../../../db/schema.js';
import type { AppEnv } from '../../../http/env.js';
import { notFound, page } from '../../../http/render.js';
import { formValues } from '../../../http/request.js';
import { emptyTabsNotice, emptyTabsOf } from '../../../portals/empty-tabs.js';
import { findPortal } from '../../../portals/portals.js';
import { deleteUserType, findUserType, saveUserTypeSettings, transferTargets, userTypesOf } from '../../../portals/user-types.js';
import { confirmPage } from '../confirm.js';

/** A portal's user type: its settings, and its deletion. Mounted under /admin/settings/portals/:id/types. */
export const portalTypeRoutes = new Hono<AppEnv>();

const actorOf = (c: Context<AppEnv>) => ({ kind: 'staff' as const, id: c.get('staff')?.id ?? '' });
const NOTICES = ['portalSaved', 'typeAdded'] as const;

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

/** The user-type step's one form: name, licences and two-factor saved at once, then on to the type's tabs. */
portalTypeRoutes.post('/:typeId', async (c) => {
  const found = await load(c);
  if (!found) return notFound(c);
  const form = await formValues(c, ['name', 'limit', 'requireTwoFactor', 'step']);
  const values = { name: form.name, limit: form.limit };
  const requireTwoFactor = form.requireTwoFactor === 'on' ? true : form.step === 'type' ? false : undefined;
  const result = await saveUserTypeSettings(c.get('deps').db, actorOf(c), found.type, { ...values, requireTwoFactor });
  if (!result.ok) return render(c, found.portal, found.type, { values: { ...values, requireTwoFactor }, errors: result.errors }, 422);
  return c.redirect(`/admin/settings/portals/types/${found.type.id}/tabs?done=typeSaved`, 303);
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
  // Users moved into a type whose shown tabs show no field would find empty pages there: said before they move.
  const target = result.movedTo;
  const empty = target ? ((await emptyTabsOf(c.get('deps').db, [target.id])).get(target.id) ?? []) : [];
  const notice = target && empty.length > 0 ? emptyTabsNotice(t, c.get('lang'), target, empty) : undefined;
  if (notice) facts.push(notice.text);
  const title = t('portals:types.confirmTitle', { name: type.name });
  const base = `${PORTALS_PATH}/${portal.id}/types/${type.id}`;
  return confirmPage(c, {
    title,
    facts: facts,
    action: `${base}/delete`,
    fields: [['transferTo', result.movedTo?.id ?? '']],
    links: notice?.links,
    cancelHref: base,
  });
}

portalTypeRoutes.get('/:typeId/delete', (c) => deleteType(c, { transferTo: c.req.query('transferTo') }));

portalTypeRoutes.post('/:typeId/delete', async (c) => deleteType(c, await formValues(c, ['transferTo', 'confirm'])));
