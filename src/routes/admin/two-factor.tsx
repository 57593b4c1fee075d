import { type Context, Hono } from 'hono';
import { ChallengePage } from '../../../views/twofactor/ChallengePage.js';
import { RecoveryCodesPage, SettingsPage } from '../../../views/twofactor/SettingsPage.js';
import { staffReturnPath } from '../../auth/staff.js';
import {
  beginTwoFactorSetup,
  checkSecondFactor,
  completeTwoFactorSession,
  confirmTwoFactorSetup,
  disableTwoFactor,
  twoFactorState,
} from '../../auth/two-factor.js';
import type { AppEnv } from '../../http/env.js';
import { page } from '../../http/render.js';
import { clientAddress, formValues } from '../../http/request.js';

/** The sign-in step for staff who turned two-factor on. Mounted under /admin, before the staff guard. */
export const staffTwoFactorSignInRoutes = new Hono<AppEnv>();

/** The session that signed in with a password and still owes its code. */
const pendingSession = (c: Context<AppEnv>) => {
  const session = c.get('session');
  return session?.user_kind === 'staff' && session.two_factor_pending ? session : undefined;
};

staffTwoFactorSignInRoutes.get('/two-factor', async (c) => {
  const next = staffReturnPath(c.req.query('next'));
  if (c.get('staff')) return c.redirect(next, 303);
  if (!pendingSession(c)) return c.redirect('/admin/login', 303);
  return page(c, {
    title: c.get('t')('twofactor:challenge.title'),
    layout: 'auth',
    body: <ChallengePage view={c.get('view')} action="/admin/two-factor" logoutAction="/admin/logout" next={next} />,
  });
});

/** The code form again, saying why the code was refused. */
function refusedChallenge(c: Context<AppEnv>, next: string, status: 401 | 422 | 429, error: string) {
  return page(c, {
    title: c.get('t')('twofactor:challenge.title'),
    layout: 'auth',
    status,
    body: <ChallengePage view={c.get('view')} action="/admin/two-factor" logoutAction="/admin/logout" next={next} error={error} />,
  });
}

staffTwoFactorSignInRoutes.post('/two-factor', async (c) => {
  const { db, config } = c.get('deps');
  const t = c.get('t');
  const form = await formValues(c, ['code', 'next']);
  const next = staffReturnPath(form.next);
  if (c.get('staff')) return c.redirect(next, 303);
  const session = pendingSession(c);
  if (!session) return c.redirect('/admin/login', 303);
  if (!form.code?.trim()) return refusedChallenge(c, next, 422, t('twofactor:challenge.errors.missing'));
  const checked = await checkSecondFactor(db, { kind: 'staff', id: session.user_id }, form.code, { address: clientAddress(c), allowRecovery: true });
  if (checked.ok) {
    await completeTwoFactorSession(db, session.id, config.sessionDays);
    return c.redirect(next, 303);
  }
  if (checked.reason !== 'throttled') return refusedChallenge(c, next, 401, t('twofactor:challenge.errors.invalid'));
  c.header('Retry-After', String(checked.retryAfterSeconds));
  return refusedChallenge(c, next, 429, t('twofactor:challenge.errors.throttled', { count: Math.ceil(checked.retryAfterSeconds / 60) }));
});

/** A staff user's own two-factor settings. Mounted under /admin/profile/two-factor, behind the staff guard. */
export const staffTwoFactorRoutes = new Hono<AppEnv>();

const BASE = '/admin/profile/two-factor';

async function settings(c: Context<AppEnv>, opts: { status?: 200 | 422 | 429; error?: string; notice?: string } = {}) {
  const staff = c.get('staff');
  if (!staff) return c.notFound();
  const db = c.get('deps').db;
  const who = { kind: 'staff' as const, id: staff.id };
  const state = await twoFactorState(db, who);
  const setup = state.enabled ? undefined : await beginTwoFactorSetup(db, who, { issuer: c.get('org')?.name ?? 'Porta', account: staff.email });
  return page(c, {
    title: c.get('t')('twofactor:settings.title'),
    status: opts.status ?? 200,
    body: <SettingsPage view={c.get('view')} base={BASE} state={state} setup={setup} notice={opts.notice} error={opts.error} />,
  });
}

staffTwoFactorRoutes.get('/', (c) => settings(c, { notice: c.req.query('done') === 'disabled' ? c.get('t')('twofactor:disable.done') : undefined }));

staffTwoFactorRoutes.post('/enable', async (c) => {
  const staff = c.get('staff');
  if (!staff) return c.notFound();
  const t = c.get('t');
  const { code = '' } = await formValues(c, ['code']);
  const result = await confirmTwoFactorSetup(c.get('deps').db, { kind: 'staff', id: staff.id }, code);
  if (!result.ok) {
    if (result.reason === 'already_enabled') return c.redirect(BASE, 303);
    return settings(c, { status: 422, error: t('twofactor:setup.invalid') });
  }
  return page(c, { title: t('twofactor:codes.title'), body: <RecoveryCodesPage view={c.get('view')} codes={result.recoveryCodes} continueHref={BASE} /> });
});

staffTwoFactorRoutes.post('/disable', async (c) => {
  const staff = c.get('staff');
  if (!staff) return c.notFound();
  const t = c.get('t');
  const { code = '' } = await formValues(c, ['code']);
  const result = await disableTwoFactor(c.get('deps').db, { kind: 'staff', id: staff.id }, code, clientAddress(c));
  if (result.ok) return c.redirect(`${BASE}?done=disabled`, 303);
  if (result.reason === 'throttled') {
    c.header('Retry-After', String(result.retryAfterSeconds));
    return settings(c, { status: 429, error: t('twofactor:challenge.errors.throttled', { count: Math.ceil(result.retryAfterSeconds / 60) }) });
  }
  return settings(c, { status: 422, error: t('twofactor:challenge.errors.invalid') });
});
