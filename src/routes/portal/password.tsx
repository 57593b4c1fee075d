import { type Context, Hono } from 'hono';
import { ForgotPasswordPage, ForgotPasswordSent, ResetLinkProblem, ResetPasswordPage } from '../../../views/portal/auth/PasswordPages.js';
import { portalResetState, RESET_MINUTES, type ResetLinkState, requestPortalPasswordReset } from '../../auth/password-reset.js';
import { setPortalCookie } from '../../auth/portal-session.js';
import { signInWithResetLink } from '../../auth/portal-sign-in.js';
import type { AppEnv } from '../../http/env.js';
import { isEmail } from '../../http/input.js';
import { page } from '../../http/render.js';
import { clientAddress, formValues } from '../../http/request.js';
import type { FieldErrors } from '../../org/setup-input.js';
import { portalOf, portalShell } from './context.js';

/** "Forgot your password?" and the reset link it emails. Mounted under /p. */
export const portalPasswordRoutes = new Hono<AppEnv>();

portalPasswordRoutes.get('/:slug/password/forgot', (c) => {
  const p = portalOf(c);
  const t = c.get('t');
  return page(c, { title: t('portalauth:forgot.title'), portal: portalShell(c), body: <ForgotPasswordPage view={c.get('view')} base={p.base} /> });
});

portalPasswordRoutes.post('/:slug/password/forgot', async (c) => {
  const p = portalOf(c);
  const { db, boss } = c.get('deps');
  const t = c.get('t');
  const { email = '' } = await formValues(c, ['email']);
  const trimmed = email.trim();
  if (!isEmail(trimmed.toLowerCase())) {
    return page(c, {
      title: t('portalauth:forgot.title'),
      status: 422,
      portal: portalShell(c),
      body: <ForgotPasswordPage view={c.get('view')} base={p.base} email={trimmed} error={t(trimmed ? 'errors:email' : 'errors:required')} />,
    });
  }
  await requestPortalPasswordReset(db, boss, p.portal, trimmed);
  return page(c, {
    title: t('portalauth:forgot.title'),
    portal: portalShell(c),
    body: <ForgotPasswordSent view={c.get('view')} base={p.base} email={trimmed} minutes={RESET_MINUTES} />,
  });
});

/** A reset link that cannot be used: unknown (404), or expired or used (410). */
function resetLinkProblem(c: Context<AppEnv>, state: Exclude<ResetLinkState, 'valid'>) {
  return page(c, {
    title: c.get('t')('portalauth:reset.problem.title'),
    status: state === 'unknown' ? 404 : 410,
    portal: portalShell(c),
    body: <ResetLinkProblem view={c.get('view')} base={portalOf(c).base} state={state} />,
  });
}

function resetFormPage(c: Context<AppEnv>, status: 200 | 422, errors: FieldErrors) {
  return page(c, {
    title: c.get('t')('portalauth:reset.title'),
    status,
    portal: portalShell(c),
    body: <ResetPasswordPage view={c.get('view')} action={c.req.path} errors={errors} />,
  });
}

portalPasswordRoutes.get('/:slug/password/reset/:token', async (c) => {
  const p = portalOf(c);
  // The token is in the address: it must not travel on to other sites as a referrer.
  c.header('Referrer-Policy', 'no-referrer');
  const state = await portalResetState(c.get('deps').db, p.portal, c.req.param('token'));
  if (state !== 'valid') return resetLinkProblem(c, state);
  return resetFormPage(c, 200, {});
});

portalPasswordRoutes.post('/:slug/password/reset/:token', async (c) => {
  const p = portalOf(c);
  const { db, config } = c.get('deps');
  const form = await formValues(c, ['password', 'passwordConfirm']);
  const result = await signInWithResetLink(db, p.portal, c.req.param('token'), form, {
    sessionDays: config.sessionDays,
    address: clientAddress(c),
    userAgent: c.req.header('User-Agent'),
    replacing: p.session?.id,
  });
  if (!result.ok && result.reason === 'password') return resetFormPage(c, 422, result.errors);
  if (!result.ok) return resetLinkProblem(c, result.reason);
  setPortalCookie(c, p.portal.slug, result.token, result.expiresAt);
  return c.redirect(result.pendingTwoFactor ? `${p.base}/two-factor` : p.base, 303);
});
