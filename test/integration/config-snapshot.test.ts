import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { type DatabaseHandle, openDatabase } from '../../src/db/database.js';
import { saveFieldPermissions } from '../../src/portals/field-permissions.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { localeText } from '../support/locale-strings.js';
import { addPortalUser, carla, HELP, type PortalWorld, seedPortalWorld } from '../support/portal-world.js';
import { countStatements } from '../support/statements.js';

// Two web processes on one database, each with its own pool and its own
// copy of the configuration: a change made through one is seen by the other
// on its very next request, and a process whose configuration did not change
// reads none of it again.

let t: TestApp;
let w: PortalWorld;
let second: DatabaseHandle;
let first: BrowserClient;
let other: BrowserClient;

beforeAll(async () => {
  t = await startTestApp();
  w = await seedPortalWorld(t);
  await addPortalUser(t, w, { email: carla.email, recordId: w.records.carla, status: 'active', password: carla.password, language: 'en' });
  second = openDatabase(t.database.url);
  first = browserClient(t.app);
  other = browserClient(createApp({ ...t.deps, db: second.db }));
  for (const client of [first, other]) expect((await client.post(`${HELP}/login`, { email: carla.email, password: carla.password })).status).toBe(303);
});
afterAll(async () => {
  await second.close();
  await t.close();
});

const statusHeading = () => localeText('en', 'fields:cases.status');
const casesPage = async (client: BrowserClient) => (await client.get(`${HELP}/m/cases`)).text();

describe('configuration kept in each process', () => {
  it('is read again only when it changed', async () => {
    await casesPage(first);
    const again = await countStatements(() => first.get(`${HELP}/m/cases`));
    const configReads = again.statements.filter((s) =>
      /^select [^(]*? from "(org|modules|fields|layouts|portals|portal_user_types|portal_type_tabs|portal_type_fields|web_tabs)"/.test(s),
    );
    expect(configReads).toEqual([]);
    expect(again.statements.length).toBeGreaterThan(0);
  });

  it('follows a change made through another process on the next request', async () => {
    expect(await casesPage(first)).toContain(`>${statusHeading()}<`);
    expect(await casesPage(other)).toContain(`>${statusHeading()}<`);
    // The other process hides the status field for Carla's type.
    const rows = w.cases.fields.map((f) => ({ fieldId: f.id, visible: ['subject', 'contact'].includes(f.api_name), readOnly: false }));
    const saved = await saveFieldPermissions(second.db, w.staff, w.helpTypeId, w.cases.module.id, w.cases.defaultLayout?.id as string, rows);
    expect(saved.ok).toBe(true);
    expect(await casesPage(first)).not.toContain(`>${statusHeading()}<`);
    expect(await casesPage(other)).not.toContain(`>${statusHeading()}<`);
  });
});
