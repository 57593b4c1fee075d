import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { decryptSecret } from '../../src/sso/secret.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme, bruno, seedStandardUser } from '../support/fixtures.js';
import { type PortalWorld, seedPortalWorld } from '../support/portal-world.js';

// The configurator's single sign-on page: validation, the write-only client
// secret (stored encrypted, never shown), and what happens without APP_KEY.

const appKey = randomBytes(32);
const SECRET = 'client-secret-from-the-provider-7Qz';
let t: TestApp;
let w: PortalWorld;
let admin: BrowserClient;
let path: string;

const valid = {
  enabled: 'on',
  issuer: 'https://login.example.com',
  clientId: 'porta-portal',
  clientSecret: SECRET,
  scopes: 'openid email profile',
  passwordSignIn: 'on',
};

async function signedIn(app: TestApp['app'], who: { email: string; password: string } = acme.admin) {
  const client = browserClient(app);
  expect((await client.post('/admin/login', { email: who.email, password: who.password })).status).toBe(303);
  return client;
}

const stored = () => t.db.selectFrom('portal_sso').selectAll().where('portal_id', '=', w.helpId).executeTakeFirst();

beforeAll(async () => {
  t = await startTestApp({ env: { APP_KEY: appKey.toString('hex') } });
  w = await seedPortalWorld(t);
  admin = await signedIn(t.app);
  path = `/admin/settings/portals/${w.helpId}/sso`;
});
afterAll(() => t?.close());

