import type { Hono } from 'hono';
import type { Database } from '../db/database.js';
import type { AppEnv } from './env.js';

// A portal with a host name of its own (support.acme.com) answers there as
// well as at /p/:slug: a request for that host is served as the portal's,
// "/" being its home and any other path inside it, while Porta's own pages
// (/admin, other portals) do not exist there. Its sign-in cookie is set for
// that host alone, and a form posted to it must come from exactly that origin.

export type PortalHost = { host: string; slug: string; origin: string };

/** How long a process trusts its list of portal host names before reading it again. */
const TTL_MS = 5_000;

export function portalHostResolver(db: Database, baseUrl: string) {
  const scheme = new URL(baseUrl).protocol;
  let cached: { at: number; hosts: Map<string, PortalHost> } | undefined;
  return {
    async resolve(host: string): Promise<PortalHost | undefined> {
      if (!cached || Date.now() - cached.at > TTL_MS) {
        const rows = await db.selectFrom('portals').select(['slug', 'domain']).where('domain', 'is not', null).execute();
        const hosts = new Map(rows.map((r) => [r.domain as string, { host: r.domain as string, slug: r.slug, origin: `${scheme}//${r.domain}` }]));
        cached = { at: Date.now(), hosts };
      }
      return cached.hosts.get(host.toLowerCase());
    },
    /** After a change in this process: read the list again on the next request. */
    forget() {
      cached = undefined;
    },
  };
}

export type PortalHosts = ReturnType<typeof portalHostResolver>;

/** Paths that are the same on every host. */
const EVERYWHERE = /^\/(static\/|healthz$)/;

/** Serves requests for a portal's own host name as that portal's: the path is put inside /p/:slug, and the host is passed on. */
export function servePortalHosts(app: Hono<AppEnv>, hosts: PortalHosts, baseUrl: string): void {
  const ownHost = new URL(baseUrl).host;
  const inner = app.fetch;
  app.fetch = async (request, env, ctx) => {
    const url = new URL(request.url);
    if (url.host === ownHost) return inner(request, env, ctx);
    const portal = await hosts.resolve(url.host);
    if (!portal) return inner(request, env, ctx);
    const prefix = `/p/${portal.slug}`;
    if (!EVERYWHERE.test(url.pathname) && url.pathname !== prefix && !url.pathname.startsWith(`${prefix}/`))
      url.pathname = `${prefix}${url.pathname === '/' ? '' : url.pathname}`;
    const rewritten = new Request(url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal: request.signal,
      // @ts-expect-error Node's fetch needs this to pass a streamed body on; the DOM types do not know it.
      duplex: 'half',
    });
    return inner(rewritten, { ...(env as object), portalHost: portal }, ctx);
  };
}
