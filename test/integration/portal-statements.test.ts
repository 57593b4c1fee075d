import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRecord } from '../../src/crm/records.js';
import { saveFieldPermissions } from '../../src/portals/field-permissions.js';
import { saveTabs, tabForm, tabOptions } from '../../src/portals/tabs.js';
import { setGdprEnabled } from '../../src/privacy/compliance.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { addPortalUser, carla, HELP, type PortalWorld, seedPortalWorld } from '../support/portal-world.js';
import { countStatements } from '../support/statements.js';

// A portal page's reads are designed, not accumulated: the statements a page
// sends do not grow with its rows or the lookups they hold.

let t: TestApp;
let w: PortalWorld;
let client: BrowserClient;

beforeAll(async () => {
  t = await startTestApp();
  w = await seedPortalWorld(t);
  await addPortalUser(t, w, { email: carla.email, recordId: w.records.carla, status: 'active', password: carla.password });
  const tabs = tabForm((await tabOptions(t.db, w.helpTypeId)) ?? [], { contacts: { edit: true }, cases: { create: true, edit: true, notes: 'add' } });
  expect(await saveTabs(t.db, w.staff, w.helpTypeId, tabs)).toEqual({ ok: true });
  const rows = w.cases.fields.map((f) => ({ fieldId: f.id, visible: ['subject', 'status', 'contact'].includes(f.api_name), readOnly: false }));
  expect((await saveFieldPermissions(t.db, w.staff, w.helpTypeId, w.cases.module.id, w.cases.defaultLayout?.id as string, rows)).ok).toBe(true);
  await setGdprEnabled(t.db, w.staff as never, true);
  client = browserClient(t.app);
  expect((await client.post(`${HELP}/login`, { email: carla.email, password: carla.password })).status).toBe(303);
});
afterAll(() => t.close());

const pages = () => ({
  home: HELP,
  list: `${HELP}/m/cases`,
  search: `${HELP}/m/cases?q=case&f.status=open&order=subject.asc`,
  record: `${HELP}/m/cases/${w.records.carlaCase1}`,
  form: `${HELP}/m/cases/${w.records.carlaCase1}/edit`,
  newForm: `${HELP}/m/cases/new`,
  contact: `${HELP}/m/contacts/${w.records.carla}`,
  profile: `${HELP}/profile`,
  privacy: `${HELP}/privacy`,
});

async function measure(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [name, path] of Object.entries(pages())) {
    const { result, statements } = await countStatements(() => client.get(path));
    expect(result.status, path).toBe(200);
    out[name] = statements.length;
  }
  return out;
}

describe('statements per portal page', () => {
  it('stay the same with 3 cases or 40', async () => {
    const add = async (n: number) => {
      for (let i = 0; i < n; i++)
        await createRecord(t.db, w.staff, w.cases, {
          data: { subject: `Case ${i}`, status: 'open', contact: w.records.carla },
          layoutId: w.cases.defaultLayout?.id as string,
          ownerId: w.adminId,
        });
    };
    await add(1);
    await measure(); // the first requests also warm what the process keeps
    const few = await measure();
    await add(37);
    const many = await measure();
    // Never more with more rows (the home page may need fewer: its recent records can come from fewer modules).
    for (const [name, n] of Object.entries(many)) expect(n, name).toBeLessThanOrEqual(few[name] as number);
    expect(many.list).toBe(few.list);
    expect(many.record).toBe(few.record);
    // A ceiling that catches a read per row or per lookup creeping in.
    for (const [name, n] of Object.entries(many)) expect(n, name).toBeLessThanOrEqual(4);
    console.log('statements per portal page', JSON.stringify(many));
  });
});
