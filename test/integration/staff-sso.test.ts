import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/auth/passwords.js';
import { profileId } from '../../src/auth/staff.js';
import { THROTTLE } from '../../src/auth/throttle.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme, seedAcme } from '../support/fixtures.js';
import { providerAddress, startTestProvider, type TestProvider } from '../support/oidc.js';
import { freePort } from '../support/ports.js';

// Staff sign-in with single sign-on against a real OpenID Connect provider
// (oidc-provider on 127.0.0.1): the test drives its sign-in and consent pages,
// then sends the callback the provider redirects to, as the browser would.

let t: TestApp;
let idp: TestProvider;
let admin: BrowserClient;
const ids = {} as Record<'ana' | 'dora' | 'gone', string>;
const CALLBACK = 'http://porta.test/admin/sso/callback';
const STATE_COOKIE = 'porta_staff_sso_state';

const accounts = {
  // The provider's address differs in case from the staff user's: matched case-insensitively.
  ana: { email: 'Ana@Acme.example', emailVerified: true },
  anaUnverified: { email: acme.admin.email, emailVerified: false },
  dora: { email: 'dora@acme.example', emailVerified: true },
  gone: { email: 'gone@acme.example', emailVerified: true },
  stranger: { email: 'someone@elsewhere.example', emailVerified: true },
};

