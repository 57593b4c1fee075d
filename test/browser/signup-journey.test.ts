/// <reference lib="dom" />
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { DEMO_PORTAL_SLUG, seedDemoPortal } from '../../src/demo/portal.js';
import { DEMO_ADMIN, seedDemo } from '../../src/demo/seed.js';
import { collectConsoleErrors, expectAccessible, hasChromium, signedInStaffPage } from '../support/browser.js';
import { browserSuite } from '../support/browser-suite.js';
import type { TestServer } from '../support/server.js';

const PORTAL = `/p/${DEMO_PORTAL_SLUG}`;
let portalId = '';

const suite = browserSuite(async (server) => {
  expect(await seedDemo(server.db)).toEqual({ seeded: true });
  const admin = await server.db.selectFrom('staff_users').select('id').where('email', '=', DEMO_ADMIN.email).executeTakeFirstOrThrow();
  expect(await seedDemoPortal({ db: server.db, boss: server.boss, baseUrl: server.url }, admin.id)).toBe(true);
  portalId = (await server.db.selectFrom('portals').select('id').where('slug', '=', DEMO_PORTAL_SLUG).executeTakeFirstOrThrow()).id;
});

/** The latest email of a template to an address, as the outbox holds it. */
async function latestMail(server: TestServer, to: string, template: string) {
  const mails = await server.db
    .selectFrom('email_outbox')
    .selectAll()
    .where('to_address', '=', to)
    .where('template', '=', template)
    .orderBy('created_at')
    .execute();
  return mails.at(-1);
}

/** The page at phone width (390 px) scrolls only up and down; the viewport is put back afterwards. */
async function expectFitsPhone(page: Page) {
  const size = page.viewportSize();
  await page.setViewportSize({ width: 390, height: 844 });
  const sideways = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  if (size) await page.setViewportSize(size);
  expect(sideways, `sideways scrolling at 390 px on ${page.url()}`).toBe(false);
}

/** Fills the demo portal's sign-up form in Spanish and sends it. */
async function fillSignup(page: Page, who: { email: string; first: string; last: string }) {
  await page.goto(`${suite.server.url}${PORTAL}/signup`);
  await page.getByRole('heading', { level: 1, name: 'Registrarse en Porta Demo Portal' }).waitFor();
  await page.getByLabel('Correo electrónico').fill(who.email);
  await page.getByLabel('Nombre', { exact: true }).fill(who.first);
  await page.getByLabel('Apellidos').fill(who.last);
  await page.getByLabel('Teléfono').fill('+34 611 000 111');
  await page.getByRole('button', { name: 'Registrarse' }).click();
  await page.waitForLoadState('domcontentloaded');
}

/** Signs up and confirms with the code read from the outbox, typed or by the email's link; leaves the page on the outcome. */
async function signUpAndConfirm(page: Page, who: { email: string; first: string; last: string }, via: 'code' | 'link' = 'code') {
  await fillSignup(page, who);
  await page.getByRole('heading', { level: 1, name: 'Revise su correo' }).waitFor();
  expect(await page.getByRole('status').first().textContent()).toContain(`Hemos enviado un código a ${who.email}.`);
  await expectAccessible(page);
  await expectFitsPhone(page);
  const mail = await latestMail(suite.server, who.email, 'portal-signup');
  expect(mail?.language).toBe('es');
  const code = /Su código: (\d{6})/.exec(mail?.text ?? '')?.[1] ?? '';
  expect(code).toMatch(/^\d{6}$/);
  if (via === 'link') {
    // The link opens a page that changes nothing; its button confirms.
    const link = /https?:\/\/\S+\/signup\/confirm\/[0-9a-f-]{36}\/\d{6}/.exec(mail?.text ?? '')?.[0] ?? '';
    expect(link).toBeTruthy();
    await page.goto(link.replace(/^https?:\/\/[^/]+/, suite.server.url));
    await page.getByRole('heading', { level: 1, name: 'Confirme su dirección de correo' }).waitFor();
    await expectAccessible(page);
    await expectFitsPhone(page);
    const signup = await suite.server.db.selectFrom('portal_signups').select('status').where('email', '=', who.email).executeTakeFirstOrThrow();
    expect(signup.status).toBe('unconfirmed');
    await page.getByRole('button', { name: 'Confirmar mi dirección' }).click();
  } else {
    await page.getByLabel(/^Código/).fill(code);
    await page.getByRole('button', { name: 'Confirmar' }).click();
  }
  await page.waitForLoadState('domcontentloaded');
}

