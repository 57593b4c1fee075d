import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { browserClient, startTestApp, type TestApp } from '../support/app.js';
import { dataTables, fingerprint as sharedFingerprint } from '../support/fingerprint.js';
import { acme } from '../support/fixtures.js';
import { addPortalUser, carla, HELP, type PortalWorld, seedPortalWorld } from '../support/portal-world.js';

// Every state-changing route the app has, read from the app itself so a new
// route cannot be left out, refuses a request a browser would send from
// another site, even with a signed-in staff user's and portal user's cookies,
// and changes nothing.

/** Not a browser's endpoint: mail providers post there with a secret of their own (see the inbound tests). */
const OWN_AUTH = new Set(['/inbound/mail']);

let t: TestApp;
let w: PortalWorld;
let cookies: string;

beforeAll(async () => {
  t = await startTestApp();
  w = await seedPortalWorld(t);
  await addPortalUser(t, w, { email: carla.email, recordId: w.records.carla, status: 'active', password: carla.password });
  const staff = browserClient(t.app);
  expect((await staff.post('/admin/login', { email: acme.admin.email, password: acme.admin.password })).status).toBe(303);
  const customer = browserClient(t.app);
  expect((await customer.post(`${HELP}/login`, { email: carla.email, password: carla.password })).status).toBe(303);
  cookies = [...staff.cookies, ...customer.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
});
afterAll(() => t.close());

/** The POST routes of an app, with plausible values in their parameters. */
function postPaths(app: Hono | App): string[] {
  const paths = new Set(app.routes.filter((r) => r.method === 'POST').map((r) => r.path));
  const value = (name: string) =>
    name === 'slug' ? 'acme-help' : name === 'module' ? 'cases' : name === 'token' ? 'x'.repeat(32) : name === 'action' ? 'deactivate' : w.records.carlaCase1;
  return [...paths].filter((p) => !OWN_AUTH.has(p)).map((p) => p.replace(/:([A-Za-z]+)/g, (_, name: string) => value(name)));
}

/** The paths that answer a cross-site POST with anything but 403, for each way another site can send one. */
async function acceptedFromAnotherSite(app: Hono | App, paths: string[]): Promise<string[]> {
  const accepted: string[] = [];
  const senders: Record<string, string>[] = [
    { Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' },
    { Origin: 'null' },
    { 'Sec-Fetch-Site': 'same-site', Origin: 'http://sub.porta.test' },
    {},
  ];
  for (const path of paths)
    for (const headers of senders) {
      const res = await app.request(`http://porta.test${path}`, {
        method: 'POST',
        headers: { ...headers, Cookie: cookies, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ name: 'Changed', body: 'Changed', email: carla.email, password: carla.password }),
      });
      if (res.status !== 403) accepted.push(`${path} ${res.status} ${JSON.stringify(headers)}`);
    }
  return accepted;
}

/** Every data table, sessions and the audit log included: a refused request leaves no trace. */
const fingerprint = async () =>
  sharedFingerprint(t.db, await dataTables(t.db, ['login_attempts', 'config_version', 'kysely_migration', 'kysely_migration_lock']));

describe('every state-changing route', () => {
  it('is found in the app: the portal, staff, configurator and preview routes', () => {
    const paths = postPaths(t.app);
    expect(paths.length).toBeGreaterThan(100);
    for (const p of ['/admin/login', `${HELP}/m/cases`, '/admin/settings/portals', '/admin/m/cases', '/lang']) expect(paths).toContain(p);
  });

  it('refuses a request from another site, signed in or not, and changes nothing', async () => {
    const before = await fingerprint();
    expect(await acceptedFromAnotherSite(t.app, postPaths(t.app))).toEqual([]);
    expect(await fingerprint()).toEqual(before);
  });

  it('would report a route without the check (the checker can fail)', async () => {
    const careless = new Hono();
    careless.post('/admin/unguarded/:id', (c) => c.text('done'));
    expect(await acceptedFromAnotherSite(careless, postPaths(careless))).toHaveLength(4);
  });
});
