/// <reference lib="dom" />
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { THROTTLE } from '../../src/auth/throttle.js';
import { DEMO_ADMIN, seedDemo } from '../../src/demo/seed.js';
import { type BrowserHandle, collectConsoleErrors, expectAccessible, hasChromium, launchBrowser } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let chrome: BrowserHandle;

beforeAll(async () => {
  if (!hasChromium) return;
  server = await startTestServer();
  await seedDemo(server.db);
  chrome = await launchBrowser();
});
// A test that switches language saves it as the admin's preference; each test starts from none.
beforeEach(async () => {
  if (hasChromium) await server.db.updateTable('staff_users').set({ language: null }).execute();
});
afterAll(async () => {
  await chrome?.close();
  await server?.close();
});

async function newPage(locale = 'en-US', javaScriptEnabled = true): Promise<Page> {
  const context = await chrome.browser.newContext({ locale, javaScriptEnabled });
  return context.newPage();
}

async function signIn(page: Page, password: string = DEMO_ADMIN.password) {
  await page.goto(`${server.url}/admin/login`);
  await page.getByLabel(/^(Email|Correo electrónico|E-mail|Adresse e-mail)/).fill(DEMO_ADMIN.email);
  await page.locator('#password').fill(password);
  await page.locator('form[action="/admin/login"] button[type="submit"]').click();
}

describe.skipIf(!hasChromium)('the demo admin in a browser', () => {
  it('signs in, then switches the language to es, fr and pt-BR and sees the page chrome translated', async () => {
    const page = await newPage();
    const consoleErrors = collectConsoleErrors(page);
    await signIn(page);
    await page.waitForURL(`${server.url}/admin`);
    await expect.poll(() => page.locator('h1').textContent()).toBe(`Welcome, ${DEMO_ADMIN.name}`);
    await expectAccessible(page);

    const expected = {
      es: { html: 'es', nav: 'Inicio', outbox: 'Bandeja de salida', logout: 'Cerrar sesión' },
      fr: { html: 'fr', nav: 'Accueil', outbox: "Boîte d'envoi", logout: 'Se déconnecter' },
      'pt-BR': { html: 'pt-BR', nav: 'Início', outbox: 'Caixa de saída', logout: 'Sair' },
    } as const;
    for (const [lang, words] of Object.entries(expected)) {
      await page.locator('#lang-select').selectOption(lang);
      await page.locator('form.lang-switcher button[type="submit"]').click();
      await page.waitForFunction((l) => document.documentElement.lang === l, words.html);
      const nav = page.getByRole('navigation');
      await expect.poll(() => nav.locator('a[href="/admin"]').textContent()).toBe(words.nav);
      expect(await nav.locator('a[href="/admin/outbox"]').textContent()).toBe(words.outbox);
      expect(await page.locator('.account button').textContent()).toBe(words.logout);
      await expectAccessible(page);
    }
    // The outbox page in Portuguese as well.
    await page.getByRole('link', { name: 'Caixa de saída' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Caixa de saída');
    await expectAccessible(page);
    expect(consoleErrors.join('\n')).toBe('');
  });

  it('shows the refusal after a wrong password, then the throttle after repeated ones', async () => {
    await server.db.deleteFrom('login_attempts').execute();
    const page = await newPage();
    await signIn(page, 'wrong-password-1');
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('The email or the password is not correct.');
    await expectAccessible(page);
    for (let i = 1; i < THROTTLE.accountFailures; i++) await signIn(page, `wrong-password-${i + 1}`);
    // Even the right password is refused now.
    await signIn(page);
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('Too many failed sign-in attempts for this account. Try again in 15 minutes.');
    expect(page.url()).toBe(`${server.url}/admin/login`);
    await expectAccessible(page);
    await server.db.deleteFrom('login_attempts').execute();
  });

  it('shows the refusal in the visitor’s own language', async () => {
    const page = await newPage('es-ES');
    await signIn(page, 'otra-clave-mala');
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('El correo electrónico o la contraseña no son correctos.');
    await server.db.deleteFrom('login_attempts').execute();
  });

  it('navigates with htmx: the outbox link is fetched as a boosted request and the address bar follows', async () => {
    const page = await newPage();
    const consoleErrors = collectConsoleErrors(page);
    await signIn(page);
    await page.waitForURL(`${server.url}/admin`);
    const boosted = page.waitForRequest((r) => r.url() === `${server.url}/admin/outbox` && r.headers()['hx-boosted'] === 'true');
    await page.getByRole('navigation').getByRole('link', { name: 'Outbox' }).click();
    await boosted;
    await expect.poll(() => page.locator('h1').textContent()).toBe('Outbox');
    await page.waitForURL(`${server.url}/admin/outbox`);
    expect(await page.locator('nav a[aria-current="page"]').textContent()).toBe('Outbox');
    expect(consoleErrors.join('\n')).toBe('');
  });

  it('works without JavaScript: sign in, navigate, switch language, sign out', async () => {
    const page = await newPage('en-US', false);
    await signIn(page);
    await page.waitForURL(`${server.url}/admin`);
    await page.getByRole('link', { name: 'Outbox' }).click();
    await page.waitForURL(`${server.url}/admin/outbox`);
    await page.locator('#lang-select').selectOption('es');
    await page.locator('form.lang-switcher button[type="submit"]').click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Bandeja de salida');
    await page.getByRole('button', { name: 'Cerrar sesión' }).click();
    await page.waitForURL(`${server.url}/admin/login?signedOut=1`);
    expect(await page.getByRole('status').textContent()).toBe('Ha cerrado la sesión.');
  });
});
