import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contrastWithWhite } from '../../src/portals/branding.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme } from '../support/fixtures.js';
import { resetRequestsHandled } from '../support/password-reset.js';
import { addPortalUser, carla, HELP, type PortalWorld, seedPortalWorld } from '../support/portal-world.js';

// A portal's look (accent colour, logo) and its own host name: set by an
// admin with every bad value refused in words, used by the portal's pages,
// its preview and its emails; on its own host the portal answers at /, its
// cookie is the host's alone, and a form posted there from anywhere else is refused.

const HOST = 'support.acme.test';
const CUSTOM = `http://${HOST}`;
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82]);

let t: TestApp;
let w: PortalWorld;
let ana: BrowserClient;
let portalPath: string;

const outbox = () => t.db.selectFrom('email_outbox').select(['to_address', 'html', 'text', 'template']).orderBy('created_at').execute();

beforeAll(async () => {
  // The worker answers "forgot password" requests.
  t = await startTestApp({ worker: true });
  w = await seedPortalWorld(t);
  await addPortalUser(t, w, { email: carla.email, recordId: w.records.carla, status: 'active', password: carla.password, language: 'fr' });
  ana = browserClient(t.app);
  expect((await ana.post('/admin/login', { email: acme.admin.email, password: acme.admin.password })).status).toBe(303);
  portalPath = `/admin/settings/portals/${w.helpId}`;
});
afterAll(() => t.close());

