/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPortal } from '../../src/portals/portals.js';
import { type BrowserHandle, collectConsoleErrors, expectAccessible, hasChromium, launchBrowser, signedInStaffPage } from '../support/browser.js';
import { acme, seedAcme } from '../support/fixtures.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let chrome: BrowserHandle;

beforeAll(async () => {
  if (!hasChromium) return;
  server = await startTestServer();
  const { admin } = await seedAcme(server.db);
  // A Brazilian organization: the default user type is named in its language.
  await server.db.updateTable('org').set({ default_language: 'pt-BR', country: 'BR', time_zone: 'America/Sao_Paulo' }).execute();
  const clientes = await createPortal(server.db, { kind: 'staff', id: admin.id }, { name: 'Clientes' });
  expect(clientes.ok).toBe(true);
  chrome = await launchBrowser();
});
afterAll(async () => {
  await chrome?.close();
  await server?.close();
});

describe.skipIf(!hasChromium)('the portal configurator in Portuguese', () => {
  it('creates a portal after seeing a taken address refused while typing, then adds a second user type', async () => {
    const page = await signedInStaffPage(chrome, server.url, acme.admin, 'pt-BR');
    const errors = collectConsoleErrors(page);

    await page.goto(`${server.url}/admin/settings/portals`);
    await expectAccessible(page);
    expect(await page.locator('main').textContent()).toContain('/p/clientes');
    await page.getByRole('link', { name: 'Novo portal' }).click();
    await page.waitForURL(`${server.url}/admin/settings/portals/new`);
    await expectAccessible(page);

    await page.getByLabel('Nome do portal').fill('Parceiros');
    const slug = page.getByLabel('Endereço (depois de /p/)');
    await slug.pressSequentially('clientes');
    const status = page.locator('#slug-status');
    await status.filter({ hasText: 'Este endereço já está em uso por um portal. Tente “clientes-2”.' }).waitFor();
    await expectAccessible(page);

    await slug.fill('parceiros');
    await status.filter({ hasText: 'Este endereço está disponível.' }).waitFor();
    await page.getByRole('button', { name: 'Criar portal' }).click();
    await page.waitForURL(/\/admin\/settings\/portals\/[0-9a-f-]{36}\?done=created$/);
    await expectAccessible(page);
    expect(await page.locator('main').textContent()).toContain('Portal criado com seu tipo de usuário padrão.');
    expect(await page.getByRole('row', { name: /Portal do cliente/ }).count()).toBe(1);

    await page.locator('#typeName').fill('Fornecedores parceiros');
    await page.locator('#baseModule').selectOption({ label: 'Fornecedores' });
    await page.getByRole('button', { name: 'Adicionar tipo de usuário' }).click();
    await page.waitForURL(/\/types\/[0-9a-f-]{36}\?done=typeAdded$/);
    await expectAccessible(page);
    expect(await page.locator('h1').textContent()).toBe('Fornecedores parceiros');

    const portal = await server.db.selectFrom('portals').selectAll().where('slug', '=', 'parceiros').executeTakeFirstOrThrow();
    expect(portal.name).toBe('Parceiros');
    const types = await server.db
      .selectFrom('portal_user_types')
      .select(['name', 'is_default'])
      .where('portal_id', '=', portal.id)
      .orderBy('position')
      .execute();
    expect(types).toEqual([
      { name: 'Portal do cliente', is_default: true },
      { name: 'Fornecedores parceiros', is_default: false },
    ]);
    expect(errors).toEqual([]);
  });
});
