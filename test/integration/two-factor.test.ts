import { decodeBase32IgnorePadding } from '@oslojs/encoding';
import { generateHOTP, generateTOTP } from '@oslojs/otp';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { THROTTLE } from '../../src/auth/throttle.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme } from '../support/fixtures.js';
import { addPortalUser, carla, HELP, PARTNERS, type PortalWorld, seedPortalWorld } from '../support/portal-world.js';

let t: TestApp;
let w: PortalWorld;
let ana: BrowserClient;
const ids = {} as Record<'carla' | 'erin' | 'dora', string>;
const erin = { email: 'erin@partner.example', password: 'Erin-Partner-2027' };
const dora = { email: 'dora@initech.example', password: 'Dora-Portal-2027' };

beforeAll(async () => {
  t = await startTestApp();
  w = await seedPortalWorld(t);
  ids.carla = await addPortalUser(t, w, { email: carla.email, recordId: w.records.carla, status: 'active', password: carla.password });
  ids.dora = await addPortalUser(t, w, { email: dora.email, recordId: w.records.dora, status: 'active', password: dora.password });
  ids.erin = await addPortalUser(t, w, { email: erin.email, recordId: w.records.erin, status: 'active', password: erin.password, portal: 'partners' });
  ana = browserClient(t.app);
  await ana.post('/admin/login', { email: acme.admin.email, password: acme.admin.password });
});
afterAll(() => t.close());
beforeEach(async () => {
  await t.db.deleteFrom('login_attempts').execute();
});
afterEach(() => {
  vi.useRealTimers();
});

/** The key shown on a setup page, as the authenticator app reads it. */
function keyOn(html: string): Uint8Array {
  const grouped = /<code id="two-factor-secret">([A-Z2-7 ]+)<\/code>/.exec(html)?.[1];
  expect(grouped, 'the setup page shows the key').toBeDefined();
  return decodeBase32IgnorePadding((grouped ?? '').replace(/ /g, ''));
}

const step = () => BigInt(Math.floor(Date.now() / 30_000));
/** The app's code for the next 30-second step: still accepted now, and later than any code used so far. */
const nextCode = (key: Uint8Array) => generateHOTP(key, step() + 1n, 6);
const recoveryCodesOn = (html: string) => [...html.matchAll(/<li><code>([a-z2-7]{5}-[a-z2-7]{5})<\/code><\/li>/g)].map((m) => m[1] ?? '');

/** Half a minute or more passes: the app shows a code the server has not seen yet. */
function laterBy(seconds: number) {
  vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
  vi.setSystemTime(Date.now() + seconds * 1000);
}

async function portalSignIn(base: string, who: { email: string; password: string }) {
  const client = browserClient(t.app);
  const res = await client.post(`${base}/login`, who);
  return { client, res };
}

const pendingOf = async (userId: string) =>
  (await t.db.selectFrom('sessions').select('two_factor_pending').where('user_id', '=', userId).orderBy('created_at', 'desc').executeTakeFirstOrThrow())
    .two_factor_pending;

