import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PORTAL_COOKIE } from '../../src/auth/portal-session.js';
import { sessionIdFromToken } from '../../src/auth/sessions.js';
import { THROTTLE } from '../../src/auth/throttle.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme } from '../support/fixtures.js';
import { addPortalUser, carla, HELP, PARTNERS, type PortalWorld, seedPortalWorld } from '../support/portal-world.js';

let t: TestApp;
let w: PortalWorld;
const users = {} as Record<'carla' | 'dora' | 'erin' | 'fred', string>;

beforeAll(async () => {
  t = await startTestApp();
  w = await seedPortalWorld(t);
  users.carla = await addPortalUser(t, w, { email: carla.email, recordId: w.records.carla, status: 'active', password: carla.password });
  users.dora = await addPortalUser(t, w, { email: 'dora@initech.example', recordId: w.records.dora, status: 'invited' });
  users.erin = await addPortalUser(t, w, {
    email: 'erin@partner.example',
    recordId: w.records.erin,
    status: 'active',
    password: 'Erin-Partner-2027',
    portal: 'partners',
  });
  users.fred = await addPortalUser(t, w, { email: 'fred@gone.example', recordId: w.records.fred, status: 'deactivated', password: 'Fred-Gone-2027!' });
});
afterAll(() => t.close());
beforeEach(async () => {
  await t.db.deleteFrom('sessions').execute();
  await t.db.deleteFrom('login_attempts').execute();
});

async function signIn(email = carla.email, password = carla.password, portal = HELP, headers?: Record<string, string>) {
  const client = browserClient(t.app);
  const res = await client.post(`${portal}/login`, { email, password }, headers);
  return { client, res };
}

const portalSessions = () => t.db.selectFrom('sessions').selectAll().where('user_kind', '=', 'portal').execute();

