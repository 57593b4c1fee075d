import { sql } from 'kysely';
import { expect } from 'vitest';
import { saveFieldPermissions } from '../../src/portals/field-permissions.js';
import { saveTabs, tabForm, tabOptions } from '../../src/portals/tabs.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from './app.js';
import { addPortalUser, carla, HELP, type PortalWorld, seedPortalWorld } from './portal-world.js';

// The world the portal write suites (test/integration/portal-writes-*.test.ts)
// run in: Carla, a contact of Acme Help, may edit her own contact and create
// and edit her cases, add notes and files to them and delete them. Each test
// file calls setUpPortalWrites() in its beforeAll and signInCarla() in its
// beforeEach.

export let t: TestApp;
export let w: PortalWorld;
export let carlaId: string;
export let client: BrowserClient;

export const layoutOf = (meta: PortalWorld['cases']) => meta.defaultLayout?.id as string;

export async function setUpPortalWrites(): Promise<void> {
  t = await startTestApp();
  w = await seedPortalWorld(t);
  carlaId = await addPortalUser(t, w, { email: carla.email, recordId: w.records.carla, status: 'active', password: carla.password });
  const tabs = tabForm((await tabOptions(t.db, w.helpTypeId)) ?? [], {
    // The configurator never lets a base tab delete (R_U can never be deleted).
    contacts: { edit: true },
    cases: { create: true, edit: true, delete: true, notes: 'add', attachments: 'add' },
  });
  expect(await saveTabs(t.db, w.staff, w.helpTypeId, tabs)).toEqual({ ok: true });
  const perms = async (meta: PortalWorld['cases'], visible: string[], readOnly: string[]) => {
    const rows = meta.fields.map((f) => ({ fieldId: f.id, visible: visible.includes(f.api_name), readOnly: readOnly.includes(f.api_name) }));
    expect((await saveFieldPermissions(t.db, w.staff, w.helpTypeId, meta.module.id, layoutOf(meta), rows)).ok).toBe(true);
  };
  await perms(w.contacts, ['first_name', 'last_name', 'email', 'phone'], ['email']);
  await perms(w.cases, ['subject', 'status', 'priority', 'contact'], ['status']);
}

/** A fresh browser signed in as Carla, for each test. */
export async function signInCarla(): Promise<void> {
  client = browserClient(t.app);
  expect((await client.post(`${HELP}/login`, { email: carla.email, password: carla.password })).status).toBe(303);
}

export const caseCount = async () =>
  Number((await sql<{ n: string }>`select count(*) as n from records where module_id = ${w.cases.module.id}`.execute(t.db)).rows[0]?.n);
export const recordOf = (id: string) => t.db.selectFrom('records').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
export const newCase = (form: Record<string, string>) => client.post(`${HELP}/m/cases`, { __layout: layoutOf(w.cases), ...form });
