import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env.js';
import { loggablePath } from '../log-path.js';

/** One line per request, with an id that is also sent back as X-Request-Id. */
export function requestLog(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const start = performance.now();
    const incoming = c.req.header('X-Request-Id');
    const id = incoming && /^[\w-]{1,64}$/.test(incoming) ? incoming : crypto.randomUUID();
    c.set('requestId', id);
    c.header('X-Request-Id', id);
    await next();
    const ms = Math.round((performance.now() - start) * 10) / 10;
    c.get('deps').log.info({ reqId: id, method: c.req.method, path: loggablePath(c.req.path), status: c.res.status, ms }, 'request');
  };
}
