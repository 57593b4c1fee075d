import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addNote } from '../../src/crm/notes.js';
import { saveTabs, tabForm, tabOptions } from '../../src/portals/tabs.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme } from '../support/fixtures.js';
import { addPortalUser, carla, HELP, type PortalWorld, seedPortalWorld } from '../support/portal-world.js';

// A staff note is for colleagues unless its author says otherwise: what a
// customer reads on a portal tab is only what staff chose to show them.

let t: TestApp;
let w: PortalWorld;
let ana: BrowserClient;
let carlaClient: BrowserClient;
let earlierVisible: string;

beforeAll(async () => {
  t = await startTestApp();
  w = await seedPortalWorld(t);
  await addPortalUser(t, w, { email: carla.email, recordId: w.records.carla, status: 'active', password: carla.password });
  const tabs = tabForm((await tabOptions(t.db, w.helpTypeId)) ?? [], { contacts: {}, cases: { notes: 'view', attachments: 'view' } });
  expect(await saveTabs(t.db, w.staff, w.helpTypeId, tabs)).toEqual({ ok: true });
  // A note added before, shown to customers: it keeps what it has.
  await addNote(t.db, w.records.carlaCase1, { kind: 'staff', id: w.adminId }, 'Earlier visible note', false);
  earlierVisible = (await t.db.selectFrom('notes').select('id').where('body', '=', 'Earlier visible note').executeTakeFirstOrThrow()).id;
  ana = browserClient(t.app);
  expect((await ana.post('/admin/login', { email: acme.admin.email, password: acme.admin.password })).status).toBe(303);
  carlaClient = browserClient(t.app);
  expect((await carlaClient.post(`${HELP}/login`, { email: carla.email, password: carla.password })).status).toBe(303);
});
afterAll(() => t.close());

const caseUrl = () => `/admin/m/cases/${w.records.carlaCase1}`;
const note = (body: string) => t.db.selectFrom('notes').select(['internal']).where('body', '=', body).executeTakeFirstOrThrow();

describe('staff notes and files on a record', () => {
  it('offer "internal" checked and "visible to the customer" as the explicit other choice', async () => {
    const html = await (await ana.get(caseUrl())).text();
    expect(html).toContain('<input type="radio" id="note-internal" name="visibility" value="internal" checked=""/>');
    expect(html).toContain('<input type="radio" id="note-customer" name="visibility" value="customer"/>');
    expect(html).toContain('Visible to the customer in the portal');
    expect(html).toContain('<input type="radio" id="attachment-internal" name="visibility" value="internal" checked=""/>');
  });

  it('are internal unless "visible to the customer" is chosen, whatever else the form says', async () => {
    expect((await ana.post(`${caseUrl()}/notes`, { body: 'Default note' })).status).toBe(303);
    expect((await ana.post(`${caseUrl()}/notes`, { body: 'Old-style unchecked', internal: '' })).status).toBe(303);
    expect((await ana.post(`${caseUrl()}/notes`, { body: 'Chosen for the customer', visibility: 'customer' })).status).toBe(303);
    expect(await note('Default note')).toEqual({ internal: true });
    expect(await note('Old-style unchecked')).toEqual({ internal: true });
    expect(await note('Chosen for the customer')).toEqual({ internal: false });
    const form = new FormData();
    form.append('file', new File([new TextEncoder().encode('staff only')], 'staff.txt', { type: 'text/plain' }));
    expect((await ana.request(`${caseUrl()}/attachments`, { method: 'POST', body: form })).status).toBe(303);
    const file = await t.db.selectFrom('attachments').select('internal').where('filename', '=', 'staff.txt').executeTakeFirstOrThrow();
    expect(file.internal).toBe(true);
  });

  it('reach the customer only when chosen so; an earlier note keeps its visibility', async () => {
    const page = await (await carlaClient.get(`${HELP}/m/cases/${w.records.carlaCase1}`)).text();
    expect(page).toContain('Chosen for the customer');
    expect(page).toContain('Earlier visible note');
    expect(page).not.toContain('Default note');
    expect(page).not.toContain('Old-style unchecked');
    expect(page).not.toContain('staff.txt');
    const earlier = await t.db.selectFrom('notes').select('internal').where('id', '=', earlierVisible).executeTakeFirstOrThrow();
    expect(earlier.internal).toBe(false);
  });
});
