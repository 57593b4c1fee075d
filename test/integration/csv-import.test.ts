import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runImport } from '../../src/crm/import.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme, bruno, seedAcme, seedStandardUser } from '../support/fixtures.js';
import { waitFor } from '../support/wait.js';

let t: TestApp;
let ana: BrowserClient;
let anaId: string;
let globexId: string;

beforeAll(async () => {
  t = await startTestApp({ worker: true });
  anaId = (await seedAcme(t.db)).admin.id;
  ana = browserClient(t.app);
  await ana.post('/admin/login', { email: acme.admin.email, password: acme.admin.password });
  const account = await ana.post('/admin/m/accounts', { name: 'Globex Ibérica' });
  globexId = /\/([0-9a-f-]{36})/.exec(account.headers.get('Location') ?? '')?.[1] ?? '';
});
afterAll(() => t.close());

// Semicolons, a BOM, accents, Spanish headers, an account named (in another case) instead of by id,
// a bad email on row 4 and a missing last name on row 5.
const contactsCsv = `\uFEFFNombre;Apellidos;Correo electrónico;Cuenta;Teléfono
José;Núñez;jose@globex.example;Globex Ibérica;+34 600 000 001
Zoë;Ångström;zoe@globex.example;globex ibérica;
Bad;Email;not-an-email;Globex Ibérica;
Sin;;sinapellido@globex.example;;
Renée;Faure;renee@globex.example;;
`;

const importIdFrom = (location: string | null) => /\/import\/([0-9a-f-]{36})/.exec(location ?? '')?.[1] ?? '';

async function upload(client: BrowserClient, filename: string, content: string | Uint8Array, module = 'contacts') {
  const form = new FormData();
  form.set('file', new File([typeof content === 'string' ? content : new Uint8Array(content)], filename, { type: 'text/csv' }));
  return client.request(`/admin/m/${module}/import`, { method: 'POST', body: form });
}

const contactCount = async () =>
  Number(
    (
      await t.db
        .selectFrom('records')
        .innerJoin('modules', 'modules.id', 'records.module_id')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('modules.api_name', '=', 'contacts')
        .executeTakeFirstOrThrow()
    ).n,
  );

const fieldId = async (module: string, name: string) =>
  (
    await t.db
      .selectFrom('fields')
      .innerJoin('modules', 'modules.id', 'fields.module_id')
      .select('fields.id')
      .where('modules.api_name', '=', module)
      .where('fields.api_name', '=', name)
      .executeTakeFirstOrThrow()
  ).id;

/** The options chosen on the mapping page, column by column. */
function chosenFields(html: string): string[] {
  return [...html.matchAll(/<select id="col-\d+"[^>]*>([\s\S]*?)<\/select>/g)].map((m) => /<option value="([^"]*)" selected/.exec(m[1] ?? '')?.[1] ?? '');
}

/** Rows of the problems table as the user reads them: row number, field, message. */
function problemRows(html: string): string[][] {
  const table = /class="import-errors"[\s\S]*?<tbody>([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? '';
  return [...table.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) =>
    [...(m[1] ?? '').matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) => (c[1] ?? '').replace(/<[^>]+>/g, '').trim()),
  );
}

/** Uploads the file and keeps the suggested mapping; answers the import's URL. */
async function uploadAndMap(csv: string, filename = 'contacts.csv'): Promise<string> {
  const res = await upload(ana, filename, csv);
  expect(res.status).toBe(303);
  const url = `/admin/m/contacts/import/${importIdFrom(res.headers.get('Location'))}`;
  const mapping = await (await ana.get(`${url}/mapping`)).text();
  const form = Object.fromEntries(chosenFields(mapping).map((id, i) => [`col-${i}`, id]));
  const mapped = await ana.post(`${url}/mapping`, form);
  expect(mapped.status).toBe(303);
  expect(mapped.headers.get('Location')).toBe(`${url}/report`);
  return url;
}

