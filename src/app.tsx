import { Hono } from 'hono';
import { compress } from 'hono/compress';
import { requireStaff } from './auth/guards.js';
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
import { adminHomeRoutes } from './routes/admin/home.js';
import { outboxRoutes } from './routes/admin/outbox.js';
import { configuratorRoutes } from './routes/admin/portals/area.js';
import { privacyRequestRoutes } from './routes/admin/privacy/requests.js';
import { settingsPrivacyRoutes } from './routes/admin/privacy/settings.js';
import { profileRoutes } from './routes/admin/profile.js';
import { adminRecordRoutes } from './routes/admin/records/area.js';
import { settingsIndexRoutes } from './routes/admin/settings/index.js';
import { moduleSettingsRoutes } from './routes/admin/settings/modules.js';
import { settingsProfilesRoutes } from './routes/admin/settings/profiles.js';
import { staffSsoSettingsRoutes } from './routes/admin/settings/sso.js';
import { settingsUsersRoutes } from './routes/admin/settings/users.js';
import { adminSsoRoutes } from './routes/admin/sso.js';
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
  app.route('/admin', adminSsoRoutes);
  app.route('/admin', staffTwoFactorSignInRoutes);
  app.use('/admin/*', requireStaff());
  app.use('/admin', requireStaff());
  app.route('/admin', adminHomeRoutes);
  app.route('/admin/outbox', outboxRoutes);
  app.route('/admin/profile', profileRoutes);
  app.route('/admin/profile/two-factor', staffTwoFactorRoutes);
  // Each of these guards itself with requireAdmin().
  app.route('/admin/settings/profiles', settingsProfilesRoutes);
  app.route('/admin/settings/users', settingsUsersRoutes);
  app.route('/admin/settings/privacy', settingsPrivacyRoutes);
  app.route('/admin/settings/sso', staffSsoSettingsRoutes);
  app.route('/admin/privacy/requests', privacyRequestRoutes);
  app.route('/admin/settings', settingsIndexRoutes);
  app.route('/admin/settings/modules', moduleSettingsRoutes);
  app.route('/admin/settings', configuratorRoutes);
  app.route('/admin/m', adminRecordRoutes);

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
