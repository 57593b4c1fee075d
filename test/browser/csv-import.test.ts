/// <reference lib="dom" />
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModuleMeta } from '../../src/crm/metadata.js';
import { createRecord } from '../../src/crm/records.js';
import { type BrowserHandle, collectConsoleErrors, expectAccessible, hasChromium, launchBrowser } from '../support/browser.js';
import { acme, seedAcme } from '../support/fixtures.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let chrome: BrowserHandle;
let adminId: string;

beforeAll(async () => {
  if (!hasChromium) return;
  server = await startTestServer({ worker: true });
  adminId = (await seedAcme(server.db)).admin.id;
  const accounts = await loadModuleMeta(server.db, 'accounts');
  if (accounts) await createRecord(server.db, { kind: 'staff', id: adminId }, accounts, { data: { name: 'Globex Ibérica' }, layoutId: null, ownerId: adminId });
  chrome = await launchBrowser();
});
afterAll(async () => {
  await chrome?.close();
  await server?.close();
});

async function signedIn(javaScriptEnabled = true): Promise<Page> {
  const context = await chrome.browser.newContext({ locale: 'en-US', javaScriptEnabled });
  const page = await context.newPage();
  await page.goto(`${server.url}/admin/login`);
  await page.locator('#email').fill(acme.admin.email);
  await page.locator('#password').fill(acme.admin.password);
  await page.locator('form[action="/admin/login"] button[type="submit"]').click();
  await page.waitForURL(`${server.url}/admin`);
  return page;
}

const csv = `First name;Last name;E-mail;Account;Notes
Lucía;Fernández;lucia@globex.example;Globex Ibérica;Met at the fair
Bad;Row;not-an-email;;
Émile;Zola;emile@globex.example;;
`;

describe.skipIf(!hasChromium)('CSV import in a browser', () => {
  it('uploads, maps, reports the bad row, imports the rest with a progress bar that reaches done', async () => {
    const page = await signedIn();
    const errors = collectConsoleErrors(page);
    await page.goto(`${server.url}/admin/m/contacts`);
    await page.getByRole('link', { name: 'Import from CSV' }).click();
    await page.waitForURL(`${server.url}/admin/m/contacts/import`);
    await expectAccessible(page);

    await page.locator('#import-file').setInputFiles({ name: 'contacts.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
    await page.getByRole('button', { name: 'Upload and match columns' }).click();
    await page.waitForURL(/\/admin\/m\/contacts\/import\/[0-9a-f-]{36}\/mapping$/);
    await expect.poll(() => page.locator('h2').first().textContent()).toBe('Match columns to fields');
    // The headers were recognised; the notes column is sent to the description by hand.
    expect(await page.getByLabel('Last name', { exact: true }).locator('option:checked').textContent()).toBe('Last name (required)');
    expect(await page.getByLabel('Account', { exact: true }).locator('option:checked').textContent()).toBe('Account');
    expect(await page.getByLabel('Notes', { exact: true }).locator('option:checked').textContent()).toBe('Do not import');
    await page.getByLabel('Notes', { exact: true }).selectOption({ label: 'Description' });
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Check the rows' }).click();

    await page.waitForURL(/\/report$/);
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('2 of 3 rows are ready to import; 1 has problems.');
    const problem = page.locator('.import-errors tbody tr');
    expect(await problem.count()).toBe(1);
    expect(await problem.locator('th, td').allTextContents()).toEqual(['3', 'Email', 'Enter a valid email address, such as name@example.com.']);
    await expectAccessible(page);

    await page.getByLabel('Skip the rows with problems and import the others').check();
    await page.getByRole('button', { name: 'Start import' }).click();
    await page.waitForURL(/\/admin\/m\/contacts\/import\/[0-9a-f-]{36}$/);
    await expect
      .poll(() => page.locator('#import-progress [role="status"]').textContent(), { timeout: 30_000 })
      .toBe('Import finished: 2 records were imported. 1 row with problems was skipped.');
    const bar = page.locator('#import-progress progress');
    expect(await bar.getAttribute('value')).toBe('3');
    expect(await bar.getAttribute('max')).toBe('3');
    expect(await page.locator('#import-progress').getAttribute('hx-trigger')).toBeNull();
    await expectAccessible(page);

    await page.getByRole('link', { name: 'See the Contacts' }).click();
    await page.waitForURL(`${server.url}/admin/m/contacts`);
    const list = page.locator('#record-list');
    await expect.poll(() => list.textContent()).toContain('Lucía Fernández');
    expect(await list.textContent()).toContain('Émile Zola');
    expect(await list.textContent()).not.toContain('Bad Row');
    await expectAccessible(page);
    expect(errors.join('\n')).toBe('');
  });

  it('follows a running import with htmx polling until it is done', async () => {
    const page = await signedIn();
    const contacts = await server.db.selectFrom('modules').select('id').where('api_name', '=', 'contacts').executeTakeFirstOrThrow();
    const imp = await server.db
      .insertInto('imports')
      .values({
        module_id: contacts.id,
        staff_id: adminId,
        filename: 'x.csv',
        content: Buffer.from('last_name\nA\n'),
        mapping: '{}',
        row_errors: '[]',
        status: 'running',
        total_rows: 4,
        processed_rows: 1,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const polled = page.waitForRequest((r) => r.url().endsWith(`/import/${imp.id}/progress`) && r.headers()['hx-request'] === 'true');
    await page.goto(`${server.url}/admin/m/contacts/import/${imp.id}`);
    expect(await page.locator('#import-progress progress').getAttribute('value')).toBe('1');
    await expectAccessible(page);
    await polled;
    await server.db.updateTable('imports').set({ processed_rows: 3 }).where('id', '=', imp.id).execute();
    await expect.poll(() => page.locator('#import-progress progress').getAttribute('value'), { timeout: 10_000 }).toBe('3');
    await server.db.updateTable('imports').set({ status: 'done', processed_rows: 4, imported_rows: 4 }).where('id', '=', imp.id).execute();
    await expect
      .poll(() => page.locator('#import-progress [role="status"]').textContent(), { timeout: 10_000 })
      .toBe('Import finished: 4 records were imported.');
    await expectAccessible(page);
  });

  it('without JavaScript, the progress page reloads itself until the import is done', async () => {
    const page = await signedIn(false);
    const contacts = await server.db.selectFrom('modules').select('id').where('api_name', '=', 'contacts').executeTakeFirstOrThrow();
    const imp = await server.db
      .insertInto('imports')
      .values({
        module_id: contacts.id,
        staff_id: adminId,
        filename: 'y.csv',
        content: Buffer.from('last_name\nA\n'),
        mapping: '{}',
        row_errors: '[]',
        status: 'running',
        total_rows: 2,
        processed_rows: 1,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await page.goto(`${server.url}/admin/m/contacts/import/${imp.id}`);
    expect(await page.locator('.import-counts').textContent()).toBe('1 of 2 rows processed.');
    await server.db.updateTable('imports').set({ status: 'done', processed_rows: 2, imported_rows: 2 }).where('id', '=', imp.id).execute();
    await expect.poll(() => page.locator('.import-counts').textContent(), { timeout: 10_000 }).toBe('2 of 2 rows processed.');
    expect(await page.locator('[role="status"]').first().textContent()).toBe('Import finished: 2 records were imported.');
  });
});
