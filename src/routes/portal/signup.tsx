import type { Context } from 'hono';
import { Hono } from 'hono';
import type { JSX } from 'hono/jsx/jsx-runtime';
import {
  SignupCodePage,
  type SignupFormProps,
  SignupLinkPage,
  type SignupOutcome,
  SignupOutcomePage,
  SignupPage,
} from '../../../views/portal/auth/SignupPages.js';
import type { AppEnv } from '../../http/env.js';
import { readRecordForm } from '../../http/record-form.js';
import { page } from '../../http/render.js';
import { clientAddress, readForm } from '../../http/request.js';
import { type SignupForm, signupForm } from '../../signup/form.js';
import { type ConfirmResult, confirmByEmail, confirmById, startSignup } from '../../signup/signup.js';
import { portalNotFound, portalOf, portalShell } from './context.js';

/** Self sign-up on a portal that has it on: the form, its code, and where it stands. Mounted under /p. */
export const portalSignupRoutes = new Hono<AppEnv>();

const deps = (c: Context<AppEnv>) => ({ db: c.get('deps').db, boss: c.get('deps').boss, baseUrl: c.get('deps').config.baseUrl });

function show(c: Context<AppEnv>, status: 200 | 410 | 422 | 429, title: string, body: JSX.Element) {
  return page(c, { title, status, portal: portalShell(c), body });
}

function formPage(c: Context<AppEnv>, form: SignupForm, status: 200 | 422 | 429, extra: Partial<SignupFormProps> = {}) {
  const p = portalOf(c);
  const body = (
    <SignupPage
      view={c.get('view')}
      portalName={p.portal.name}
      base={p.base}
      fields={form.fields}
      askConsent={form.org.gdpr_enabled}
      timeZone={form.org.time_zone || 'UTC'}
      {...extra}
    />
  );
  return show(c, status, c.get('t')('signup:form.title', { portal: p.portal.name }), body);
}

function throttled(c: Context<AppEnv>, retryAfterSeconds: number) {
  c.header('Retry-After', String(retryAfterSeconds));
  return c.get('t')('signup:throttled', { count: Math.ceil(retryAfterSeconds / 60) });
}

/** The answer to a code: where the sign-up stands, the code page again, or why the code no longer works. */
function confirmed(c: Context<AppEnv>, result: ConfirmResult, email: string | undefined) {
  const p = portalOf(c);
  const t = c.get('t');
  const view = c.get('view');
  if (result.ok || (result.reason !== 'wrong' && result.reason !== 'throttled')) {
    const outcome: SignupOutcome = result.ok ? result.status : (result.reason as SignupOutcome);
    return show(c, result.ok ? 200 : 410, t(`signup:outcome.${outcome}.title`), <SignupOutcomePage view={view} base={p.base} outcome={outcome} />);
  }
  const error = result.reason === 'throttled' ? throttled(c, result.retryAfterSeconds) : t('signup:code.wrong', { count: result.triesLeft });
  if (email === undefined)
    return show(c, result.reason === 'throttled' ? 429 : 422, t('signup:code.title'), <SignupOutcomePage view={view} base={p.base} outcome="used" />);
  return show(c, result.reason === 'throttled' ? 429 : 422, t('signup:code.title'), <SignupCodePage view={view} base={p.base} email={email} error={error} />);
}

portalSignupRoutes.get('/:slug/signup', async (c) => {
  const form = await signupForm(c.get('deps').db, portalOf(c).portal);
  if (!form) return portalNotFound(c);
  return formPage(c, form, 200, { email: (c.req.query('email') ?? '').slice(0, 254) });
});

portalSignupRoutes.post('/:slug/signup', async (c) => {
  const form = await signupForm(c.get('deps').db, portalOf(c).portal);
  if (!form) return portalNotFound(c);
  const body = await readForm(c);
  const { input } = await readRecordForm(c, form.fields);
  const email = (body.one('email') ?? '').slice(0, 400);
  const consent = body.one('consent') === 'on';
  const result = await startSignup(deps(c), form, { email, values: input, consent, language: c.get('lang'), address: clientAddress(c) });
  if (result.ok) return show(c, 200, c.get('t')('signup:code.title'), <SignupCodePage view={c.get('view')} base={portalOf(c).base} email={result.email} />);
  const kept = { email, values: input, consent };
  if (result.kind === 'throttled') return formPage(c, form, 429, { ...kept, error: throttled(c, result.retryAfterSeconds) });
  return formPage(c, form, 422, { ...kept, errors: result.check.errors });
});

portalSignupRoutes.post('/:slug/signup/confirm', async (c) => {
  const p = portalOf(c);
  if (!p.portal.signup_user_type_id) return portalNotFound(c);
  const body = await readForm(c);
  const email = (body.one('email') ?? '').trim().toLowerCase().slice(0, 254);
  const result = await confirmByEmail(deps(c), p.portal, email, body.one('code') ?? '', clientAddress(c));
  return confirmed(c, result, email);
});

// The link in the email only opens a page whose button confirms: mail scanners and link previews open links,
// so a GET reads and changes nothing (not even the throttle's counts).
portalSignupRoutes.get('/:slug/signup/confirm/:id/:code', (c) => {
  const p = portalOf(c);
  if (!p.portal.signup_user_type_id) return portalNotFound(c);
  c.header('Referrer-Policy', 'no-referrer');
  const body = <SignupLinkPage view={c.get('view')} base={p.base} id={c.req.param('id').slice(0, 64)} code={c.req.param('code').slice(0, 16)} />;
  return show(c, 200, c.get('t')('signup:confirmLink.title'), body);
});

portalSignupRoutes.post('/:slug/signup/confirm/link', async (c) => {
  const p = portalOf(c);
  if (!p.portal.signup_user_type_id) return portalNotFound(c);
  const body = await readForm(c);
  const id = (body.one('id') ?? '').slice(0, 64);
  const result = await confirmById(deps(c), p.portal, id, (body.one('code') ?? '').slice(0, 16), clientAddress(c));
  return confirmed(c, result, undefined);
});
