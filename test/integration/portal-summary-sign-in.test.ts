import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme } from '../support/fixtures.js';
import { type PortalWorld, seedPortalWorld } from '../support/portal-world.js';
import { countStatements } from '../support/statements.js';

// The summary's "Sign-in and sign-up" part: single sign-on (never its
// secret), password sign-in, the redirect URIs, a warning when the secret
// cannot be read, and the self sign-up settings with the sign-ups waiting.

const SECRET = 'summary-client-secret-never-shown-8Hd';
let t: TestApp;
let w: PortalWorld;
let admin: BrowserClient;
let summaryPath: string;

async function signedIn(app: TestApp['app']) {
  const client = browserClient(app);
  expect((await client.post('/admin/login', { email: acme.admin.email, password: acme.admin.password })).status).toBe(303);
  return client;
}

/** The sign-in part of the summary, as [term, description] pairs in page order, tags stripped. */
async function signInPart(client: BrowserClient, lang = 'en') {
  const res = await client.get(summaryPath, { 'Accept-Language': lang });
  expect(res.status).toBe(200);
  const html = await res.text();
  const part = /<section class="card" aria-labelledby="summary-sign-in">([\s\S]*?)<\/section>/.exec(html)?.[1] ?? '';
  const strip = (s: string) =>
    s
      .replace(/<\/li><li>/g, ' | ')
      .replace(/<[^>]+>/g, '')
      .replaceAll('&#39;', "'");
  const lines = [...part.matchAll(/<dt>([\s\S]*?)<\/dt><dd>([\s\S]*?)<\/dd>/g)].map((m) => [strip(m[1] ?? ''), strip(m[2] ?? '')]);
  return { html, part, lines };
}

beforeAll(async () => {
  t = await startTestApp({ env: { APP_KEY: randomBytes(32).toString('base64') } });
  w = await seedPortalWorld(t);
  admin = await signedIn(t.app);
  summaryPath = `/admin/settings/portals/${w.helpId}/summary`;
});
afterAll(() => t?.close());

