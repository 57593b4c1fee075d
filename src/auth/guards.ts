import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../http/env.js';
import { errorPage } from '../http/render.js';

/** Staff pages: a signed-in, active staff user or a redirect to the login page. */
export function requireStaff(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.get('staff')) return next();
    if (c.req.method !== 'GET') {
      const t = c.get('t');
      return errorPage(c, 401, t('errors:signedOutTitle'), t('errors:signedOut'));
    }
    const back = new URL(c.req.url);
    return c.redirect(`/admin/login?next=${encodeURIComponent(back.pathname + back.search)}`, 303);
  };
}

export function requireAdmin(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.get('staff')?.profile.is_admin) return next();
    const t = c.get('t');
    return errorPage(c, 403, t('errors:forbiddenTitle'), t('errors:forbidden'));
  };
}
