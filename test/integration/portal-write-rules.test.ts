import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { addRule } from '../../src/invitations/auto-invite.js';
import { saveFieldPermissions } from '../../src/portals/field-permissions.js';
import { saveTabs, tabForm, tabOptions } from '../../src/portals/tabs.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme } from '../support/fixtures.js';
import { addPortalUser, carla, HELP, type PortalWorld, seedPortalWorld } from '../support/portal-world.js';
import { waitFor } from '../support/wait.js';

// What every write obeys, portal writes too: automatic invitations. And what
// admins call a tab, in each language.

let t: TestApp;
let w: PortalWorld;
let client: BrowserClient;

beforeAll(async () => {
  t = await startTestApp({ worker: true });
  w = await seedPortalWorld(t);
  await addPortalUser(t, w, { email: carla.email, recordId: w.records.carla, status: 'active', password: carla.password });
  // Carla adds contacts of her own (a parent adding their children, say) and edits them.
  const tabs = tabForm((await tabOptions(t.db, w.helpTypeId)) ?? [], {
    contacts: { create: true, edit: true, labels: { en: 'My family', es: 'Mi familia' } },
    cases: {},
  });
  expect(await saveTabs(t.db, w.staff, w.helpTypeId, tabs)).toEqual({ ok: true });
  const rows = w.contacts.fields.map((f) => ({ fieldId: f.id, visible: ['first_name', 'last_name', 'email', 'title'].includes(f.api_name), readOnly: false }));
  expect((await saveFieldPermissions(t.db, w.staff, w.helpTypeId, w.contacts.module.id, w.contacts.defaultLayout?.id as string, rows)).ok).toBe(true);
  // Contacts whose title is "Partner" are invited to the Partners portal.
  const partnersType = await t.db.selectFrom('portal_user_types').selectAll().where('id', '=', w.partnersTypeId).executeTakeFirstOrThrow();
  const title = w.contacts.byName.get('title');
  expect(title).toBeDefined();
  expect((await addRule(t.db, w.adminId, partnersType, w.contacts, { fieldId: title?.id as string, value: 'Partner' })).ok).toBe(true);
});
afterAll(() => t.close());
beforeEach(async () => {
  client = browserClient(t.app);
  expect((await client.post(`${HELP}/login`, { email: carla.email, password: carla.password })).status).toBe(303);
});

const invitedTo = (recordId: string) =>
  t.db.selectFrom('portal_users').select(['portal_id', 'status', 'invited_by']).where('record_id', '=', recordId).execute();
/** The automatic invitation a portal write queued has been run by the worker. */
const invitationRan = (recordId: string) => waitFor(async () => (await invitedTo(recordId)).length > 0);
const createdId = (location: string | null) => /\/m\/contacts\/([0-9a-f-]{36})/.exec(location ?? '')?.[1] as string;
const newContact = (form: Record<string, string>) => client.post(`${HELP}/m/contacts`, { __layout: w.contacts.defaultLayout?.id as string, ...form });

describe('automatic invitations on portal writes', () => {
  it('invites a contact she creates that matches a rule, by the staff user who invited her', async () => {
    const res = await newContact({ first_name: 'Pablo', last_name: 'Núñez', email: 'pablo@partner-co.example', title: 'Partner' });
    expect(res.status).toBe(303);
    await invitationRan(createdId(res.headers.get('Location')));
    expect(await invitedTo(createdId(res.headers.get('Location')))).toEqual([{ portal_id: w.partnersId, status: 'invited', invited_by: w.adminId }]);
  });

  it('does not invite one that matches no rule, then does once an edit makes it match', async () => {
    const res = await newContact({ first_name: 'Lía', last_name: 'Núñez', email: 'lia@partner-co.example', title: 'Student' });
    const id = createdId(res.headers.get('Location'));
    expect(await invitedTo(id)).toEqual([]);
    const form = await (await client.get(`${HELP}/m/contacts/${id}/edit`)).text();
    const version = /name="__version" value="(\d+)"/.exec(form)?.[1] as string;
    const saved = await client.post(`${HELP}/m/contacts/${id}/edit`, {
      __version: version,
      first_name: 'Lía',
      last_name: 'Núñez',
      email: 'lia@partner-co.example',
      title: 'Partner',
    });
    expect(saved.status).toBe(303);
    await invitationRan(id);
    expect(await invitedTo(id)).toEqual([{ portal_id: w.partnersId, status: 'invited', invited_by: w.adminId }]);
  });
});

describe('a tab named by the admin', () => {
  it('shows the name given for the page’s language, else the module’s own', async () => {
    const en = await (await client.get(`${HELP}/m/contacts`)).text();
    expect(en).toContain(`<a href="${HELP}/m/contacts" aria-current="page">My family</a>`);
    expect(en).toContain('<h1 id="module-title">My family</h1>');
    expect(en).toContain(`<a href="${HELP}/m/cases">Cases</a>`);
    await client.post('/lang', { lang: 'es', back: `${HELP}/m/contacts` });
    await client.post(`${HELP}/lang`, { lang: 'es', back: `${HELP}/m/contacts` });
    const es = await (await client.get(HELP)).text();
    expect(es).toContain('<span class="tile-label">Mi familia</span>');
    await client.post(`${HELP}/lang`, { lang: 'fr', back: HELP });
    expect(await (await client.get(HELP)).text()).toContain('<span class="tile-label">Contacts</span>');
  });

  it('is set per language in the tab configuration, and a name too long is refused', async () => {
    const ana = browserClient(t.app);
    await ana.post('/admin/login', { email: acme.admin.email, password: acme.admin.password });
    const page = `/admin/settings/portals/types/${w.helpTypeId}/tabs`;
    const html = await (await ana.get(page)).text();
    const input = `${w.contacts.module.id}.label.es`;
    expect(html).toContain(`<label for="${input}">Name in Spanish</label>`);
    expect(html).toContain(`id="${input}" name="${input}" type="text" value="Mi familia"`);
    const long = await ana.post(page, {
      [`${w.contacts.module.id}.layouts`]: w.contacts.defaultLayout?.id as string,
      [`${w.contacts.module.id}.view`]: 'on',
      [`${w.contacts.module.id}.label.es`]: 'x'.repeat(41),
      [`${w.contacts.module.id}.viewMode`]: 'list',
    });
    expect(long.status).toBe(422);
    expect(await long.text()).toContain('Use at most 40 characters.');
    const stored = await t.db
      .selectFrom('portal_type_tabs')
      .select('labels')
      .where('user_type_id', '=', w.helpTypeId)
      .where('module_id', '=', w.contacts.module.id)
      .executeTakeFirstOrThrow();
    expect(stored.labels).toEqual({ en: 'My family', es: 'Mi familia' });
  });
});
