import { Hono } from 'hono';
import type { AppEnv } from '../../../http/env.js';
import { portalCardsRoutes } from './cards.js';
import { portalDashboardsRoutes } from './dashboards.js';
import { portalExplainRoutes } from './explain.js';
import { portalFieldsRoutes } from './fields.js';
import { settingsPortalsRoutes } from './index.js';
import { movedConfiguratorRoutes } from './moved.js';
import { portalPreviewRoutes } from './preview.js';
import { portalSignupSettingsRoutes } from './signup.js';
import { portalSignupQueueRoutes } from './signups.js';
import { portalSsoSettingsRoutes } from './sso.js';
import { portalTabsRoutes } from './tabs.js';
import { portalConfigRoutes } from './transfer.js';
import { portalWebTabsRoutes } from './web-tabs.js';

/**
 * The portal configurator, mounted under /admin/settings. Each part states
 * its own guard at its top (manage portals; manage portal users for a
 * portal's users and invitations; administrators for preview and explain),
 * so the order below plays no part in who may do what. Every address is
 * under /admin/settings/portals; the earlier ones answer with where they moved.
 */
export const configuratorRoutes = new Hono<AppEnv>()
  // Before /portals/:id, which would otherwise take "types", "cards" and the rest for a portal's id.
  .route('/portals/types', portalTabsRoutes)
  .route('/portals/types', portalFieldsRoutes)
  .route('/portals/types', portalWebTabsRoutes)
  .route('/portals/types', portalDashboardsRoutes)
  .route('/portals/cards', portalCardsRoutes)
  .route('/portals/transfer', portalConfigRoutes)
  .route('/portals/preview', portalPreviewRoutes)
  .route('/portals/explain', portalExplainRoutes)
  .route('/portals/:id/sso', portalSsoSettingsRoutes)
  .route('/portals/:id/signup', portalSignupSettingsRoutes)
  .route('/portals/:id/users/signups', portalSignupQueueRoutes)
  .route('/portals', settingsPortalsRoutes)
  .route('/', movedConfiguratorRoutes);
