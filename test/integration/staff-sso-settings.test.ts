import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { decryptSecret } from '../../src/sso/secret.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme, bruno, seedAcme, seedStandardUser } from '../support/fixtures.js';

// The settings page of staff single sign-on: administrators only, the same
// fields and checks as a portal's, the client secret write-only.

const appKey = randomBytes(32);
const SECRET = 'staff-client-secret-from-the-idp-4Kx';
const PATH = '/admin/settings/sso';
let t: TestApp;
let admin: BrowserClient;
let adminId: string;

const valid = { enabled: 'on', issuer: 'https://login.example.com', clientId: 'porta-staff', clientSecret: SECRET, scopes: 'openid email profile' };

async function signedIn(app: TestApp['app'], who: { email: string; password: string } = acme.admin) {
  const client = browserClient(app);
  expect((await client.post('/admin/login', { email: who.email, password: who.password })).status).toBe(303);
  return client;
}

const stored = () => t.db.selectFrom('staff_sso').selectAll().executeTakeFirst();

beforeAll(async () => {
  t = await startTestApp({ env: { APP_KEY: appKey.toString('base64') } });
  adminId = (await seedAcme(t.db)).admin.id;
  await seedStandardUser(t.db);
  admin = await signedIn(t.app);
});
afterAll(() => t?.close());

describe('staff single sign-on settings', () => {
  it('is linked from the settings index and shows the redirect URI to register, with the defaults', async () => {
    expect(await (await admin.get('/admin/settings')).text()).toContain(`href="${PATH}"`);
    const res = await admin.get(PATH);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<h1>Single sign-on for staff</h1>');
    expect(html).toContain('<ul id="sso-redirect-uris"><li><code>http://porta.test/admin/sso/callback</code></li></ul>');
    expect(html).toContain('value="openid email profile"');
    expect(html).toContain('<input type="checkbox" id="enabled" name="enabled" value="on" aria-describedby="enabled-hint"/>');
    // No portal options here: staff password sign-in always stays.
    expect(html).not.toContain('name="passwordSignIn"');
    expect(html).not.toContain('name="signupAllowed"');
  });

  it('is for administrators only', async () => {
    const standard = await signedIn(t.app, bruno);
    expect((await standard.get(PATH)).status).toBe(403);
    expect((await standard.post(PATH, valid)).status).toBe(403);
    expect(await stored()).toBeUndefined();
    expect((await browserClient(t.app).get(PATH)).headers.get('Location')).toBe(`/admin/login?next=${encodeURIComponent(PATH)}`);
  });

  it('refuses a bad issuer, client or scopes with the form as typed, changing nothing', async () => {
    const cases: [Record<string, string>, string][] = [
      [{ issuer: 'not a url' }, 'Enter a full address such as https://login.example.com'],
      [{ issuer: 'http://login.example.com' }, 'The issuer must use https:// (http:// only for a provider on localhost).'],
      [{ scopes: 'openid profile' }, 'The scopes must include openid and email.'],
      [{ clientId: '' }, 'Enter the client ID the provider gave you.'],
      [{ clientSecret: '' }, 'Enter the client secret the provider gave you.'],
    ];
    for (const [change, message] of cases) {
      const res = await admin.post(PATH, { ...valid, ...change });
      expect(res.status, JSON.stringify(change)).toBe(422);
      const html = await res.text();
      expect(html).toContain('The settings were not saved');
      expect(html).toContain(message);
      if (change.issuer) expect(html).toContain(`value="${change.issuer}"`);
      expect(html).not.toContain(SECRET);
    }
    expect(await stored()).toBeUndefined();
  });

  it('stores the secret encrypted, never shows it back, and keeps it when the field is left empty', async () => {
    const res = await admin.post(PATH, { ...valid, scopes: ' openid  email email ' });
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toBe(`${PATH}?done=saved`);
    const row = await stored();
    expect(row).toMatchObject({ enabled: true, issuer: 'https://login.example.com', client_id: 'porta-staff', scopes: 'openid email' });
    expect(row?.client_secret).toMatch(/^v1:/);
    expect(decryptSecret(appKey, row?.client_secret ?? '')).toBe(SECRET);
    const html = await (await admin.get(`${PATH}?done=saved`)).text();
    expect(html).toContain('Single sign-on settings saved.');
    expect(html).toContain('A client secret is saved. Leave this field empty to keep it');
    expect(html).not.toContain(SECRET);
    expect(html).not.toContain(row?.client_secret ?? '');

    expect((await admin.post(PATH, { ...valid, clientSecret: '', enabled: '' })).status).toBe(303);
    expect(await stored()).toMatchObject({ enabled: false, client_secret: row?.client_secret });
    const trail = await t.db.selectFrom('audit_log').select(['actor_id', 'details']).where('action', '=', 'staff.sso_saved').orderBy('id').execute();
    expect(trail.at(-2)).toMatchObject({ actor_id: adminId, details: { client_id: 'porta-staff', secret_changed: true } });
    expect(trail.at(-1)).toMatchObject({ details: { enabled: false, secret_changed: false } });
    expect(JSON.stringify(trail)).not.toContain(SECRET);
  });

  it('without APP_KEY explains that it is needed and refuses to save', async () => {
    const before = await stored();
    const keyless = createApp({ ...t.deps, config: { ...t.config, appKey: undefined } });
    const client = await signedIn(keyless);
    expect(await (await client.get(PATH)).text()).toContain('Single sign-on needs an application key');
    const res = await client.post(PATH, { ...valid, clientSecret: 'another-secret' });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('Set APP_KEY in Porta&#39;s environment');
    expect(await stored()).toEqual(before);
  });

  it('answers in the administrator’s language', async () => {
    await t.db.updateTable('staff_users').set({ language: 'es' }).where('id', '=', adminId).execute();
    try {
      const html = await (await admin.get(PATH)).text();
      expect(html).toContain('Inicio de sesión único para el personal');
      const res = await admin.post(PATH, { ...valid, scopes: 'profile' });
      expect(res.status).toBe(422);
      expect(await res.text()).toContain('Los ámbitos deben incluir openid y email.');
    } finally {
      await t.db.updateTable('staff_users').set({ language: null }).where('id', '=', adminId).execute();
    }
  });
});
