import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { saveFieldPermissions } from '../../src/portals/field-permissions.js';
import { PREVIEW_PATH } from '../../src/portals/preview.js';
import { browserClient } from '../support/app.js';
import { acme } from '../support/fixtures.js';
import { addPortalUser, carla, HELP } from '../support/portal-world.js';
import { client, layoutOf, setUpPortalWrites, signInCarla, t, w } from '../support/portal-writes-world.js';

// Carla, a contact of Acme Help, may edit her own contact and create and edit
// her cases; the write path asks the engine for every one of them. Here: the
// names her pages build from visible fields only, the staff preview of her
// type, and her account (password and sessions).

beforeAll(setUpPortalWrites);
afterAll(() => t.close());
beforeEach(signInCarla);

describe('names built from visible fields only', () => {
  it('titles her own record and her account menu with the visible name fields, not the stored display name', async () => {
    const rows = (visible: string[]) => w.contacts.fields.map((f) => ({ fieldId: f.id, visible: visible.includes(f.api_name), readOnly: false }));
    const save = (visible: string[]) => saveFieldPermissions(t.db, w.staff, w.helpTypeId, w.contacts.module.id, layoutOf(w.contacts), rows(visible));
    expect((await save(['first_name', 'email', 'phone'])).ok).toBe(true);
    try {
      const html = await (await client.get(`${HELP}/m/contacts/${w.records.carla}`)).text();
      expect(html).toContain('<h1 id="record-title">Carla</h1>');
      // Nowhere on her pages: not in the heading, the title or the account menu.
      expect(html).not.toContain('Núñez');
      // Nor where her cases name their contact.
      const cases = await (await client.get(`${HELP}/m/cases`)).text();
      expect(cases).toContain(`<a href="${HELP}/m/contacts/${w.records.carla}">Carla</a>`);
      expect(cases).not.toContain('Núñez');
      expect(await (await client.get(`${HELP}/m/cases/${w.records.carlaCase1}`)).text()).not.toContain('Núñez');
      expect(html).toContain('<title>Carla · Acme Help · Acme Iberia</title>');
      expect((await save(['email', 'phone'])).ok).toBe(true);
      const neutral = await (await client.get(`${HELP}/m/contacts/${w.records.carla}`)).text();
      expect(neutral).toContain('<h1 id="record-title">Contact</h1>');
      expect(neutral).not.toContain('Carla');
      // The account menu falls back to her own address.
      expect(neutral).toContain(carla.email);
    } finally {
      const restore = w.contacts.fields.map((f) => ({
        fieldId: f.id,
        visible: ['first_name', 'last_name', 'email', 'phone'].includes(f.api_name),
        readOnly: f.api_name === 'email',
      }));
      expect((await saveFieldPermissions(t.db, w.staff, w.helpTypeId, w.contacts.module.id, layoutOf(w.contacts), restore)).ok).toBe(true);
    }
  });
});

describe('the preview of the same type', () => {
  it('shows the same buttons and the same form, disabled', async () => {
    const ana = browserClient(t.app);
    await ana.post('/admin/login', { email: acme.admin.email, password: acme.admin.password });
    const base = `${PREVIEW_PATH}/type/${w.helpTypeId}/${w.records.carla}`;
    const list = await (await ana.get(`${base}/m/cases`)).text();
    expect(list).toContain(`href="${base}/m/cases/new"`);
    const record = await (await ana.get(`${base}/m/cases/${w.records.carlaCase1}`)).text();
    expect(record).toContain(`href="${base}/m/cases/${w.records.carlaCase1}/edit"`);
    const form = await (await ana.get(`${base}/m/cases/new`)).text();
    expect(form).toContain('name="subject"');
    expect(form).toMatch(/<fieldset class="plain" disabled/);
    expect(form).toContain('nothing is saved');
  });
});

describe('her account', () => {
  const gina = { email: 'gina@secure.example', password: 'Gina-Secure-2027' };
  let ginaId: string;
  const signedIn = async (password = gina.password) => {
    const browser = browserClient(t.app);
    const res = await browser.post(`${HELP}/login`, { email: gina.email, password });
    return { browser, ok: res.status === 303 && (res.headers.get('Location') ?? '').startsWith(HELP) && !res.headers.get('Location')?.includes('/login') };
  };
  const sessions = () => t.db.selectFrom('sessions').select('id').where('user_id', '=', ginaId).execute();

  beforeAll(async () => {
    ginaId = await addPortalUser(t, w, { email: gina.email, recordId: w.records.gina, status: 'active', password: gina.password });
  });

  it('links "My details" to her own record from the account menu', async () => {
    const html = await (await client.get(`${HELP}/m/cases`)).text();
    expect(html).toContain(`<a href="${HELP}/m/contacts/${w.records.carla}">My details</a>`);
  });

  it('changes her password with the current one, ending her other sessions', async () => {
    const here = await signedIn();
    const elsewhere = await signedIn();
    expect((await sessions()).length).toBe(2);
    const wrong = await here.browser.post(`${HELP}/profile/password`, {
      currentPassword: 'not-it',
      password: 'Gina-New-Secret-28',
      passwordConfirm: 'Gina-New-Secret-28',
    });
    expect(wrong.status).toBe(422);
    expect(await wrong.text()).toContain('This is not your current password.');
    const mismatch = await here.browser.post(`${HELP}/profile/password`, {
      currentPassword: gina.password,
      password: 'Gina-New-Secret-28',
      passwordConfirm: 'other',
    });
    expect(mismatch.status).toBe(422);
    expect((await sessions()).length).toBe(2);

    const ok = await here.browser.post(`${HELP}/profile/password`, {
      currentPassword: gina.password,
      password: 'Gina-New-Secret-28',
      passwordConfirm: 'Gina-New-Secret-28',
    });
    expect(ok.headers.get('Location')).toBe(`${HELP}/profile?password=changed`);
    expect(await (await here.browser.get(`${HELP}/profile?password=changed`)).text()).toContain('Your password is changed.');
    expect((await elsewhere.browser.get(`${HELP}/m/cases`)).status).toBe(303);
    expect((await sessions()).length).toBe(1);
    expect((await signedIn()).ok).toBe(false);
    expect((await signedIn('Gina-New-Secret-28')).ok).toBe(true);
    gina.password = 'Gina-New-Secret-28';
  });

  it('signs out everywhere else, keeping this session', async () => {
    const here = await signedIn();
    await signedIn();
    expect((await sessions()).length).toBeGreaterThanOrEqual(2);
    const res = await here.browser.post(`${HELP}/profile/sessions/end`, {});
    expect(res.headers.get('Location')).toBe(`${HELP}/profile?sessions=ended`);
    expect((await sessions()).length).toBe(1);
    expect((await here.browser.get(`${HELP}/m/cases`)).status).toBe(200);
  });
});
