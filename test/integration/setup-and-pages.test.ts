import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../../src/auth/passwords.js';
import { browserClient, startTestApp, type TestApp } from '../support/app.js';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const setupForm = {
  orgName: 'Bodega Sur',
  emailDomains: 'bodegasur.example, @Staff.Bodegasur.example',
  defaultLanguage: 'es',
  timeZone: 'America/Argentina/Buenos_Aires',
  timeFormat: '24h',
  country: 'AR',
  adminName: 'Lucía Gómez',
  adminEmail: 'Lucia@Bodegasur.example',
  password: 'Vendimia-2026!',
  passwordConfirm: 'Vendimia-2026!',
};

describe('first-run setup', () => {
  it('sends every page to /setup while no staff user exists', async () => {
    const client = browserClient(t.app);
    expect((await client.get('/')).headers.get('Location')).toBe('/setup');
    expect((await client.get('/admin/login')).headers.get('Location')).toBe('/setup');
    const setup = await client.get('/setup', { 'Accept-Language': 'es-AR,es;q=0.9' });
    expect(setup.status).toBe(200);
    const html = await setup.text();
    expect(html).toContain('<html lang="es">');
    expect(html).toContain('Configurar Porta');
    expect(html).toContain('<option value="AR" selected="">');
  });

  it('shows each problem next to its field, in the visitor’s language, and creates nothing', async () => {
    const client = browserClient(t.app);
    const res = await client.post(
      '/setup',
      { ...setupForm, adminEmail: 'not-an-email', passwordConfirm: 'other', emailDomains: 'bad domain!' },
      { 'Accept-Language': 'fr' },
    );
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toMatch(/id="adminEmail-error"[^>]*>[^<]*adresse e-mail valide/);
    expect(html).toContain('id="emailDomains-error"');
    expect(html).toContain('aria-invalid="true"');
    // Entered values are kept, passwords are not echoed back.
    expect(html).toContain('value="Bodega Sur"');
    expect(html).not.toContain('Vendimia-2026!');
    expect(await t.db.selectFrom('staff_users').select('id').execute()).toHaveLength(0);
    expect(await t.db.selectFrom('org').select('id').execute()).toHaveLength(0);
  });

  it('creates the organization and its administrator, signs them in and writes the welcome email', async () => {
    const client = browserClient(t.app);
    const res = await client.post('/setup', setupForm);
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toBe('/admin');
    const org = await t.db.selectFrom('org').selectAll().executeTakeFirstOrThrow();
    expect(org).toMatchObject({ name: 'Bodega Sur', default_language: 'es', time_zone: 'America/Buenos_Aires', time_format: '24h', country: 'AR' });
    expect(org.email_domains).toEqual(['bodegasur.example', 'staff.bodegasur.example']);
    const admin = await t.db.selectFrom('staff_users').selectAll().executeTakeFirstOrThrow();
    expect(admin).toMatchObject({ email: 'lucia@bodegasur.example', name: 'Lucía Gómez', language: 'es' });
    expect((await t.db.selectFrom('profiles').select('api_name').where('id', '=', admin.profile_id).executeTakeFirstOrThrow()).api_name).toBe('administrator');
    expect(admin.password_hash).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(admin.password_hash, setupForm.password)).toBe(true);
    const home = await client.get('/admin');
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('Lucía Gómez');
    const mail = await t.db.selectFrom('email_outbox').selectAll().executeTakeFirstOrThrow();
    expect(mail).toMatchObject({ to_address: 'lucia@bodegasur.example', language: 'es', template: 'welcome-staff' });
    expect(mail.subject).toContain('Bodega Sur');
  });

  it('is refused once a staff user exists, and never runs again', async () => {
    const client = browserClient(t.app);
    const page = await client.get('/setup');
    expect(page.status).toBe(303);
    expect(page.headers.get('Location')).toBe('/admin/login');
    const again = await client.post('/setup', { ...setupForm, orgName: 'Hijacked', adminEmail: 'mallory@evil.example' });
    expect(again.status).toBe(403);
    expect(await t.db.selectFrom('staff_users').select('email').execute()).toEqual([{ email: 'lucia@bodegasur.example' }]);
    expect((await t.db.selectFrom('org').select('name').executeTakeFirstOrThrow()).name).toBe('Bodega Sur');
  });
});

