/// <reference lib="dom" />
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { collectConsoleErrors, expectAccessible, hasChromium, signedInStaffPage } from '../support/browser.js';
import { browserSuite } from '../support/browser-suite.js';
import { acme } from '../support/fixtures.js';
import { addPortalUser, carla, seedPortalWorld } from '../support/portal-world.js';

// Explain access by name in Chromium: the suggestions come as one types
// (htmx), one is picked with the keyboard, and the explanation follows.

const BASE = '/admin/settings/portals/explain';

const suite = browserSuite(async (server) => {
  const w = await seedPortalWorld(server);
  await addPortalUser(server, w, { email: carla.email, recordId: w.records.carla, status: 'active' });
  await addPortalUser(server, w, { email: 'dora@initech.example', recordId: w.records.dora, status: 'active' });
});

/** Presses Tab until the focus is on a link inside `region` (at most `max` presses), and answers that link's text. */
async function tabInto(page: Page, region: string, max = 5): Promise<string> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const text = await page.evaluate((sel: string) => {
      const el = document.activeElement;
      return el?.tagName === 'A' && el.closest(sel) ? (el.textContent ?? '') : undefined;
    }, region);
    if (text !== undefined) return text;
  }
  throw new Error(`no link in ${region} within ${max} presses of Tab`);
}

async function accessibleAtBothWidths(page: Page) {
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await expectAccessible(page);
  }
}

describe.skipIf(!hasChromium)('explain access by name', () => {
  it('suggests users and records as one types, and the keyboard picks them up to the explanation', async () => {
    const page = await signedInStaffPage(suite.chrome, suite.server.url, acme.admin);
    const errors = collectConsoleErrors(page);
    await page.goto(`${suite.server.url}${BASE}`);
    await accessibleAtBothWidths(page);

    await page.getByLabel("Portal user's name or email").pressSequentially('carl');
    const userMatches = page.locator('#user-matches');
    await userMatches.getByRole('link', { name: 'Carla Núñez <carla@globex.example>' }).waitFor();
    // The suggestions came without leaving the page.
    expect(page.url()).toBe(`${suite.server.url}${BASE}`);
    expect(await userMatches.getByRole('link').count()).toBe(1);
    await accessibleAtBothWidths(page);
    expect(await tabInto(page, '#user-matches')).toBe('Carla Núñez <carla@globex.example>');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\?q=carl&user=[0-9a-f-]{36}$/);

    await page.getByLabel("Record's name").pressSequentially('jam');
    const recordMatches = page.locator('#record-matches');
    await recordMatches.getByRole('link', { name: 'Printer jam' }).waitFor();
    expect(await recordMatches.getByRole('link').count()).toBe(1);
    await accessibleAtBothWidths(page);
    expect(await tabInto(page, '#record-matches')).toBe('Printer jam');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\?user=[0-9a-f-]{36}&record=[0-9a-f-]{36}$/);
    expect(await page.locator('#verdict').textContent()).toBe('Carla Núñez can see «Printer jam»');
    await accessibleAtBothWidths(page);
    expect(errors).toEqual([]);
  });

  it('the accessibility check catches an unlabelled search box', async () => {
    const page = await signedInStaffPage(suite.chrome, suite.server.url, acme.admin);
    await page.goto(`${suite.server.url}${BASE}`);
    await page.evaluate(() => document.querySelector('label[for="q"]')?.remove());
    await expect(expectAccessible(page)).rejects.toThrow(/^axe on /);
  });
});
