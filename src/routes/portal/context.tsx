import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { PortalShell } from '../../../views/layouts/PortalLayout.js';
import type { PortalRequest } from '../../auth/portal-request.js';
import { clearPortalCookie, findPortalBySlug, PORTAL_COOKIE, portalBase, resolvePortalSession, setPortalCookie } from '../../auth/portal-session.js';
import { moduleLabel } from '../../crm/metadata.js';
import type { AppEnv } from '../../http/env.js';
import { applyLocale } from '../../http/middleware/context.js';
import { page } from '../../http/render.js';
import { safeBackPath } from '../../http/request.js';
import { portalBrand } from '../../portals/branding.js';
import { ownRecordHref, type PortalNav, portalNav } from '../../portals/portal-nav.js';

/**
 * Every /p/:slug request: the portal (current slugs only; old ones were
 * redirected before this), the signed-in portal user if the cookie names one
 * whose access still holds, and the page language from their preferences.
 */
export function loadPortal(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { db, config } = c.get('deps');
    const slug = c.req.param('slug') ?? '';
    const portal = await findPortalBySlug(db, slug);
    if (!portal) return c.notFound();
    const token = getCookie(c, PORTAL_COOKIE);
    const resolved = token ? await resolvePortalSession(db, token, portal, config.sessionDays) : undefined;
    const signedIn = resolved?.state === 'signed_in' ? resolved : undefined;
    if (token && !signedIn) clearPortalCookie(c, slug);
    if (token && signedIn?.session.extended) setPortalCookie(c, slug, token, signedIn.session.expires_at);
    const request: PortalRequest = {
      portal,
      base: portalBase(portal.slug),
      session: signedIn?.session,
      user: signedIn?.user,
      access: signedIn?.access,
      pendingTwoFactor: Boolean(signedIn?.session.two_factor_pending),
    };
    c.set('portal', request);
    const user = signedIn?.user;
    applyLocale(c, { language: user?.language, timeZone: user?.timeZone, timeFormat: user?.timeFormat });
    // A signed-in user's pages must not come back from a cache after signing out.
    if (user) c.header('Cache-Control', 'no-store');
    await next();
  };
}

/** The portal of a request that went through loadPortal. */
export function portalOf(c: Context<AppEnv>): PortalRequest {
  const portal = c.get('portal');
  if (!portal) throw new Error('portal route without loadPortal()');
  return portal;
}

/** A path inside this portal to go back to after a step, or the portal's home. */
export function backWithin(p: PortalRequest, value: string | undefined): string {
  const path = safeBackPath(value, p.base);
  return path === p.base || path.startsWith(`${p.base}/`) || path.startsWith(`${p.base}?`) ? path : p.base;
}

const here = (c: Context<AppEnv>) => {
  const url = new URL(c.req.url);
  return url.pathname + url.search;
};

type GuardStage = 'full' | 'two_factor_setup';

/**
 * Pages of a signed-in portal user. A session still owing its second factor
 * reaches only that step; a user whose type requires two-factor sign-in and
 * who has none reaches only its setup (`two_factor_setup` pages).
 */
export function requirePortalUser(stage: GuardStage = 'full'): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const p = portalOf(c);
    const t = c.get('t');
    const refuse = () => portalMessage(c, 401, t('errors:signedOutTitle'), t('errors:signedOut'));
    // HEAD is answered as GET would be, without the body.
    const reading = c.req.method === 'GET' || c.req.method === 'HEAD';
    if (!p.user) return reading ? c.redirect(`${p.base}/login?next=${encodeURIComponent(here(c))}`, 303) : refuse();
    if (p.pendingTwoFactor) return reading ? c.redirect(`${p.base}/two-factor?next=${encodeURIComponent(here(c))}`, 303) : refuse();
    if (stage === 'full' && p.user.twoFactorRequired && !p.user.twoFactorEnabled) {
      if (reading) return c.redirect(`${p.base}/profile/two-factor?next=${encodeURIComponent(here(c))}`, 303);
      return portalMessage(c, 403, t('errors:forbiddenTitle'), t('twofactor:settings.required'));
    }
    await next();
  };
}

/** The portal's shell: its name, and for a signed-in user their tabs and menu. */
export function portalShell(c: Context<AppEnv>, nav?: PortalNav): PortalShell {
  const p = portalOf(c);
  const { t, lang } = c.get('view');
  return {
    name: p.portal.name,
    base: p.base,
    brand: portalBrand(p.portal),
    tabs: nav
      ? [
          ...nav.modules.map((m) => ({ href: `${p.base}/m/${m.module.api_name}`, label: moduleLabel(t, lang, m.module, 'plural', m.tab.labels) })),
          ...nav.webTabs.map((w) => ({ href: `${p.base}/tabs/${w.id}`, label: w.name })),
        ]
      : [],
    userName: p.user?.name,
    detailsHref: nav ? ownRecordHref(nav, p.access, p.base) : undefined,
    privacyHref: nav && p.access?.privacyPage ? `${p.base}/privacy` : undefined,
    langAction: `${p.base}/lang`,
  };
}

/** A short page in the portal's shell: refusals, "not found", "nothing here yet". */
export function portalMessage(c: Context<AppEnv>, status: 200 | 401 | 403 | 404 | 410, title: string, message: string, nav?: PortalNav) {
  return page(c, {
    title,
    status,
    portal: portalShell(c, nav),
    body: (
      <section>
        <h1>{title}</h1>
        <p>{message}</p>
        {(status === 403 || status === 404) && (
          <p>
            <a href={portalOf(c).base}>{c.get('t')('portal:backHome')}</a>
          </p>
        )}
      </section>
    ),
  });
}

/** "Not found" in the portal's own frame, with its tabs: for an address of the portal that names nothing this user reaches. */
export async function portalNotFound(c: Context<AppEnv>) {
  const t = c.get('t');
  const nav = await portalNav(c.get('deps').db, portalOf(c).access);
  return portalMessage(c, 404, t('errors:notFound.title'), t('errors:notFound.message'), nav);
}
