import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadModuleMeta, type ModuleMeta } from '../../src/crm/metadata.js';
import { createRecord } from '../../src/crm/records.js';
import { saveFieldPermissions } from '../../src/portals/field-permissions.js';
import { saveTabs, type TabInput, tabForm, tabOptions } from '../../src/portals/tabs.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme } from '../support/fixtures.js';
import { addPortalUser, carla, HELP, type PortalWorld, seedPortalWorld } from '../support/portal-world.js';

// As Carla types a new case's subject, answers from the knowledge base (the
// public Solutions tab) that match its words appear beside the form.

let t: TestApp;
let w: PortalWorld;
let solutions: ModuleMeta;
let client: BrowserClient;
const ids: Record<string, string> = {};

async function configure(withKnowledgeBase: boolean) {
  const shown: Record<string, Partial<TabInput>> = { contacts: {}, cases: { create: true }, ...(withKnowledgeBase ? { solutions: {} } : {}) };
  expect(await saveTabs(t.db, w.staff, w.helpTypeId, tabForm((await tabOptions(t.db, w.helpTypeId)) ?? [], shown))).toEqual({ ok: true });
}

beforeAll(async () => {
  t = await startTestApp();
  w = await seedPortalWorld(t);
  await addPortalUser(t, w, { email: carla.email, recordId: w.records.carla, status: 'active', password: carla.password });
  solutions = (await loadModuleMeta(t.db, 'solutions')) as ModuleMeta;
  await configure(true);
  const rows = solutions.fields.map((f) => ({ fieldId: f.id, visible: ['title', 'question'].includes(f.api_name), readOnly: false }));
  expect((await saveFieldPermissions(t.db, w.staff, w.helpTypeId, solutions.module.id, solutions.defaultLayout?.id as string, rows)).ok).toBe(true);
  const article = async (key: string, title: string, question: string, answer: string) => {
    ids[key] = (
      await createRecord(t.db, w.staff, solutions, { data: { title, question, answer }, layoutId: solutions.defaultLayout?.id as string, ownerId: w.adminId })
    ).id;
  };
  await article('jam', 'Clearing a printer jam', 'The printer stops with paper stuck', 'Open tray 2.');
  await article('toner', 'Replacing the toner', 'The printer prints faded pages', 'Shake the cartridge.');
  await article('vpn', 'Connecting to the VPN', 'How do I work from home?', 'Use the client; the printer password is zebra.');
});
afterAll(() => t.close());
beforeEach(async () => {
  client = browserClient(t.app);
  expect((await client.post(`${HELP}/login`, { email: carla.email, password: carla.password })).status).toBe(303);
});

const suggest = async (subject: string) => (await client.get(`${HELP}/m/cases/suggest?subject=${encodeURIComponent(subject)}`)).text();
const linked = (html: string) => [...html.matchAll(/href="\/p\/acme-help\/m\/solutions\/([0-9a-f-]{36})\?from=case"/g)].map((m) => m[1]);

describe('suggested answers on a new case', () => {
  it('draws the suggestions beside the subject: htmx as she types, a plain link to the knowledge base without JavaScript', async () => {
    const html = await (await client.get(`${HELP}/m/cases/new`)).text();
    expect(html).toContain(`hx-get="${HELP}/m/cases/suggest" hx-trigger="input changed delay:400ms from:#f-subject" hx-include="#f-subject"`);
    expect(html).toContain(`<a href="${HELP}/m/solutions">Search the knowledge base</a>`);
  });

  it('suggests the articles holding every word, else those holding the longest one', async () => {
    expect(linked(await suggest('printer jam'))).toEqual([ids.jam]);
    expect(new Set(linked(await suggest('my printer is broken')))).toEqual(new Set([ids.jam, ids.toner]));
    expect(await suggest('printer jam')).toContain('These answers may help:');
  });

  it('never matches a field hidden from her, and offers the plain link when nothing matches', async () => {
    const html = await suggest('zebra');
    expect(linked(html)).toEqual([]);
    expect(html).toContain('Search the knowledge base');
    expect(linked(await suggest('a b'))).toEqual([]);
  });

  it('counts an article opened from the suggestions as a deflected case unless she opens a case within a day', async () => {
    const ana = browserClient(t.app);
    expect((await ana.post('/admin/login', { email: acme.admin.email, password: acme.admin.password })).status).toBe(303);
    const count = async () => /deflected (\d+) case/.exec(await (await ana.get(`/admin/settings/portals/${w.helpId}`)).text())?.[1];
    expect(await count()).toBe('0');
    expect((await client.get(`${HELP}/m/solutions/${ids.jam}?from=case`)).status).toBe(200);
    expect((await client.get(`${HELP}/m/solutions/${ids.jam}?from=case`)).status).toBe(200);
    expect((await client.get(`${HELP}/m/solutions/${ids.toner}`)).status).toBe(200);
    expect(await count()).toBe('1');
    // She read the toner article from the suggestions, then opened a case anyway: neither reading answered her.
    expect((await client.get(`${HELP}/m/solutions/${ids.toner}?from=case`)).status).toBe(200);
    const opened = await client.post(`${HELP}/m/cases`, { __layout: w.cases.defaultLayout?.id as string, subject: 'Toner still faded', status: 'open' });
    expect(opened.status).toBe(303);
    expect(await count()).toBe('0');
  });

  it('is absent where the type does not share the knowledge base', async () => {
    await configure(false);
    try {
      expect(await (await client.get(`${HELP}/m/cases/new`)).text()).not.toContain('case-suggestions');
      expect((await client.get(`${HELP}/m/cases/suggest?subject=printer`)).status).toBe(404);
    } finally {
      await configure(true);
    }
  });
});