describe('portal sign-in', () => {
  it('shows the sign-in page in the portal’s shell, with a link to reset the password', async () => {
    const res = await browserClient(t.app).get(`${HELP}/login`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<a class="brand" href="/p/acme-help">Acme Help</a>');
    expect(html).toContain('Sign in to Acme Help');
    expect(html).toContain('href="/p/acme-help/password/forgot"');
    expect(html).toContain('action="/p/acme-help/lang"');
  });

  it('signs in, sets a cookie scoped to the portal, records the login and lands on the first tab', async () => {
    const before = await t.db.selectFrom('portal_users').select('last_login_at').where('id', '=', users.carla).executeTakeFirstOrThrow();
    expect(before.last_login_at).toBeNull();
    const { client, res } = await signIn();
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toBe(HELP);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith(`${PORTAL_COOKIE}=`)) ?? '';
    expect(cookie).toMatch(/Path=\/p\/acme-help/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    const token = client.cookies.get(PORTAL_COOKIE) ?? '';
    const sessions = await portalSessions();
    expect(sessions.map((s) => [s.id, s.user_id, s.two_factor_pending])).toEqual([[sessionIdFromToken(token), users.carla, false]]);
    const after = await t.db.selectFrom('portal_users').select('last_login_at').where('id', '=', users.carla).executeTakeFirstOrThrow();
    expect(after.last_login_at).toBeInstanceOf(Date);

    const home = await client.get(HELP);
    expect(home.status).toBe(200);
    const welcome = await home.text();
    expect(welcome).toContain('<h1 id="home-title">Welcome, Carla Núñez</h1>');
    expect(welcome).toContain(`<a class="tile" href="${HELP}/m/contacts"><span class="tile-label">Contacts</span><span class="tile-count">1 record</span></a>`);
    const page = await client.get(`${HELP}/m/contacts`);
    expect(page.status).toBe(200);
    expect(page.headers.get('Cache-Control')).toBe('no-store');
    const html = await page.text();
    expect(html).toContain('1 record');
    expect(html).toContain('Carla');
    expect(html).not.toContain('Dora');
    expect(html).not.toContain('class="preview-banner"');
    expect(html).toContain('Carla Núñez</a>'); // the account menu
  });

  it('refuses an email far longer than an address can be with the same message (no error page)', async () => {
    // Random, so PostgreSQL cannot compress it below its index's limit.
    const long = await signIn(`${randomBytes(1500).toString('hex')}@globex.example`, 'whatever-Pass-1');
    expect(long.res.status).toBe(401);
    expect(await long.res.text()).toContain('The email or the password is not correct.');
    expect(await portalSessions()).toHaveLength(0);
  });

  it('refuses a wrong password and an unknown email with the same message and no session', async () => {
    const wrong = await signIn(carla.email, 'not-the-password-1');
    expect(wrong.res.status).toBe(401);
    expect(await wrong.res.text()).toContain('The email or the password is not correct.');
    const unknown = await signIn('nobody@globex.example', 'whatever-Pass-1');
    expect(unknown.res.status).toBe(401);
    expect(await unknown.res.text()).toContain('The email or the password is not correct.');
    expect(wrong.client.cookies.has(PORTAL_COOKIE)).toBe(false);
    expect(await portalSessions()).toHaveLength(0);
  });

  it('throttles an account after repeated failures, even for the right password', async () => {
    for (let i = 0; i < THROTTLE.accountFailures; i++) expect((await signIn(carla.email, 'nope-nope-nope')).res.status).toBe(401);
    const { res } = await signIn();
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('Retry-After'))).toBeGreaterThan(0);
    expect(await res.text()).toContain('Too many failed sign-in attempts for this account. Try again in 15 minutes.');
    expect(await portalSessions()).toHaveLength(0);
  });

  it('tells a deactivated user whom to contact, only once the password is right', async () => {
    const wrong = await signIn('fred@gone.example', 'not-his-password-1');
    expect(wrong.res.status).toBe(401);
    const { res } = await signIn('fred@gone.example', 'Fred-Gone-2027!');
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('This account is deactivated. Contact Ana Admin (ana@acme.example) at Acme Iberia if you need it again.');
    expect(await portalSessions()).toHaveLength(0);
  });

  it('refuses an invited user who has not accepted yet like an unknown address, reminding newcomers of the invitation link', async () => {
    const invited = await signIn('dora@initech.example', 'Some-Guess-2027');
    const unknown = await signIn('nobody@initech.example', 'Some-Guess-2027');
    expect(invited.res.status).toBe(401);
    expect(unknown.res.status).toBe(401);
    const html = await invited.res.text();
    expect(html).toContain('New here? Open the link in your invitation email to choose your password first.');
    // Nothing tells a stranger that this address was invited, or by whom.
    expect(html).not.toContain('Ana Admin (ana@acme.example)');
    expect(await unknown.res.text()).toContain('New here? Open the link in your invitation email to choose your password first.');
    expect(await portalSessions()).toHaveLength(0);
  });

  it('does not sign in another portal’s user, and a session carried to another portal is ended', async () => {
    const refused = await signIn('erin@partner.example', 'Erin-Partner-2027');
    expect(refused.res.status).toBe(401);
    const { client, res } = await signIn('erin@partner.example', 'Erin-Partner-2027', PARTNERS);
    expect(res.status).toBe(303);
    const token = client.cookies.get(PORTAL_COOKIE) ?? '';
    expect((await client.get(`${PARTNERS}/m/contacts`)).status).toBe(200);
    // The same token presented to Acme Help: treated as signed out, and the session is gone.
    const crossed = await t.app.request(`http://porta.test${HELP}/m/cases`, { headers: { Cookie: `${PORTAL_COOKIE}=${token}` }, redirect: 'manual' });
    expect(crossed.status).toBe(303);
    expect(crossed.headers.get('Location')).toBe(`${HELP}/login?next=%2Fp%2Facme-help%2Fm%2Fcases`);
    expect(await portalSessions()).toHaveLength(0);
    expect((await client.get(`${PARTNERS}/m/contacts`)).status).toBe(303);
  });

  it('signs a deactivated user out on their next request', async () => {
    const { client } = await signIn();
    expect((await client.get(`${HELP}/m/cases`)).status).toBe(200);
    await t.db.updateTable('portal_users').set({ status: 'deactivated' }).where('id', '=', users.carla).execute();
    try {
      const res = await client.get(`${HELP}/m/cases`);
      expect(res.status).toBe(303);
      expect(res.headers.get('Location')).toContain(`${HELP}/login`);
      expect(await portalSessions()).toHaveLength(0);
    } finally {
      await t.db.updateTable('portal_users').set({ status: 'active' }).where('id', '=', users.carla).execute();
    }
  });

  it('ends the sessions of a user whose own record goes to the recycle bin, and refuses them as deactivated until it is back', async () => {
    const { client } = await signIn();
    const file = `${HELP}/m/cases/${w.records.carlaCase1}/files/${w.carlaFile}`;
    expect((await client.get(file)).status).toBe(200);
    const ana = browserClient(t.app);
    expect((await ana.post('/admin/login', { email: acme.admin.email, password: acme.admin.password })).status).toBe(303);
    expect((await ana.post(`/admin/m/contacts/${w.records.carla}/delete`, {})).status).toBe(303);
    try {
      expect(await portalSessions()).toHaveLength(0);
      for (const path of [`${HELP}/m/cases`, `${HELP}/m/cases/${w.records.carlaCase1}`, file]) expect((await client.get(path)).status, path).toBe(303);
      const again = await signIn();
      expect(again.res.status).toBe(403);
      expect(await again.res.text()).toContain('This account is deactivated. Contact Ana Admin (ana@acme.example) at Acme Iberia if you need it again.');
      expect(await portalSessions()).toHaveLength(0);
      // A wrong password learns nothing about the account.
      expect(await (await signIn(carla.email, 'not-the-password-1')).res.text()).toContain('The email or the password is not correct.');
    } finally {
      expect((await ana.post(`/admin/m/contacts/${w.records.carla}/restore`, {})).status).toBe(303);
    }
    expect((await signIn()).res.status).toBe(303);
  });

  it('ends the session on logout, and the old token no longer works', async () => {
    const { client } = await signIn();
    const token = client.cookies.get(PORTAL_COOKIE) ?? '';
    const out = await client.post(`${HELP}/logout`, {});
    expect(out.status).toBe(303);
    expect(out.headers.get('Location')).toBe(`${HELP}/login?signedOut=1`);
    expect(client.cookies.has(PORTAL_COOKIE)).toBe(false);
    expect(await portalSessions()).toHaveLength(0);
    expect(await (await client.get(`${HELP}/login?signedOut=1`)).text()).toContain('You have signed out.');
    const replay = await t.app.request(`http://porta.test${HELP}/m/cases`, { headers: { Cookie: `${PORTAL_COOKIE}=${token}` }, redirect: 'manual' });
    expect(replay.status).toBe(303);
  });

  it('refuses a sign-in posted from another site', async () => {
    const res = await browserClient(t.app).post(
      `${HELP}/login`,
      { email: carla.email, password: carla.password },
      { 'Sec-Fetch-Site': 'cross-site', Origin: 'https://evil.example' },
    );
    expect(res.status).toBe(403);
    expect(await portalSessions()).toHaveLength(0);
    const logout = await browserClient(t.app).request(`${HELP}/logout`, {
      method: 'POST',
      headers: { Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' },
    });
    expect(logout.status).toBe(403);
  });

  it('does not mix up the staff session and the portal session', async () => {
    const staff = browserClient(t.app);
    await staff.post('/admin/login', { email: acme.admin.email, password: acme.admin.password });
    expect((await staff.get(`${HELP}/m/cases`)).status).toBe(303);
    const { client } = await signIn();
    expect((await client.get('/admin')).status).toBe(303);
  });

  it('answers 404 for an unknown portal and redirects an earlier address', async () => {
    expect((await browserClient(t.app).get('/p/no-such-portal/login')).status).toBe(404);
    expect((await browserClient(t.app).post('/p/no-such-portal/login', { email: carla.email, password: carla.password })).status).toBe(404);
    await t.db.insertInto('portal_slugs').values({ slug: 'help-old', portal_id: w.helpId }).execute();
    const res = await browserClient(t.app).get('/p/help-old/login');
    expect(res.status).toBe(301);
    expect(res.headers.get('Location')).toBe(`${HELP}/login`);
  });
});