describe('single sign-on settings', () => {
  it('is linked from the portal page and shows the redirect URI to register, with the defaults', async () => {
    expect(await (await admin.get(`/admin/settings/portals/${w.helpId}`)).text()).toContain(`href="${path}"`);
    const res = await admin.get(path);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Single sign-on for Acme Help');
    // Without a host name of its own, the portal has one redirect URI.
    expect(html).toContain('<ul id="sso-redirect-uris"><li><code>http://porta.test/p/acme-help/sso/callback</code></li></ul>');
    expect(html).toContain('value="openid email profile"');
    expect(html).toMatch(/<input type="checkbox" id="passwordSignIn" name="passwordSignIn" value="on" checked=""/);
  });

  it('is for staff who manage portals only', async () => {
    await seedStandardUser(t.db);
    const standard = await signedIn(t.app, bruno);
    expect((await standard.get(path)).status).toBe(403);
    expect((await standard.post(path, valid)).status).toBe(403);
    expect(await stored()).toBeUndefined();
  });

  it('refuses a bad issuer, scopes without openid or email, and password sign-in off without SSO, changing nothing', async () => {
    const cases: [Record<string, string>, string][] = [
      [{ issuer: 'not a url' }, 'Enter a full address such as https://login.example.com'],
      [{ issuer: 'http://login.example.com' }, 'The issuer must use https:// (http:// only for a provider on localhost).'],
      [{ issuer: 'ftp://login.example.com' }, 'The issuer must use https://'],
      [{ issuer: 'https://login.example.com/?tenant=1' }, 'without a query or a fragment'],
      [{ issuer: '' }, 'Enter the provider&#39;s issuer URL.'],
      [{ scopes: 'email profile' }, 'The scopes must include openid and email.'],
      [{ scopes: 'openid profile' }, 'The scopes must include openid and email.'],
      [{ clientId: '' }, 'Enter the client ID the provider gave you.'],
      [{ clientSecret: '' }, 'Enter the client secret the provider gave you.'],
      [{ enabled: '', passwordSignIn: '' }, 'Password sign-in can be turned off only with single sign-on on.'],
    ];
    for (const [change, message] of cases) {
      const res = await admin.post(path, { ...valid, ...change });
      expect(res.status, JSON.stringify(change)).toBe(422);
      const html = await res.text();
      expect(html).toContain('The settings were not saved');
      expect(html.replaceAll('&#39;', "'")).toContain(message.replaceAll('&#39;', "'"));
      // What was typed comes back, except the secret.
      if (change.issuer) expect(html).toContain(`value="${change.issuer}"`);
      expect(html).not.toContain(SECRET);
    }
    expect(await stored()).toBeUndefined();
  });

  it('accepts http:// for a provider on this machine', async () => {
    const res = await admin.post(path, { ...valid, issuer: 'http://127.0.0.1:4000', enabled: '' });
    expect(res.status).toBe(303);
    expect((await stored())?.issuer).toBe('http://127.0.0.1:4000');
  });

  it('stores the secret encrypted, never shows it back, and keeps it when the field is left empty', async () => {
    const res = await admin.post(path, { ...valid, scopes: '  openid   email  email profile ' });
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toBe(`${path}?done=saved`);
    const row = await stored();
    expect(row).toMatchObject({
      enabled: true,
      issuer: 'https://login.example.com',
      client_id: 'porta-portal',
      scopes: 'openid email profile',
      password_sign_in: true,
    });
    expect(row?.client_secret).toMatch(/^v1:/);
    expect(row?.client_secret).not.toContain(SECRET);
    expect(decryptSecret(appKey, row?.client_secret ?? '')).toBe(SECRET);
    const html = await (await admin.get(`${path}?done=saved`)).text();
    expect(html).toContain('Single sign-on settings saved.');
    expect(html).toContain('A client secret is saved. Leave this field empty to keep it');
    expect(html).not.toContain(SECRET);
    expect(html).not.toContain(row?.client_secret ?? '');

    // Password sign-in off, with single sign-on on: accepted; the empty secret field keeps the stored secret as it was.
    expect((await admin.post(path, { ...valid, clientSecret: '', passwordSignIn: '', signupAllowed: 'on' })).status).toBe(303);
    const kept = await stored();
    expect(kept).toMatchObject({ client_secret: row?.client_secret, password_sign_in: false, signup_allowed: true });

    const trail = await t.db.selectFrom('audit_log').select(['action', 'actor_id', 'details']).where('action', '=', 'portal.sso_saved').orderBy('id').execute();
    expect(trail.at(-2)).toMatchObject({ actor_id: w.adminId, details: { issuer: 'https://login.example.com', secret_changed: true } });
    expect(trail.at(-1)).toMatchObject({ details: { password_sign_in: false, secret_changed: false } });
    expect(JSON.stringify(trail)).not.toContain(SECRET);
    expect(JSON.stringify(trail)).not.toContain(row?.client_secret ?? '');
  });

  it('shows the form again on a refusal without the stored secret, and keeps it', async () => {
    const before = await stored();
    const res = await admin.post(path, { ...valid, clientSecret: 'a-new-secret-typed', scopes: 'profile' });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).not.toContain('a-new-secret-typed');
    expect(html).toContain('A client secret is saved.');
    expect(await stored()).toEqual(before);
  });

  it('without APP_KEY explains that single sign-on needs it and refuses to save', async () => {
    const before = await stored();
    const keyless = createApp({ ...t.deps, config: { ...t.config, appKey: undefined } });
    const client = await signedIn(keyless);
    const page = await (await client.get(path)).text();
    expect(page).toContain('Single sign-on needs an application key');
    expect(page).toContain('APP_KEY');
    const res = await client.post(path, { ...valid, clientSecret: 'whatever-secret' });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('Set APP_KEY in Porta&#39;s environment');
    expect(await stored()).toEqual(before);
    // Nor is single sign-on offered on the portal: its secret cannot be read.
    const login = await (await browserClient(keyless).get('/p/acme-help/login')).text();
    expect(login).not.toContain('/sso/start');
    expect(login).toContain('action="/p/acme-help/login"');
  });

  it('answers in the staff user’s language', async () => {
    await t.db.updateTable('staff_users').set({ language: 'fr' }).where('id', '=', w.adminId).execute();
    try {
      const res = await admin.post(path, { ...valid, scopes: 'profile' });
      expect(res.status).toBe(422);
      expect(await res.text()).toContain('Les portées doivent inclure openid et email.');
    } finally {
      await t.db.updateTable('staff_users').set({ language: null }).where('id', '=', w.adminId).execute();
    }
  });
});
