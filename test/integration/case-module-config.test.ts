import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caseSetup, caseState } from '../../src/cases/status.js';
import { loadModuleMeta } from '../../src/crm/metadata.js';
import { saveFieldPermissions } from '../../src/portals/field-permissions.js';
import { saveTabs, tabForm, tabOptions } from '../../src/portals/tabs.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme } from '../support/fixtures.js';
import { addPortalUser, carla, HELP, type PortalWorld, seedPortalWorld } from '../support/portal-world.js';

// Which module is a case module, and which picklist values are its four
// states, is the admin's to say on the module's settings page.

let t: TestApp;
let w: PortalWorld;
let ana: BrowserClient;
let customer: BrowserClient;
const url = '/admin/settings/modules/cases/case-module';

beforeAll(async () => {
  t = await startTestApp();
  w = await seedPortalWorld(t);
  await addPortalUser(t, w, { email: carla.email, recordId: w.records.carla, status: 'active', password: carla.password, language: 'en' });
  const tabs = tabForm((await tabOptions(t.db, w.helpTypeId)) ?? [], { contacts: {}, cases: { notes: 'add' } });
  expect(await saveTabs(t.db, w.staff, w.helpTypeId, tabs)).toEqual({ ok: true });
  const rows = w.cases.fields.map((f) => ({ fieldId: f.id, visible: ['subject', 'status', 'priority', 'contact'].includes(f.api_name), readOnly: false }));
  expect((await saveFieldPermissions(t.db, w.staff, w.helpTypeId, w.cases.module.id, w.cases.defaultLayout?.id as string, rows)).ok).toBe(true);
  ana = browserClient(t.app);
  expect((await ana.post('/admin/login', { email: acme.admin.email, password: acme.admin.password })).status).toBe(303);
  customer = browserClient(t.app);
  expect((await customer.post(`${HELP}/login`, { email: carla.email, password: carla.password })).status).toBe(303);
});
afterAll(() => t.close());

const field = (name: string) => w.cases.fields.find((f) => f.api_name === name)?.id as string;
const statusCounts = async () => (await (await customer.get(`${HELP}/m/cases`)).text()).includes('class="status-counts"');

describe('a reply in the portal to a case closed past its reopening window', () => {
  it('is refused in words when the customer may not open cases, and opens a new linked case when they may', async () => {
    await t.db.updateTable('portals').set({ reopen_days: 0 }).where('id', '=', w.helpId).execute();
    const old = await t.db.selectFrom('records').selectAll().where('id', '=', w.records.carlaCase1).executeTakeFirstOrThrow();
    await t.db
      .updateTable('records')
      .set({ data: JSON.stringify({ ...(old.data as object), status: 'closed' }) })
      .where('id', '=', old.id)
      .execute();
    const page = await (await customer.get(`${HELP}/m/cases/${old.id}`)).text();
    expect(page).toContain('This case is closed for good: a reply opens a new case linked to it.');
    const refused = await customer.post(`${HELP}/m/cases/${old.id}/notes`, { body: 'It broke again.' });
    expect(refused.status).toBe(409);
    expect(await refused.text()).toContain('This case was closed too long ago to reopen');
    const tabs = tabForm((await tabOptions(t.db, w.helpTypeId)) ?? [], { contacts: {}, cases: { create: true, notes: 'add' } });
    expect(await saveTabs(t.db, w.staff, w.helpTypeId, tabs)).toEqual({ ok: true });
    const res = await customer.post(`${HELP}/m/cases/${old.id}/notes`, { body: 'It broke again.' });
    expect(res.status).toBe(303);
    const id = /\/m\/cases\/([0-9a-f-]{36})\?followup=1$/.exec(res.headers.get('Location') ?? '')?.[1] as string;
    expect(id).toBeTruthy();
    const created = await t.db.selectFrom('records').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(created.data).toMatchObject({ status: 'open', description: 'It broke again.', previous_case: old.id, contact: w.records.carla });
    expect(await (await customer.get(`${HELP}/m/cases/${id}?followup=1`)).text()).toContain('your reply opened this new case');
    expect((await t.db.selectFrom('notes').select('id').where('record_id', '=', old.id).where('body', '=', 'It broke again.').execute()).length).toBe(0);
    await t.db.updateTable('portals').set({ reopen_days: 30 }).where('id', '=', w.helpId).execute();
  });
});