async function finished(url: string) {
  const id = url.split('/').pop() ?? '';
  await waitFor(
    async () => ['done', 'failed'].includes((await t.db.selectFrom('imports').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status),
    { timeoutMs: 90_000 },
  );
  return t.db.selectFrom('imports').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

const decode = (html: string) => html.replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&amp;', '&');

describe('CSV import into contacts', () => {
  it('suggests the mapping from headers in Spanish and requires every required field', async () => {
    const res = await upload(ana, 'contactos.csv', contactsCsv);
    expect(res.status).toBe(303);
    const url = `/admin/m/contacts/import/${importIdFrom(res.headers.get('Location'))}`;
    const page = await (await ana.get(`${url}/mapping`)).text();
    expect(chosenFields(page)).toEqual([
      await fieldId('contacts', 'first_name'),
      await fieldId('contacts', 'last_name'),
      await fieldId('contacts', 'email'),
      await fieldId('contacts', 'account'),
      await fieldId('contacts', 'phone'),
    ]);
    expect(page).toContain('“contactos.csv” has 5 rows.');

    const email = await fieldId('contacts', 'email');
    const refused = await ana.post(`${url}/mapping`, { 'col-0': await fieldId('contacts', 'first_name'), 'col-1': '', 'col-2': email, 'col-3': email });
    expect(refused.status).toBe(422);
    const html = decode(await refused.text());
    expect(html).toContain('Choose a column for the required field “Last name”.');
    expect(html).toMatch(/id="col-3-error"[^>]*>This field is already chosen for another column\./);
  });

  it('reports exactly the bad rows, with their field and message, before anything runs', async () => {
    const url = await uploadAndMap(contactsCsv);
    const html = decode(await (await ana.get(`${url}/report`)).text());
    expect(html).toContain('3 of 5 rows are ready to import; 2 have problems.');
    expect(problemRows(html)).toEqual([
      ['4', 'Email', 'Enter a valid email address, such as name@example.com.'],
      ['5', 'Last name', 'This field is required.'],
    ]);
    expect(html).toContain('Skip the rows with problems and import the others');
    expect(await contactCount()).toBe(0);
  });

  it('writes nothing when started without skipping, and fails with the report', async () => {
    const url = await uploadAndMap(contactsCsv);
    const start = await ana.post(`${url}/start`, {});
    expect(start.status).toBe(303);
    expect(start.headers.get('Location')).toBe(url);
    const imp = await finished(url);
    expect(imp.status).toBe('failed');
    expect(imp.imported_rows).toBe(0);
    expect(imp.row_errors.map((r) => r.row)).toEqual([4, 5]);
    expect(await contactCount()).toBe(0);

    const html = decode(await (await ana.get(url)).text());
    expect(html).toContain('Nothing was imported: 2 rows have problems.');
    expect(problemRows(html)).toEqual([
      ['4', 'Email', 'Enter a valid email address, such as name@example.com.'],
      ['5', 'Last name', 'This field is required.'],
    ]);
    expect(html).not.toContain('hx-trigger');
  });

  it('imports the good rows and reports the skipped ones when asked to skip bad rows', async () => {
    const url = await uploadAndMap(contactsCsv);
    await ana.post(`${url}/start`, { skip: 'on' });
    const imp = await finished(url);
    expect(imp).toMatchObject({ status: 'done', imported_rows: 3, processed_rows: 5, skip_bad_rows: true });
    expect(imp.row_errors).toEqual([
      { row: 4, errors: [{ field: await fieldId('contacts', 'email'), key: 'errors:email' }] },
      { row: 5, errors: [{ field: await fieldId('contacts', 'last_name'), key: 'errors:required' }] },
    ]);
    const rows = await t.db
      .selectFrom('records')
      .innerJoin('modules', 'modules.id', 'records.module_id')
      .select(['records.display_name', 'records.data', 'records.owner_id'])
      .where('modules.api_name', '=', 'contacts')
      .orderBy('records.display_name')
      .execute();
    expect(rows.map((r) => r.display_name)).toEqual(['José Núñez', 'Renée Faure', 'Zoë Ångström']);
    expect(rows.every((r) => r.owner_id === anaId)).toBe(true);
    expect(rows[0]?.data).toMatchObject({ email: 'jose@globex.example', account: globexId, phone: '+34 600 000 001' });
    expect(rows[2]?.data).toMatchObject({ account: globexId });

    const html = decode(await (await ana.get(url)).text());
    expect(html).toContain('Import finished: 3 records were imported.');
    expect(html).toContain('2 rows with problems were skipped.');
    expect(problemRows(html).map((r) => r[0])).toEqual(['4', '5']);
    expect(await (await ana.get('/admin/m/contacts?q=faure')).text()).toContain('Renée Faure');
  });

  it('imports a 3,000-row file completely and the progress fragment ends in done', async () => {
    const before = await contactCount();
    const lines = ['first_name,last_name,email,account'];
    for (let i = 1; i <= 3000; i++) lines.push(`Bulk,Person ${i},bulk${i}@example.com,Globex Ibérica`);
    const url = await uploadAndMap(`${lines.join('\r\n')}\r\n`, 'bulk.csv');
    expect(decode(await (await ana.get(`${url}/report`)).text())).toContain('All 3,000 rows are ready to import.');
    await ana.post(`${url}/start`, {});
    const running = await ana.get(`${url}/progress`, { 'HX-Request': 'true' });
    expect(await running.text()).toContain('id="import-progress"');
    const imp = await finished(url);
    expect(imp).toMatchObject({ status: 'done', imported_rows: 3000, processed_rows: 3000, total_rows: 3000 });
    expect(await contactCount()).toBe(before + 3000);
    const refs = await t.db
      .selectFrom('record_refs')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('target_id', '=', globexId)
      .executeTakeFirstOrThrow();
    expect(Number(refs.n)).toBeGreaterThanOrEqual(3000);

    const fragment = await ana.get(`${url}/progress`, { 'HX-Request': 'true' });
    const html = decode(await fragment.text());
    expect(html).not.toContain('<html');
    expect(html).toContain('Import finished: 3,000 records were imported.');
    expect(html).toMatch(/<progress[^>]*max="3000"[^>]*value="3000"/);
    expect(html).not.toContain('hx-trigger');
  }, 120_000);

  it('rolls back rows already written in earlier batches when a later row is bad', async () => {
    const before = await contactCount();
    const lines = ['last_name;email'];
    for (let i = 1; i <= 1200; i++) lines.push(`Batch ${i};${i === 900 ? 'broken@' : `batch${i}@example.com`}`);
    const url = await uploadAndMap(`${lines.join('\n')}\n`, 'batches.csv');
    await ana.post(`${url}/start`, {});
    const imp = await finished(url);
    expect(imp).toMatchObject({ status: 'failed', imported_rows: 0, processed_rows: 1200 });
    expect(imp.row_errors).toEqual([{ row: 901, errors: [{ field: await fieldId('contacts', 'email'), key: 'errors:email' }] }]);
    expect(await contactCount()).toBe(before);
  }, 60_000);

  it('checks the rows again when it runs: an account deleted since the report fails the import', async () => {
    const before = await contactCount();
    const initech = await ana.post('/admin/m/accounts', { name: 'Initech' });
    const initechId = /\/([0-9a-f-]{36})/.exec(initech.headers.get('Location') ?? '')?.[1] ?? '';
    const url = await uploadAndMap('last_name,account\nLumbergh,Initech\nGibbons,Initech\n', 'initech.csv');
    expect(decode(await (await ana.get(`${url}/report`)).text())).toContain('All 2 rows are ready to import.');
    await ana.post(`/admin/m/accounts/${initechId}/delete`, {});
    await ana.post(`${url}/start`, {});
    const imp = await finished(url);
    expect(imp.status).toBe('failed');
    expect(imp.row_errors.map((r) => r.errors[0]?.key)).toEqual(['crm:errors.lookupNotFound', 'crm:errors.lookupNotFound']);
    expect(await contactCount()).toBe(before);
  });

  it('resumes a skipping import after its last committed batch, and starts an all-or-nothing one over', async () => {
    const contacts = await t.db.selectFrom('modules').select('id').where('api_name', '=', 'contacts').executeTakeFirstOrThrow();
    const lastName = await fieldId('contacts', 'last_name');
    const crashed = (skip: boolean, prefix: string) =>
      t.db
        .insertInto('imports')
        .values({
          module_id: contacts.id,
          staff_id: anaId,
          filename: 'resume.csv',
          content: Buffer.from(`last_name\n${[1, 2, 3, 4, 5].map((i) => `${prefix} ${i}`).join('\n')}\n`),
          mapping: JSON.stringify({ last_name: lastName }),
          row_errors: '[]',
          skip_bad_rows: skip,
          // As a worker killed after committing the first two rows leaves it.
          status: 'running',
          total_rows: 5,
          processed_rows: 2,
          imported_rows: 2,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
    const named = async (prefix: string) =>
      (await t.db.selectFrom('records').select('display_name').where('display_name', 'like', `${prefix} %`).orderBy('display_name').execute()).map(
        (r) => r.display_name,
      );

    const skipping = await crashed(true, 'Resumed');
    expect(await runImport(t.db, skipping.id)).toBe('done');
    expect(await named('Resumed')).toEqual(['Resumed 3', 'Resumed 4', 'Resumed 5']);
    expect(
      await t.db.selectFrom('imports').select(['imported_rows', 'processed_rows', 'status']).where('id', '=', skipping.id).executeTakeFirstOrThrow(),
    ).toEqual({
      imported_rows: 5,
      processed_rows: 5,
      status: 'done',
    });

    const whole = await crashed(false, 'Restarted');
    expect(await runImport(t.db, whole.id)).toBe('done');
    expect(await named('Restarted')).toEqual(['Restarted 1', 'Restarted 2', 'Restarted 3', 'Restarted 4', 'Restarted 5']);
    // A job delivered twice finds the import finished and writes nothing more.
    expect(await runImport(t.db, whole.id)).toBe('skipped');
    expect(await named('Restarted')).toHaveLength(5);
  });

  it('polls while an import runs: htmx every second, a meta refresh without JavaScript', async () => {
    const module = await t.db.selectFrom('modules').select('id').where('api_name', '=', 'contacts').executeTakeFirstOrThrow();
    const row = await t.db
      .insertInto('imports')
      .values({
        module_id: module.id,
        staff_id: anaId,
        filename: 'x.csv',
        content: Buffer.from('last_name\nA\nB\n'),
        mapping: '{}',
        row_errors: '[]',
        status: 'running',
        total_rows: 2,
        processed_rows: 1,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const url = `/admin/m/contacts/import/${row.id}`;
    const html = await (await ana.get(url)).text();
    expect(html).toContain(`hx-get="${url}/progress"`);
    expect(html).toContain('hx-trigger="every 1s"');
    expect(html).toContain('hx-swap="outerHTML"');
    expect(html).toMatch(/<noscript><meta http-equiv="refresh" content="2"\/?><\/noscript>/);
    expect(html).toMatch(/<progress[^>]*max="2"[^>]*value="1"/);
    expect(html).toContain('1 of 2 rows processed.');
    await t.db.updateTable('imports').set({ status: 'done', processed_rows: 2, imported_rows: 2 }).where('id', '=', row.id).execute();
    const done = await (await ana.get(`${url}/progress`, { 'HX-Request': 'true' })).text();
    expect(done).not.toContain('hx-trigger');
    expect(done).not.toContain('http-equiv');
  });

  it('refuses a file that is not CSV, or has no rows, with a message, and stores nothing', async () => {
    const before = Number(
      (
        await t.db
          .selectFrom('imports')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]);
    const res = await upload(ana, 'photo.csv', png);
    expect(res.status).toBe(422);
    expect(decode(await res.text())).toMatch(/id="import-file-error"[^>]*>This is not a CSV file\./);
    const spreadsheet = await upload(ana, 'contacts.xlsx', 'last_name\nA\n');
    expect(spreadsheet.status).toBe(422);
    const headerOnly = await upload(ana, 'empty.csv', 'first_name;last_name\n');
    expect(headerOnly.status).toBe(422);
    expect(await headerOnly.text()).toContain('The file has a header row but no rows to import.');
    const broken = await upload(ana, 'broken.csv', 'last_name,email\n"Open,a@example.com\n');
    expect(broken.status).toBe(422);
    expect(await broken.text()).toContain('near line 2');
    const after = Number(
      (
        await t.db
          .selectFrom('imports')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
    expect(after).toBe(before);
  });

  it('answers 403 to a standard user without create permission, and 404 on someone else’s import', async () => {
    const url = await uploadAndMap(contactsCsv);
    await seedStandardUser(t.db);
    const bob = browserClient(t.app);
    await bob.post('/admin/login', { email: bruno.email, password: bruno.password });
    // With create permission, Ana's import is still not Bruno's.
    expect((await bob.get('/admin/m/contacts/import')).status).toBe(200);
    expect((await bob.get(`${url}/report`)).status).toBe(404);
    expect((await bob.post(`${url}/start`, { skip: 'on' })).status).toBe(404);

    const standard = await t.db.selectFrom('profiles').select('id').where('api_name', '=', 'standard').executeTakeFirstOrThrow();
    const contacts = await t.db.selectFrom('modules').select('id').where('api_name', '=', 'contacts').executeTakeFirstOrThrow();
    await t.db
      .updateTable('profile_permissions')
      .set({ can_create: false })
      .where('profile_id', '=', standard.id)
      .where('module_id', '=', contacts.id)
      .execute();
    expect((await bob.get('/admin/m/contacts/import')).status).toBe(403);
    expect((await upload(bob, 'contacts.csv', contactsCsv)).status).toBe(403);
    expect((await bob.get(url)).status).toBe(403);
    const imp = await t.db
      .selectFrom('imports')
      .select('status')
      .where('id', '=', url.split('/').pop() ?? '')
      .executeTakeFirstOrThrow();
    expect(imp.status).toBe('uploaded');
  });
});
