import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme, seedAcme } from '../support/fixtures.js';
import { decodeEntities } from '../support/portal-crawl.js';

let t: TestApp;
let ana: BrowserClient;
let carePortal = '';
let helpPortal = '';

const PORTALS = '/admin/settings/portals';
const BASE = 'http://porta.test';
const idFrom = (location: string | null) => /\/([0-9a-f-]{36})(\?|$)/.exec(location ?? '')?.[1] ?? '';

const tags = (html: string, name: string) =>
  [...html.matchAll(new RegExp(`<${name}\\b([^>]*)>`, 'g'))].map((m) => {
    const attrs = new Map<string, string>();
    for (const a of (m[1] ?? '').matchAll(/([^\s=/>"']+)(?:="([^"]*)")?/g)) attrs.set(a[1] ?? '', decodeEntities(a[2] ?? ''));
    return { attrs, at: m.index };
  });

/**
 * What is wrong with how a page shows one portal address: it must be a link
 * with the full URL as its text that opens in a new tab with a hint, and a
 * labelled read-only field holding it; the copy button is left to the script.
 */
function addressProblems(html: string, url: string): string[] {
  const problems: string[] = [];
  const links = [...html.matchAll(/<a\b([^>]*)>([\s\S]*?)<\/a>/g)].filter((m) => decodeEntities(m[1] ?? '').includes(`href="${url}"`));
  const link = links[0];
  if (!link) problems.push(`no link to ${url}`);
  else {
    const [attrs = '', text = ''] = [link[1], link[2]];
    if (!attrs.includes('target="_blank"') || !/rel="[^"]*noopener/.test(attrs)) problems.push('the link does not open a new tab safely');
    if (!decodeEntities(text).startsWith(url)) problems.push('the link text is not the full address');
    if (!/<span class="visually-hidden">[^<]+<\/span>/.test(text)) problems.push('the link has no hint that it opens a new tab');
  }
  const field = tags(html, 'input').find((i) => i.attrs.get('value') === url);
  if (!field) problems.push(`no field holding ${url}`);
  else {
    if (!field.attrs.has('readonly')) problems.push('the field is not read-only');
    if (field.attrs.get('type') !== 'text') problems.push('the field is not a text field');
    const id = field.attrs.get('id');
    if (!id || !tags(html, 'label').some((l) => l.attrs.get('for') === id)) problems.push('the field has no label');
  }
  if (/<button\b[^>]*>\s*Copy address/.test(html)) problems.push('a copy button is drawn without JavaScript');
  if (!/<script type="module" src="\/static\/js\/portal-address\.[0-9a-f]{10}\.js"><\/script>/.test(html)) problems.push('the copy script is not referenced');
  return problems;
}

beforeAll(async () => {
  t = await startTestApp();
  await seedAcme(t.db);
  ana = browserClient(t.app);
  await ana.post('/admin/login', { email: acme.admin.email, password: acme.admin.password });
  carePortal = idFrom((await ana.post(PORTALS, { name: 'Acme Care', slug: 'acme-care' })).headers.get('Location'));
  helpPortal = idFrom((await ana.post(PORTALS, { name: 'Acme Help', slug: 'acme-help' })).headers.get('Location'));
  expect((await ana.post(`${PORTALS}/${helpPortal}`, { domain: 'support.acme.test' })).status).toBe(303);
});
afterAll(() => t.close());

describe('portal addresses in the configurator', () => {
  it('the checker catches an address shown only as a path', () => {
    const before = '<p>Address: <code>/p/acme-care</code></p>';
    expect(addressProblems(before, `${BASE}/p/acme-care`)).toEqual([
      `no link to ${BASE}/p/acme-care`,
      `no field holding ${BASE}/p/acme-care`,
      'the copy script is not referenced',
    ]);
    const noHint = `<a href="${BASE}/p/x" target="_blank">${BASE}/p/x</a><input type="text" value="${BASE}/p/x"><button>Copy address</button>`;
    expect(addressProblems(noHint, `${BASE}/p/x`)).toEqual([
      'the link does not open a new tab safely',
      'the link has no hint that it opens a new tab',
      'the field is not read-only',
      'the field has no label',
      'a copy button is drawn without JavaScript',
      'the copy script is not referenced',
    ]);
  });

  it('the list shows every portal by its full address, the own host name when it has one', async () => {
    const html = await (await ana.get(PORTALS)).text();
    expect(addressProblems(html, `${BASE}/p/acme-care`)).toEqual([]);
    expect(addressProblems(html, 'http://support.acme.test/p/acme-help')).toEqual([]);
    expect(html).not.toContain(`"${BASE}/p/acme-help"`);
    const ids = tags(html, 'input').map((i) => i.attrs.get('id'));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('the portal page shows the full address, and the domain section the one under BASE_URL', async () => {
    const care = await (await ana.get(`${PORTALS}/${carePortal}`)).text();
    expect(addressProblems(care, `${BASE}/p/acme-care`)).toEqual([]);
    const help = await (await ana.get(`${PORTALS}/${helpPortal}`)).text();
    expect(addressProblems(help, 'http://support.acme.test/p/acme-help')).toEqual([]);
    expect(help).toContain(`Besides ${BASE}/p/acme-help, the portal can answer`);
  });

  it('the finish step shows the full address, in the reader’s language', async () => {
    const html = await (await ana.get(`${PORTALS}/${helpPortal}/summary`, { 'Accept-Language': 'fr' })).text();
    expect(addressProblems(html, 'http://support.acme.test/p/acme-help')).toEqual([]);
    expect(html).toContain('<label for="portal-address">Adresse à copier</label>');
    expect(html).toContain('data-copy-label="Copier l’adresse"');
  });

  it('an earlier address is listed in full after the address changes', async () => {
    expect((await ana.post(`${PORTALS}/${carePortal}`, { slug: 'acme-cuidados' })).status).toBe(303);
    const page = await (await ana.get(`${PORTALS}/${carePortal}`)).text();
    expect(addressProblems(page, `${BASE}/p/acme-cuidados`)).toEqual([]);
    expect(page).toContain(`<code>${BASE}/p/acme-care</code>`);
    const summary = await (await ana.get(`${PORTALS}/${carePortal}/summary`)).text();
    expect(summary).toContain(`${BASE}/p/acme-care</p>`);
  });

  it('serves the copy script from static/ as JavaScript', async () => {
    const html = await (await ana.get(PORTALS)).text();
    const src = /src="(\/static\/js\/portal-address\.[0-9a-f]{10}\.js)"/.exec(html)?.[1] ?? '';
    const res = await ana.get(src);
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toContain('text/javascript');
    expect(await res.text()).toContain('navigator.clipboard.writeText');
  });
});
