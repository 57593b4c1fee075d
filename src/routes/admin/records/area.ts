import { Hono } from 'hono';
import type { AppEnv } from '../../../http/env.js';
import { convertRoutes } from './convert.js';
import { importRoutes } from './import.js';
import { recordsRoutes } from './index.js';
import { recordPortalRoutes } from './portal-access.js';
import { recordRoutes } from './record.js';

/**
 * Records, under /admin/m: each module's list, new records and recycle bin,
 * CSV imports, lead conversion, and record pages with their portal access.
 * Record pages come last: their /:module/:id would otherwise answer for
 * /:module/new, /:module/import and the like. Each part guards itself
 * (the module's permissions, read by moduleContext).
 */
export const adminRecordRoutes = new Hono<AppEnv>()
  .route('/', recordsRoutes)
  .route('/', convertRoutes)
  .route('/', importRoutes)
  .route('/', recordPortalRoutes)
  .route('/', recordRoutes);
