/// <reference lib="dom" />
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { securityHeaders } from '../../src/http/middleware/security-headers.js';
import { hasChromium, signedInStaffPage } from '../support/browser.js';
import { browserSuite } from '../support/browser-suite.js';
import { acme } from '../support/fixtures.js';
import { seedStoredXss, type World } from '../support/stored-xss-world.js';
import { ALL_PAYLOADS, PAYLOADS as P, pageProblems, visitForXss, watchForXss, xssProblems } from '../support/xss.js';

// The checker the stored-markup tests rely on can fail: a page that draws the
// payloads as markup — a tiny app of its own, and a page of Porta whose
// escaping is undone on the way to the browser — is caught, with or without
// the strict CSP, while the same markup drawn as text reports nothing.

const w = {} as World;
const suite = browserSuite((server) => seedStoredXss(server, w));

describe.skipIf(!hasChromium)('the stored-markup checker catches markup that is drawn as markup', () => {
  it('the checker catches a page that draws the payloads as markup, with or without the CSP', async () => {
    // A tiny app of its own (not Porta) that puts the payloads into its HTML unescaped.
    const fixture = new Hono();
    const unescaped = (extra = '') =>
      `<!DOCTYPE html><html><head><title>${P[4]}</title></head><body>${P.map((p) => `<p>${p}</p><div title="${p}">x</div>`).join('')}<a href="${P[3]}">go</a>${extra}</body></html>`;
    fixture.get('/plain', (c) => c.html(unescaped()));
    fixture.get('/alert', (c) => c.html(unescaped('<script>alert("xss")</script>')));
    fixture.get('/csp', securityHeaders(false), (c) => c.html(unescaped()));
    const server = serve({ fetch: fixture.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((resolve) => server.once('listening', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const context = await suite.chrome.browser.newContext();
    try {
      const page = await context.newPage();
      const watch = await watchForXss(page);

      const plain = await visitForXss(page, watch, `${origin}/plain`, P);
      expect(plain).toContain('/plain: window.__xss was set to 1');
      expect(plain.some((p) => p.startsWith('/plain: injected event handler <img'))).toBe(true);
      expect(plain.some((p) => p.startsWith('/plain: injected event handler <svg'))).toBe(true);
      expect(plain.some((p) => p.startsWith('/plain: injected htmx request'))).toBe(true);
      expect(plain.some((p) => p.startsWith('/plain: injected script address <a'))).toBe(true);
      expect(plain).toContain(`/plain: not shown as text: ${JSON.stringify(P[0])}`);

      const alerted = await visitForXss(page, watch, `${origin}/alert`);
      expect(alerted).toContain('/alert: dialog opened: alert: xss');

      // Under Porta's own policy nothing runs, yet the checker still sees the violation and the markup.
      await page.goto(`${origin}/csp`);
      await expect.poll(async () => (await xssProblems(page, watch)).some((p) => p.startsWith('CSP violation')), { timeout: 10_000 }).toBe(true);
      const csp = await pageProblems(page, watch, P);
      expect(csp.some((p) => p.startsWith('/csp: window.__xss'))).toBe(false);
      expect(csp.some((p) => p.startsWith('/csp: injected event handler <img'))).toBe(true);
      expect(csp).toContain(`/csp: not shown as text: ${JSON.stringify(P[1])}`);

      // The same checker on the same markup drawn as text by a page that escapes it: nothing to report.
      const escaped = await context.newPage();
      const escapedWatch = await watchForXss(escaped);
      await escaped.setContent(`<!DOCTYPE html><html><body><pre id="x"></pre></body></html>`);
      await escaped.evaluate((text) => {
        (document.getElementById('x') as HTMLElement).textContent = text;
      }, ALL_PAYLOADS);
      expect(await pageProblems(escaped, escapedWatch, P)).toEqual([]);
    } finally {
      await context.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('the checker catches a page of Porta itself, under its own CSP, once its escaping is undone on the way', async () => {
    const { server, chrome } = suite;
    const page = await signedInStaffPage(chrome, server.url, acme.admin);
    const watch = await watchForXss(page);
    // The third record: its url carries the htmx payload inside an attribute.
    const address = `${server.url}/admin/m/${w.custom.module.api_name}/${w.records[2]}`;
    await page.route(address, async (route) => {
      const response = await route.fetch();
      const body = (await response.text()).replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&quot;', '"').replaceAll('&#39;', "'");
      const headers = Object.fromEntries(Object.entries(response.headers()).filter(([name]) => !['content-encoding', 'content-length'].includes(name)));
      expect(headers['content-security-policy']).toContain("script-src 'self'");
      await route.fulfill({ response, headers, body });
    });
    await page.goto(address);
    await expect.poll(async () => (await xssProblems(page, watch)).some((p) => p.startsWith('CSP violation')), { timeout: 10_000 }).toBe(true);
    const problems = await pageProblems(page, watch, [P[2], ALL_PAYLOADS]);
    expect(problems.some((p) => p.includes('window.__xss was set'))).toBe(false);
    expect(problems.some((p) => p.includes('injected event handler <img'))).toBe(true);
    expect(problems.some((p) => p.includes('injected htmx request'))).toBe(true);
    expect(problems.some((p) => p.includes(`not shown as text: ${JSON.stringify(ALL_PAYLOADS)}`))).toBe(true);
    await page.context().close();
  });
});
