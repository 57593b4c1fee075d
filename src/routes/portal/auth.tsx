import { type Context, Hono } from 'hono';
import { setCookie } from 'hono/cookie';
import { askWhom } from '../../../views/portal/auth/InvitationPages.js';
import { SignInPage } from '../../../views/portal/auth/SignInPage.js';
import { savePortalLanguage } from '../../auth/portal-preferences.js';
import { clearPortalCookie, setPortalCookie } from '../../auth/portal-session.js';
import { type PasswordSignIn, signInWithPassword } from '../../auth/portal-sign-in.js';
import { invalidateSession } from '../../auth/sessions.js';
import type { AppEnv } from '../../http/env.js';
import { LANG_COOKIE } from '../../http/middleware/context.js';
import { page } from '../../http/render.js';
import { clientAddress, formValues } from '../../http/request.js';
import { isLanguage } from '../../i18n/languages.js';
import { signInChoices } from '../../sso/settings.js';
import { backWithin, portalOf, portalShell } from './context.js';
import { passwordSignInGuard } from './sso.js';

/** Signing in to and out of a portal, and its language switcher. Mounted under /p. */
export const portalAuthRoutes = new Hono<AppEnv>();

type Refusal = Extract<PasswordSignIn, { ok: false }>;

function refusalMessage(c: Context<AppEnv>, result: Refusal): { status: 401 | 403 | 422 | 429; message: string } {
  const view = c.get('view');
  const t = view.t;
  switch (result.reason) {
    case 'missing':
      return { status: 422, message: t('auth:login.errors.missing') };
    case 'invalid':
      return { status: 401, message: `${t('auth:login.errors.invalid')} ${t('portalauth:login.invitedHint')}` };
    case 'deactivated':
      return { status: 403, message: askWhom(view, 'portalauth:login.deactivated', result.contact) };
    case 'throttled_account':
    case 'throttled_address': {
      c.header('Retry-After', String(result.retryAfterSeconds));
      return { status: 429, message: t(`auth:login.errors.${result.reason}`, { count: Math.ceil(result.retryAfterSeconds / 60) }) };
    }
  }
}

portalAuthRoutes.get('/:slug/login', async (c) => {
  const p = portalOf(c);
  if (p.user && !p.pendingTwoFactor) return c.redirect(p.base, 303);
  const t = c.get('t');
  const notice = c.req.query('signedOut') === '1' ? t('auth:signedOut') : undefined;
  const next = c.req.query('next');
  const ways = await signInChoices(c.get('deps').db, p.portal.id, c.get('deps').config.appKey);
  return page(c, {
    title: t('portalauth:login.title', { portal: p.portal.name }),
    portal: portalShell(c),
    body: (
      <SignInPage
        view={c.get('view')}
        portalName={p.portal.name}
        base={p.base}
        notice={notice}
        next={next ? backWithin(p, next) : undefined}
        sso={ways.sso}
        password={ways.password}
        signup={p.portal.signup_user_type_id !== null}
      />
    ),
  });
});

/** The sign-in form again, with what was typed and why it was refused. */
async function refusedSignIn(c: Context<AppEnv>, result: Refusal, form: { email: string; next: string | undefined }) {
  const p = portalOf(c);
  const { status, message } = refusalMessage(c, result);
  const ways = await signInChoices(c.get('deps').db, p.portal.id, c.get('deps').config.appKey);
  return page(c, {
    title: c.get('t')('portalauth:login.title', { portal: p.portal.name }),
    status,
    portal: portalShell(c),
    body: (
      <SignInPage
        view={c.get('view')}
        portalName={p.portal.name}
        base={p.base}
        email={form.email}
        error={message}
        next={form.next}
        sso={ways.sso}
        password={ways.password}
        signup={p.portal.signup_user_type_id !== null}
      />
    ),
  });
}

// Refused while the portal has password sign-in turned off (single sign-on only).
portalAuthRoutes.use('/:slug/login', passwordSignInGuard());
portalAuthRoutes.post('/:slug/login', async (c) => {
  const p = portalOf(c);
  const { db, config } = c.get('deps');
  const form = await formValues(c, ['email', 'password', 'next']);
  const email = (form.email ?? '').trim();
  const next = backWithin(p, form.next);
  const result = await signInWithPassword(
    db,
    p.portal,
    { email, password: form.password },
    {
      sessionDays: config.sessionDays,
      address: clientAddress(c),
      userAgent: c.req.header('User-Agent'),
      replacing: p.session?.id,
    },
  );
  if (!result.ok) return refusedSignIn(c, result, { email, next: form.next ? next : undefined });
  setPortalCookie(c, p.portal.slug, result.token, result.expiresAt);
  if (result.pendingTwoFactor) return c.redirect(`${p.base}/two-factor?next=${encodeURIComponent(next)}`, 303);
  return c.redirect(next, 303);
});

portalAuthRoutes.post('/:slug/logout', async (c) => {
  const p = portalOf(c);
  if (p.session) await invalidateSession(c.get('deps').db, p.session.id);
  clearPortalCookie(c, p.portal.slug);
  return c.redirect(`${p.base}/login?signedOut=1`, 303);
});

// The portal's language switcher: the cookie for everyone, and the signed-in user's preference
// (which would otherwise win over the cookie on their next page).
portalAuthRoutes.post('/:slug/lang', async (c) => {
  const p = portalOf(c);
  const form = await formValues(c, ['lang', 'back']);
  if (!isLanguage(form.lang)) return c.text(c.get('t')('errors:language'), 422);
  setCookie(c, LANG_COOKIE, form.lang, { path: '/', sameSite: 'Lax', maxAge: 365 * 24 * 3600, secure: c.get('deps').config.env === 'production' });
  if (p.user && !p.pendingTwoFactor) await savePortalLanguage(c.get('deps').db, p.user.id, form.lang);
  return c.redirect(backWithin(p, form.back), 303);
});
