import { Hono } from 'hono';
import type { AppEnv } from '../http/env.js';

export const staticRoutes = new Hono<AppEnv>();

// Hashed names never change content: cached for a year. Unhashed names revalidate.
staticRoutes.get('/*', (c) => {
  const path = c.req.path.replace(/^\/static\//, '');
  const found = c.get('deps').assets.lookup(path);
  if (!found) return c.body(null, 404);
  const { asset, hashed } = found;
  c.header('Content-Type', asset.type);
  c.header('Cache-Control', hashed ? 'public, max-age=31536000, immutable' : 'public, max-age=300');
  c.header('ETag', `"${asset.hash}"`);
  if (c.req.header('If-None-Match') === `"${asset.hash}"`) return c.body(null, 304);
  return c.body(new Uint8Array(asset.body));
});
