import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../http/env.js';
import { errorPage } from '../http/render.js';

/** The portal configurator: administrators, and staff whose profile grants "manage portals". */
export function requireManagePortals(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const profile = c.get('staff')?.profile;
    if (profile && (profile.manage_portals || profile.is_admin)) return next();
    const t = c.get('t');
    return errorPage(c, 403, t('errors:forbiddenTitle'), t('errors:forbidden'));
  };
}

/** Portal users (invitations, deactivation, types): administrators, and staff whose profile grants "manage portal users". */
export function requireManagePortalUsers(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const profile = c.get('staff')?.profile;
    if (profile && (profile.manage_portal_users || profile.is_admin)) return next();
    const t = c.get('t');
    return errorPage(c, 403, t('errors:forbiddenTitle'), t('errors:forbidden'));
  };
}
