/// <reference lib="dom" />
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { DEMO_PORTAL_PASSWORD, DEMO_PORTAL_SLUG, seedDemoPortal } from '../../src/demo/portal.js';
import { DEMO_ADMIN, seedDemo } from '../../src/demo/seed.js';
import { createFormatters } from '../../src/i18n/format.js';
import { expectAccessible, hasChromium, signedInStaffPage } from '../support/browser.js';
import { browserSuite } from '../support/browser-suite.js';

// The demo organization as staff and a customer see it on a desk and on a
// phone: tables that scroll in a focusable region, row actions on one line,
// a sign-in card sized to its form, quantities without needless decimals,
// each label said once and card values named.

const SHOTS = '/tmp/shots';
let portalId = '';
let quoteId = '';

const suite = browserSuite(async (server) => {
  expect(await seedDemo(server.db)).toEqual({ seeded: true });
  const admin = await server.db.selectFrom('staff_users').select('id').where('email', '=', DEMO_ADMIN.email).executeTakeFirstOrThrow();
  expect(await seedDemoPortal({ db: server.db, boss: server.boss, baseUrl: server.url }, admin.id)).toBe(true);
  portalId = (await server.db.selectFrom('portals').select('id').where('slug', '=', DEMO_PORTAL_SLUG).executeTakeFirstOrThrow()).id;
  quoteId = (
    await server.db
      .selectFrom('records')
      .select('id')
      .where(({ ref }) => ref('data', '->>').key('subject' as never), '=', 'Acme Q-1001')
      .executeTakeFirstOrThrow()
  ).id;
  mkdirSync(SHOTS, { recursive: true });
});

