import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../http/env.js';

/** Staff pages: a signed-in, active staff user or a redirect to the login page. */
export function requireStaff(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.get('staff')) return next();
    if (c.req.method !== 'GET') return c.text(c.get('t')('errors:signedOut'), 401);
    const back = new URL(c.req.url);
    return c.redirect(`/admin/login?next=${encodeURIComponent(back.pathname + back.search)}`, 303);
  };
}

export function requireAdmin(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.get('staff')?.profile.is_admin) return next();
    return c.text(c.get('t')('errors:forbidden'), 403);
  };
}