describe.skipIf(!hasChromium)('signing up to the demo portal, in Spanish', () => {
  it('confirms with the emailed code, waits for approval, is approved, sets a password and sees their own record', { timeout: 180_000 }, async () => {
    const { server, chrome } = suite;
    const context = await chrome.browser.newContext({ locale: 'es-ES' });
    const visitor = await context.newPage();
    const errors = collectConsoleErrors(visitor);
    const lucia = { email: 'lucia.perez@initech.example', first: 'Lucía', last: 'Pérez' };

    // From the sign-in page.
    await visitor.goto(`${server.url}${PORTAL}/login`);
    expect(await visitor.locator('html').getAttribute('lang')).toBe('es');
    await expectFitsPhone(visitor);
    await visitor.getByRole('link', { name: 'Registrarse' }).click();
    await visitor.waitForURL(`${server.url}${PORTAL}/signup`);
    await expectAccessible(visitor);
    await expectFitsPhone(visitor);

    await signUpAndConfirm(visitor, lucia);
    await visitor.getByRole('heading', { level: 1, name: 'Pendiente de aprobación' }).waitFor();
    await expectAccessible(visitor);
    await expectFitsPhone(visitor);

    // The administrator approves from the queue.
    const admin = await signedInStaffPage(chrome, server.url, DEMO_ADMIN, 'es-ES');
    const adminErrors = collectConsoleErrors(admin);
    await admin.goto(`${server.url}/admin/settings/portals/${portalId}/users`);
    await admin.getByRole('link', { name: 'Solicitudes de registro (1)' }).click();
    await admin.getByRole('heading', { level: 1, name: 'Solicitudes de registro en Porta Demo Portal' }).waitFor();
    const entry = admin.getByRole('article', { name: lucia.email });
    expect(await entry.textContent()).toContain('Pendiente de aprobación');
    expect(await entry.textContent()).toContain('+34 611 000 111');
    await expectAccessible(admin);
    await expectFitsPhone(admin);
    await entry.getByRole('button', { name: 'Aprobar' }).click();
    await admin.getByText('La solicitud está aprobada y la invitación, enviada.').waitFor();
    expect(await admin.getByText('No hay ninguna solicitud de registro pendiente.').count()).toBe(1);
    await expectAccessible(admin);
    // The settings and the summary's card, which name every address and domain.
    for (const page of ['signup', 'summary']) {
      await admin.goto(`${server.url}/admin/settings/portals/${portalId}/${page}`);
      await expectAccessible(admin);
      await expectFitsPhone(admin);
    }

    // The invitation: a password, the welcome page, then their own record.
    const invitation = await latestMail(server, lucia.email, 'portal-invitation');
    expect(invitation?.language).toBe('es');
    const link = /https?:\/\/\S+\/invite\/[a-z2-7]+/.exec(invitation?.text ?? '')?.[0] ?? '';
    expect(link).toBeTruthy();
    await visitor.goto(link.replace(/^https?:\/\/[^/]+/, server.url));
    await visitor.getByLabel(/^Nueva contraseña/).fill('Lucia-Portal-2027');
    await visitor.getByLabel(/^Repita la nueva contraseña/).fill('Lucia-Portal-2027');
    await visitor.getByRole('button', { name: 'Guardar la contraseña e iniciar sesión' }).click();
    await visitor.waitForURL(/\/welcome$/);
    await visitor.getByRole('button', { name: 'Guardar y continuar' }).click();
    await visitor.waitForURL(/\/m\/contacts$/);

    // Signing in again later, with the password set.
    const later = await (await chrome.browser.newContext({ locale: 'es-ES' })).newPage();
    await later.goto(`${server.url}${PORTAL}/login`);
    await later.locator('#email').fill(lucia.email);
    await later.locator('#password').fill('Lucia-Portal-2027');
    await later.getByRole('button', { name: 'Iniciar sesión' }).click();
    await later.waitForURL(`${server.url}${PORTAL}`);
    await later.goto(`${server.url}${PORTAL}/m/contacts`);
    expect(await later.locator('table.records tbody').textContent()).toContain('Lucía');
    await expectAccessible(later);
    const record = await server.db
      .selectFrom('portal_users as u')
      .innerJoin('records as r', 'r.id', 'u.record_id')
      .select(['r.owner_id', 'u.status'])
      .where('u.email', '=', lucia.email)
      .executeTakeFirstOrThrow();
    const adminId = (await server.db.selectFrom('staff_users').select('id').where('email', '=', DEMO_ADMIN.email).executeTakeFirstOrThrow()).id;
    expect(record).toEqual({ owner_id: adminId, status: 'active' });
    expect([...errors, ...adminErrors]).toEqual([]);
    await context.close();
  });

  it('refuses a company address with its reason, and puts a sign-up beyond the licence limit on the waiting list', { timeout: 120_000 }, async () => {
    const { server, chrome } = suite;
    const context = await chrome.browser.newContext({ locale: 'es-ES' });
    const visitor = await context.newPage();
    const errors = collectConsoleErrors(visitor);

    await fillSignup(visitor, { email: 'nuevo@demo.example', first: 'Nuevo', last: 'Interno' });
    expect(await visitor.locator('.field-error').first().textContent()).toContain('Esta dirección pertenece a la propia empresa');
    expect(await visitor.getByLabel('Correo electrónico').inputValue()).toBe('nuevo@demo.example');
    await expectAccessible(visitor);
    await expectFitsPhone(visitor);
    expect(await server.db.selectFrom('portal_signups').select('id').where('email', '=', 'nuevo@demo.example').execute()).toEqual([]);

    // No licence left in the customer type.
    const type = await server.db.selectFrom('portals').select('signup_user_type_id').where('id', '=', portalId).executeTakeFirstOrThrow();
    const used = await server.db
      .selectFrom('portal_users')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('user_type_id', '=', type.signup_user_type_id ?? '')
      .where('status', 'in', ['invited', 'active'])
      .executeTakeFirstOrThrow();
    await server.db
      .updateTable('portal_user_types')
      .set({ user_limit: Number(used.n) })
      .where('id', '=', type.signup_user_type_id ?? '')
      .execute();

    await signUpAndConfirm(visitor, { email: 'marco.ruiz@initech.example', first: 'Marco', last: 'Ruiz' }, 'link');
    await visitor.getByRole('heading', { level: 1, name: 'Está en la lista de espera' }).waitFor();
    await expectAccessible(visitor);
    await expectFitsPhone(visitor);
    const waiting = await latestMail(server, 'marco.ruiz@initech.example', 'portal-signup');
    expect(waiting?.subject).toBe('Está en la lista de espera de Porta Demo Portal');
    expect(errors).toEqual([]);
    await context.close();
  });
});
