import { Hono } from 'hono';
import { compress } from 'hono/compress';
import { requireAdmin, requireStaff } from './auth/guards.js';
import { staffUserCount } from './auth/staff.js';
import { databaseReachable } from './db/database.js';
import type { Deps } from './deps.js';
import { isDatabaseUnavailable } from './errors.js';
import type { AppEnv } from './http/env.js';
import { loggablePath } from './http/log-path.js';
import { bodySizeLimit } from './http/middleware/body-limit.js';
import { brotli } from './http/middleware/brotli.js';
import { configSnapshotForReads } from './http/middleware/config-snapshot.js';
import { applyLocale, fallbackTranslator, requestContext } from './http/middleware/context.js';
import { refuseControlCharacters } from './http/middleware/control-characters.js';
import { csrfGuard } from './http/middleware/csrf.js';
import { requestLog } from './http/middleware/request-log.js';
import { securityHeaders } from './http/middleware/security-headers.js';
import { serverTiming } from './http/middleware/server-timing.js';
import { ownOrigins, portalHostResolver, servePortalHosts } from './http/portal-hosts.js';
import { errorPage } from './http/render.js';
import { adminAuthRoutes } from './routes/admin/auth.js';
import { convertRoutes } from './routes/admin/convert.js';
import { adminHomeRoutes } from './routes/admin/home.js';
import { importRoutes } from './routes/admin/import.js';
import { outboxRoutes } from './routes/admin/outbox.js';
import { privacyRequestRoutes } from './routes/admin/privacy/requests.js';
import { settingsPrivacyRoutes } from './routes/admin/privacy/settings.js';
import { profileRoutes } from './routes/admin/profile.js';
import { recordRoutes } from './routes/admin/record.js';
import { recordPortalRoutes } from './routes/admin/record-portal.js';
import { recordsRoutes } from './routes/admin/records.js';
import { settingsIndexRoutes } from './routes/admin/settings/index.js';
import { moduleSettingsRoutes } from './routes/admin/settings/modules.js';
import { portalCardsRoutes } from './routes/admin/settings/portal-cards.js';
import { portalConfigRoutes } from './routes/admin/settings/portal-config.js';
import { portalDashboardsRoutes } from './routes/admin/settings/portal-dashboards.js';
import { portalExplainRoutes } from './routes/admin/settings/portal-explain.js';
import { portalFieldsRoutes } from './routes/admin/settings/portal-fields.js';
import { portalPreviewRoutes } from './routes/admin/settings/portal-preview.js';
import { portalTabsRoutes } from './routes/admin/settings/portal-tabs.js';
import { portalWebTabsRoutes } from './routes/admin/settings/portal-web-tabs.js';
import { settingsPortalsRoutes } from './routes/admin/settings/portals.js';
import { settingsProfilesRoutes } from './routes/admin/settings/profiles.js';
import { settingsUsersRoutes } from './routes/admin/settings/users.js';
import { staffTwoFactorRoutes, staffTwoFactorSignInRoutes } from './routes/admin/two-factor.js';
import { inboundRoutes } from './routes/inbound.js';
import { langRoutes } from './routes/lang.js';
import { portalRoutes } from './routes/portal/index.js';
import { portalRedirectRoutes } from './routes/portal/redirect.js';
import { setupRoutes } from './routes/setup.js';
import { staticRoutes } from './routes/static.js';

/** What a page answered while the database is unreachable tells browsers and proxies to wait before trying again. */
const UNAVAILABLE_RETRY_SECONDS = 30;

