import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme, bruno, seedAcme, seedStandardUser } from '../support/fixtures.js';
import { waitFor } from '../support/wait.js';

// Staff with a narrow record scope. A CSV import resolves its lookup cells as the record form does: through the
// importer's own record scope. Bruno (Standard profile) cannot see Ana's
// account; a file naming it finds "no record of this name", exactly as for a
// name nobody has, and the import links nothing to it.

let t: TestApp;
let ana: BrowserClient;
let bob: BrowserClient;
let secretId: string;

beforeAll(async () => {
  t = await startTestApp({ worker: true });
  await seedAcme(t.db);
  await seedStandardUser(t.db);
  ana = browserClient(t.app);
  expect((await ana.post('/admin/login', { email: acme.admin.email, password: acme.admin.password })).status).toBe(303);
  const created = await ana.post('/admin/m/accounts', { name: 'Secret Holdings Zeta' });
  secretId = /\/([0-9a-f-]{36})/.exec(created.headers.get('Location') ?? '')?.[1] ?? '';
  bob = browserClient(t.app);
  expect((await bob.post('/admin/login', { email: bruno.email, password: bruno.password })).status).toBe(303);
});
afterAll(() => t.close());

/** Uploads the file as Bruno and keeps the suggested mapping; answers the import's address. */
async function upload(csv: string): Promise<string> {
  const form = new FormData();
  form.set('file', new File([csv], 'contacts.csv', { type: 'text/csv' }));
  const up = await bob.request('/admin/m/contacts/import', { method: 'POST', body: form });
  const url = `/admin/m/contacts/import/${/\/import\/([0-9a-f-]{36})/.exec(up.headers.get('Location') ?? '')?.[1]}`;
  const mapping = await (await bob.get(`${url}/mapping`)).text();
  const chosen = [...mapping.matchAll(/<select id="col-\d+"[^>]*>([\s\S]*?)<\/select>/g)].map(
    (m) => /<option value="([^"]*)" selected/.exec(m[1] ?? '')?.[1] ?? '',
  );
  expect(chosen.every(Boolean), 'both columns mapped').toBe(true);
  expect((await bob.post(`${url}/mapping`, Object.fromEntries(chosen.map((id, i) => [`col-${i}`, id])))).status).toBe(303);
  return url;
}

const reportErrors = (html: string) => (/class="import-errors"[\s\S]*?<\/table>/.exec(html)?.[0] ?? '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

describe('a CSV import by a staff user with a narrow record scope', () => {
  it('cannot see the account in question, to begin with', async () => {
    expect((await bob.get(`/admin/m/accounts/${secretId}`)).status).toBe(404);
  });

  it('reports a record outside their scope, by name or by id, as not found, like a name nobody has', async () => {
    const url = await upload(`Last name;Account\nByName;Secret Holdings Zeta\nById;${secretId}\nNobody;No Such Account\n`);
    const errors = reportErrors(await (await bob.get(`${url}/report`)).text());
    const rows = errors.match(/No record has this name/g) ?? [];
    expect(rows).toHaveLength(3);
  });

  it('links nothing to it when the rows that can be imported are', async () => {
    const url = await upload('Last name;Account\nProbe;Secret Holdings Zeta\n');
    const id = url.split('/').pop() ?? '';
    expect((await bob.post(`${url}/start`, { skip: 'on' })).status).toBe(303);
    await waitFor(
      async () => ['done', 'failed'].includes((await t.db.selectFrom('imports').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status),
      {
        timeoutMs: 30_000,
      },
    );
    const linked = await t.db.selectFrom('record_refs').select('record_id').where('target_id', '=', secretId).execute();
    expect(linked).toEqual([]);
    expect(await t.db.selectFrom('records').select('id').where('display_name', '=', 'Probe').execute()).toEqual([]);
  });

  it('still resolves a name inside their scope', async () => {
    const own = await bob.post('/admin/m/accounts', { name: 'Bruno Trading' });
    expect(own.status).toBe(303);
    const url = await upload('Last name;Account\nMine;Bruno Trading\n');
    expect(reportErrors(await (await bob.get(`${url}/report`)).text())).not.toContain('No record has this name');
  });
});

describe('the staff home page', () => {
  it('counts the contacts the signed-in user may see, not every contact', async () => {
    for (const [client, last] of [
      [ana, 'Ana One'],
      [ana, 'Ana Two'],
      [bob, 'Bruno One'],
    ] as const)
      expect((await client.post('/admin/m/contacts', { last_name: last })).status).toBe(303);
    const live = await t.db
      .selectFrom('records')
      .innerJoin('modules', 'modules.id', 'records.module_id')
      .innerJoin('staff_users', 'staff_users.id', 'records.owner_id')
      .select(['staff_users.email'])
      .where('modules.api_name', '=', 'contacts')
      .where('records.deleted_at', 'is', null)
      .execute();
    const count = (html: string) => /<dt>Contacts<\/dt>\s*<dd>(\d+)<\/dd>/.exec(html)?.[1];
    expect(count(await (await ana.get('/admin')).text())).toBe(String(live.length));
    expect(count(await (await bob.get('/admin')).text())).toBe(String(live.filter((r) => r.email === bruno.email).length));
    expect(live.length).toBeGreaterThan(live.filter((r) => r.email === bruno.email).length);
  });
});