describe('the summary’s sign-in and sign-up part', () => {
  it('says, for a portal with neither, that single sign-on and self sign-up are off', async () => {
    const { part, lines } = await signInPart(admin);
    expect(part).toContain('<h2 id="summary-sign-in">Sign-in and sign-up</h2>');
    expect(lines).toEqual([
      ['Single sign-on', 'Off'],
      ['Password sign-in', 'On'],
      ['Unknown verified emails may sign up', 'No'],
      ['Redirect URIs', 'http://porta.test/p/acme-help/sso/callback'],
      ['Self sign-up', 'Off'],
      ['Fields asked on sign-up', 'none'],
      ['Owner of the records sign-ups create', 'none'],
      ['Email domains accepted without approval', 'None: every sign-up waits for approval'],
      ['Sign-ups waiting for approval', '0'],
      ['Sign-ups on the waiting list', '0'],
    ]);
    expect(part).not.toContain('alert');
    expect(part).toContain(`href="/admin/settings/portals/${w.helpId}/sso"`);
    expect(part).toContain(`href="/admin/settings/portals/${w.helpId}/signup"`);
  });

  it('shows every setting once both are on, never the client secret, in the admin’s language', async () => {
    const sso = { enabled: 'on', issuer: 'https://accounts.google.com', clientId: 'porta-help.apps', clientSecret: SECRET, scopes: 'openid email profile' };
    expect((await admin.post(`/admin/settings/portals/${w.helpId}/sso`, { ...sso, passwordSignIn: 'on', signupAllowed: 'on' })).status).toBe(303);
    expect((await admin.post(`/admin/settings/portals/${w.helpId}`, { domain: 'help.acme.test' })).status).toBe(303);
    const fieldIds = ['last_name', 'first_name'].map((n) => w.contacts.fields.find((f) => f.api_name === n)?.id ?? '');
    await t.db
      .updateTable('portals')
      .set({ signup_user_type_id: w.helpTypeId, signup_field_ids: fieldIds, signup_owner_id: w.adminId, signup_domains: ['globex.example', 'initech.example'] })
      .where('id', '=', w.helpId)
      .execute();
    const signups = (status: 'pending' | 'waiting' | 'approved', n: number, portalId = w.helpId) =>
      Array.from({ length: n }, (_, i) => ({
        portal_id: portalId,
        user_type_id: w.helpTypeId,
        email: `${status}${i}@${portalId.slice(0, 4)}.example`,
        status,
      }));
    await t.db
      .insertInto('portal_signups')
      .values([...signups('pending', 2), ...signups('waiting', 3), ...signups('approved', 1), ...signups('pending', 4, w.partnersId)])
      .execute();

    const { html, part, lines } = await signInPart(admin);
    const stored = await t.db.selectFrom('portal_sso').select('client_secret').where('portal_id', '=', w.helpId).executeTakeFirstOrThrow();
    expect(html).not.toContain(SECRET);
    expect(html).not.toContain(stored.client_secret);
    expect(part).not.toContain('alert');
    expect(lines).toEqual([
      ['Single sign-on', 'On'],
      ['Issuer', 'https://accounts.google.com'],
      ['Provider', 'Google'],
      ['Client ID', 'porta-help.apps'],
      ['Scopes', 'openid email profile'],
      ['Password sign-in', 'On'],
      ['Unknown verified emails may sign up', 'Yes'],
      ['Redirect URIs', 'http://porta.test/p/acme-help/sso/callback | http://help.acme.test/sso/callback'],
      ['Self sign-up', 'Customer portal'],
      ['Fields asked on sign-up', 'First name, Last name'],
      ['Owner of the records sign-ups create', 'Ana Admin'],
      ['Email domains accepted without approval', 'globex.example, initech.example'],
      ['Sign-ups waiting for approval', '2'],
      ['Sign-ups on the waiting list', '3'],
    ]);

    // Password sign-in off, and another provider (named generically), in French.
    const other = { ...sso, issuer: 'https://idp.acme.test', clientSecret: '' };
    expect((await admin.post(`/admin/settings/portals/${w.helpId}/sso`, other)).status).toBe(303);
    const fr = await signInPart(admin, 'fr');
    expect(fr.part).toContain('Connexion et inscription');
    expect(fr.lines).toContainEqual(['Fournisseur', 'Authentification unique (OpenID Connect)']);
    expect(fr.lines).toContainEqual(['Connexion par mot de passe', 'Désactivée']);
    expect(fr.lines).toContainEqual(['Les e-mails vérifiés inconnus peuvent s’inscrire', 'Non']);
    expect(fr.lines).toContainEqual(['Inscriptions en attente d’approbation', '2']);
  });

  it('warns when single sign-on is on but APP_KEY is missing or cannot decrypt the secret', async () => {
    const keyless = await signedIn(createApp({ ...t.deps, config: { ...t.config, appKey: undefined } }));
    const noKey = await signInPart(keyless);
    expect(noKey.part).toContain('Single sign-on is on, but APP_KEY is not set');
    // Password sign-in is not off while single sign-on cannot be used, as on the sign-in page.
    expect(noKey.lines).toContainEqual(['Password sign-in', 'On']);
    const otherKey = await signedIn(createApp({ ...t.deps, config: { ...t.config, appKey: randomBytes(32) } }));
    const unreadable = await signInPart(otherKey);
    expect(unreadable.part).toContain('the saved client secret cannot be decrypted with the current APP_KEY');
    expect(unreadable.part).not.toContain('APP_KEY is not set');
    expect((await signInPart(admin)).part).not.toContain('alert');
  });

  it('reads the part in the same number of statements whatever the number of fields and sign-ups', async () => {
    // The second of two reads: the first may load the configuration snapshot again after a change.
    const count = async () => {
      await admin.get(summaryPath);
      return (await countStatements(() => admin.get(summaryPath))).statements.length;
    };
    const many = await count();
    const oneField = w.contacts.fields.find((f) => f.api_name === 'email')?.id ?? '';
    await t.db
      .updateTable('portals')
      .set({ signup_field_ids: [oneField] })
      .where('id', '=', w.helpId)
      .execute();
    await t.db.deleteFrom('portal_signups').execute();
    expect(await count()).toBe(many);
    // The fields' labels come from the request's configuration snapshot: sign-up off reads the same.
    await t.db.updateTable('portals').set({ signup_field_ids: [], signup_user_type_id: null }).where('id', '=', w.helpId).execute();
    expect(await count()).toBe(many);
  });
});