/** Builds the web application; it never listens by itself, so tests call `app.request()`. */
export function createApp(deps: Deps) {
  const app = new Hono<AppEnv>();
  const allowedOrigins = ownOrigins(deps.config.baseUrl);
  const portalHosts = portalHostResolver(deps.db, deps.config.baseUrl);
  servePortalHosts(app, portalHosts, deps.config.baseUrl);

  app.use(async (c, next) => {
    c.set('deps', deps);
    c.set('portalHosts', portalHosts);
    await next();
  });
  if (deps.config.serverTiming) app.use(serverTiming());
  app.use(requestLog());
  app.use(compress());
  app.use(brotli());
  app.use(securityHeaders(deps.config.env === 'production'));

  // Before anything that touches sessions or the database.
  app.route('/static', staticRoutes);
  app.get('/healthz', async (c) => {
    const ok = await databaseReachable(deps.db);
    c.header('Cache-Control', 'no-store');
    return c.json({ status: ok ? 'ok' : 'unavailable', database: ok }, ok ? 200 : 503);
  });
  // Mail providers post here: no session, no browser, its own secret.
  app.route('/inbound', inboundRoutes);

  app.use(configSnapshotForReads());
  app.use(requestContext());
  app.use(async (c, next) => {
    if (!c.env?.misdirected) return next();
    const t = c.get('t');
    return errorPage(c, 421, t('errors:misdirected.title'), t('errors:misdirected.message', { address: deps.config.baseUrl }));
  });
  app.use(csrfGuard(() => allowedOrigins));
  app.use(bodySizeLimit());
  // Portal pages refuse them after their portal has found the signed-in user, so the refusal is in that user's language.
  app.use(refuseControlCharacters({ exceptPortals: true }));

  app.get('/', async (c) => c.redirect((await staffUserCount(deps.db)) === 0 ? '/setup' : '/admin', 303));
  app.route('/', setupRoutes);
  app.route('/', langRoutes);
  app.route('/p', portalRedirectRoutes);
  app.route('/p', portalRoutes);
  app.route('/admin', adminAuthRoutes);
  app.route('/admin', staffTwoFactorSignInRoutes);
  app.use('/admin/*', requireStaff());
  app.use('/admin', requireStaff());
  app.route('/admin', adminHomeRoutes);
  // Emails hold personal links (invitations, password resets): administrators only.
  app.use('/admin/outbox/*', requireAdmin());
  app.use('/admin/outbox', requireAdmin());
  app.route('/admin/outbox', outboxRoutes);
  app.route('/admin/profile', profileRoutes);
  app.route('/admin/profile/two-factor', staffTwoFactorRoutes);
  // Each of these guards itself with requireAdmin().
  app.route('/admin/settings/profiles', settingsProfilesRoutes);
  app.route('/admin/settings/users', settingsUsersRoutes);
  app.route('/admin/settings/privacy', settingsPrivacyRoutes);
  app.route('/admin/privacy/requests', privacyRequestRoutes);
  app.route('/admin/settings/portals', settingsPortalsRoutes);
  app.route('/admin/settings', settingsIndexRoutes);
  app.route('/admin/settings/modules', moduleSettingsRoutes);
  app.route('/admin/settings/portal-config', portalConfigRoutes);
  app.route('/admin/settings/portal-cards', portalCardsRoutes);
  app.route('/admin/settings/portal-web-tabs', portalWebTabsRoutes);
  app.route('/admin/settings/portal-dashboards', portalDashboardsRoutes);
  app.route('/admin/settings/portal-tabs', portalTabsRoutes);
  app.route('/admin/settings/portal-fields', portalFieldsRoutes);
  app.route('/admin/settings/portal-preview', portalPreviewRoutes);
  app.route('/admin/settings/portal-explain', portalExplainRoutes);
  app.route('/admin/m', recordsRoutes);
  app.route('/admin/m', convertRoutes);
  app.route('/admin/m', importRoutes);
  app.route('/admin/m', recordPortalRoutes);
  app.route('/admin/m', recordRoutes);

  app.notFound((c) => {
    const t = c.get('t') ?? fallbackTranslator(c);
    if (!c.get('view')) return c.text(t('errors:notFound.title'), 404);
    return errorPage(c, 404, t('errors:notFound.title'), t('errors:notFound.message'));
  });

  app.onError((err, c) => {
    if (isDatabaseUnavailable(err)) {
      deps.log.warn({ err: err.message, reqId: c.get('requestId'), path: loggablePath(c.req.path) }, 'database unavailable');
      // Its language from the cookie and Accept-Language alone: the visitor's preferences are in the database.
      if (!c.get('view')) applyLocale(c, {});
      const t = c.get('t');
      c.header('Retry-After', String(UNAVAILABLE_RETRY_SECONDS));
      c.header('Cache-Control', 'no-store');
      return errorPage(c, 503, t('errors:unavailable.title'), t('errors:unavailable.message'), c.get('requestId'));
    }
    deps.log.error({ err, reqId: c.get('requestId'), path: loggablePath(c.req.path) }, 'request failed');
    // Without the database (the usual cause here) the page is still in the visitor's language.
    const t = c.get('t') ?? fallbackTranslator(c);
    if (!c.get('view')) return c.text(`${t('errors:server.title')}. ${t('errors:server.message')} ${t('errors:reference', { id: c.get('requestId') })}`, 500);
    return errorPage(c, 500, t('errors:server.title'), t('errors:server.message'), c.get('requestId'));
  });

  return app;
}

export type App = ReturnType<typeof createApp>;
