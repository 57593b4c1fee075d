import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { PORTAL_COOKIE } from '../../src/auth/portal-session.js';
import { THROTTLE } from '../../src/auth/throttle.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme } from '../support/fixtures.js';
import { providerAddress, startTestProvider, type TestProvider } from '../support/oidc.js';
import { addPortalUser, carla, HELP, type PortalWorld, seedPortalWorld } from '../support/portal-world.js';
import { freePort } from '../support/ports.js';

// Single sign-on against a real OpenID Connect provider (oidc-provider on
// 127.0.0.1): the test drives its sign-in and consent pages, then sends the
// callback the provider redirects to, as the browser would.

let t: TestApp;
let w: PortalWorld;
let idp: TestProvider;
let admin: BrowserClient;
const users = {} as Record<'carla' | 'erin' | 'fred' | 'gina', string>;
const CALLBACK = `http://porta.test${HELP}/sso/callback`;

const accounts = {
  // The provider's address differs in case from the portal user's: matched case-insensitively.
  carla: { email: 'Carla@Globex.example', emailVerified: true },
  carlaUnverified: { email: carla.email, emailVerified: false },
  erin: { email: 'erin@partner.example', emailVerified: true },
  fred: { email: 'fred@gone.example', emailVerified: true },
  gina: { email: 'gina@secure.example', emailVerified: true },
  stranger: { email: 'new.person@stranger.example', emailVerified: true },
};

beforeAll(async () => {
  t = await startTestApp({ env: { APP_KEY: randomBytes(32).toString('base64') } });
  w = await seedPortalWorld(t);
  users.carla = await addPortalUser(t, w, { email: carla.email, recordId: w.records.carla, status: 'active', password: carla.password });
  users.erin = await addPortalUser(t, w, {
    email: 'erin@partner.example',
    recordId: w.records.erin,
    status: 'active',
    password: 'Erin-Partner-2027',
    portal: 'partners',
  });
  users.fred = await addPortalUser(t, w, { email: 'fred@gone.example', recordId: w.records.fred, status: 'deactivated', password: 'Fred-Gone-2027!' });
  users.gina = await addPortalUser(t, w, { email: 'gina@secure.example', recordId: w.records.gina, status: 'active', password: 'Gina-Secure-2027' });
  await t.db.insertInto('two_factor').values({ user_kind: 'portal', user_id: users.gina, secret: 'JBSWY3DPEHPK3PXP', enabled_at: new Date() }).execute();
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
  await t.db.deleteFrom('sessions').where('user_kind', '=', 'portal').execute();
  await t.db.deleteFrom('login_attempts').execute();
});

async function saveSso(changes: Record<string, string | undefined>) {
  const form: Record<string, string | undefined> = {
    enabled: 'on',
    issuer: idp.issuer,
    clientId: idp.clientId,
    clientSecret: idp.clientSecret,
    scopes: 'openid email profile',
    passwordSignIn: 'on',
    ...changes,
  };
  const sent = Object.fromEntries(Object.entries(form).filter((e): e is [string, string] => e[1] !== undefined));
  const res = await admin.post(`/admin/settings/portals/${w.helpId}/sso`, sent);
  expect(res.status).toBe(303);
}

/** Starts a sign-in from the portal's button, and lets `account` sign in and consent at the provider. */
async function toProvider(account: string, opts: { decline?: boolean; client?: BrowserClient } = {}) {
  const client = opts.client ?? browserClient(t.app);
  const location = await providerAddress(await client.post(`${HELP}/sso/start`, {}));
  expect(location.startsWith(`${idp.issuer}/`)).toBe(true);
  const callback = await idp.authorize(location, account, opts);
  expect(`${callback.origin}${callback.pathname}`).toBe(CALLBACK);
  return { client, callback, path: `${callback.pathname}${callback.search}` };
}

const portalSessions = () => t.db.selectFrom('sessions').select(['user_id', 'two_factor_pending']).where('user_kind', '=', 'portal').execute();
const lastAudit = () =>
  t.db
    .selectFrom('audit_log')
    .select(['action', 'actor_id', 'details'])
    .where('action', 'like', 'portal.sso_%')
    .orderBy('id', 'desc')
    .executeTakeFirstOrThrow();

