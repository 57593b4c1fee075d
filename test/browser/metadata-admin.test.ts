/// <reference lib="dom" />
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserHandle, collectConsoleErrors, expectAccessible, hasChromium, launchBrowser } from '../support/browser.js';
import { acme, seedAcme } from '../support/fixtures.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let chrome: BrowserHandle;

beforeAll(async () => {
  if (!hasChromium) return;
  server = await startTestServer();
  await seedAcme(server.db);
  chrome = await launchBrowser();
});
afterAll(async () => {
  await chrome?.close();
  await server?.close();
});

async function signedIn(locale: string): Promise<Page> {
  const context = await chrome.browser.newContext({ locale });
  const page = await context.newPage();
  await page.goto(`${server.url}/admin/login`);
  await page.locator('#email').fill(acme.admin.email);
  await page.locator('#password').fill(acme.admin.password);
  await page.locator('form[action="/admin/login"] button[type="submit"]').click();
  await page.waitForURL(`${server.url}/admin`);
  return page;
}

const heading = (page: Page) => page.locator('h1').textContent();

describe.skipIf(!hasChromium)('metadata in the settings, in a browser', () => {
  it('builds a module with fields and a two-section layout, then creates a record with it — in Spanish', async () => {
    const page = await signedIn('es-ES');
    const errors = collectConsoleErrors(page);

    await page.getByRole('navigation').getByRole('link', { name: 'Configuración' }).click();
    await expect.poll(() => heading(page)).toBe('Configuración');
    await expectAccessible(page);
    await page.getByRole('link', { name: 'Módulos y campos' }).click();
    await expect.poll(() => heading(page)).toBe('Módulos y campos');
    await expectAccessible(page);

    await page.getByRole('link', { name: 'Nuevo módulo personalizado' }).click();
    await expect.poll(() => heading(page)).toBe('Nuevo módulo personalizado');
    await expectAccessible(page);
    await page.locator('#singular-es').fill('Vehículo');
    await page.locator('#plural-es').fill('Vehículos');
    await page.getByRole('button', { name: 'Crear módulo' }).click();
    await page.waitForURL(`${server.url}/admin/settings/modules/vehiculos?done=moduleCreated`);
    expect(await page.getByRole('status').textContent()).toBe('El módulo se ha creado. Añada sus campos a continuación.');
    await expectAccessible(page);

    // A picklist: with htmx, choosing the type leaves only the value rows among the options.
    await page.getByRole('link', { name: 'Añadir un campo' }).click();
    await expect.poll(() => heading(page)).toBe('Nuevo campo en Vehículos');
    await expectAccessible(page);
    await page.locator('#label-es').fill('Color');
    await page.locator('#type').selectOption('picklist');
    await expect.poll(() => page.locator('#scale').count()).toBe(0);
    await page.locator('#values-0-es').fill('Rojo');
    await page.locator('#values-1-es').fill('Azul');
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Añadir campo' }).click();
    await page.waitForURL(/\/admin\/settings\/modules\/vehiculos\?done=fieldAdded$/);

    // A lookup left without its module is refused beside the select, in Spanish.
    await page.getByRole('link', { name: 'Añadir un campo' }).click();
    await page.locator('#type').selectOption('lookup');
    await expect.poll(() => page.locator('#scale').count()).toBe(0);
    await page.locator('#label-es').fill('Conductor');
    await page.getByRole('button', { name: 'Añadir campo' }).click();
    await expect.poll(() => page.locator('#target-error').textContent()).toBe('Elija el módulo al que apunta esta búsqueda.');
    await expectAccessible(page);
    await page.locator('#target').selectOption({ label: 'Contactos' });
    await page.getByRole('button', { name: 'Añadir campo' }).click();
    await page.waitForURL(/\?done=fieldAdded$/);

    for (const [type, label] of [
      ['text', 'Matrícula'],
      ['date', 'Fecha de compra'],
    ]) {
      await page.getByRole('link', { name: 'Añadir un campo' }).click();
      await page.locator('#type').selectOption(type as string);
      await page.locator('#label-es').fill(label as string);
      await page.getByRole('button', { name: 'Añadir campo' }).click();
      await page.waitForURL(/\?done=fieldAdded$/);
    }
    const fieldsTable = page.locator('table').first();
    for (const text of ['Color', 'Lista de selección', 'Búsqueda → Contactos', 'Matrícula', 'Fecha de compra'])
      expect(await fieldsTable.textContent()).toContain(text);
    await expectAccessible(page);

    // The layout: a "Compra" section first, with the purchase date then the colour.
    await page.getByRole('link', { name: 'Diseños' }).click();
    await expect.poll(() => heading(page)).toBe('Diseños de Vehículos');
    await expectAccessible(page);
    await page.getByRole('link', { name: 'Diseño estándar' }).click();
    await expect.poll(() => heading(page)).toBe('Diseño: Diseño estándar');
    await expectAccessible(page);
    await page.locator('#sections-1-label-es').fill('Compra');
    await page.locator('#sections-1-position').fill('5');
    await page.getByLabel('Sección de Fecha de compra').selectOption({ label: 'Nueva sección' });
    await page.getByLabel('Posición de Fecha de compra').fill('10');
    await page.getByLabel('Sección de Color').selectOption({ label: 'Nueva sección' });
    await page.getByLabel('Posición de Color').fill('20');
    await page.getByRole('button', { name: 'Guardar diseño' }).click();
    await page.waitForURL(/\?done=layoutSaved$/);
    expect(await page.getByRole('status').textContent()).toBe('El diseño se ha guardado.');
    await expectAccessible(page);

    // A record through the staff pages.
    await page.goto(`${server.url}/admin/settings/modules/vehiculos`);
    await page.getByRole('link', { name: 'Abrir registros' }).click();
    await expect.poll(() => heading(page)).toBe('Vehículos');
    await expectAccessible(page);
    await page.getByRole('link', { name: 'Crear Vehículo' }).click();
    await expect.poll(() => heading(page)).toBe('Crear Vehículo');
    await expectAccessible(page);
    const legends = await page.locator('form.record-form legend').allTextContents();
    expect(legends.slice(0, 2)).toEqual(['Compra', 'Resumen']);
    await page.locator('#f-name').fill('Furgoneta 1');
    await page.locator('#f-matricula').fill('1234-ABC');
    await page.locator('#f-color').selectOption({ label: 'Azul' });
    await page.locator('#f-fecha_de_compra').fill('2026-05-04');
    await page.locator('form.record-form button[type="submit"]').click();
    await page.waitForURL(/\/admin\/m\/vehiculos\/[0-9a-f-]{36}\?created=1$/);
    await expect.poll(() => heading(page)).toBe('Furgoneta 1');
    expect(await page.locator('.record-section h2').allTextContents()).toEqual(['Compra', 'Resumen']);
    const purchase = page.locator('.record-section').first();
    expect(await purchase.locator('dt').allTextContents()).toEqual(['Fecha de compra', 'Color']);
    expect(await purchase.locator('dd').nth(1).textContent()).toBe('Azul');
    expect(await page.locator('.record-section').nth(1).textContent()).toContain('1234-ABC');
    await expectAccessible(page);

    await page.getByRole('link', { name: '← Vehículos' }).click();
    await expect.poll(() => page.getByRole('link', { name: 'Furgoneta 1' }).count()).toBe(1);
    await expectAccessible(page);
    expect(errors.join('\n')).toBe('');
  });
});
