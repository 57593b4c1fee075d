import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caseSetup } from '../../src/cases/status.js';
import { addAttachment, addNote } from '../../src/crm/notes.js';
import { createRecord } from '../../src/crm/records.js';
import { addIndicator } from '../../src/dashboards/indicators.js';
import { saveFieldPermissions } from '../../src/portals/field-permissions.js';
import { saveTabs, tabForm, tabOptions } from '../../src/portals/tabs.js';
import { setGdprEnabled } from '../../src/privacy/compliance.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { addPortalUser, carla, HELP, type PortalWorld, seedPortalWorld } from '../support/portal-world.js';
import { countStatements } from '../support/statements.js';

// A portal page's reads are designed, not accumulated: the statements a page
// sends do not grow with its rows or the lookups they hold, from a hundred
// records in the user's scope to ten thousand.

let t: TestApp;
let w: PortalWorld;
let client: BrowserClient;
let closedCase: string;

beforeAll(async () => {
  t = await startTestApp();
  w = await seedPortalWorld(t);
  const carlaId = await addPortalUser(t, w, { email: carla.email, recordId: w.records.carla, status: 'active', password: carla.password });
  const tabs = tabForm((await tabOptions(t.db, w.helpTypeId)) ?? [], {
    contacts: { edit: true },
    cases: { create: true, edit: true, notes: 'add', attachments: 'add' },
  });
  expect(await saveTabs(t.db, w.staff, w.helpTypeId, tabs)).toEqual({ ok: true });
  const rows = w.cases.fields.map((f) => ({ fieldId: f.id, visible: ['subject', 'status', 'contact'].includes(f.api_name), readOnly: false }));
  expect((await saveFieldPermissions(t.db, w.staff, w.helpTypeId, w.cases.module.id, w.cases.defaultLayout?.id as string, rows)).ok).toBe(true);
  await setGdprEnabled(t.db, w.staff as never, true);
  // A home with a dashboard, and a case with a conversation: staff's answer, Carla's reply, the file she sent.
  const status = w.cases.byName.get('status')?.id as string;
  expect((await addIndicator(t.db, w.staff, w.helpTypeId, { moduleId: w.cases.module.id, measure: 'count', sumFieldId: '', groupBy: status })).ok).toBe(true);
  expect((await addIndicator(t.db, w.staff, w.helpTypeId, { moduleId: w.cases.module.id, measure: 'count', sumFieldId: '', groupBy: 'owner' })).ok).toBe(true);
  const admin = { kind: 'staff' as const, id: w.adminId };
  await addNote(t.db, w.records.carlaCase1, admin, 'We are on it.', false);
  await addNote(t.db, w.records.carlaCase1, admin, 'Internal: check the drum.', true);
  await addNote(t.db, w.records.carlaCase1, { kind: 'portal', id: carlaId }, 'Thanks, it jammed again.', false);
  const closedValue = caseSetup(w.cases)?.values.closed as string;
  closedCase = (
    await createRecord(t.db, w.staff, w.cases, {
      data: { subject: 'Old toner question', status: closedValue, contact: w.records.carla },
      layoutId: w.cases.defaultLayout?.id ?? null,
      ownerId: w.adminId,
    })
  ).id;
  await addAttachment(
    t.db,
    w.records.carlaCase1,
    { kind: 'portal', id: carlaId },
    { name: 'photo.txt', type: 'text/plain', bytes: new Uint8Array([1]) },
    false,
  );
  client = browserClient(t.app);
  expect((await client.post(`${HELP}/login`, { email: carla.email, password: carla.password })).status).toBe(303);
});
afterAll(() => t.close());

const pages = () => ({
  home: HELP,
  list: `${HELP}/m/cases`,
  search: `${HELP}/m/cases?q=case&f.status=open&order=subject.asc`,
  record: `${HELP}/m/cases/${w.records.carlaCase1}`,
  closedRecord: `${HELP}/m/cases/${closedCase}`,
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
    if (process.env.SHOW_STATEMENTS === name) console.log(statements.join('\n---\n'));
  }
  return out;
}

/** Gives Carla `n` more cases, written set-based as an import would: ten thousand take a moment, not minutes. */
async function addCases(n: number) {
  const contact = w.cases.byName.get('contact');
  if (!contact) throw new Error('cases have no contact lookup');
  await sql`with added as (
      insert into records (module_id, owner_id, data, display_name, layout_id, created_at, updated_at)
      select ${w.cases.module.id}, ${w.adminId}, jsonb_build_object('subject', 'Case ' || g, 'status', 'open', 'contact', ${w.records.carla}::text),
             'Case ' || g, ${w.cases.defaultLayout?.id ?? null}, now() - g * interval '1 second', now() - g * interval '1 second'
      from generate_series(1, ${n}::int) as g
      returning id)
    insert into record_refs (field_id, target_id, record_id) select ${contact.id}, ${w.records.carla}, id from added`.execute(t.db);
  await sql`analyze records, record_refs`.execute(t.db);
}

const carlasCases = async () =>
  Number(
    (await sql<{ n: string }>`select count(*) as n from records where module_id = ${w.cases.module.id} and data->>'contact' = ${w.records.carla}`.execute(t.db))
      .rows[0]?.n,
  );

describe('statements per portal page', () => {
  it('are at most 4, the same with 100 cases or 10,000', async () => {
    await addCases(100 - (await carlasCases()));
    expect(await carlasCases()).toBe(100);
    await measure(); // the first requests also warm what the process keeps
    const few = await measure();
    await addCases(9_900);
    expect(await carlasCases()).toBe(10_000);
    const many = await measure();
    expect(many).toEqual(few);
    // A ceiling that catches a read per row, per tab or per lookup creeping in.
    for (const [name, n] of Object.entries(many)) expect(n, name).toBeLessThanOrEqual(4);
    console.log('statements per portal page', JSON.stringify(many));
  });
});
