import { type Context, Hono } from 'hono';
import type { AppEnv } from '../../../http/env.js';
import { notFound } from '../../../http/render.js';

// The configurator's earlier addresses, each sent on to where it lives now
// under /admin/settings/portals (mounted at /admin/settings): a bookmark or a
// link in an old email keeps working. A GET moves for good (301); a form
// posted to an earlier address keeps its method and body (308).

const MOVED: [from: RegExp, to: (m: RegExpExecArray) => string][] = [
  [/^\/portal-(tabs|web-tabs|dashboards)\/([^/]+)(\/.*)?$/, (m) => `/portals/types/${m[2]}/${m[1]}${m[3] ?? ''}`],
  [/^\/portal-fields\/([^/]+)\/([^/]+)$/, (m) => `/portals/types/${m[1]}/fields/${m[2]}`],
  [/^\/portal-(cards|preview|explain)(\/.*)?$/, (m) => `/portals/${m[1]}${m[2] ?? ''}`],
  [/^\/portal-config(\/.*)?$/, (m) => `/portals/transfer${m[1] ?? ''}`],
];

export const movedConfiguratorRoutes = new Hono<AppEnv>();

movedConfiguratorRoutes.all('/:old{portal-(?:tabs|fields|web-tabs|dashboards|cards|preview|explain|config)}/*', (c) => moved(c));
movedConfiguratorRoutes.all('/:old{portal-(?:cards|preview|explain|config)}', (c) => moved(c));

/** Where an earlier address of the configurator lives now, keeping its query string. */
export function movedTo(path: string): string | undefined {
  const rest = path.replace(/^\/admin\/settings/, '');
  for (const [from, to] of MOVED) {
    const m = from.exec(rest);
    if (m) return `/admin/settings${to(m)}`;
  }
  return undefined;
}

/** An earlier address sent on to its page; one that named no page answers the not-found page. */
function moved(c: Context<AppEnv>): Promise<Response> | Response {
  const { pathname, search } = new URL(c.req.url);
  const target = movedTo(pathname);
  if (!target) return notFound(c);
  return c.redirect(`${target}${search}`, c.req.method === 'GET' || c.req.method === 'HEAD' ? 301 : 308);
}