describe('every page', () => {
  it('carries the strict Content-Security-Policy and the other security headers', async () => {
    const client = browserClient(t.app);
    await client.post('/admin/login', { email: setupForm.adminEmail, password: setupForm.password });
    const mail = await t.db.selectFrom('email_outbox').select('id').executeTakeFirstOrThrow();
    const css = t.deps.assets.url('css/app.css');
    const pages: [string, number][] = [
      ['/', 303],
      ['/setup', 303],
      ['/admin/login', 303],
      ['/admin', 200],
      ['/admin/outbox', 200],
      [`/admin/outbox/${mail.id}`, 200],
      ['/admin/no-such-page', 404],
      ['/healthz', 200],
      [css, 200],
    ];
    for (const [path, status] of pages) {
      const res = await client.get(path);
      expect(res.status, path).toBe(status);
      const csp = res.headers.get('Content-Security-Policy') ?? '';
      expect(csp, path).toContain("default-src 'self'");
      expect(csp, path).toContain("script-src 'self'");
      expect(csp, path).not.toContain('unsafe-inline');
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(res.headers.get('X-Content-Type-Options'), path).toBe('nosniff');
      expect(res.headers.get('X-Frame-Options'), path).toBe('DENY');
    }
    // Anonymous pages too.
    for (const path of ['/admin/login', '/no-such-page']) {
      const res = await browserClient(t.app).get(path);
      expect(res.headers.get('Content-Security-Policy'), path).toContain("script-src 'self'");
    }
  });

  it('renders HTML with no inline script or style', async () => {
    const html = await (await browserClient(t.app).get('/admin/login')).text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\sstyle=/);
    expect(html).not.toMatch(/\son[a-z]+=/);
  });

  it('serves hashed static files for a year and answers a stale hash with 404', async () => {
    const url = t.deps.assets.url('vendor/htmx.min.js');
    expect(url).toMatch(/^\/static\/vendor\/htmx\.min\.[0-9a-f]{10}\.js$/);
    const res = await browserClient(t.app).get(url, { 'Accept-Encoding': 'gzip' });
    expect(res.status).toBe(200);
    expect(res.headers.get('Cache-Control')).toBe('public, max-age=31536000, immutable');
    expect(res.headers.get('Content-Encoding')).toBe('gzip');
    expect(res.headers.get('Content-Type')).toContain('text/javascript');
    expect((await browserClient(t.app).get('/static/vendor/htmx.min.0000000000.js')).status).toBe(404);
  });

  it('answers /healthz from the database', async () => {
    const res = await browserClient(t.app).get('/healthz');
    expect(await res.json()).toEqual({ status: 'ok', database: true });
  });

  it('answers an htmx request with the fragment alone and a full page otherwise', async () => {
    const client = browserClient(t.app);
    await client.post('/admin/login', { email: setupForm.adminEmail, password: setupForm.password });
    const full = await (await client.get('/admin/outbox')).text();
    expect(full.startsWith('<!DOCTYPE html>')).toBe(true);
    const res = await client.get('/admin/outbox', { 'HX-Request': 'true' });
    expect(res.headers.get('Vary')).toContain('HX-Request');
    const fragment = await res.text();
    expect(fragment.startsWith('<section>')).toBe(true);
    expect(fragment).not.toContain('<html');
    const boosted = await (await client.get('/admin/outbox', { 'HX-Request': 'true', 'HX-Boosted': 'true' })).text();
    expect(boosted.startsWith('<!DOCTYPE html>')).toBe(true);
  });
});

describe('language', () => {
  it('follows Accept-Language, then the switcher cookie, then the user preference', async () => {
    const anon = browserClient(t.app);
    expect(await (await anon.get('/admin/login', { 'Accept-Language': 'pt-BR' })).text()).toContain('<html lang="pt-BR">');
    const switched = await anon.post('/lang', { lang: 'fr', back: '/admin/login' });
    expect(switched.status).toBe(303);
    expect(switched.headers.get('Location')).toBe('/admin/login');
    expect(await (await anon.get('/admin/login', { 'Accept-Language': 'pt-BR' })).text()).toContain('<html lang="fr">');

    // The administrator's own preference (es, set at setup) wins over the cookie once signed in.
    await anon.post('/admin/login', { email: setupForm.adminEmail, password: setupForm.password });
    const home = await (await anon.get('/admin')).text();
    expect(home).toContain('<html lang="es">');
    // Switching while signed in updates the preference.
    await anon.post('/lang', { lang: 'pt-BR', back: '/admin' });
    expect(await (await anon.get('/admin')).text()).toContain('<html lang="pt-BR">');
    const admin = await t.db.selectFrom('staff_users').select('language').executeTakeFirstOrThrow();
    expect(admin.language).toBe('pt-BR');
  });

  it('falls back to the organization default when nothing else says', async () => {
    const res = await browserClient(t.app).get('/admin/login');
    expect(await res.text()).toContain('<html lang="es">');
  });

  it('refuses an unknown language and an off-site redirect', async () => {
    const client = browserClient(t.app);
    expect((await client.post('/lang', { lang: 'xx', back: '/' })).status).toBe(422);
    const res = await client.post('/lang', { lang: 'en', back: '//evil.example/' });
    expect(res.headers.get('Location')).toBe('/');
  });
});

describe('request limits and client addresses', () => {
  it('refuses an oversized form with 413 and a message', async () => {
    const res = await browserClient(t.app).post('/admin/login', { email: 'x@example.com', password: 'p'.repeat(1_100_000) }, { 'Accept-Language': 'en' });
    expect(res.status).toBe(413);
    expect(await res.text()).toContain('larger than Porta accepts');
  });
});