async function addStaff(email: string, active: boolean) {
  const row = await t.db
    .insertInto('staff_users')
    .values({
      email,
      name: email.split('@')[0] ?? email,
      password_hash: await hashPassword('Staff-Pass-2027!'),
      profile_id: await profileId(t.db, 'standard'),
      active,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

beforeAll(async () => {
  t = await startTestApp({ env: { APP_KEY: randomBytes(32).toString('base64') } });
  ids.ana = (await seedAcme(t.db)).admin.id;
  ids.dora = await addStaff('dora@acme.example', true);
  ids.gone = await addStaff('gone@acme.example', false);
  await t.db.insertInto('two_factor').values({ user_kind: 'staff', user_id: ids.dora, secret: 'JBSWY3DPEHPK3PXP', enabled_at: new Date() }).execute();
  idp = await startTestProvider(accounts, [CALLBACK]);
  admin = browserClient(t.app);
  expect((await admin.post('/admin/login', { email: acme.admin.email, password: acme.admin.password })).status).toBe(303);
  await saveSso({});
});
afterAll(async () => {
  await idp?.close();
  await t?.close();
});
beforeEach(async () => {
  await t.db.deleteFrom('login_attempts').execute();
});

async function saveSso(changes: Record<string, string | undefined>) {
  const form: Record<string, string | undefined> = {
    enabled: 'on',
    issuer: idp.issuer,
    clientId: idp.clientId,
    clientSecret: idp.clientSecret,
    scopes: 'openid email',
    ...changes,
  };
  const sent = Object.fromEntries(Object.entries(form).filter((e): e is [string, string] => e[1] !== undefined));
  expect((await admin.post('/admin/settings/sso', sent)).status).toBe(303);
}

/** Starts a staff sign-in from the button, and lets `account` sign in and consent at the provider. */
async function toProvider(account: string, opts: { decline?: boolean; next?: string } = {}) {
  const client = browserClient(t.app);
  const location = await providerAddress(await client.post('/admin/sso/start', opts.next ? { next: opts.next } : {}));
  expect(location.startsWith(`${idp.issuer}/`)).toBe(true);
  const callback = await idp.authorize(location, account, opts);
  expect(`${callback.origin}${callback.pathname}`).toBe(CALLBACK);
  return { client, callback, path: `${callback.pathname}${callback.search}` };
}

/** The staff sessions opened since `since`. */
const sessionsSince = (since: Date) =>
  t.db.selectFrom('sessions').select(['user_id', 'two_factor_pending']).where('user_kind', '=', 'staff').where('created_at', '>', since).execute();
const lastAudit = () =>
  t.db.selectFrom('audit_log').select(['action', 'actor_id', 'details']).where('action', 'like', 'staff.sso_%').orderBy('id', 'desc').executeTakeFirstOrThrow();

async function refusedPage(res: Response, status: number, message: string) {
  expect(res.status).toBe(status);
  const html = await res.text();
  expect(html).toContain(message);
  // Refused on the sign-in page itself: the button to try again, and the password form, which always stays.
  expect(html).toContain('action="/admin/sso/start"');
  expect(html).toContain('action="/admin/login"');
  expect(html).not.toMatch(/Error:|at .*\.js/);
}

describe('staff sign-in with single sign-on', () => {
  it('offers the provider on the sign-in page, above the password form', async () => {
    const html = await (await browserClient(t.app).get('/admin/login')).text();
    expect(html).toContain('<form method="post" action="/admin/sso/start" class="sso-sign-in">');
    expect(html).toContain('Sign in with single sign-on');
    expect(html.indexOf('action="/admin/sso/start"')).toBeLessThan(html.indexOf('action="/admin/login"'));
  });

  it('signs in the active staff user whose verified email matches, as a password sign-in would', async () => {
    const since = new Date();
    const { client, path } = await toProvider('ana');
    const res = await client.get(path);
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toBe('/admin');
    expect(client.cookies.has(STATE_COOKIE)).toBe(false);
    expect(await sessionsSince(since)).toEqual([{ user_id: ids.ana, two_factor_pending: false }]);
    expect((await client.get('/admin')).status).toBe(200);
    expect(await lastAudit()).toMatchObject({ action: 'staff.sso_signed_in', actor_id: ids.ana, details: { outcome: 'signed_in', email: 'ana@acme.example' } });
    const states = await t.db.selectFrom('sso_states').selectAll().where('portal_id', 'is', null).execute();
    expect(states.filter((s) => s.used_at === null)).toHaveLength(0);
  });

  it('goes back to the staff page the user was sent from, never outside /admin', async () => {
    const { client, path } = await toProvider('ana', { next: '/admin/settings' });
    expect((await client.get(path)).headers.get('Location')).toBe('/admin/settings');
    const away = await toProvider('ana', { next: 'https://evil.example/' });
    expect((await away.client.get(away.path)).headers.get('Location')).toBe('/admin');
  });

  it('leaves a staff user with two-factor sign-in at their second factor', async () => {
    const since = new Date();
    const { client, path } = await toProvider('dora');
    const res = await client.get(path);
    expect(res.headers.get('Location')).toBe(`/admin/two-factor?next=${encodeURIComponent('/admin')}`);
    expect(await sessionsSince(since)).toEqual([{ user_id: ids.dora, two_factor_pending: true }]);
    expect((await client.get('/admin')).headers.get('Location')).toBe(`/admin/two-factor?next=${encodeURIComponent('/admin')}`);
  });

  it('refuses an email the provider has not verified', async () => {
    const since = new Date();
    const { client, path } = await toProvider('anaUnverified');
    await refusedPage(await client.get(path), 403, 'Your sign-in provider has not verified your email address.');
    expect(await sessionsSince(since)).toHaveLength(0);
    expect((await lastAudit()).details).toMatchObject({ outcome: 'refused', reason: 'unverified' });
  });

  it('refuses an email no active staff user has: unknown or deactivated alike', async () => {
    const since = new Date();
    for (const account of ['stranger', 'gone']) {
      const { client, path } = await toProvider(account);
      await refusedPage(await client.get(path), 403, 'No active staff user has the email address your sign-in provider gave.');
      expect((await lastAudit()).details).toMatchObject({ outcome: 'refused', reason: 'unknown_user', email: accounts[account as 'gone'].email });
    }
    expect((await lastAudit()).actor_id).toBe(ids.gone);
    expect(await sessionsSince(since)).toHaveLength(0);
  });

  it('refuses a replayed callback, and one in a browser that did not start it', async () => {
    const { client, path, callback } = await toProvider('ana');
    expect((await client.get(path)).status).toBe(303);
    const since = new Date();
    client.cookies.set(STATE_COOKIE, callback.searchParams.get('state') ?? '');
    await refusedPage(await client.get(path), 400, 'This sign-in has expired or was already used.');
    expect((await lastAudit()).details).toMatchObject({ outcome: 'refused', reason: 'state' });
    const other = await toProvider('ana');
    expect((await browserClient(t.app).get(other.path)).status).toBe(400);
    expect(await sessionsSince(since)).toHaveLength(0);
  });

  it('refuses an ID token whose nonce is not the one sent', async () => {
    const since = new Date();
    const { client, path } = await toProvider('ana');
    await t.db.updateTable('sso_states').set({ nonce: 'not-the-nonce-that-was-sent' }).where('used_at', 'is', null).where('portal_id', 'is', null).execute();
    await refusedPage(await client.get(path), 401, 'The answer of the sign-in provider could not be verified.');
    expect(await sessionsSince(since)).toHaveLength(0);
    expect((await lastAudit()).details).toMatchObject({ outcome: 'refused', reason: 'invalid_token' });
  });

  it('refuses when the user declines at the provider, naming only its error code', async () => {
    const { client, path } = await toProvider('ana', { decline: true });
    await refusedPage(await client.get(path), 401, 'The sign-in provider did not sign you in. Try again, or sign in with your password.');
    expect((await lastAudit()).details).toMatchObject({ outcome: 'refused', reason: 'provider_error', detail: 'access_denied' });
  });

  it('throttles failed callbacks from one address like password sign-in', async () => {
    const client = browserClient(t.app);
    for (let i = 0; i < THROTTLE.accountFailures; i++) expect((await client.get(`/admin/sso/callback?state=forged-${i}&code=x`)).status).toBe(400);
    const res = await client.get('/admin/sso/callback?state=forged&code=x');
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('Retry-After'))).toBeGreaterThan(0);
    expect(await res.text()).toContain('Too many failed sign-in attempts from your network. Try again in 15 minutes.');
  });

  it('with the provider unreachable, answers the sign-in page, and password sign-in still works', async () => {
    await saveSso({ clientSecret: '', issuer: `http://127.0.0.1:${await freePort()}` });
    try {
      await refusedPage(await browserClient(t.app).post('/admin/sso/start', {}), 502, 'The sign-in provider did not sign you in.');
      expect((await lastAudit()).details).toMatchObject({ outcome: 'refused', reason: 'provider_error', step: 'discovery' });
      expect((await browserClient(t.app).post('/admin/login', { email: acme.admin.email, password: acme.admin.password })).status).toBe(303);
    } finally {
      await saveSso({ clientSecret: '' });
    }
  });

  it('with single sign-on off, the start and the callback sign nobody in, and the page has no button', async () => {
    const { client, path } = await toProvider('ana');
    await saveSso({ clientSecret: '', enabled: undefined });
    try {
      const since = new Date();
      expect((await client.get(path)).status).toBe(404);
      expect((await browserClient(t.app).post('/admin/sso/start', {})).status).toBe(404);
      const login = await (await browserClient(t.app).get('/admin/login')).text();
      expect(login).not.toContain('/admin/sso/start');
      expect(login).toContain('action="/admin/login"');
      expect(await sessionsSince(since)).toHaveLength(0);
    } finally {
      await saveSso({ clientSecret: '' });
    }
  });
});
