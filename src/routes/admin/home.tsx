import { Hono } from 'hono';
import { HomePage } from '../../../views/admin/HomePage.js';
import type { AppEnv } from '../../http/env.js';
import { page } from '../../http/render.js';
import { homeStats } from '../../org/stats.js';

export const adminHomeRoutes = new Hono<AppEnv>();

adminHomeRoutes.get('/', async (c) => {
  const org = c.get('org');
  const staff = c.get('staff');
  if (!org || !staff) return c.redirect('/setup', 303);
  const stats = await homeStats(c.get('deps').db, staff);
  return page(c, { title: c.get('t')('admin:home.heading'), body: <HomePage view={c.get('view')} org={org} stats={stats} now={new Date()} /> });
});
