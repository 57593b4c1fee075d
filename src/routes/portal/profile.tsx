import { type Context, Hono } from 'hono';
import { PortalProfilePage } from '../../../views/portal/auth/PreferencesPage.js';
import { ChallengePage } from '../../../views/twofactor/ChallengePage.js';
import { RecoveryCodesPage, SettingsPage } from '../../../views/twofactor/SettingsPage.js';
import { changePortalPassword, endOtherPortalSessions } from '../../auth/password-change.js';
import { type PreferenceValues, preferenceValues, submitPortalPreferences } from '../../auth/portal-preferences.js';
import { type SecondFactorSignIn, signInWithSecondFactor } from '../../auth/portal-sign-in.js';
import { beginTwoFactorSetup, confirmTwoFactorSetup, disableTwoFactor, twoFactorState } from '../../auth/two-factor.js';
import type { AppEnv } from '../../http/env.js';
import { page } from '../../http/render.js';
import { clientAddress, formValues } from '../../http/request.js';
import type { FieldErrors } from '../../org/setup-input.js';
import { portalNav } from '../../portals/portal-nav.js';
import { backWithin, portalOf, portalShell, requirePortalUser } from './context.js';

/** The portal user's profile (preferences) and two-factor sign-in: its setup and the sign-in step. Mounted under /p. */
export const portalProfileRoutes = new Hono<AppEnv>();

portalProfileRoutes.use('/:slug/profile', requirePortalUser());
for (const path of ['/:slug/profile/password', '/:slug/profile/sessions/*']) portalProfileRoutes.use(path, requirePortalUser());
// Also matches /profile/two-factor itself.
portalProfileRoutes.use('/:slug/profile/two-factor/*', requirePortalUser('two_factor_setup'));

/** The profile page; `form`: the preferences as submitted, drawn again with their messages. */
async function profilePage(
  c: Context<AppEnv>,
  opts: { status?: 200 | 422; securityErrors?: FieldErrors; form?: { values: PreferenceValues; errors: FieldErrors } } = {},
) {
  const p = portalOf(c);
  if (!p.user) return c.notFound();
  const nav = await portalNav(c.get('deps').db, p.access);
  // A refused form is answered at the form's own address, with no notice from an earlier step.
  const q = opts.form ? {} : c.req.query();
  return page(c, {
    title: c.get('t')('portalauth:profile.title'),
    status: opts.status ?? 200,
    portal: portalShell(c, nav),
    body: (
      <PortalProfilePage
        view={c.get('view')}
        base={p.base}
        email={p.user.email}
        values={opts.form?.values ?? preferenceValues(p.user, c.get('org'), c.get('lang'))}
        errors={opts.form?.errors ?? {}}
        saved={q.saved === '1'}
        twoFactorOn={p.user.twoFactorEnabled}
        securityErrors={opts.securityErrors}
        notice={q.password === 'changed' ? 'passwordChanged' : q.sessions === 'ended' ? 'signedOutElsewhere' : undefined}
      />
    ),
  });
}

portalProfileRoutes.get('/:slug/profile', (c) => profilePage(c));

// The current password proves it is them; every other session ends.
portalProfileRoutes.post('/:slug/profile/password', async (c) => {
  const p = portalOf(c);
  if (!p.user || !p.session) return c.notFound();
  const form = await formValues(c, ['currentPassword', 'password', 'passwordConfirm']);
  const changed = await changePortalPassword(c.get('deps').db, p.user, p.session.id, form);
  if (!changed.ok) return profilePage(c, { status: 422, securityErrors: changed.errors });
  return c.redirect(`${p.base}/profile?password=changed`, 303);
});

portalProfileRoutes.post('/:slug/profile/sessions/end', async (c) => {
  const p = portalOf(c);
  if (!p.user || !p.session) return c.notFound();
  await endOtherPortalSessions(c.get('deps').db, p.user, p.session.id);
  return c.redirect(`${p.base}/profile?sessions=ended`, 303);
});

portalProfileRoutes.post('/:slug/profile', async (c) => {
  const p = portalOf(c);
  if (!p.user) return c.notFound();
  const form = await formValues(c, ['language', 'timeFormat', 'timeZone', 'country']);
  const saved = await submitPortalPreferences(c.get('deps').db, p.user.id, form);
  if (saved.ok) return c.redirect(`${p.base}/profile?saved=1`, 303);
  return profilePage(c, { status: 422, form: saved });
});

async function settingsPage(c: Context<AppEnv>, opts: { status?: 200 | 403 | 422 | 429; error?: string; notice?: string; next?: string | undefined } = {}) {
  const p = portalOf(c);
  const db = c.get('deps').db;
  const user = p.user;
  if (!user) return c.notFound();
  const who = { kind: 'portal' as const, id: user.id };
  const state = await twoFactorState(db, who);
  const setup = state.enabled ? undefined : await beginTwoFactorSetup(db, who, { issuer: p.portal.name, account: user.email });
  const required = user.twoFactorRequired;
  // Until a required setup is done there is nowhere else to go: no tabs.
  const nav = required && !state.enabled ? undefined : await portalNav(db, p.access);
  return page(c, {
    title: c.get('t')('twofactor:settings.title'),
    status: opts.status ?? 200,
    portal: portalShell(c, nav),
    body: (
      <SettingsPage
        view={c.get('view')}
        base={`${p.base}/profile/two-factor`}
        state={state}
        setup={setup}
        required={required}
        next={opts.next}
        notice={opts.notice}
        error={opts.error}
      />
    ),
  });
}

