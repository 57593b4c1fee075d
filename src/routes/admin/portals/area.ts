import { Hono } from 'hono';
import type { AppEnv } from '../../../http/env.js';
import { portalCardsRoutes } from './cards.js';
import { portalDashboardsRoutes } from './dashboards.js';
import { portalExplainRoutes } from './explain.js';
import { portalFieldsRoutes } from './fields.js';
import { settingsPortalsRoutes } from './index.js';
import { portalPreviewRoutes } from './preview.js';
import { portalTabsRoutes } from './tabs.js';
import { portalConfigRoutes } from './transfer.js';
import { portalWebTabsRoutes } from './web-tabs.js';

/**
 * The portal configurator, mounted under /admin/settings. Each part states
 * its own guard at its top (manage portals; manage portal users for a
 * portal's users and invitations; administrators for preview and explain),
 * so the order below plays no part in who may do what.
 */
export const configuratorRoutes = new Hono<AppEnv>()
  .route('/portals', settingsPortalsRoutes)
  .route('/portal-config', portalConfigRoutes)
  .route('/portal-cards', portalCardsRoutes)
  .route('/portal-web-tabs', portalWebTabsRoutes)
  .route('/portal-dashboards', portalDashboardsRoutes)
  .route('/portal-tabs', portalTabsRoutes)
  .route('/portal-fields', portalFieldsRoutes)
  .route('/portal-preview', portalPreviewRoutes)
  .route('/portal-explain', portalExplainRoutes);
