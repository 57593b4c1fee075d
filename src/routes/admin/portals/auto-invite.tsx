import { type Context, Hono } from 'hono';
import { AutoInvitePage, type AutoInvitePageProps, autoInvitePath } from '../../../../views/admin/portals/AutoInvitePage.js';
import { requireManagePortals } from '../../../auth/guards.js';
import { loadModuleMetaById, type ModuleMeta } from '../../../crm/metadata.js';
import type { Portal, PortalUserType } from '../../../db/schema.js';
import type { AppEnv } from '../../../http/env.js';
import { notFound, page } from '../../../http/render.js';
import { formValues } from '../../../http/request.js';
import { addRule, deleteRule, listRules, ruleFields } from '../../../invitations/auto-invite.js';
import { findPortal } from '../../../portals/portals.js';
import { findUserType } from '../../../portals/user-types.js';

/** A user type's automatic invitation rules. Mounted under /admin/settings/portals/:id/types/:typeId/auto-invite. */
export const portalAutoInviteRoutes = new Hono<AppEnv>();

portalAutoInviteRoutes.use('*', requireManagePortals());

type Found = { portal: Portal; type: PortalUserType; meta: ModuleMeta };

async function load(c: Context<AppEnv>): Promise<Found | undefined> {
  const db = c.get('deps').db;
  const portal = await findPortal(db, c.req.param('id') ?? '');
  const type = portal && (await findUserType(db, portal.id, c.req.param('typeId') ?? ''));
  const meta = type && (await loadModuleMetaById(db, type.base_module_id));
  return portal && type && meta ? { portal, type, meta } : undefined;
}

async function render(c: Context<AppEnv>, found: Found, extra: Partial<AutoInvitePageProps> = {}, status: 200 | 422 = 200) {
  const fields = ruleFields(found.meta);
  const t = c.get('t');
  const done = c.req.query('done');
  return page(c, {
    title: t('portalusers:auto.title', { type: found.type.name }),
    status,
    body: (
      <AutoInvitePage
        view={c.get('view')}
        portal={found.portal}
        type={found.type}
        baseModule={found.meta.module}
        rules={await listRules(c.get('deps').db, found.type.id)}
        fields={fields}
        chosen={fields.find((f) => f.id === c.req.query('field'))}
        notice={done === 'added' || done === 'removed' ? t(`portalusers:auto.done.${done}`) : undefined}
        {...extra}
      />
    ),
  });
}

portalAutoInviteRoutes.get('/', async (c) => {
  const found = await load(c);
  return found ? render(c, found) : notFound(c);
});

portalAutoInviteRoutes.post('/', async (c) => {
  const found = await load(c);
  if (!found) return notFound(c);
  const { field = '', value = '' } = await formValues(c, ['field', 'value']);
  const result = await addRule(c.get('deps').db, c.get('staff')?.id ?? '', found.type, found.meta, { fieldId: field, value });
  if (result.ok) return c.redirect(`${autoInvitePath(found.portal.id, found.type.id)}?done=added`, 303);
  return render(c, found, { chosen: ruleFields(found.meta).find((f) => f.id === field), value, errors: result.errors }, 422);
});

portalAutoInviteRoutes.post('/:ruleId/delete', async (c) => {
  const found = await load(c);
  if (!found) return notFound(c);
  const deleted = await deleteRule(c.get('deps').db, c.get('staff')?.id ?? '', found.type, c.req.param('ruleId'));
  if (!deleted) return notFound(c);
  return c.redirect(`${autoInvitePath(found.portal.id, found.type.id)}?done=removed`, 303);
});
