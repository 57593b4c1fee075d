/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserHandle, collectConsoleErrors, expectAccessible, hasChromium, launchBrowser } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let chrome: BrowserHandle;

beforeAll(async () => {
  if (!hasChromium) return;
  server = await startTestServer();
  chrome = await launchBrowser();
});
afterAll(async () => {
  await chrome?.close();
  await server?.close();
});

describe.skipIf(!hasChromium)('first-run setup in a browser', () => {
  it('guides a Portuguese-speaking admin through setup, with a message beside the wrong field', async () => {
    const context = await chrome.browser.newContext({ locale: 'pt-BR' });
    const page = await context.newPage();
    const consoleErrors = collectConsoleErrors(page);
    await page.goto(server.url);
    await page.waitForURL(`${server.url}/setup`);
    expect(await page.locator('h1').textContent()).toBe('Configurar o Porta');
    expect(await page.locator('#country').inputValue()).toBe('BR');
    await expectAccessible(page);

    await page.getByLabel('Nome da organização').fill('Padaria Central');
    await page.locator('#timeZone').selectOption('America/Sao_Paulo');
    await page.getByLabel('Nome completo').fill('Joana Silva');
    await page.locator('#adminEmail').fill('joana@padaria.example');
    await page.locator('#password').fill('Pao-de-queijo-9');
    await page.getByLabel('Repita a senha').fill('Pao-de-queijo-8');
    await page.getByRole('button', { name: 'Criar organização' }).click();

    await expect.poll(() => page.locator('#passwordConfirm-error').textContent()).toBe('As duas senhas não coincidem.');
    expect(await page.locator('#passwordConfirm').getAttribute('aria-describedby')).toBe('passwordConfirm-error');
    expect(await page.getByLabel('Nome da organização').inputValue()).toBe('Padaria Central');
    await expectAccessible(page);

    await page.locator('#password').fill('Pao-de-queijo-9');
    await page.getByLabel('Repita a senha').fill('Pao-de-queijo-9');
    await page.getByRole('button', { name: 'Criar organização' }).click();
    await page.waitForURL(`${server.url}/admin`);
    expect(await page.locator('h1').textContent()).toBe('Boas-vindas, Joana Silva');
    expect(await page.locator('.brand').first().textContent()).toBe('Padaria Central');
    await expectAccessible(page);
    expect(consoleErrors.join('\n')).toBe('');

    // Setup is gone for good.
    await page.goto(`${server.url}/setup`);
    await page.waitForURL(`${server.url}/admin`);
  });
});