portalProfileRoutes.get('/:slug/profile/two-factor', (c) => {
  const p = portalOf(c);
  const next = c.req.query('next');
  const notice = c.req.query('done') === 'disabled' ? c.get('t')('twofactor:disable.done') : undefined;
  return settingsPage(c, { next: next ? backWithin(p, next) : undefined, notice });
});

portalProfileRoutes.post('/:slug/profile/two-factor/enable', async (c) => {
  const p = portalOf(c);
  const db = c.get('deps').db;
  const t = c.get('t');
  if (!p.user) return c.notFound();
  const form = await formValues(c, ['code', 'next']);
  const next = form.next ? backWithin(p, form.next) : undefined;
  const result = await confirmTwoFactorSetup(db, { kind: 'portal', id: p.user.id }, form.code ?? '');
  if (!result.ok) {
    if (result.reason === 'already_enabled') return c.redirect(`${p.base}/profile/two-factor`, 303);
    return settingsPage(c, { status: 422, error: t('twofactor:setup.invalid'), next });
  }
  const nav = await portalNav(db, p.access);
  return page(c, {
    title: t('twofactor:codes.title'),
    portal: portalShell(c, nav),
    body: <RecoveryCodesPage view={c.get('view')} codes={result.recoveryCodes} continueHref={next ?? `${p.base}/profile/two-factor`} />,
  });
});

portalProfileRoutes.post('/:slug/profile/two-factor/disable', async (c) => {
  const p = portalOf(c);
  const t = c.get('t');
  if (!p.user) return c.notFound();
  if (p.user.twoFactorRequired) return settingsPage(c, { status: 403, error: t('twofactor:disable.required') });
  const { code = '' } = await formValues(c, ['code']);
  const result = await disableTwoFactor(c.get('deps').db, { kind: 'portal', id: p.user.id }, code, clientAddress(c));
  if (result.ok) return c.redirect(`${p.base}/profile/two-factor?done=disabled`, 303);
  if (result.reason === 'throttled') {
    c.header('Retry-After', String(result.retryAfterSeconds));
    return settingsPage(c, { status: 429, error: t('twofactor:challenge.errors.throttled', { count: Math.ceil(result.retryAfterSeconds / 60) }) });
  }
  return settingsPage(c, { status: 422, error: t('twofactor:challenge.errors.invalid') });
});

// The sign-in step: only for a session that owes its second factor.
portalProfileRoutes.get('/:slug/two-factor', async (c) => {
  const p = portalOf(c);
  if (!p.user) return c.redirect(`${p.base}/login`, 303);
  const next = backWithin(p, c.req.query('next'));
  if (!p.pendingTwoFactor) return c.redirect(next, 303);
  return page(c, {
    title: c.get('t')('twofactor:challenge.title'),
    portal: portalShell(c),
    body: <ChallengePage view={c.get('view')} action={`${p.base}/two-factor`} logoutAction={`${p.base}/logout`} next={next} />,
  });
});

/** The sign-in step again, saying why the code was refused. */
function refusedChallenge(c: Context<AppEnv>, result: Extract<SecondFactorSignIn, { ok: false }>, next: string) {
  const p = portalOf(c);
  const t = c.get('t');
  if (result.reason === 'throttled') c.header('Retry-After', String(result.retryAfterSeconds));
  const [status, error] =
    result.reason === 'missing'
      ? ([422, t('twofactor:challenge.errors.missing')] as const)
      : result.reason === 'throttled'
        ? ([429, t('twofactor:challenge.errors.throttled', { count: Math.ceil(result.retryAfterSeconds / 60) })] as const)
        : ([401, t('twofactor:challenge.errors.invalid')] as const);
  return page(c, {
    title: t('twofactor:challenge.title'),
    status,
    portal: portalShell(c),
    body: <ChallengePage view={c.get('view')} action={`${p.base}/two-factor`} logoutAction={`${p.base}/logout`} next={next} error={error} />,
  });
}

portalProfileRoutes.post('/:slug/two-factor', async (c) => {
  const p = portalOf(c);
  if (!p.user || !p.session) return c.redirect(`${p.base}/login`, 303);
  const form = await formValues(c, ['code', 'next']);
  const next = backWithin(p, form.next);
  if (!p.pendingTwoFactor) return c.redirect(next, 303);
  const { db, config } = c.get('deps');
  const pending = { userId: p.user.id, sessionId: p.session.id };
  const result = await signInWithSecondFactor(db, pending, form.code, { address: clientAddress(c), sessionDays: config.sessionDays });
  if (!result.ok) return refusedChallenge(c, result, next);
  return c.redirect(next, 303);
});
