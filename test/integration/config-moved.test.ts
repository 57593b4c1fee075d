import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { movedTo } from '../../src/routes/admin/portals/moved.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme } from '../support/fixtures.js';
import { type PortalWorld, seedPortalWorld } from '../support/portal-world.js';

// Every page of the portal configurator lives under /admin/settings/portals.
// Its earlier addresses keep working: a GET moves for good to the same page,
// with its query string; a form posted there keeps its method.

let t: TestApp;
let w: PortalWorld;
let ana: BrowserClient;

beforeAll(async () => {
  t = await startTestApp();
  w = await seedPortalWorld(t);
  ana = browserClient(t.app);
  expect((await ana.post('/admin/login', { email: acme.admin.email, password: acme.admin.password })).status).toBe(303);
});
afterAll(() => t.close());

describe('earlier addresses of the configurator', () => {
  it('name the page each moved to', () => {
    const type = w.helpTypeId;
    expect(movedTo(`/admin/settings/portal-tabs/${type}`)).toBe(`/admin/settings/portals/types/${type}/tabs`);
    expect(movedTo(`/admin/settings/portal-fields/${type}/cases`)).toBe(`/admin/settings/portals/types/${type}/fields/cases`);
    expect(movedTo(`/admin/settings/portal-web-tabs/${type}/x/remove`)).toBe(`/admin/settings/portals/types/${type}/web-tabs/x/remove`);
    expect(movedTo(`/admin/settings/portal-dashboards/${type}`)).toBe(`/admin/settings/portals/types/${type}/dashboards`);
    expect(movedTo('/admin/settings/portal-cards/deals')).toBe('/admin/settings/portals/cards/deals');
    expect(movedTo('/admin/settings/portal-preview')).toBe('/admin/settings/portals/preview');
    expect(movedTo('/admin/settings/portal-explain/record/abc')).toBe('/admin/settings/portals/explain/record/abc');
    expect(movedTo('/admin/settings/portal-config/export')).toBe('/admin/settings/portals/transfer/export');
    expect(movedTo('/admin/settings/portals')).toBeUndefined();
  });

  it('answer an earlier address that named no page with the not-found page, in the reader’s language', async () => {
    const res = await ana.get('/admin/settings/portal-fields/only-one-part');
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('<h1>Page not found</h1>');
  });

  it('answer a GET with 301 to the same page, query string kept, and the page is there', async () => {
    for (const [old, now] of [
      [`/admin/settings/portal-tabs/${w.helpTypeId}?done=typeSaved`, `/admin/settings/portals/types/${w.helpTypeId}/tabs?done=typeSaved`],
      [`/admin/settings/portal-fields/${w.helpTypeId}/cases?layout=x`, `/admin/settings/portals/types/${w.helpTypeId}/fields/cases?layout=x`],
      ['/admin/settings/portal-cards', '/admin/settings/portals/cards'],
      ['/admin/settings/portal-preview', '/admin/settings/portals/preview'],
      ['/admin/settings/portal-config', '/admin/settings/portals/transfer'],
    ] as const) {
      const res = await ana.get(old);
      expect(res.status, old).toBe(301);
      expect(res.headers.get('Location'), old).toBe(now);
      const page = await ana.get(now.replace('?layout=x', ''));
      expect(page.status, now).toBe(200);
    }
  });

  it('keep a posted form’s method (308), and refuse it to whoever could not post it at its new address', async () => {
    const res = await ana.post(`/admin/settings/portal-tabs/${w.helpTypeId}`, {});
    expect(res.status).toBe(308);
    expect(res.headers.get('Location')).toBe(`/admin/settings/portals/types/${w.helpTypeId}/tabs`);
    const visitor = browserClient(t.app);
    const away = await visitor.get(`/admin/settings/portal-tabs/${w.helpTypeId}`);
    expect(away.status).toBe(303);
    expect(away.headers.get('Location')).toMatch(/^\/admin\/login/);
  });
});
