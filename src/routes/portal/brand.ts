import { Hono } from 'hono';
import type { AppEnv } from '../../http/env.js';
import { accentStylesheet, findLogo } from '../../portals/branding.js';
import { portalOf } from './context.js';

// A portal's logo and accent stylesheet, public like its sign-in page. Their
// addresses change with their content, so browsers keep them for a year.

const FOR_GOOD = 'public, max-age=31536000, immutable';

export const portalBrandRoutes = new Hono<AppEnv>();

portalBrandRoutes.get('/:slug/brand/:file', async (c) => {
  const { portal } = portalOf(c);
  const file = c.req.param('file');
  const accent = /^accent-([0-9a-f]{6})\.css$/.exec(file)?.[1];
  if (accent) {
    if (portal.accent_color !== `#${accent}`) return c.notFound();
    c.header('Cache-Control', FOR_GOOD);
    return c.body(accentStylesheet(portal.accent_color), 200, { 'Content-Type': 'text/css; charset=utf-8' });
  }
  const hash = /^logo-([0-9a-f]{16})$/.exec(file)?.[1];
  const logo = hash ? await findLogo(c.get('deps').db, portal.slug, hash) : undefined;
  if (!logo) return c.notFound();
  c.header('Cache-Control', FOR_GOOD);
  c.header('X-Content-Type-Options', 'nosniff');
  return c.body(new Uint8Array(logo.content), 200, { 'Content-Type': logo.content_type });
});