describe('two-factor sign-in for a portal user', () => {
  let key: Uint8Array;
  let recovery: string[];
  let usedCode: string;

  it('is turned on with a code from the app and gives ten recovery codes, stored hashed', async () => {
    const { client } = await portalSignIn(HELP, carla);
    const setup = await client.get(`${HELP}/profile/two-factor`);
    expect(setup.status).toBe(200);
    const html = await setup.text();
    expect(html).toContain('Two-factor sign-in is off.');
    expect(html).toMatch(
      /otpauth:\/\/totp\/Acme%20Help:carla%40globex\.example\?issuer=Acme\+Help&amp;algorithm=SHA1&amp;secret=[A-Z2-7]{32}&amp;period=30&amp;digits=6/,
    );
    expect(html).toMatch(/<svg class="qr-code"[^>]*role="img"/);
    key = keyOn(html);
    // Reloading shows the same key until it is confirmed.
    expect(keyOn(await (await client.get(`${HELP}/profile/two-factor`)).text())).toEqual(key);

    const wrong = await client.post(`${HELP}/profile/two-factor/enable`, { code: '000000' === generateTOTP(key, 30, 6) ? '111111' : '000000' });
    expect(wrong.status).toBe(422);
    expect(await wrong.text()).toContain('This code does not match.');
    usedCode = generateTOTP(key, 30, 6);
    const on = await client.post(`${HELP}/profile/two-factor/enable`, { code: usedCode });
    expect(on.status).toBe(200);
    recovery = recoveryCodesOn(await on.text());
    expect(recovery).toHaveLength(10);
    expect(new Set(recovery).size).toBe(10);
    const stored = await t.db.selectFrom('recovery_codes').select('code_hash').where('user_id', '=', ids.carla).execute();
    expect(stored).toHaveLength(10);
    for (const row of stored) {
      expect(row.code_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(recovery.some((c) => row.code_hash.includes(c.replace('-', '')))).toBe(false);
    }
    const state = await t.db.selectFrom('two_factor').selectAll().where('user_id', '=', ids.carla).executeTakeFirstOrThrow();
    expect(state.enabled_at).toBeInstanceOf(Date);
    const page = await (await client.get(`${HELP}/profile/two-factor`)).text();
    expect(page).toContain('Two-factor sign-in is on.');
    expect(page).toContain('10 recovery codes left.');
    expect(page).not.toContain('two-factor-secret');
  });

  it('asks for a code after the password before anything else works', async () => {
    const { client, res } = await portalSignIn(HELP, carla);
    expect(res.headers.get('Location')).toBe(`${HELP}/two-factor?next=%2Fp%2Facme-help`);
    expect(await pendingOf(ids.carla)).toBe(true);
    const blocked = await client.get(`${HELP}/m/cases`);
    expect(blocked.status).toBe(303);
    expect(blocked.headers.get('Location')).toBe(`${HELP}/two-factor?next=%2Fp%2Facme-help%2Fm%2Fcases`);
    expect((await client.get(`${HELP}/m/cases/${w.records.carlaCase1}/files/${w.carlaFile}`)).status).toBe(303);
    expect((await client.post(`${HELP}/profile`, { language: 'fr', timeFormat: '24h', timeZone: 'UTC', country: 'FR' })).status).toBe(401);
    const last = await t.db.selectFrom('portal_users').select('last_login_at').where('id', '=', ids.carla).executeTakeFirstOrThrow();

    const form = await client.get(`${HELP}/two-factor?next=%2Fp%2Facme-help%2Fm%2Fcases`);
    expect(form.status).toBe(200);
    expect(await form.text()).toContain('Enter the 6-digit code that your authenticator app shows now.');
    const wrong = await client.post(`${HELP}/two-factor`, { code: '12345', next: `${HELP}/m/cases` });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('This code is not correct or has already been used.');
    expect(await pendingOf(ids.carla)).toBe(true);

    usedCode = nextCode(key);
    const ok = await client.post(`${HELP}/two-factor`, { code: usedCode, next: `${HELP}/m/cases` });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('Location')).toBe(`${HELP}/m/cases`);
    expect(await pendingOf(ids.carla)).toBe(false);
    expect((await client.get(`${HELP}/m/cases`)).status).toBe(200);
    const after = await t.db.selectFrom('portal_users').select('last_login_at').where('id', '=', ids.carla).executeTakeFirstOrThrow();
    expect(after.last_login_at?.getTime()).toBeGreaterThan(last.last_login_at?.getTime() ?? 0);
  });

  it('refuses a code that was already used', async () => {
    const { client } = await portalSignIn(HELP, carla);
    const replay = await client.post(`${HELP}/two-factor`, { code: usedCode });
    expect(replay.status).toBe(401);
    expect(await pendingOf(ids.carla)).toBe(true);
    expect((await client.get(`${HELP}/m/cases`)).status).toBe(303);
  });

  it('accepts each recovery code once', async () => {
    const first = await portalSignIn(HELP, carla);
    const ok = await first.client.post(`${HELP}/two-factor`, { code: recovery[0]?.toUpperCase() ?? '' });
    expect(ok.status).toBe(303);
    expect((await first.client.get(`${HELP}/m/cases`)).status).toBe(200);
    expect(await (await first.client.get(`${HELP}/profile/two-factor`)).text()).toContain('9 recovery codes left.');

    const second = await portalSignIn(HELP, carla);
    expect((await second.client.post(`${HELP}/two-factor`, { code: recovery[0] ?? '' })).status).toBe(401);
    expect((await second.client.post(`${HELP}/two-factor`, { code: (recovery[1] ?? '').replace('-', ' ') })).status).toBe(303);
    expect((await second.client.get(`${HELP}/m/cases`)).status).toBe(200);
  });

  it('stops guessing after a few wrong codes', async () => {
    const { client } = await portalSignIn(HELP, carla);
    for (let i = 0; i < THROTTLE.accountFailures; i++) expect((await client.post(`${HELP}/two-factor`, { code: '000001' })).status).toBe(401);
    const locked = await client.post(`${HELP}/two-factor`, { code: recovery[2] ?? '' });
    expect(locked.status).toBe(429);
    expect(await locked.text()).toContain('Too many wrong codes. Try again in 15 minutes.');
    expect(await pendingOf(ids.carla)).toBe(true);
  });

  it('is turned off only with a current code', async () => {
    await t.db.deleteFrom('login_attempts').execute();
    const { client } = await portalSignIn(HELP, carla);
    await client.post(`${HELP}/two-factor`, { code: recovery[3] ?? '' });
    const wrong = await client.post(`${HELP}/profile/two-factor/disable`, { code: recovery[4] ?? '' });
    expect(wrong.status).toBe(422);
    expect(await t.db.selectFrom('two_factor').select('user_id').where('user_id', '=', ids.carla).execute()).toHaveLength(1);
    laterBy(60);
    const off = await client.post(`${HELP}/profile/two-factor/disable`, { code: generateTOTP(key, 30, 6) });
    expect(off.status).toBe(303);
    expect(await t.db.selectFrom('two_factor').select('user_id').where('user_id', '=', ids.carla).execute()).toHaveLength(0);
    expect(await t.db.selectFrom('recovery_codes').select('id').where('user_id', '=', ids.carla).execute()).toHaveLength(0);
    vi.useRealTimers();
    const plain = await portalSignIn(HELP, carla);
    expect(plain.res.headers.get('Location')).toBe(HELP);
  });
});

