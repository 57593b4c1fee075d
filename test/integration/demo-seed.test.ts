import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ADMIN, seedDemo } from '../../src/demo/seed.js';
import { browserClient, startTestApp, type TestApp } from '../support/app.js';
import { seedAcme } from '../support/fixtures.js';

let empty: TestApp;
let existing: TestApp;

beforeAll(async () => {
  [empty, existing] = await Promise.all([startTestApp(), startTestApp()]);
  await seedAcme(existing.db);
});
afterAll(() => Promise.all([empty.close(), existing.close()]));

describe('the demo organization', () => {
  it('is created on an empty database: an organization, its admin, two companies and a few contacts', async () => {
    expect(await seedDemo(empty.db)).toEqual({ seeded: true });
    const org = await empty.db.selectFrom('org').selectAll().executeTakeFirstOrThrow();
    expect(org.name).toBe('Porta Demo');
    const counts = await empty.db
      .selectFrom('records')
      .innerJoin('modules', 'modules.id', 'records.module_id')
      .select(['modules.api_name', (eb) => eb.fn.countAll<string>().as('n')])
      .groupBy('modules.api_name')
      .orderBy('modules.api_name')
      .execute();
    expect(counts).toEqual([
      { api_name: 'accounts', n: '2' },
      { api_name: 'contacts', n: '4' },
    ]);
  });

  it('lets the printed credentials sign in, and shows the contacts on the home page', async () => {
    const client = browserClient(empty.app);
    const res = await client.post('/admin/login', { email: DEMO_ADMIN.email, password: DEMO_ADMIN.password });
    expect(res.status).toBe(303);
    const home = await (await client.get('/admin')).text();
    expect(home).toMatch(/<dt>Contacts<\/dt><dd>4<\/dd>/);
  });

  it('is not created twice', async () => {
    expect(await seedDemo(empty.db)).toEqual({ seeded: false, reason: 'already_set_up' });
    expect(await empty.db.selectFrom('staff_users').select('id').execute()).toHaveLength(1);
  });

  it('never touches a database that already has an organization', async () => {
    expect(await seedDemo(existing.db)).toEqual({ seeded: false, reason: 'already_set_up' });
    expect((await existing.db.selectFrom('org').select('name').executeTakeFirstOrThrow()).name).toBe('Acme Iberia');
    expect(await existing.db.selectFrom('records').select('id').execute()).toHaveLength(0);
  });
});

describe('the demo data', () => {
  it('links contacts to their companies the way the record pages do (lookups, search, history)', async () => {
    const refs = await empty.db
      .selectFrom('record_refs')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    expect(refs.n).toBe('4');
    const alice = await empty.db.selectFrom('records').selectAll().where('display_name', '=', 'Alice Martin').executeTakeFirstOrThrow();
    expect(alice.layout_id).not.toBeNull();
    expect(alice.search).toContain('alice');
    const history = await empty.db.selectFrom('record_changes').select('action').where('record_id', '=', alice.id).execute();
    expect(history).toEqual([{ action: 'create' }]);
  });
});
