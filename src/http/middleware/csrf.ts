import type { MiddlewareHandler } from 'hono';
import { type AppEnv, portalHostOf } from '../env.js';
import { loggablePath } from '../log-path.js';
import { errorPage } from '../render.js';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Refuses every state-changing request that a browser did not send from one
 * of our own pages. Browsers send Sec-Fetch-Site and Origin on every POST; a
 * request with neither (a script, an old client) is refused too, since no
 * page of ours can produce it.
 */
export function csrfGuard(allowedOrigins: () => string[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (SAFE.has(c.req.method)) return next();
    const site = c.req.header('Sec-Fetch-Site');
    const origin = c.req.header('Origin');
    // A portal's own host name accepts forms from exactly its own origin.
    const portalHost = portalHostOf(c);
    // Compared with Porta's own origins, never with the request's own Host, which the sender chooses.
    const fromOrigin = (o: string) => (portalHost ? o === portalHost.origin : allowedOrigins().includes(o));
    let ok: boolean;
    if (origin && origin !== 'null') ok = fromOrigin(origin) && (!site || site === 'same-origin');
    else if (site) ok = site === 'same-origin' && !portalHost;
    else ok = false;
    if (ok) return next();
    c.get('deps').log.warn({ method: c.req.method, path: loggablePath(c.req.path), origin, site }, 'cross-origin request refused');
    const t = c.get('t');
    return errorPage(c, 403, t('errors:forbiddenTitle'), t('errors:csrf'));
  };
}
