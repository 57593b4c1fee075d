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
