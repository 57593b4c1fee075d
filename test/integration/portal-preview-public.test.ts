import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme } from '../support/fixtures.js';
import { HELP, PARTNERS, type PortalWorld, seedPortalWorld } from '../support/portal-world.js';

// The preview links to each portal's pages for visitors (sign-in, and sign-up
// while it is on): the real pages, answered as visitors get them.

let t: TestApp;
let w: PortalWorld;
let admin: BrowserClient;
const PREVIEW = '/admin/settings/portals/preview';

beforeAll(async () => {
  t = await startTestApp({ env: { APP_KEY: randomBytes(32).toString('base64') } });
  w = await seedPortalWorld(t);
  admin = browserClient(t.app);
  expect((await admin.post('/admin/login', { email: acme.admin.email, password: acme.admin.password })).status).toBe(303);
  const sso = { enabled: 'on', issuer: 'https://idp.acme.test', clientId: 'porta', clientSecret: 'a-secret-for-the-preview', scopes: 'openid email' };
  expect((await admin.post(`/admin/settings/portals/${w.helpId}/sso`, { ...sso, passwordSignIn: 'on' })).status).toBe(303);
  await t.db.updateTable('portals').set({ signup_user_type_id: w.helpTypeId, signup_owner_id: w.adminId }).where('id', '=', w.helpId).execute();
});
afterAll(() => t?.close());

const linksIn = (html: string) => {
  const list = /<ul id="public-pages-list">([\s\S]*?)<\/ul>/.exec(html)?.[1] ?? '';
  return [...list.matchAll(/<a href="([^"]+)" target="_blank" rel="noopener">([^<]+)/g)].map((m) => [m[1], m[2]]);
};

describe('the preview’s links to the pages for visitors', () => {
  it('links each portal’s sign-in page, and its sign-up page only while sign-up is on', async () => {
    const html = await (await admin.get(PREVIEW)).text();
    expect(html).toContain('<h2 id="public-pages">Pages for visitors</h2>');
    expect(linksIn(html)).toEqual([
      [`${HELP}/login`, 'Sign-in page'],
      [`${HELP}/signup`, 'Sign-up page'],
      [`${PARTNERS}/login`, 'Sign-in page'],
    ]);
  });

  it('puts the portal the admin came from first', async () => {
    const html = await (await admin.get(`${PREVIEW}?portal=${w.partnersId}`)).text();
    expect(linksIn(html)[0]).toEqual([`${PARTNERS}/login`, 'Sign-in page']);
  });

  it('leads to the real pages: 200 for a visitor, the sign-in page with its single sign-on button', async () => {
    const html = await (await admin.get(PREVIEW)).text();
    for (const [href] of linksIn(html)) expect((await browserClient(t.app).get(href ?? '')).status, href).toBe(200);
    const login = await (await browserClient(t.app).get(`${HELP}/login`)).text();
    expect(login).toContain(`action="${HELP}/sso/start"`);
    expect(login).toContain(`href="${HELP}/signup"`);
    expect(await (await browserClient(t.app).get(`${PARTNERS}/login`)).text()).not.toContain('/sso/start');
    // The same pages for the signed-in admin: a staff session is no portal session.
    expect((await admin.get(`${HELP}/login`)).status).toBe(200);
  });

  it('is in the admin’s language', async () => {
    const html = await (await admin.get(PREVIEW, { 'Accept-Language': 'pt-BR' })).text();
    expect(html).toContain('Páginas para visitantes');
    expect(linksIn(html)[0]).toEqual([`${HELP}/login`, 'Página de login']);
  });
});