describe('portal sign-in with single sign-on', () => {
  it('offers the provider on the sign-in page, next to the password form', async () => {
    const html = await (await browserClient(t.app).get(`${HELP}/login`)).text();
    expect(html).toContain(`action="${HELP}/sso/start"`);
    expect(html).toContain('Sign in with single sign-on');
    expect(html).toContain(`action="${HELP}/login"`);
  });

  it('starts only from a page of this site: a cross-site POST is refused', async () => {
    const before = await t.db.selectFrom('sso_states').select('state_hash').execute();
    const res = await browserClient(t.app).post(`${HELP}/sso/start`, {}, { Origin: 'https://elsewhere.example', 'Sec-Fetch-Site': 'cross-site' });
    expect(res.status).toBe(403);
    expect(await t.db.selectFrom('sso_states').select('state_hash').execute()).toEqual(before);
  });

  it('signs in an active user of this portal whose verified email matches, as a password sign-in would', async () => {
    const { client, path, callback } = await toProvider('carla');
    expect(callback.searchParams.get('code')).toBeTruthy();
    const res = await client.get(path);
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toBe(HELP);
    expect(client.cookies.has(PORTAL_COOKIE)).toBe(true);
    expect(await portalSessions()).toEqual([{ user_id: users.carla, two_factor_pending: false }]);
    const home = await client.get(HELP);
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('<h1 id="home-title">Welcome, Carla Núñez</h1>');
    const user = await t.db.selectFrom('portal_users').select('last_login_at').where('id', '=', users.carla).executeTakeFirstOrThrow();
    expect(user.last_login_at).toBeInstanceOf(Date);
    const entry = await lastAudit();
    expect(entry.action).toBe('portal.sso_signed_in');
    expect(entry.actor_id).toBe(users.carla);
    expect(entry.details).toMatchObject({ outcome: 'signed_in', email: 'carla@globex.example' });
    // The state was kept as a hash only, and is spent.
    const states = await t.db.selectFrom('sso_states').selectAll().execute();
    const state = callback.searchParams.get('state') ?? '';
    expect(states.some((s) => s.state_hash === state || s.code_verifier === '' || s.nonce === '')).toBe(false);
    expect(states.filter((s) => s.used_at === null)).toHaveLength(0);
  });

  it('leaves a user with two-factor sign-in at their second factor, as a password sign-in does', async () => {
    const { client, path } = await toProvider('gina');
    const res = await client.get(path);
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toBe(`${HELP}/two-factor?next=${encodeURIComponent(HELP)}`);
    expect(await portalSessions()).toEqual([{ user_id: users.gina, two_factor_pending: true }]);
    expect((await client.get(HELP)).headers.get('Location')).toBe(`${HELP}/two-factor?next=${encodeURIComponent(HELP)}`);
    const user = await t.db.selectFrom('portal_users').select('last_login_at').where('id', '=', users.gina).executeTakeFirstOrThrow();
    expect(user.last_login_at).toBeNull();
  });

  it('goes back to the page the user was sent from', async () => {
    const client = browserClient(t.app);
    const login = await client.get(`${HELP}/login?next=${encodeURIComponent(`${HELP}/m/contacts`)}`);
    expect(await login.text()).toContain(`<input type="hidden" name="next" value="${HELP}/m/contacts"/>`);
    const start = await client.post(`${HELP}/sso/start`, { next: `${HELP}/m/contacts` });
    const callback = await idp.authorize(await providerAddress(start), 'carla');
    const res = await client.get(`${callback.pathname}${callback.search}`);
    expect(res.headers.get('Location')).toBe(`${HELP}/m/contacts`);
  });

  it('refuses an email the provider has not verified', async () => {
    const { client, path } = await toProvider('carlaUnverified');
    const res = await client.get(path);
    expect(res.status).toBe(403);
    const html = await res.text();
    expect(html).toContain('Your sign-in provider has not verified your email address.');
    expect(html).toContain(`action="${HELP}/sso/start"`);
    expect(client.cookies.has(PORTAL_COOKIE)).toBe(false);
    expect(await portalSessions()).toHaveLength(0);
    expect((await lastAudit()).details).toMatchObject({ outcome: 'refused', reason: 'unverified' });
  });

  it('refuses a user of another portal, and a deactivated user with whom to contact', async () => {
    const erin = await toProvider('erin');
    const res = await erin.client.get(erin.path);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('No user of this portal has the email address your sign-in provider gave.');
    expect((await lastAudit()).details).toMatchObject({ outcome: 'refused', reason: 'unknown_user', email: 'erin@partner.example' });
    const fred = await toProvider('fred');
    const gone = await fred.client.get(fred.path);
    expect(gone.status).toBe(403);
    expect(await gone.text()).toContain('This account is deactivated. Contact Ana Admin (ana@acme.example) at Acme Iberia if you need it again.');
    expect(await lastAudit()).toMatchObject({ actor_id: users.fred, details: { reason: 'deactivated' } });
    expect(await portalSessions()).toHaveLength(0);
  });

  it('refuses a replayed callback: each state works once', async () => {
    const { client, path, callback } = await toProvider('carla');
    expect((await client.get(path)).status).toBe(303);
    await t.db.deleteFrom('sessions').where('user_kind', '=', 'portal').execute();
    // Even with the browser's state cookie put back, the state is spent.
    client.cookies.set('porta_sso_state', callback.searchParams.get('state') ?? '');
    client.cookies.delete(PORTAL_COOKIE);
    const again = await client.get(path);
    expect(again.status).toBe(400);
    expect(await again.text()).toContain('This sign-in has expired or was already used.');
    expect(await portalSessions()).toHaveLength(0);
    expect((await lastAudit()).details).toMatchObject({ outcome: 'refused', reason: 'state' });
  });

  it('keeps no state past its use or its ten minutes: a new start clears them', async () => {
    const { client, path } = await toProvider('carla');
    expect((await client.get(path)).status).toBe(303);
    const stale = { portal_id: w.helpId, code_verifier: 'v', nonce: 'n', redirect_uri: CALLBACK };
    await t.db
      .insertInto('sso_states')
      .values({ ...stale, state_hash: 'stale-unused', created_at: new Date(Date.now() - 11 * 60_000) })
      .execute();
    await toProvider('carla');
    const left = await t.db.selectFrom('sso_states').select(['state_hash', 'used_at']).execute();
    expect(left.length).toBeGreaterThan(0);
    expect(left.filter((s) => s.used_at !== null || s.state_hash === 'stale-unused')).toEqual([]);
  });

  it('refuses a callback in another browser than the one that started (no state cookie)', async () => {
    const { path } = await toProvider('carla');
    const res = await browserClient(t.app).get(path);
    expect(res.status).toBe(400);
    expect(await portalSessions()).toHaveLength(0);
  });

  it('refuses an ID token whose nonce is not the one sent, without a word of the library’s error', async () => {
    const { client, path } = await toProvider('carla');
    await t.db.updateTable('sso_states').set({ nonce: 'not-the-nonce-that-was-sent' }).where('used_at', 'is', null).execute();
    const warn = vi.spyOn(t.deps.log, 'warn');
    const res = await client.get(path);
    // The library's reason goes to the log, for whoever runs Porta; never the client secret.
    const logged = JSON.stringify(warn.mock.calls);
    warn.mockRestore();
    expect(res.status).toBe(401);
    expect(logged).toMatch(/nonce/);
    expect(logged).not.toContain(idp.clientSecret);
    const html = await res.text();
    expect(html).toContain('The answer of the sign-in provider could not be verified.');
    expect(html).not.toMatch(/nonce|Error:|at .*\.js/);
    expect(await portalSessions()).toHaveLength(0);
    expect((await lastAudit()).details).toMatchObject({ outcome: 'refused', reason: 'invalid_token' });
  });

  it('refuses when the user declines at the provider (error=access_denied)', async () => {
    const { client, path, callback } = await toProvider('carla', { decline: true });
    expect(callback.searchParams.get('error')).toBe('access_denied');
    const res = await client.get(path);
    expect(res.status).toBe(401);
    const html = await res.text();
    expect(html).toContain('The sign-in provider did not sign you in.');
    expect(html).not.toContain('End-User aborted');
    expect((await lastAudit()).details).toMatchObject({ outcome: 'refused', reason: 'provider_error', detail: 'access_denied' });
  });

  it('throttles failed callbacks from one address like password sign-in', async () => {
    const client = browserClient(t.app);
    for (let i = 0; i < THROTTLE.accountFailures; i++) expect((await client.get(`${HELP}/sso/callback?state=forged-${i}&code=x`)).status).toBe(400);
    const res = await client.get(`${HELP}/sso/callback?state=forged&code=x`);
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('Retry-After'))).toBeGreaterThan(0);
    expect(await res.text()).toContain('Too many failed sign-in attempts from your network. Try again in 15 minutes.');
  });

  it('sends an unknown verified email to the portal’s sign-up when allowed', async () => {
    await saveSso({ clientSecret: '', signupAllowed: 'on' });
    try {
      const { client, path } = await toProvider('stranger');
      const res = await client.get(path);
      expect(res.status).toBe(303);
      expect(res.headers.get('Location')).toBe(`${HELP}/signup?email=${encodeURIComponent('new.person@stranger.example')}`);
      expect(await portalSessions()).toHaveLength(0);
    } finally {
      await saveSso({ clientSecret: '' });
    }
  });

  it('with password sign-in off, hides the password form and refuses a posted one', async () => {
    await saveSso({ clientSecret: '', passwordSignIn: undefined });
    try {
      const page = await (await browserClient(t.app).get(`${HELP}/login`)).text();
      expect(page).toContain(`action="${HELP}/sso/start"`);
      expect(page).not.toContain(`action="${HELP}/login"`);
      expect(page).not.toContain('name="password"');
      const res = await browserClient(t.app).post(`${HELP}/login`, { email: carla.email, password: carla.password });
      expect(res.status).toBe(403);
      expect(await res.text()).toContain('Password sign-in is turned off for this portal.');
      expect(await portalSessions()).toHaveLength(0);
      // Single sign-on still lets the user in.
      const { client, path } = await toProvider('carla');
      expect((await client.get(path)).status).toBe(303);
    } finally {
      await saveSso({ clientSecret: '' });
    }
    expect((await browserClient(t.app).post(`${HELP}/login`, { email: carla.email, password: carla.password })).status).toBe(303);
  });

  it('answers a provider that cannot be reached with the sign-in page, not an error', async () => {
    await saveSso({ clientSecret: '', issuer: `http://127.0.0.1:${await freePort()}` });
    try {
      const warn = vi.spyOn(t.deps.log, 'warn');
      const res = await browserClient(t.app).post(`${HELP}/sso/start`, {});
      const logged = JSON.stringify(warn.mock.calls);
      warn.mockRestore();
      expect(res.status).toBe(502);
      expect(logged).toContain('the provider could not be discovered');
      const html = await res.text();
      expect(html).toContain('The sign-in provider did not sign you in.');
      expect(html).toContain(`action="${HELP}/login"`);
      expect(html).not.toMatch(/ECONNREFUSED|fetch failed/);
      expect((await lastAudit()).details).toMatchObject({ outcome: 'refused', reason: 'provider_error', step: 'discovery' });
    } finally {
      await saveSso({ clientSecret: '' });
    }
  });

  it('with single sign-on off, the callback and the start sign nobody in', async () => {
    const { client, path } = await toProvider('carla');
    await saveSso({ clientSecret: '', enabled: undefined });
    try {
      expect((await client.get(path)).status).toBe(404);
      expect((await browserClient(t.app).post(`${HELP}/sso/start`, {})).status).toBe(404);
      expect(await (await browserClient(t.app).get(`${HELP}/login`)).text()).not.toContain('/sso/start');
      expect(await portalSessions()).toHaveLength(0);
    } finally {
      await saveSso({ clientSecret: '' });
    }
  });
});