describe('two-factor required for a user type', () => {
  it('is a checkbox on the user type page', async () => {
    const pagePath = `/admin/settings/portals/${w.partnersId}/types/${w.partnersTypeId}`;
    expect(await (await ana.get(pagePath)).text()).toContain('name="requireTwoFactor"');
    const saved = await ana.post(pagePath, { step: 'type', requireTwoFactor: 'on' });
    expect(saved.status).toBe(303);
    expect(saved.headers.get('Location')).toBe(`/admin/settings/portals/types/${w.partnersTypeId}/tabs?done=typeSaved`);
    const type = await t.db.selectFrom('portal_user_types').select('require_two_factor').where('id', '=', w.partnersTypeId).executeTakeFirstOrThrow();
    expect(type.require_two_factor).toBe(true);
    expect(await (await ana.get(`/admin/settings/portals/types/${w.partnersTypeId}/tabs?done=typeSaved`)).text()).toContain('User type saved. Next: its tabs.');
    expect(await (await ana.get(pagePath)).text()).toMatch(/<input type="checkbox" id="require-two-factor" name="requireTwoFactor" checked=""/);
  });

  it('makes a user without it set it up right after signing in, before any page', async () => {
    const { client, res } = await portalSignIn(PARTNERS, erin);
    expect(res.headers.get('Location')).toBe(PARTNERS);
    for (const path of [PARTNERS, `${PARTNERS}/m/contacts`, `${PARTNERS}/profile`]) {
      const blocked = await client.get(path);
      expect(blocked.status, path).toBe(303);
      expect(blocked.headers.get('Location'), path).toBe(`${PARTNERS}/profile/two-factor?next=${encodeURIComponent(path)}`);
    }
    expect((await client.post(`${PARTNERS}/profile`, { language: 'en', timeFormat: '24h', timeZone: 'UTC', country: 'ES' })).status).toBe(403);
    const setup = await (await client.get(`${PARTNERS}/profile/two-factor?next=%2Fp%2Fpartners%2Fm%2Fcontacts`)).text();
    expect(setup).toContain('Your account requires two-factor sign-in.');
    expect(setup).not.toContain('aria-label="Portal navigation"');
    const key = keyOn(setup);
    const on = await client.post(`${PARTNERS}/profile/two-factor/enable`, { code: generateTOTP(key, 30, 6), next: `${PARTNERS}/m/contacts` });
    expect(on.status).toBe(200);
    expect(await on.text()).toContain(`href="${PARTNERS}/m/contacts"`);
    expect((await client.get(`${PARTNERS}/m/contacts`)).status).toBe(200);
    // It cannot be turned off while the type requires it.
    const off = await client.post(`${PARTNERS}/profile/two-factor/disable`, { code: nextCode(key) });
    expect(off.status).toBe(403);
    expect(await t.db.selectFrom('two_factor').select('user_id').where('user_id', '=', ids.erin).execute()).toHaveLength(1);
    const next = await portalSignIn(PARTNERS, erin);
    expect(next.res.headers.get('Location')).toBe(`${PARTNERS}/two-factor?next=%2Fp%2Fpartners`);
  });

  it('leaves users of other types alone', async () => {
    const { res, client } = await portalSignIn(HELP, dora);
    expect(res.headers.get('Location')).toBe(HELP);
    expect((await client.get(`${HELP}/m/contacts`)).status).toBe(200);
  });
});

