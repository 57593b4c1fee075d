import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModuleMeta, type ModuleMeta } from '../../src/crm/metadata.js';
import { createRecord } from '../../src/crm/records.js';
import { saveFieldPermissions } from '../../src/portals/field-permissions.js';
import { saveTabs, tabForm, tabOptions } from '../../src/portals/tabs.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme } from '../support/fixtures.js';
import { addPortalUser, carla, HELP, type PortalWorld, seedPortalWorld } from '../support/portal-world.js';

// Indicators on the portal home: computed over exactly the records each user
// reaches, drawn as SVG with a table of the same numbers.

let t: TestApp;
let w: PortalWorld;
let deals: ModuleMeta;
let ana: BrowserClient;
const dora = { email: 'dora@initech.example', password: 'Dora-Portal-2027' };

beforeAll(async () => {
  t = await startTestApp();
  w = await seedPortalWorld(t);
  await addPortalUser(t, w, { email: carla.email, recordId: w.records.carla, status: 'active', password: carla.password });
  await addPortalUser(t, w, { email: dora.email, recordId: w.records.dora, status: 'active', password: dora.password });
  deals = (await loadModuleMeta(t.db, 'deals')) as ModuleMeta;
  const tabs = tabForm((await tabOptions(t.db, w.helpTypeId)) ?? [], { contacts: {}, cases: {}, deals: {} });
  expect(await saveTabs(t.db, w.staff, w.helpTypeId, tabs)).toEqual({ ok: true });
  await visibleDeals(['name', 'stage', 'amount', 'contact']);
  const deal = (name: string, stage: string, amount: number, contact: string) =>
    createRecord(t.db, w.staff, deals, {
      data: { name, stage, amount, closing_date: '2027-06-30', contact },
      layoutId: deals.defaultLayout?.id as string,
      ownerId: w.adminId,
    });
  await deal('Carla A', 'proposal', 1200.5, w.records.carla);
  await deal('Carla B', 'proposal', 800, w.records.carla);
  await deal('Carla C', 'negotiation', 300, w.records.carla);
  await deal('Dora A', 'proposal', 99_000, w.records.dora);
  ana = browserClient(t.app);
  expect((await ana.post('/admin/login', { email: acme.admin.email, password: acme.admin.password })).status).toBe(303);
});
afterAll(() => t.close());

async function visibleDeals(visible: string[]) {
  const rows = deals.fields.map((f) => ({ fieldId: f.id, visible: visible.includes(f.api_name), readOnly: false }));
  expect((await saveFieldPermissions(t.db, w.staff, w.helpTypeId, deals.module.id, deals.defaultLayout?.id as string, rows)).ok).toBe(true);
}

const field = (name: string) => deals.byName.get(name)?.id as string;
const page = `/admin/settings/portals/types/${'TYPE'}/dashboards`;
const configure = (form: Record<string, string>) => ana.post(page.replace('TYPE', w.helpTypeId), form);

async function homeOf(who: { email: string; password: string }) {
  const client = browserClient(t.app);
  expect((await client.post(`${HELP}/login`, who)).status).toBe(303);
  return (await client.get(HELP)).text();
}

/** The chart titled `title`: the values its SVG bars print and the rows of its table. */
function chart(html: string, title: string) {
  const figure = new RegExp(`<figure class="chart"[^>]*><figcaption[^>]*>${title}</figcaption>([\\s\\S]*?)</figure>`).exec(html)?.[1] ?? '';
  const svgValues = [...figure.matchAll(/<text[^>]*class="bar-value"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
  const svgLabels = [...figure.matchAll(/<text[^>]*class="bar-label"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
  const rows = [...figure.matchAll(/<tr><th scope="row">([^<]*)<\/th><td class="number">([^<]*)<\/td><\/tr>/g)].map((m) => [m[1], m[2]]);
  return { svg: svgLabels.map((l, i) => [l, svgValues[i]]), rows };
}

describe('indicators of a user type', () => {
  it('are configured over visible fields only: a sum of a hidden field cannot be saved', async () => {
    await visibleDeals(['name', 'stage', 'contact']);
    const refused = await configure({ moduleId: deals.module.id, measure: 'sum', sumFieldId: field('amount'), groupBy: field('stage') });
    expect(refused.status).toBe(422);
    expect(await refused.text()).toContain('Choose a currency field of that module visible to this type.');
    expect(await t.db.selectFrom('portal_indicators').selectAll().execute()).toEqual([]);
    await visibleDeals(['name', 'stage', 'amount', 'contact']);
    expect((await configure({ moduleId: deals.module.id, measure: 'sum', sumFieldId: field('amount'), groupBy: field('stage') })).status).toBe(303);
    expect((await configure({ moduleId: deals.module.id, measure: 'count', sumFieldId: '', groupBy: 'owner' })).status).toBe(303);
  });

  it('show each user totals over exactly their scope, the SVG and its table agreeing', async () => {
    const sums = async (contact: string) =>
      (
        await sql<{ stage: string; total: string }>`
          select r.data->>'stage' as stage, sum((r.data->>'amount')::numeric) as total from records r
          join record_refs rr on rr.record_id = r.id and rr.field_id = ${field('contact')} and rr.target_id = ${contact}
          where r.module_id = ${deals.module.id} and r.deleted_at is null group by 1 order by 2 desc`.execute(t.db)
      ).rows.map((r) => Number(r.total));
    const money = (n: number) => new Intl.NumberFormat('en', { style: 'currency', currency: 'EUR' }).format(n);
    const carlaHome = await homeOf(carla);
    const carlaSums = chart(carlaHome, 'Amount of Deals by Stage');
    expect(carlaSums.rows).toEqual([
      ['Proposal', money(2000.5)],
      ['Negotiation', money(300)],
    ]);
    expect(carlaSums.rows.map(([, v]) => v)).toEqual((await sums(w.records.carla)).map(money));
    expect(carlaSums.svg).toEqual(carlaSums.rows);
    expect(chart(carlaHome, 'Deals by owner').rows).toEqual([[acme.admin.name, '3']]);
    const doraSums = chart(await homeOf(dora), 'Amount of Deals by Stage');
    expect(doraSums.rows).toEqual([['Proposal', money(99_000)]]);
    expect(doraSums.rows.map(([, v]) => v)).toEqual((await sums(w.records.dora)).map(money));
  });

  it('disappear when the field they sum is hidden later, never showing its values', async () => {
    await visibleDeals(['name', 'stage', 'contact']);
    try {
      const html = await homeOf(carla);
      expect(html).not.toContain('Amount of Deals');
      expect(html).not.toContain(new Intl.NumberFormat('en', { style: 'currency', currency: 'EUR' }).format(2000.5));
      expect(html).toContain('Deals by owner');
    } finally {
      await visibleDeals(['name', 'stage', 'amount', 'contact']);
    }
  });
});
