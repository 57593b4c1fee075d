import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PORTAL_COOKIE } from '../../src/auth/portal-session.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme } from '../support/fixtures.js';
import { providerAddress, startTestProvider, type TestProvider } from '../support/oidc.js';
import { addPortalUser, carla, HELP, type PortalWorld, seedPortalWorld } from '../support/portal-world.js';

// Which redirect URI a sign-in uses (the one of the surface it started on: the
// portal's own host name, or Porta's address), and that a state made for a
// portal and one made for staff are never taken for each other. One real
// provider, whose client registers every redirect URI.

let t: TestApp;
let w: PortalWorld;
let idp: TestProvider;
let admin: BrowserClient;
let carlaId: string;
const HOST = 'help.acme.test';
const CUSTOM = `http://${HOST}`;
const PORTAL_CALLBACK = `http://porta.test${HELP}/sso/callback`;
const HOST_CALLBACK = `${CUSTOM}/sso/callback`;
const STAFF_CALLBACK = 'http://porta.test/admin/sso/callback';

const accounts = { carla: { email: carla.email, emailVerified: true }, ana: { email: acme.admin.email, emailVerified: true } };

beforeAll(async () => {
  t = await startTestApp({ env: { APP_KEY: randomBytes(32).toString('base64') } });
  w = await seedPortalWorld(t);
  carlaId = await addPortalUser(t, w, { email: carla.email, recordId: w.records.carla, status: 'active', password: carla.password });
  idp = await startTestProvider(accounts, [PORTAL_CALLBACK, HOST_CALLBACK, STAFF_CALLBACK]);
  admin = browserClient(t.app);
  expect((await admin.post('/admin/login', { email: acme.admin.email, password: acme.admin.password })).status).toBe(303);
  expect((await admin.post(`/admin/settings/portals/${w.helpId}`, { domain: HOST })).status).toBe(303);
  const provider = { enabled: 'on', issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, scopes: 'openid email' };
  expect((await admin.post(`/admin/settings/portals/${w.helpId}/sso`, { ...provider, passwordSignIn: 'on' })).status).toBe(303);
  expect((await admin.post('/admin/settings/sso', provider)).status).toBe(303);
});
afterAll(async () => {
  await idp?.close();
  await t?.close();
});
beforeEach(async () => {
  await t.db.deleteFrom('login_attempts').execute();
});

/** Starts a sign-in with `client` at `startPath`, and lets `account` through the provider; the provider's redirect back. */
async function throughProvider(client: BrowserClient, startPath: string, account: string) {
  const authorization = new URL(await providerAddress(await client.post(startPath, {})));
  const callback = await idp.authorize(authorization.href, account);
  return { redirectUri: authorization.searchParams.get('redirect_uri'), callback, state: callback.searchParams.get('state') ?? '' };
}

const sessionsOf = (kind: 'staff' | 'portal', since: Date) =>
  t.db.selectFrom('sessions').select('user_id').where('user_kind', '=', kind).where('created_at', '>', since).execute();