describe('two-factor sign-in for staff', () => {
  it('is turned on from the profile, then asked for at every sign-in', async () => {
    expect(await (await ana.get('/admin/profile')).text()).toContain('href="/admin/profile/two-factor"');
    const setup = await (await ana.get('/admin/profile/two-factor')).text();
    expect(setup).toContain('otpauth://totp/Acme%20Iberia:ana%40acme.example');
    const key = keyOn(setup);
    const on = await ana.post('/admin/profile/two-factor/enable', { code: generateTOTP(key, 30, 6) });
    expect(on.status).toBe(200);
    const recovery = recoveryCodesOn(await on.text());
    expect(recovery).toHaveLength(10);

    const client = browserClient(t.app);
    const res = await client.post('/admin/login', { email: acme.admin.email, password: acme.admin.password });
    expect(res.headers.get('Location')).toBe('/admin/two-factor?next=%2Fadmin');
    const blocked = await client.get('/admin/settings');
    expect(blocked.status).toBe(303);
    expect(blocked.headers.get('Location')).toBe('/admin/two-factor?next=%2Fadmin%2Fsettings');
    expect((await client.post('/admin/profile', { language: 'fr' })).status).toBe(401);
    const form = await client.get('/admin/two-factor?next=%2Fadmin%2Fsettings');
    expect(form.status).toBe(200);
    expect(await form.text()).toContain('Two-factor sign-in');
    expect((await client.post('/admin/two-factor', { code: '999999', next: '/admin/settings' })).status).toBe(401);
    const code = nextCode(key);
    const ok = await client.post('/admin/two-factor', { code, next: '/admin/settings' });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('Location')).toBe('/admin/settings');
    const home = await client.get('/admin');
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('Welcome, Ana Admin');

    // The same code again, from another browser: refused. A recovery code works once.
    const other = browserClient(t.app);
    await other.post('/admin/login', { email: acme.admin.email, password: acme.admin.password });
    expect((await other.post('/admin/two-factor', { code })).status).toBe(401);
    expect((await other.get('/admin')).status).toBe(303);
    expect((await other.post('/admin/two-factor', { code: recovery[0] ?? '' })).status).toBe(303);
    expect((await other.get('/admin')).status).toBe(200);
    const third = browserClient(t.app);
    await third.post('/admin/login', { email: acme.admin.email, password: acme.admin.password });
    expect((await third.post('/admin/two-factor', { code: recovery[0] ?? '' })).status).toBe(401);
  });

  it('signs out from the code step', async () => {
    const pending = async () =>
      (await t.db.selectFrom('sessions').select('id').where('user_kind', '=', 'staff').where('two_factor_pending', '=', true).execute()).length;
    const client = browserClient(t.app);
    await client.post('/admin/login', { email: acme.admin.email, password: acme.admin.password });
    const before = await pending();
    const out = await client.post('/admin/logout', {});
    expect(out.headers.get('Location')).toBe('/admin/login?signedOut=1');
    expect(await pending()).toBe(before - 1);
    expect((await client.get('/admin')).headers.get('Location')).toBe('/admin/login?next=%2Fadmin');
  });
});
