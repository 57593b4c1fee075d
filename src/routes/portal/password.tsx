import { Hono } from 'hono';
import { ForgotPasswordPage, ForgotPasswordSent, ResetLinkProblem, ResetPasswordPage } from '../../../views/portal/auth/PasswordPages.js';
import { checkNewPassword, portalResetState, RESET_MINUTES, requestPortalPasswordReset, resetPortalPassword } from '../../auth/password-reset.js';
import { setPortalCookie } from '../../auth/portal-session.js';
import { invalidateSession } from '../../auth/sessions.js';
import type { AppEnv } from '../../http/env.js';
import { isEmail } from '../../http/input.js';
import { page } from '../../http/render.js';
import { clientAddress, formValues } from '../../http/request.js';
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

portalPasswordRoutes.get('/:slug/password/reset/:token', async (c) => {
  const p = portalOf(c);
  const t = c.get('t');
  // The token is in the address: it must not travel on to other sites as a referrer.
  c.header('Referrer-Policy', 'no-referrer');
  const state = await portalResetState(c.get('deps').db, p.portal, c.req.param('token'));
  if (state !== 'valid') {
    return page(c, {
      title: t('portalauth:reset.problem.title'),
      status: state === 'unknown' ? 404 : 410,
      portal: portalShell(c),
      body: <ResetLinkProblem view={c.get('view')} base={p.base} state={state} />,
    });
  }
  return page(c, {
    title: t('portalauth:reset.title'),
    portal: portalShell(c),
    body: <ResetPasswordPage view={c.get('view')} action={c.req.path} errors={{}} />,
  });
});

portalPasswordRoutes.post('/:slug/password/reset/:token', async (c) => {
  const p = portalOf(c);
  const { db, config } = c.get('deps');
  const t = c.get('t');
  const form = await formValues(c, ['password', 'passwordConfirm']);
  const checked = checkNewPassword(form);
  if (!checked.ok) {
    return page(c, {
      title: t('portalauth:reset.title'),
      status: 422,
      portal: portalShell(c),
      body: <ResetPasswordPage view={c.get('view')} action={c.req.path} errors={checked.errors} />,
    });
  }
  const result = await resetPortalPassword(db, p.portal, c.req.param('token'), checked.password, {
    sessionDays: config.sessionDays,
    ip: clientAddress(c),
    userAgent: c.req.header('User-Agent'),
  });
  if (!result.ok) {
    return page(c, {
      title: t('portalauth:reset.problem.title'),
      status: result.reason === 'unknown' ? 404 : 410,
      portal: portalShell(c),
      body: <ResetLinkProblem view={c.get('view')} base={p.base} state={result.reason} />,
    });
  }
  // The session this browser had (another account's, say) ends: the reset starts a new one.
  if (p.session) await invalidateSession(db, p.session.id);
  setPortalCookie(c, p.portal.slug, result.token, result.expiresAt);
  return c.redirect(result.pendingTwoFactor ? `${p.base}/two-factor` : p.base, 303);
});