describe('the pages a signed-in user reads', () => {
  let client: BrowserClient;
  beforeEach(async () => {
    client = (await signIn()).client;
  });

  it('lists only the cases in scope, with only visible fields', async () => {
    const html = await (await client.get(`${HELP}/m/cases`)).text();
    expect(html).toContain('2 records');
    expect(html).toContain('Printer jam');
    expect(html).toContain('Invoice copy');
    expect(html).not.toContain('Dora’s outage');
    expect(html).not.toContain('Secret staff analysis');
    const nav = /<nav aria-label="Portal navigation">([\s\S]*?)<\/nav>/.exec(html)?.[1] ?? '';
    expect([...nav.matchAll(/<a [^>]*>([^<]*)<\/a>/g)].map((m) => m[1])).toEqual(['Contacts', 'Cases']);
  });

  it('answers an address it does not have with 404 in the portal’s own frame, linking back to the portal home and never to the staff side', async () => {
    for (const path of [`/m/cases/${w.records.carlaCase1}/edit`, '/m/cases/new', '/no-such-page', `/m/cases/${w.records.carlaCase1}/notes`]) {
      const res = await client.get(`${HELP}${path}`);
      expect(res.status).toBe(404);
      const html = await res.text();
      expect(html).toContain('<a class="brand" href="/p/acme-help">Acme Help</a>');
      expect(html).toContain('Page not found');
      expect(html).toContain(`href="${HELP}/m/cases"`);
      expect(html).not.toContain('href="/admin');
    }
    const inTabs = await (await client.get(`${HELP}/m/cases/${w.records.carlaCase1}/edit`)).text();
    expect(inTabs).toContain(`<a href="${HELP}">Back to the portal’s home page</a>`);
    expect(inTabs).toContain(`href="${HELP}/m/cases"`);
    // Her type may not create cases: refused in the frame, nothing written.
    const post = await client.post(`${HELP}/m/cases`, { subject: 'New' });
    expect(post.status).toBe(403);
    expect(await post.text()).toContain('<a class="brand" href="/p/acme-help">Acme Help</a>');
  });

  it('shows a record in scope and its shared file; a record outside scope answers 404', async () => {
    const rec = await client.get(`${HELP}/m/cases/${w.records.carlaCase1}`);
    expect(rec.status).toBe(200);
    const html = await rec.text();
    expect(html).toContain('Printer jam');
    expect(html).not.toContain('Secret staff analysis');
    expect(html).toContain(`href="${HELP}/m/cases/${w.records.carlaCase1}/files/${w.carlaFile}"`);
    const file = await client.get(`${HELP}/m/cases/${w.records.carlaCase1}/files/${w.carlaFile}`);
    expect(file.status).toBe(200);
    expect(await file.text()).toBe('drum manual');

    const outside = await client.get(`${HELP}/m/cases/${w.records.doraCase}`);
    expect(outside.status).toBe(404);
    expect(await outside.text()).not.toContain('Dora’s outage');
    expect((await client.get(`${HELP}/m/cases/${w.records.doraCase}/files/${w.carlaFile}`)).status).toBe(404);
    expect((await client.get(`${HELP}/m/deals`)).status).toBe(404);
    expect((await client.get(`${HELP}/m/cases/not-a-uuid`)).status).toBe(404);
  });

  it('speaks the user’s language and saves the switcher’s choice to their account', async () => {
    await t.db.updateTable('portal_users').set({ language: 'es' }).where('id', '=', users.carla).execute();
    try {
      const html = await (await client.get(`${HELP}/m/cases`, { 'Accept-Language': 'fr' })).text();
      expect(html).toContain('<html lang="es">');
      expect(html).toContain('2 registros');
      const switched = await client.post(`${HELP}/lang`, { lang: 'pt-BR', back: `${HELP}/m/cases` });
      expect(switched.status).toBe(303);
      expect(switched.headers.get('Location')).toBe(`${HELP}/m/cases`);
      const row = await t.db.selectFrom('portal_users').select('language').where('id', '=', users.carla).executeTakeFirstOrThrow();
      expect(row.language).toBe('pt-BR');
      const offsite = await client.post(`${HELP}/lang`, { lang: 'en', back: '/admin' });
      expect(offsite.headers.get('Location')).toBe(HELP);
    } finally {
      await t.db.updateTable('portal_users').set({ language: null }).where('id', '=', users.carla).execute();
    }
  });

  it('sends a signed-out visitor to sign in, and back to the page afterwards', async () => {
    const anon = browserClient(t.app);
    const res = await anon.get(`${HELP}/m/cases/${w.records.carlaCase2}`);
    expect(res.status).toBe(303);
    const login = res.headers.get('Location') ?? '';
    expect(login).toBe(`${HELP}/login?next=${encodeURIComponent(`${HELP}/m/cases/${w.records.carlaCase2}`)}`);
    const form = await (await anon.get(login)).text();
    expect(form).toContain(`name="next" value="${HELP}/m/cases/${w.records.carlaCase2}"`);
    const signedIn = await anon.post(`${HELP}/login`, { email: carla.email, password: carla.password, next: `${HELP}/m/cases/${w.records.carlaCase2}` });
    expect(signedIn.headers.get('Location')).toBe(`${HELP}/m/cases/${w.records.carlaCase2}`);
    const elsewhere = await browserClient(t.app).post(`${HELP}/login`, { email: carla.email, password: carla.password, next: '/admin/settings' });
    expect(elsewhere.headers.get('Location')).toBe(HELP);
  });

  it('saves preferences on the profile page, and the pages follow them', async () => {
    const page = await (await client.get(`${HELP}/profile`)).text();
    expect(page).toContain('Signed in as carla@globex.example.');
    expect(page).toContain('<option value="Europe/Madrid" selected="">');
    const bad = await client.post(`${HELP}/profile`, { language: 'en', timeFormat: '24h', timeZone: 'Mars/Olympus', country: 'ES' });
    expect(bad.status).toBe(422);
    const saved = await client.post(`${HELP}/profile`, { language: 'fr', timeFormat: '12h', timeZone: 'America/New_York', country: 'US' });
    expect(saved.headers.get('Location')).toBe(`${HELP}/profile?saved=1`);
    const row = await t.db
      .selectFrom('portal_users')
      .select(['language', 'time_format', 'time_zone', 'country'])
      .where('id', '=', users.carla)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ language: 'fr', time_format: '12h', time_zone: 'America/New_York', country: 'US' });
    expect(await (await client.get(`${HELP}/profile?saved=1`)).text()).toContain('Préférences enregistrées.');
    await t.db.updateTable('portal_users').set({ language: null, time_format: null, time_zone: null, country: null }).where('id', '=', users.carla).execute();
  });
});
