import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme } from '../support/fixtures.js';
import { addPortalUser, carla, HELP, seedPortalWorld } from '../support/portal-world.js';

// Pages travel small: Brotli when the browser accepts it, gzip otherwise, and
// the preference pages with their time-zone choice under 10 KB compressed.

let t: TestApp;
let staff: BrowserClient;
let customer: BrowserClient;

beforeAll(async () => {
  t = await startTestApp();
  const w = await seedPortalWorld(t);
  await addPortalUser(t, w, { email: carla.email, recordId: w.records.carla, status: 'active', password: carla.password });
  staff = browserClient(t.app);
  expect((await staff.post('/admin/login', { email: acme.admin.email, password: acme.admin.password })).status).toBe(303);
  customer = browserClient(t.app);
  expect((await customer.post(`${HELP}/login`, { email: carla.email, password: carla.password })).status).toBe(303);
});
afterAll(() => t.close());

async function sizes(client: BrowserClient, path: string) {
  const plain = await client.get(path, { 'Accept-Encoding': 'identity' });
  expect(plain.status, path).toBe(200);
  expect(plain.headers.get('Content-Encoding')).toBeNull();
  const html = await plain.text();
  const br = await client.get(path, { 'Accept-Encoding': 'gzip, deflate, br' });
  expect(br.headers.get('Content-Encoding'), path).toBe('br');
  expect(br.headers.get('Vary') ?? '').toMatch(/Accept-Encoding/i);
  const brBytes = Buffer.from(await br.arrayBuffer());
  expect(Number(br.headers.get('Content-Length'))).toBe(brBytes.byteLength);
  const gz = await client.get(path, { 'Accept-Encoding': 'gzip' });
  expect(gz.headers.get('Content-Encoding'), path).toBe('gzip');
  const gzBytes = Buffer.from(await gz.arrayBuffer());
  // The same page whichever way it travels (the form token aside, which is per request).
  const sameShape = (s: string) => s.replace(/name="_csrf" value="[^"]*"/g, '');
  expect(sameShape(brotliDecompressSync(brBytes).toString())).toBe(sameShape(html));
  expect(sameShape(gunzipSync(gzBytes).toString())).toBe(sameShape(html));
  return { html, br: brBytes.byteLength, gzip: gzBytes.byteLength };
}

describe('compressed pages', () => {
  it('the staff profile, with its time-zone choice grouped by region, is under 10 KB compressed', async () => {
    const s = await sizes(staff, '/admin/profile');
    expect(s.html).toContain('<optgroup label="Europe">');
    expect(s.html).toMatch(/<option value="Europe\/Madrid"[^>]*>Madrid<\/option>/);
    expect(s.br).toBeLessThan(10 * 1024);
    expect(s.gzip).toBeLessThan(10 * 1024);
    expect(s.br).toBeLessThan(s.gzip);
    console.log(`/admin/profile: ${s.html.length} B, gzip ${s.gzip} B, br ${s.br} B`);
  });

  it('so is the customer’s own preferences page', async () => {
    const s = await sizes(customer, `${HELP}/profile`);
    expect(s.html).toContain('<optgroup label="America">');
    expect(s.br).toBeLessThan(10 * 1024);
    expect(s.gzip).toBeLessThan(10 * 1024);
    console.log(`${HELP}/profile: ${s.html.length} B, gzip ${s.gzip} B, br ${s.br} B`);
  });

  it('leaves small answers and files as they are', async () => {
    const health = await staff.get('/healthz', { 'Accept-Encoding': 'br' });
    expect(health.status).toBe(200);
    expect(health.headers.get('Content-Encoding')).toBeNull();
  });
});
