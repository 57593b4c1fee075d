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

export function requireAdmin(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.get('staff')?.profile.is_admin) return next();
    const t = c.get('t');
    return errorPage(c, 403, t('errors:forbiddenTitle'), t('errors:forbidden'));
  };
}
