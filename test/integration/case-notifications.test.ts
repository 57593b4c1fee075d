import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { saveFieldPermissions } from '../../src/portals/field-permissions.js';
import { saveTabs, tabForm, tabOptions } from '../../src/portals/tabs.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme } from '../support/fixtures.js';
import { addPortalUser, carla, HELP, type PortalWorld, seedPortalWorld } from '../support/portal-world.js';

// Every step of a case's conversation reaches the other side by email,
// through the outbox, in the recipient's language.

let t: TestApp;
let w: PortalWorld;
let carlaId: string;
let client: BrowserClient;
let ana: BrowserClient;

beforeAll(async () => {
  t = await startTestApp();
  w = await seedPortalWorld(t);
  carlaId = await addPortalUser(t, w, { email: carla.email, recordId: w.records.carla, status: 'active', password: carla.password, language: 'pt-BR' });
  const tabs = tabForm((await tabOptions(t.db, w.helpTypeId)) ?? [], { contacts: {}, cases: { create: true, notes: 'add' } });
  expect(await saveTabs(t.db, w.staff, w.helpTypeId, tabs)).toEqual({ ok: true });
  const rows = w.cases.fields.map((f) => ({
    fieldId: f.id,
    visible: ['subject', 'status', 'description', 'contact'].includes(f.api_name),
    readOnly: f.api_name === 'status',
  }));
  expect((await saveFieldPermissions(t.db, w.staff, w.helpTypeId, w.cases.module.id, w.cases.defaultLayout?.id as string, rows)).ok).toBe(true);
  ana = browserClient(t.app);
  expect((await ana.post('/admin/login', { email: acme.admin.email, password: acme.admin.password })).status).toBe(303);
});
afterAll(() => t.close());
beforeEach(async () => {
  client = browserClient(t.app);
  expect((await client.post(`${HELP}/login`, { email: carla.email, password: carla.password })).status).toBe(303);
  await t.db.deleteFrom('email_outbox').execute();
});

const outbox = () => t.db.selectFrom('email_outbox').select(['to_address', 'subject', 'language', 'template', 'text']).orderBy('created_at').execute();

describe('case notifications', () => {
  it('tells the owner of a case a customer opens, and of each reply', async () => {
    const res = await client.post(`${HELP}/m/cases`, {
      __layout: w.cases.defaultLayout?.id as string,
      subject: 'Scanner offline',
      description: 'Since Monday.',
    });
    expect(res.status).toBe(303);
    const id = /\/m\/cases\/([0-9a-f-]{36})/.exec(res.headers.get('Location') ?? '')?.[1] as string;
    expect((await client.post(`${HELP}/m/cases/${id}/notes`, { body: 'Still offline today.' })).status).toBe(303);
    const mails = await outbox();
    expect(mails.map((m) => [m.to_address, m.subject, m.language])).toEqual([
      [acme.admin.email, 'New case from the portal: Scanner offline', 'en'],
      [acme.admin.email, 'Customer reply: Scanner offline', 'en'],
    ]);
    expect(mails[0]?.text).toContain(`${carla.email} opened a case in Acme Help:`);
    expect(mails[0]?.text).toContain(`http://porta.test/admin/m/cases/${id}`);
    expect(mails[1]?.text).toContain('> Still offline today.');
  });

  it('tells the customer, in her language, of a reply visible to her and of a new status, never of an internal note', async () => {
    const url = `/admin/m/cases/${w.records.carlaCase1}`;
    expect((await ana.post(`${url}/notes`, { body: 'Checking with the vendor.' })).status).toBe(303);
    expect(await outbox()).toEqual([]);
    expect((await ana.post(`${url}/notes`, { body: 'Could you restart it?', visibility: 'customer' })).status).toBe(303);
    const form = await (await ana.get(`${url}/edit`)).text();
    const version = /name="__version" value="(\d+)"/.exec(form)?.[1] as string;
    const saved = await ana.post(url, { __version: version, subject: 'Printer jam', status: 'waiting', contact: 'Carla Núñez', contact__id: w.records.carla });
    expect(saved.status).toBe(303);
    const mails = await outbox();
    expect(mails.map((m) => [m.to_address, m.subject, m.language])).toEqual([
      [carla.email, 'Nova resposta no seu caso: Printer jam', 'pt-BR'],
      [carla.email, 'Seu caso agora está Aguardando resposta: Printer jam', 'pt-BR'],
    ]);
    expect(mails[0]?.text).toContain('> Could you restart it?');
    expect(mails[0]?.text).toContain(`http://porta.test${HELP}/m/cases/${w.records.carlaCase1}`);
    expect(carlaId).toBeTruthy();
  });
});