describe('the portal’s knowledge base', () => {
  it('is Solutions until the admin chooses another module, and refuses one that does not exist', async () => {
    const base = `/admin/settings/portals/${w.helpId}`;
    const bad = await ana.post(base, { knowledgeBase: '00000000-0000-4000-8000-000000000000' });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain('Choose a module from the list.');
    const products = await t.db.selectFrom('modules').select('id').where('api_name', '=', 'products').executeTakeFirstOrThrow();
    expect((await ana.post(base, { knowledgeBase: products.id })).status).toBe(303);
    expect(
      (await t.db.selectFrom('portals').select('knowledge_base_module_id').where('id', '=', w.helpId).executeTakeFirstOrThrow()).knowledge_base_module_id,
    ).toBe(products.id);
    expect((await ana.post(base, { knowledgeBase: '' })).status).toBe(303);
    expect(
      (await t.db.selectFrom('portals').select('knowledge_base_module_id').where('id', '=', w.helpId).executeTakeFirstOrThrow()).knowledge_base_module_id,
    ).toBeNull();
  });
});

describe('the case module setting', () => {
  it('shows the Cases module as a case module, its four states chosen', async () => {
    const html = await (await ana.get('/admin/settings/modules/cases')).text();
    expect(html).toContain('This module is a case module.');
    expect(html).toContain(`<option value="${field('status')}|waiting" selected="">`);
    expect(await statusCounts()).toBe(true);
  });

  it('refuses an incomplete choice, values of two picklists, and one value for two states, in words; nothing changes', async () => {
    const s = field('status');
    const p = field('priority');
    for (const [form, message] of [
      [{ 'state.open': `${s}|open` }, 'Choose a value for each of the four states.'],
      [
        { 'state.open': `${s}|open`, 'state.in_progress': `${s}|in_progress`, 'state.waiting': `${p}|high`, 'state.closed': `${s}|closed` },
        'All four states must be values of the same picklist.',
      ],
      [
        { 'state.open': `${s}|open`, 'state.in_progress': `${s}|open`, 'state.waiting': `${s}|waiting`, 'state.closed': `${s}|closed` },
        'Each state needs a different value of the picklist.',
      ],
      [
        { 'state.open': `${s}|open`, 'state.in_progress': `${s}|in_progress`, 'state.waiting': `${s}|waiting`, 'state.closed': `${s}|gone` },
        'Each state needs a different value of the picklist.',
      ],
    ] as const) {
      const res = await ana.post(url, form);
      expect(res.status).toBe(422);
      expect(await res.text()).toContain(message);
    }
    const meta = await loadModuleMeta(t.db, 'cases');
    expect(meta?.module.case_config?.states).toEqual({ open: 'open', in_progress: 'in_progress', waiting: 'waiting', closed: 'closed' });
  });

  it('stops the module being a case module, and makes another picklist its states', async () => {
    expect((await ana.post(url, { clear: '1' })).status).toBe(303);
    let meta = await loadModuleMeta(t.db, 'cases');
    expect(meta && caseSetup(meta)).toBeUndefined();
    expect(await statusCounts()).toBe(false);
    const p = field('priority');
    const res = await ana.post(url, {
      'state.open': `${p}|low`,
      'state.in_progress': `${p}|medium`,
      'state.waiting': `${p}|high`,
      'state.closed': `${p}|urgent`,
    });
    expect(res.status).toBe(303);
    meta = await loadModuleMeta(t.db, 'cases');
    expect(meta && caseSetup(meta)?.status.api_name).toBe('priority');
    expect(meta && caseState(meta, { data: { priority: 'high' } })).toBe('waiting');
    // The list now counts by that picklist.
    const html = await (await customer.get(`${HELP}/m/cases`)).text();
    expect(html).toContain('class="status-counts"');
    expect(html).toContain('f.priority=');
  });
});
