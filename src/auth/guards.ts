import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../http/env.js';
import { errorPage } from '../http/render.js';

/** Staff pages: a signed-in, active staff user or a redirect to the login page. */
export function requireStaff(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.get('staff')) return next();
    const back = new URL(c.req.url);
    const owesSecondFactor = c.get('session')?.two_factor_pending && c.get('session')?.user_kind === 'staff';
    // HEAD is answered as GET would be, without the body.
    const reading = c.req.method === 'GET' || c.req.method === 'HEAD';
    if (owesSecondFactor && reading) return c.redirect(`/admin/two-factor?next=${encodeURIComponent(back.pathname + back.search)}`, 303);
    if (!reading) {
      const t = c.get('t');
      return errorPage(c, 401, t('errors:signedOutTitle'), t('errors:signedOut'));
    }
    return c.redirect(`/admin/login?next=${encodeURIComponent(back.pathname + back.search)}`, 303);
  };
}

/** A staff user whose profile grants `may`; anyone else is refused with the forbidden page. */
function requireProfile(may: (profile: NonNullable<AppEnv['Variables']['staff']>['profile']) => boolean): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const profile = c.get('staff')?.profile;
    if (profile && may(profile)) return next();
    const t = c.get('t');
    return errorPage(c, 403, t('errors:forbiddenTitle'), t('errors:forbidden'));
  };
}

/** Administrators only. */
export const requireAdmin = () => requireProfile((p) => p.is_admin);

/** The portal configurator: administrators, and staff whose profile grants "manage portals". */
export const requireManagePortals = () => requireProfile((p) => p.manage_portals || p.is_admin);

/** Portal users (invitations, deactivation, types): administrators, and staff whose profile grants "manage portal users". */
export const requireManagePortalUsers = () => requireProfile((p) => p.manage_portal_users || p.is_admin);

/**
 * One guard for an area, chosen by the request's path: the first rule whose
 * pattern matches decides, else `otherwise`. The area states who may use what
 * in one place, and no guard depends on the order routes are mounted in.
 */
export function guardByPath(rules: [RegExp, MiddlewareHandler<AppEnv>][], otherwise: MiddlewareHandler<AppEnv>): MiddlewareHandler<AppEnv> {
  return (c, next) => (rules.find(([pattern]) => pattern.test(c.req.path))?.[1] ?? otherwise)(c, next);
}
