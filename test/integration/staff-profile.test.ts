import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme, seedAcme } from '../support/fixtures.js';

let t: TestApp;
let ana: BrowserClient;

beforeAll(async () => {
  t = await startTestApp();
  await seedAcme(t.db);
  ana = browserClient(t.app);
  await ana.post('/admin/login', { email: acme.admin.email, password: acme.admin.password });
});
afterAll(() => t.close());

const homeTime = async () => /It is (.+?) in your time zone\./.exec(await (await ana.get('/admin', { 'Accept-Language': 'en' })).text())?.[1] ?? '';

describe('staff preferences', () => {
  it('shows times in the organization’s zone and 24-hour format by default', async () => {
    expect(await homeTime()).toMatch(/\b([01]\d|2[0-3]):[0-5]\d$/);
  });

  it('saves a time zone and the 12-hour format, and every page follows them', async () => {
    const res = await ana.post('/admin/profile', { language: '', timeZone: 'America/New_York', timeFormat: '12h' });
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toBe('/admin/profile?saved=1');
    const saved = await (await ana.get('/admin/profile?saved=1')).text();
    expect(saved).toContain('Your preferences are saved.');
    const row = await t.db.selectFrom('staff_users').select(['language', 'time_zone', 'time_format']).executeTakeFirstOrThrow();
    expect(row).toEqual({ language: null, time_zone: 'America/New_York', time_format: '12h' });
    expect(await homeTime()).toMatch(/\d{1,2}:[0-5]\d\s?(AM|PM)$/);
  });

  it('refuses an unknown zone with a message beside the field and changes nothing', async () => {
    const res = await ana.post('/admin/profile', { language: 'es', timeZone: 'Mars/Olympus', timeFormat: '24h' });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toMatch(/id="timeZone-error"[^>]*>Choose one of the options\./);
    const row = await t.db.selectFrom('staff_users').select(['language', 'time_zone', 'time_format']).executeTakeFirstOrThrow();
    expect(row).toEqual({ language: null, time_zone: 'America/New_York', time_format: '12h' });
  });

  it('saves a language that then wins over the browser’s', async () => {
    await ana.post('/admin/profile', { language: 'fr', timeZone: '', timeFormat: '' });
    const html = await (await ana.get('/admin', { 'Accept-Language': 'es' })).text();
    expect(html).toContain('<html lang="fr">');
    expect(html).toContain('Accueil');
  });
});
