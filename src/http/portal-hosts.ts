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

const LOOPBACK = ['localhost', '127.0.0.1', '[::1]'];

/**
 * The origins of Porta's own pages: BASE_URL's, and when that is this machine
 * (localhost, 127.0.0.1, [::1]) the same port under its other loopback names,
 * which a browser on the machine may use as well.
 */
export function ownOrigins(baseUrl: string): string[] {
  const url = new URL(baseUrl);
  if (!LOOPBACK.includes(url.hostname)) return [url.origin];
  return LOOPBACK.map((name) => new URL(`${url.protocol}//${name}${url.port ? `:${url.port}` : ''}`).origin);
}

/**
 * Serves requests for a portal's own host name as that portal's: the path is
 * put inside /p/:slug, and the host is passed on. Any other host that is not
 * Porta's own is marked misdirected (answered 421 once the language is known):
 * a page on another name resolving to this server (DNS rebinding) must not
 * reach Porta's pages, whatever Origin it sends.
 */
export function servePortalHosts(app: Hono<AppEnv>, hosts: PortalHosts, baseUrl: string): void {
  const ownHosts = new Set(ownOrigins(baseUrl).map((o) => new URL(o).host));
  const inner = app.fetch;
  app.fetch = async (request, env, ctx) => {
    const url = new URL(request.url);
    if (ownHosts.has(url.host) || url.pathname === '/healthz') return inner(request, env, ctx);
    const portal = await hosts.resolve(url.host);
    if (!portal) return inner(request, { ...(env as object), misdirected: !EVERYWHERE.test(url.pathname) }, ctx);
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
