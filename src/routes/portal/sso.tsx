import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { askWhom } from '../../../views/portal/auth/InvitationPages.js';
import { SignInPage } from '../../../views/portal/auth/SignInPage.js';
import { secureCookies } from '../../auth/cookies.js';
import { portalBase, setPortalCookie } from '../../auth/portal-session.js';
import { type AppEnv, portalHostOf } from '../../http/env.js';
import { page } from '../../http/render.js';
import { clientAddress, formValues } from '../../http/request.js';
import { SSO_STATE_MINUTES } from '../../sso/flow.js';
import { signInChoices } from '../../sso/settings.js';
import { completeSsoSignIn, type SsoRequest, type SsoSignIn, ssoRedirectUri, startSsoSignIn } from '../../sso/sign-in.js';
import { continueToProvider } from '../sso-continue.js';
import { backWithin, portalOf, portalShell } from './context.js';

/**
 * Signing in to a portal with its single sign-on provider: the start (a form
 * on the sign-in page, so a POST behind the app's cross-origin guard) and the
 * provider's callback. Mounted under /p, before the portal's catch-all.
 */
export const portalSsoRoutes = new Hono<AppEnv>();

/** Holds the state of the sign-in this browser started: the callback must come back to the browser that left. */
const SSO_STATE_COOKIE = 'porta_sso_state';

const ssoCookiePath = (c: Context<AppEnv>, slug: string) => (portalHostOf(c) ? '/sso' : `${portalBase(slug)}/sso`);

/** The step's browser; its redirect URI is the one of the surface it is on: the portal's own host name, or Porta's address. */
function ssoRequest(c: Context<AppEnv>): SsoRequest {
  const { config } = c.get('deps');
  const redirectUri = ssoRedirectUri(config.baseUrl, portalOf(c).portal.slug, portalHostOf(c)?.origin);
  return { env: config.env, appKey: config.appKey, redirectUri, address: clientAddress(c), userAgent: c.req.header('User-Agent'), log: c.get('deps').log };
}

/** The portal's sign-in page with a refusal, and the ways in it offers. */
export async function signInRefused(c: Context<AppEnv>, status: ContentfulStatusCode, message: string, next?: string) {
  const p = portalOf(c);
  const choices = await signInChoices(c.get('deps').db, p.portal.id, c.get('deps').config.appKey);
  return page(c, {
    title: c.get('t')('portalauth:login.title', { portal: p.portal.name }),
    status,
    portal: portalShell(c),
    body: (
      <SignInPage view={c.get('view')} portalName={p.portal.name} base={p.base} error={message} next={next} sso={choices.sso} password={choices.password} />
    ),
  });
}

/** Password sign-in turned off for the portal: its form is not shown, and a posted one is refused. */
export function passwordSignInGuard(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.method !== 'POST') return next();
    const p = portalOf(c);
    const choices = await signInChoices(c.get('deps').db, p.portal.id, c.get('deps').config.appKey);
    if (choices.password) return next();
    return signInRefused(c, 403, c.get('t')('sso:signIn.passwordOff'));
  };
}

portalSsoRoutes.post('/:slug/sso/start', async (c) => {
  const p = portalOf(c);
  const form = await formValues(c, ['next']);
  const returnTo = form.next ? backWithin(p, form.next) : undefined;
  const result = await startSsoSignIn(c.get('deps').db, p.portal, returnTo, ssoRequest(c));
  const t = c.get('t');
  if (!result.ok)
    return signInRefused(
      c,
      result.reason === 'unavailable' ? 404 : 502,
      t(result.reason === 'unavailable' ? 'sso:refused.unavailable' : 'sso:refused.provider'),
    );
  setCookie(c, SSO_STATE_COOKIE, result.state, {
    httpOnly: true,
    // Lax: sent on the provider's top-level redirect back to the callback.
    sameSite: 'Lax',
    secure: secureCookies(c.get('deps').config),
    path: ssoCookiePath(c, p.portal.slug),
    maxAge: SSO_STATE_MINUTES * 60,
  });
  return continueToProvider(c, result.url, portalShell(c));
});

type Refusal = Extract<SsoSignIn, { ok: false }>;

const REFUSALS: Record<Exclude<Refusal['reason'], 'deactivated' | 'signup' | 'throttled'>, [ContentfulStatusCode, string]> = {
  state: [400, 'sso:refused.state'],
  provider_error: [401, 'sso:refused.provider'],
  invalid_token: [401, 'sso:refused.invalidToken'],
  unverified: [403, 'sso:refused.unverified'],
  unknown_user: [403, 'sso:refused.unknownUser'],
  not_active: [403, 'sso:refused.notActive'],
  unavailable: [404, 'sso:refused.unavailable'],
};

/** Why the provider's answer signs nobody in, on the sign-in page; an unknown verified email may go on to sign up. */
function refused(c: Context<AppEnv>, result: Refusal) {
  const p = portalOf(c);
  const view = c.get('view');
  switch (result.reason) {
    case 'signup':
      return c.redirect(`${p.base}/signup?email=${encodeURIComponent(result.email)}`, 303);
    case 'deactivated':
      return signInRefused(c, 403, askWhom(view, 'portalauth:login.deactivated', result.contact));
    case 'throttled':
      c.header('Retry-After', String(result.retryAfterSeconds));
      return signInRefused(c, 429, view.t('sso:refused.throttled', { count: Math.ceil(result.retryAfterSeconds / 60) }));
    default: {
      const [status, key] = REFUSALS[result.reason];
      return signInRefused(c, status, view.t(key));
    }
  }
}

portalSsoRoutes.get('/:slug/sso/callback', async (c) => {
  const p = portalOf(c);
  const { db, config } = c.get('deps');
  const browserState = getCookie(c, SSO_STATE_COOKIE);
  deleteCookie(c, SSO_STATE_COOKIE, { path: ssoCookiePath(c, p.portal.slug), secure: secureCookies(config), httpOnly: true, sameSite: 'Lax' });
  const search = new URL(c.req.url).search;
  const callback = { search, browserState, replacing: p.session?.id, sessionDays: config.sessionDays };
  const result = await completeSsoSignIn(db, p.portal, callback, ssoRequest(c));
  if (!result.ok) return refused(c, result);
  setPortalCookie(c, p.portal.slug, result.token, result.expiresAt);
  const next = backWithin(p, result.returnTo);
  if (result.pendingTwoFactor) return c.redirect(`${p.base}/two-factor?next=${encodeURIComponent(next)}`, 303);
  return c.redirect(next, 303);
});