describe('the accent colour', () => {
  it('refuses a colour white text cannot be read on, and a malformed one, in words; the portal keeps its colour', async () => {
    expect(contrastWithWhite('#ffff00')).toBeLessThan(4.5);
    const yellow = await ana.post(portalPath, { accent: '#ffff00' });
    expect(yellow.status).toBe(422);
    expect(await yellow.text()).toContain('White text on this colour is too hard to read');
    const bad = await ana.post(portalPath, { accent: 'teal' });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain('Enter a colour as # and six hex digits');
    expect((await t.db.selectFrom('portals').select('accent_color').where('id', '=', w.helpId).executeTakeFirstOrThrow()).accent_color).toBeNull();
  });

  it('uses an accepted colour on the portal’s pages through a stylesheet cached for good', async () => {
    expect(contrastWithWhite('#0f766e')).toBeGreaterThanOrEqual(4.5);
    expect((await ana.post(portalPath, { accent: '#0F766E' })).status).toBe(303);
    const login = await (await t.app.request(`http://porta.test${HELP}/login`)).text();
    expect(login).toContain(`href="${HELP}/brand/accent-0f766e.css"`);
    const css = await t.app.request(`http://porta.test${HELP}/brand/accent-0f766e.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get('Content-Type')).toContain('text/css');
    expect(css.headers.get('Cache-Control')).toContain('immutable');
    expect(await css.text()).toContain('--primary: #0f766e');
    // An old colour's address is gone.
    expect((await t.app.request(`http://porta.test${HELP}/brand/accent-1d4ed8.css`)).status).toBe(404);
  });
});

describe('the logo', () => {
  const upload = (name: string, bytes: Uint8Array<ArrayBuffer>, type = 'image/png') => {
    const form = new FormData();
    form.set('logo', new File([bytes], name, { type }));
    return ana.request(portalPath, { method: 'POST', body: form });
  };

  it('refuses a file that is not an image of an allowed kind, or is too large', async () => {
    const fake = await upload('logo.png', new TextEncoder().encode('not an image'));
    expect(fake.status).toBe(422);
    expect(await fake.text()).toContain('must be a PNG, JPEG, GIF or WebP image');
    const svg = await upload('logo.svg', new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), 'image/svg+xml');
    expect(svg.status).toBe(422);
    const big = new Uint8Array(600 * 1024);
    big.set(PNG);
    const large = await upload('logo.png', big);
    expect([413, 422]).toContain(large.status);
    expect((await t.db.selectFrom('portal_logos').selectAll().execute()).length).toBe(0);
  });

  it('serves an accepted logo under its hash, cached for good, on the portal’s pages and its preview', async () => {
    expect((await upload('logo.png', PNG)).status).toBe(303);
    const { logo_hash } = await t.db.selectFrom('portals').select('logo_hash').where('id', '=', w.helpId).executeTakeFirstOrThrow();
    expect(logo_hash).toMatch(/^[0-9a-f]{16}$/);
    const src = `${HELP}/brand/logo-${logo_hash}`;
    expect(await (await t.app.request(`http://porta.test${HELP}/login`)).text()).toContain(`src="${src}"`);
    const res = await t.app.request(`http://porta.test${src}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toBe('image/png');
    expect(res.headers.get('Cache-Control')).toContain('immutable');
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(PNG);
    expect((await t.app.request(`http://porta.test${HELP}/brand/logo-0000000000000000`)).status).toBe(404);
    // The preview draws the same brand.
    const preview = await ana.get(`/admin/settings/portals/preview/type/${w.helpTypeId}/${w.records.carla}`);
    const html = await preview.text();
    expect(html).toContain(`src="${src}"`);
    expect(html).toContain(`href="${HELP}/brand/accent-0f766e.css"`);
  });

  it('brands the portal’s emails with its logo, name and colour', async () => {
    await t.db.deleteFrom('email_outbox').execute();
    expect((await browserClient(t.app).post(`${HELP}/password/forgot`, { email: carla.email })).status).toBeLessThan(400);
    await resetRequestsHandled(t);
    const [mail] = await outbox();
    const { logo_hash } = await t.db.selectFrom('portals').select('logo_hash').where('id', '=', w.helpId).executeTakeFirstOrThrow();
    expect(mail?.html).toContain(`src="http://porta.test${HELP}/brand/logo-${logo_hash}"`);
    expect(mail?.html).toContain('background:#0f766e');
  });
});

describe('a portal on its own host name', () => {
  it('refuses a malformed host, Porta’s own, and one another portal has, in words', async () => {
    for (const [domain, message] of [
      ['not a host', 'Enter a host name such as support.example.com'],
      ['support.acme.test/path', 'Enter a host name such as support.example.com'],
      ['porta.test', 'That is Porta'],
    ]) {
      const res = await ana.post(portalPath, { domain: domain as string });
      expect(res.status).toBe(422);
      expect(await res.text()).toContain(message);
    }
    expect((await ana.post(`/admin/settings/portals/${w.partnersId}`, { domain: 'partners.acme.test' })).status).toBe(303);
    const taken = await ana.post(portalPath, { domain: 'PARTNERS.acme.test' });
    expect(taken.status).toBe(422);
    expect(await taken.text()).toContain('Another portal already answers on that host name');
    expect((await ana.post(portalPath, { domain: `https://${HOST.toUpperCase()}/` })).status).toBe(303);
    expect((await t.db.selectFrom('portals').select('domain').where('id', '=', w.helpId).executeTakeFirstOrThrow()).domain).toBe(HOST);
  });

  it('answers at / with its own frame, signs in there with a host-only cookie, and serves the signed-in home', async () => {
    const visitor = browserClient(t.app, CUSTOM);
    const home = await visitor.get('/');
    expect(home.status).toBe(303);
    expect(home.headers.get('Location')).toMatch(new RegExp(`^${HELP}/login\\?next=`));
    const login = await visitor.get('/login');
    expect(login.status).toBe(200);
    const html = await login.text();
    expect(html).toContain('Acme Help');
    expect(html).toContain(`action="${HELP}/login"`);
    const signIn = await visitor.post(`${HELP}/login`, { email: carla.email, password: carla.password });
    expect(signIn.status).toBe(303);
    const cookie = signIn.headers.getSetCookie().find((c) => c.startsWith('porta_portal='));
    expect(cookie).toBeDefined();
    expect(cookie).not.toMatch(/domain=/i);
    expect(cookie).toMatch(/path=\//i);
    expect(cookie).not.toMatch(/path=\/p\//i);
    const signedIn = await visitor.get('/');
    expect(signedIn.status).toBe(200);
    expect(await signedIn.text()).toContain('Acme Help');
    // Porta's own pages do not exist there: the staff side is not on a customer's host.
    const admin = await visitor.get('/admin/login');
    expect(admin.status).toBe(404);
    expect(await admin.text()).not.toContain('name="password"');
    // Another portal is not there either.
    expect((await visitor.get('/p/partners/login')).status).toBe(404);
  });

  it('refuses a form posted to it from /p/:slug’s origin, and from a look-alike', async () => {
    const visitor = browserClient(t.app, CUSTOM);
    expect((await visitor.post(`${HELP}/login`, { email: carla.email, password: carla.password })).status).toBe(303);
    const before = await t.db.selectFrom('notes').select('id').where('record_id', '=', w.records.carlaCase1).execute();
    for (const headers of <Record<string, string>[]>[
      { Origin: 'http://porta.test', 'Sec-Fetch-Site': 'cross-site' },
      { Origin: 'http://porta.test', 'Sec-Fetch-Site': 'same-origin' },
      { Origin: 'http://porta.test' },
      { Origin: `http://${HOST}.evil.example`, 'Sec-Fetch-Site': 'cross-site' },
      { Origin: 'null', 'Sec-Fetch-Site': 'cross-site' },
    ]) {
      const res = await visitor.post(`${HELP}/logout`, {}, headers);
      expect(res.status, JSON.stringify(headers)).toBe(403);
    }
    expect((await visitor.get('/')).status).toBe(200);
    expect((await t.db.selectFrom('notes').select('id').where('record_id', '=', w.records.carlaCase1).execute()).length).toBe(before.length);
    // From its own origin the same form works.
    expect((await visitor.post(`${HELP}/logout`, {})).status).toBe(303);
  });

  it('links its emails to its own host', async () => {
    await t.db.deleteFrom('email_outbox').execute();
    await browserClient(t.app, CUSTOM).post(`${HELP}/password/forgot`, { email: carla.email });
    await resetRequestsHandled(t);
    const [mail] = await outbox();
    expect(mail?.text).toContain(`${CUSTOM}${HELP}/password/reset/`);
  });

  it('still answers at /p/:slug on Porta’s own host', async () => {
    const res = await t.app.request(`http://porta.test${HELP}/login`);
    expect(res.status).toBe(200);
  });
});
