import { Hono } from 'hono';
import type { AppEnv } from '../../http/env.js';
import { currentSlugFor, isCurrentSlug } from '../../portals/slugs.js';

/**
 * Links to a portal's earlier addresses keep working: an old slug answers a
 * permanent redirect to the same page under the current one. Current slugs
 * pass through to the portal's own routes; anything else is not found.
 */
export const portalRedirectRoutes = new Hono<AppEnv>();

portalRedirectRoutes.on(['GET', 'HEAD'], ['/:slug', '/:slug/*'], async (c, next) => {
  const db = c.get('deps').db;
  const slug = c.req.param('slug');
  if (await isCurrentSlug(db, slug)) return next();
  const current = await currentSlugFor(db, slug);
  if (!current) return c.notFound();
  const url = new URL(c.req.url);
  const rest = url.pathname.slice(`/p/${slug}`.length);
  return c.redirect(`/p/${current}${rest}${url.search}`, 301);
});