async function shot(page: Page, name: string) {
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

async function portalPage(width: number): Promise<Page> {
  const context = await suite.chrome.browser.newContext({ locale: 'en-US', viewport: { width, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${suite.server.url}/p/${DEMO_PORTAL_SLUG}/login`);
  await page.locator('#email').fill('alice@acme.example');
  await page.locator('#password').fill(DEMO_PORTAL_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => !u.pathname.includes('/login'));
  return page;
}

/** Elements of the page that scroll sideways but cannot take the keyboard focus, nor sit in a named region. */
function unreachableScrollers(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('main *')]
      .filter((el) => el.scrollWidth > el.clientWidth + 1 && ['auto', 'scroll'].includes(getComputedStyle(el).overflowX))
      .filter((el) => !(el.tabIndex >= 0 && (el.tagName === 'SECTION' || el.getAttribute('role') === 'region') && el.getAttribute('aria-label')))
      .map((el) => `${el.tagName.toLowerCase()}.${el.className}`),
  );
}

/** Rows of the Users table whose action buttons do not share one line. */
function wrappedRowActions(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('main tbody tr')]
      .map((tr) => {
        const tops = [...tr.querySelectorAll<HTMLElement>('td:last-child button')].map((b) => Math.round(b.getBoundingClientRect().top));
        return { name: tr.querySelector('th')?.textContent?.trim() ?? '?', lines: new Set(tops).size };
      })
      .filter((r) => r.lines > 1)
      .map((r) => `${r.name}: ${r.lines} lines`),
  );
}

/** Numbers shown with only zeros after the decimal separator, such as "10.00". */
const needlessZeros = (texts: string[]) => texts.filter((x) => /^\d[\d,]*\.0+$/.test(x.trim()));

/**
 * Labels shown twice: a visible field label (dt, label, legend) with the same
 * text as the visible heading (h2 or legend) of the section or fieldset it sits in.
 */
function doubledLabels(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const shown = (el: Element) => el.getBoundingClientRect().width > 1 && el.getBoundingClientRect().height > 1;
    const text = (el: Element) =>
      (el.textContent ?? '')
        .replace(/[\s*]+/g, ' ')
        .trim()
        .toLowerCase();
    const problems: string[] = [];
    for (const box of document.querySelectorAll('main section, main fieldset')) {
      const heading = [...box.children].find((c) => c.matches('h2, legend'));
      if (!heading || !shown(heading)) continue;
      for (const label of box.querySelectorAll('dt, label, legend')) {
        if (label !== heading && shown(label) && text(label) === text(heading)) problems.push(`${text(heading)} / ${text(label)}`);
      }
    }
    return problems;
  });
}

/** The cell texts of a table column, by its header. */
function column(page: Page, header: string): Promise<string[]> {
  return page.evaluate((name) => {
    const th = [...document.querySelectorAll('main table.subform th')].find((x) => x.textContent?.trim() === name);
    const table = th?.closest('table');
    if (!th || !table) return [];
    const index = [...(th.parentElement?.children ?? [])].indexOf(th);
    return [...table.querySelectorAll('tbody tr')].map((tr) => tr.children[index]?.textContent?.trim() ?? '');
  }, header);
}

describe.skipIf(!hasChromium)('polish of the admin and portal pages', () => {
  it('keeps wide admin tables in a focusable, named scroll region on a phone', { timeout: 60_000 }, async () => {
    const page = await signedInStaffPage(suite.chrome, suite.server.url, DEMO_ADMIN);
    await page.setViewportSize({ width: 390, height: 900 });
    await page.goto(`${suite.server.url}/admin/settings/portals/${portalId}/users`);
    await shot(page, 'polish-users-390');
    const region = page.getByRole('region', { name: 'Users of Porta Demo Portal' });
    expect(await region.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
    expect(await region.getAttribute('tabindex')).toBe('0');
    expect(await unreachableScrollers(page)).toEqual([]);
    await expectAccessible(page);
    await region.focus();
    expect(await page.evaluate(() => document.activeElement?.classList.contains('table-scroll'))).toBe(true);

    await page.goto(`${suite.server.url}/admin/settings/portals/${portalId}/invite`);
    await shot(page, 'polish-invite-390');
    expect(await unreachableScrollers(page)).toEqual([]);
    await expectAccessible(page);
  });

  it('catches a scrolling table that the keyboard cannot reach', { timeout: 30_000 }, async () => {
    const page = await signedInStaffPage(suite.chrome, suite.server.url, DEMO_ADMIN);
    await page.setViewportSize({ width: 390, height: 900 });
    await page.goto(`${suite.server.url}/admin/settings/portals/${portalId}/users`);
    await page.evaluate(() => document.querySelector('form .table-scroll')?.removeAttribute('tabindex'));
    expect(await unreachableScrollers(page)).toEqual(['section.table-wrap table-scroll']);
  });

  it('shows the actions of each portal user on one line at 1280 px', { timeout: 30_000 }, async () => {
    const page = await signedInStaffPage(suite.chrome, suite.server.url, DEMO_ADMIN);
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${suite.server.url}/admin/settings/portals/${portalId}/users`);
    await shot(page, 'polish-users-1280');
    const rows = await page.evaluate(() => [...document.querySelectorAll('main tbody tr td:last-child')].map((td) => td.querySelectorAll('button').length));
    expect(rows.some((n) => n >= 3)).toBe(true);
    expect(await wrappedRowActions(page)).toEqual([]);
    // On a desk the table fits: nothing to scroll to reach the last action.
    expect(await page.getByRole('region', { name: 'Users of Porta Demo Portal' }).evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
    // The same check catches actions that wrap.
    await page.evaluate(() => {
      for (const el of document.querySelectorAll<HTMLElement>('.row-actions')) Object.assign(el.style, { flexWrap: 'wrap', width: '6rem' });
    });
    expect((await wrappedRowActions(page)).length).toBeGreaterThan(0);
  });

  it('sizes the staff sign-in card to its form, centered', { timeout: 30_000 }, async () => {
    for (const width of [1280, 390]) {
      const page = await (await suite.chrome.browser.newContext({ locale: 'en-US', viewport: { width, height: 900 } })).newPage();
      await page.goto(`${suite.server.url}/admin/login`);
      await shot(page, `polish-login-${width}`);
      const card = (await page.locator('main.auth-card').boundingBox()) ?? { x: 0, y: 0, width: 0, height: 0 };
      const form = (await page.locator('main.auth-card form').boundingBox()) ?? { x: 0, y: 0, width: 0, height: 0 };
      expect(card.width).toBeLessThan(520);
      expect(card.x).toBeGreaterThan(0);
      expect(card.x + card.width).toBeLessThan(width);
      expect(Math.abs(card.x + card.width / 2 - width / 2)).toBeLessThan(2);
      // No empty space below the button: the card ends within its padding of the form.
      expect(card.y + card.height - (form.y + form.height)).toBeLessThan(60);
      await page.context().close();
    }
  });

  it('shows decimal quantities without needless zeros, currency with its cents', { timeout: 60_000 }, async () => {
    const fmt = createFormatters({ language: 'en', timeZone: 'UTC', timeFormat: '24h' });
    expect([fmt.decimal(10, 2), fmt.decimal(2.5, 2), fmt.decimal(1.125, 2)]).toEqual(['10', '2.5', '1.13']);
    expect(needlessZeros([fmt.number(10, 2)])).toEqual(['10.00']);

    const staff = await signedInStaffPage(suite.chrome, suite.server.url, DEMO_ADMIN);
    await staff.goto(`${suite.server.url}/admin/m/quotes/${quoteId}`);
    await shot(staff, 'polish-quote-1280');
    expect(await column(staff, 'Quantity')).toEqual(['10', '5']);
    expect(await column(staff, 'Unit price')).toEqual(['€99.00', '€29.00']);

    const portal = await portalPage(1280);
    await portal.goto(`${suite.server.url}/p/${DEMO_PORTAL_SLUG}/m/quotes/${quoteId}`);
    await shot(portal, 'polish-portal-quote-1280');
    expect(await column(portal, 'Quantity')).toEqual(['10', '5']);
    expect(needlessZeros(await column(portal, 'Quantity'))).toEqual([]);
  });

  it('says each label once on record pages and forms, and keeps it as the name', { timeout: 60_000 }, async () => {
    const staff = await signedInStaffPage(suite.chrome, suite.server.url, DEMO_ADMIN);
    for (const path of [`/admin/m/quotes/${quoteId}`, `/admin/m/quotes/${quoteId}/edit`]) {
      await staff.goto(`${suite.server.url}${path}`);
      expect(await doubledLabels(staff), path).toEqual([]);
      await expectAccessible(staff);
    }
    await shot(staff, 'polish-quote-edit-1280');
    expect(await staff.getByRole('group', { name: 'Line items' }).count()).toBe(2);
    expect(await staff.locator('legend.visually-hidden', { hasText: 'Line items' }).count()).toBe(1);

    const portal = await portalPage(390);
    await portal.goto(`${suite.server.url}/p/${DEMO_PORTAL_SLUG}/m/quotes/${quoteId}`);
    await shot(portal, 'polish-portal-quote-390');
    expect(await doubledLabels(portal)).toEqual([]);
    expect(await portal.locator('dt', { hasText: 'Line items' }).count()).toBe(1);
    await expectAccessible(portal);
    // The same check catches the label shown again.
    await portal.evaluate(() => {
      for (const el of document.querySelectorAll('dt.visually-hidden')) el.classList.remove('visually-hidden');
    });
    expect(await doubledLabels(portal)).toEqual(['line items / line items']);
  });

  it('names each value of a canvas card by its field', { timeout: 60_000 }, async () => {
    for (const width of [1280, 390]) {
      const portal = await portalPage(width);
      await portal.goto(`${suite.server.url}/p/${DEMO_PORTAL_SLUG}/m/deals`);
      await shot(portal, `polish-portal-deals-${width}`);
      const cards = await portal.evaluate(() =>
        [...document.querySelectorAll('.canvas .card')].map((card) =>
          [...card.querySelectorAll('dd')].map((dd) => {
            const dt = dd.previousElementSibling;
            return `${dt?.tagName === 'DT' ? dt.textContent?.trim() : '?'}=${dd.textContent?.trim() ? 'value' : ''}`;
          }),
        ),
      );
      expect(cards.length).toBeGreaterThan(0);
      for (const values of cards) expect(values).toEqual(['Amount=value', 'Closing date=value']);
      await expectAccessible(portal);
    }
  });
});
