import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLayout } from '../../src/crm/layout-admin.js';
import { loadModuleMeta, type ModuleMeta } from '../../src/crm/metadata.js';
import { createRecord } from '../../src/crm/records.js';
import { saveFieldPermissions } from '../../src/portals/field-permissions.js';
import { saveTabs, tabForm, tabOptions } from '../../src/portals/tabs.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { addPortalUser, carla, HELP, type PortalWorld, seedPortalWorld } from '../support/portal-world.js';

// Cases in two layouts: "Returns" shows the description, the default layout
// hides it. What a field reveals depends on each record's own layout.

let t: TestApp;
let w: PortalWorld;
let cases: ModuleMeta;
let returnsId: string;
let client: BrowserClient;

beforeAll(async () => {
  t = await startTestApp();
  w = await seedPortalWorld(t);
  await addPortalUser(t, w, { email: carla.email, recordId: w.records.carla, status: 'active', password: carla.password });
  const field = (name: string) => w.cases.byName.get(name)?.id as string;
  const made = await createLayout(t.db, w.cases, {
    labels: { en: 'Returns' },
    sections: [{ labels: { en: 'Return' }, fields: ['subject', 'status', 'description', 'contact'].map(field) }],
  });
  if (!made.ok) throw new Error('layout not created');
  returnsId = made.value.id;
  cases = (await loadModuleMeta(t.db, 'cases')) as ModuleMeta;
  const tabs = tabForm((await tabOptions(t.db, w.helpTypeId)) ?? [], { contacts: {}, cases: { create: true, edit: true } });
  expect(await saveTabs(t.db, w.staff, w.helpTypeId, tabs)).toEqual({ ok: true });
  const perms = async (layoutId: string, visible: string[]) => {
    const placed = new Set(cases.layouts.find((l) => l.id === layoutId)?.sections.flatMap((s) => s.fields));
    const rows = cases.fields.filter((f) => placed.has(f.id)).map((f) => ({ fieldId: f.id, visible: visible.includes(f.api_name), readOnly: false }));
    expect((await saveFieldPermissions(t.db, w.staff, w.helpTypeId, cases.module.id, layoutId, rows)).ok).toBe(true);
  };
  await perms(cases.defaultLayout?.id as string, ['subject', 'status', 'contact']);
  await perms(returnsId, ['subject', 'status', 'description', 'contact']);
  for (const [subject, description, layoutId] of [
    ['Broken blender', 'walnut returned in box', returnsId],
    ['Late delivery', 'walnut staff-only note', cases.defaultLayout?.id as string],
  ] as const)
    await createRecord(t.db, w.staff, cases, { data: { subject, status: 'open', description, contact: w.records.carla }, layoutId, ownerId: w.adminId });
});
afterAll(() => t.close());
beforeEach(async () => {
  client = browserClient(t.app);
  expect((await client.post(`${HELP}/login`, { email: carla.email, password: carla.password })).status).toBe(303);
});

const rows = (html: string) => [...html.matchAll(/<th scope="row"><a href="[^"]+">([^<]+)<\/a>/g)].map((m) => m[1]);

describe('a field visible in one layout only', () => {
  it('finds records by it only where their own layout shows it', async () => {
    const html = await (await client.get(`${HELP}/m/cases?q=walnut`)).text();
    expect(rows(html)).toEqual(['Broken blender']);
    expect(html).not.toContain('Late delivery');
  });

  it('cannot order the list by it: list columns come from the first layout, which hides it', async () => {
    const refused = await client.get(`${HELP}/m/cases?sort=description&dir=asc`);
    expect(refused.status).toBe(422);
  });
});

describe('forms in the layout chosen', () => {
  it('offers both layouts to create in, and draws the chosen one', async () => {
    const form = await (await client.get(`${HELP}/m/cases/new?layout=${returnsId}`)).text();
    expect(form).toContain(`<option value="${returnsId}" selected="">Returns</option>`);
    expect(form).toContain('name="description"');
    expect(form).toContain(`name="__layout" value="${returnsId}"`);
    const plain = await (await client.get(`${HELP}/m/cases/new`)).text();
    expect(plain).not.toContain('name="description"');
  });

  it('draws a refused form again in the layout it was submitted in, with what was typed', async () => {
    const res = await client.post(`${HELP}/m/cases`, { __layout: returnsId, subject: '', description: 'Kept text' });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain(`name="__layout" value="${returnsId}"`);
    expect(html).toMatch(/<textarea[^>]*name="description"[^>]*>Kept text<\/textarea>/);
  });

  it('refuses the description in the default layout, where it is hidden', async () => {
    const res = await client.post(`${HELP}/m/cases`, { __layout: cases.defaultLayout?.id as string, subject: 'Sneaky', description: 'x' });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('This form names a field you cannot see here, so nothing was saved.');
  });
});
