import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme } from '../support/fixtures.js';
import { addPortalUser, carla, HELP, type PortalWorld, seedPortalWorld } from '../support/portal-world.js';

// Deleting for good the contact a portal account stands on: the account goes
// with it in one transaction (it used to end in a foreign-key error, a 500).

let t: TestApp;
let w: PortalWorld;

beforeAll(async () => {
  t = await startTestApp();
  w = await seedPortalWorld(t);
});
afterAll(() => t.close());

describe('purging a portal user’s own record', () => {
  it('ends the portal account with it: no error, no session, no sign-in, an audit entry', async () => {
    const userId = await addPortalUser(t, w, { email: carla.email, recordId: w.records.carla, status: 'active', password: carla.password });
    const customer = browserClient(t.app);
    expect((await customer.post(`${HELP}/login`, { email: carla.email, password: carla.password })).status).toBe(303);
    expect((await customer.get(`${HELP}/m/cases`)).status).toBe(200);

    const ana = browserClient(t.app);
    expect((await ana.post('/admin/login', { email: acme.admin.email, password: acme.admin.password })).status).toBe(303);
    expect((await ana.post(`/admin/m/contacts/${w.records.carla}/delete`, {})).status).toBe(303);
    const purged = await ana.post(`/admin/m/contacts/${w.records.carla}/purge`, {});
    expect(purged.status).toBe(303);

    expect(await t.db.selectFrom('records').select('id').where('id', '=', w.records.carla).executeTakeFirst()).toBeUndefined();
    expect(await t.db.selectFrom('portal_users').select('id').where('id', '=', userId).executeTakeFirst()).toBeUndefined();
    expect(await t.db.selectFrom('sessions').select('id').where('user_kind', '=', 'portal').where('user_id', '=', userId).execute()).toEqual([]);
    const entry = await t.db.selectFrom('audit_log').select(['action', 'details']).where('action', '=', 'portal_user.removed_with_record').executeTakeFirst();
    expect(entry?.details).toMatchObject({ email: carla.email, recordId: w.records.carla });

    expect((await customer.get(`${HELP}/m/cases`)).status).toBe(303);
    expect((await browserClient(t.app).post(`${HELP}/login`, { email: carla.email, password: carla.password })).status).toBe(401);
  });
});
