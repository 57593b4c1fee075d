import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { statementsOf } from '../../src/http/middleware/server-timing.js';
import { saveTabs, tabForm, tabOptions } from '../../src/portals/tabs.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme } from '../support/fixtures.js';
import { addPortalUser, carla, HELP, type PortalWorld, seedPortalWorld } from '../support/portal-world.js';
import { countStatements } from '../support/statements.js';

// SERVER_TIMING=true: each answer says how many statements it sent, which is
// what `npm run bench` reports per page. The header must agree with a count
// taken at the database driver, on portal and staff pages, reads and writes.

let t: TestApp;
let w: PortalWorld;
let customer: BrowserClient;
let staff: BrowserClient;

beforeAll(async () => {
  t = await startTestApp({ env: { SERVER_TIMING: 'true' } });
  w = await seedPortalWorld(t);
  await addPortalUser(t, w, { email: carla.email, recordId: w.records.carla, status: 'active', password: carla.password });
  const tabs = tabForm((await tabOptions(t.db, w.helpTypeId)) ?? [], { contacts: {}, cases: { notes: 'add' } });
  expect(await saveTabs(t.db, w.staff, w.helpTypeId, tabs)).toEqual({ ok: true });
  customer = browserClient(t.app);
  expect((await customer.post(`${HELP}/login`, { email: carla.email, password: carla.password })).status).toBe(303);
  staff = browserClient(t.app);
  expect((await staff.post('/admin/login', { email: acme.admin.email, password: acme.admin.password })).status).toBe(303);
});
afterAll(() => t.close());

describe('Server-Timing', () => {
  it('is off unless asked for', () => {
    expect(loadConfig({ NODE_ENV: 'test', DATABASE_URL: 'postgres://x@127.0.0.1/x' }).serverTiming).toBe(false);
  });

  it('counts the statements each page sent, as the driver saw them', async () => {
    const pages: [BrowserClient, string][] = [
      [customer, HELP],
      [customer, `${HELP}/m/cases`],
      [customer, `${HELP}/m/cases/${w.records.carlaCase1}`],
      [staff, '/admin/m/cases'],
      [staff, `/admin/m/contacts/${w.records.carla}`],
    ];
    for (const [client, path] of pages) await client.get(path); // the first request of a process also loads its configuration
    for (const [client, path] of pages) {
      const { result, statements } = await countStatements(() => client.get(path));
      expect(result.status, path).toBe(200);
      expect(statements.length, path).toBeGreaterThan(0);
      expect(statementsOf(result.headers.get('Server-Timing')), path).toBe(statements.length);
    }
  });

  it('counts a write with its transaction', async () => {
    const { result, statements } = await countStatements(() => customer.post(`${HELP}/m/cases/${w.records.carlaCase1}/notes`, { body: 'Any news?' }));
    expect(result.status).toBe(303);
    expect(statements).toContain('begin');
    expect(statementsOf(result.headers.get('Server-Timing'))).toBe(statements.length);
  });
});