describe('the redirect URI of the surface a portal sign-in started on', () => {
  it('lists every redirect URI to register: Porta’s address and the portal’s own host name', async () => {
    const html = await (await admin.get(`/admin/settings/portals/${w.helpId}/sso`)).text();
    expect(html).toContain(`<ul id="sso-redirect-uris"><li><code>${PORTAL_CALLBACK}</code></li><li><code>${HOST_CALLBACK}</code></li></ul>`);
  });

  it('on the portal’s own host name, sends and redeems that host’s redirect URI', async () => {
    const since = new Date();
    const visitor = browserClient(t.app, CUSTOM);
    expect(await (await visitor.get('/login')).text()).toContain(`action="${HELP}/sso/start"`);
    const { redirectUri, callback } = await throughProvider(visitor, `${HELP}/sso/start`, 'carla');
    expect(redirectUri).toBe(HOST_CALLBACK);
    expect(`${callback.origin}${callback.pathname}`).toBe(HOST_CALLBACK);
    const res = await visitor.get(`${callback.pathname}${callback.search}`);
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toBe(HELP);
    expect(visitor.cookies.has(PORTAL_COOKIE)).toBe(true);
    expect(await sessionsOf('portal', since)).toEqual([{ user_id: carlaId }]);
    expect((await visitor.get('/')).status).toBe(200);
  });

  it('at Porta’s address, sends and redeems the /p/:slug redirect URI', async () => {
    const since = new Date();
    const visitor = browserClient(t.app);
    const { redirectUri, callback } = await throughProvider(visitor, `${HELP}/sso/start`, 'carla');
    expect(redirectUri).toBe(PORTAL_CALLBACK);
    expect((await visitor.get(`${callback.pathname}${callback.search}`)).status).toBe(303);
    expect(await sessionsOf('portal', since)).toEqual([{ user_id: carlaId }]);
  });

  it('refuses an answer brought to the other surface than the one the sign-in started on', async () => {
    const since = new Date();
    const visitor = browserClient(t.app, CUSTOM);
    const { callback } = await throughProvider(visitor, `${HELP}/sso/start`, 'carla');
    // The same browser state and code, at Porta's address: the state was kept with the host's redirect URI.
    const elsewhere = browserClient(t.app);
    for (const [k, v] of visitor.cookies) elsewhere.cookies.set(k, v);
    const res = await elsewhere.get(`${HELP}/sso/callback${callback.search}`);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('This sign-in has expired or was already used.');
    expect(await sessionsOf('portal', since)).toHaveLength(0);
    // Taken once at the wrong address, the state is spent: the right address refuses it too.
    expect((await visitor.get(`${callback.pathname}${callback.search}`)).status).toBe(400);
    expect(await sessionsOf('portal', since)).toHaveLength(0);
  });
});

describe('states are for the sign-in they were made for', () => {
  it('never takes a portal’s state at the staff callback; the portal’s sign-in still works after', async () => {
    const since = new Date();
    const visitor = browserClient(t.app);
    const { callback, state } = await throughProvider(visitor, `${HELP}/sso/start`, 'carla');
    const staffSide = browserClient(t.app);
    staffSide.cookies.set('porta_staff_sso_state', state);
    const res = await staffSide.get(`/admin/sso/callback${callback.search}`);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('This sign-in has expired or was already used.');
    expect(await sessionsOf('staff', since)).toHaveLength(0);
    // Not spent by the staff callback: it was never its state.
    const stored = await t.db.selectFrom('sso_states').select(['portal_id', 'used_at']).where('used_at', 'is', null).execute();
    expect(stored).toEqual([{ portal_id: w.helpId, used_at: null }]);
    expect((await visitor.get(`${callback.pathname}${callback.search}`)).status).toBe(303);
    expect(await sessionsOf('portal', since)).toEqual([{ user_id: carlaId }]);
  });

  it('never takes a staff state at a portal’s callback; the staff sign-in still works after', async () => {
    const since = new Date();
    const staff = browserClient(t.app);
    const { callback, state } = await throughProvider(staff, '/admin/sso/start', 'carla');
    expect(`${callback.origin}${callback.pathname}`).toBe(STAFF_CALLBACK);
    const portalSide = browserClient(t.app);
    portalSide.cookies.set('porta_sso_state', state);
    const res = await portalSide.get(`${HELP}/sso/callback${callback.search}`);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('This sign-in has expired or was already used.');
    expect(await sessionsOf('portal', since)).toHaveLength(0);
    // Carla is no staff user: the staff callback then refuses her by her email, not by the state.
    const staffRes = await staff.get(`${callback.pathname}${callback.search}`);
    expect(staffRes.status).toBe(403);
    expect(await staffRes.text()).toContain('No active staff user has the email address your sign-in provider gave.');
  });
});

describe('a portal with password sign-in off', () => {
  it('shows no password form on a refused sign-in page', async () => {
    const provider = { enabled: 'on', issuer: idp.issuer, clientId: idp.clientId, clientSecret: '', scopes: 'openid email' };
    expect((await admin.post(`/admin/settings/portals/${w.helpId}/sso`, provider)).status).toBe(303);
    try {
      const res = await browserClient(t.app).post(`${HELP}/login`, { email: carla.email, password: 'wrong-password' });
      expect(res.status).toBe(403);
      const html = await res.text();
      expect(html).toContain('Password sign-in is turned off for this portal.');
      expect(html).toContain(`action="${HELP}/sso/start"`);
      expect(html).not.toContain('name="password"');
      expect(html).not.toContain(`${HELP}/password/forgot`);
    } finally {
      expect((await admin.post(`/admin/settings/portals/${w.helpId}/sso`, { ...provider, passwordSignIn: 'on' })).status).toBe(303);
    }
  });
});
