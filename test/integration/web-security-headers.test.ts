import { Hono } from 'hono';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createImport } from '../../src/crm/import.js';
import { loadModuleMeta, type ModuleMeta } from '../../src/crm/metadata.js';
import { createRecord } from '../../src/crm/records.js';
import { issueInvitation } from '../../src/invitations/tokens.js';
import { savePortalSettings } from '../../src/portals/portal-settings.js';
import { addWebTab } from '../../src/portals/web-tabs.js';
import { storeExport } from '../../src/privacy/export-store.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme, seedStandardUser } from '../support/fixtures.js';
import { localeText } from '../support/locale-strings.js';
import { decodeEntities } from '../support/portal-crawl.js';
import { addPortalUser, carla, HELP, type PortalWorld, seedPortalWorld } from '../support/portal-world.js';
import { downloadProblems, fingerprint, getPaths, ORIGIN, type RouteValues, resetLink, securityHeaderProblems, signedIn } from '../support/web-security.js';

// Every answer the app gives — pages, fragments, redirects, refusals, the
// error page, assets, downloads and exports — carries the security headers;
// every address it answers to a GET answers HEAD the same way, and never
// takes a PUT, DELETE or PATCH for a write. The routes come from the app
// itself, so a new one cannot be left out.

let t: TestApp;
let w: PortalWorld;
let values: RouteValues;
let ana: BrowserClient;
let carlaClient: BrowserClient;
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);

beforeAll(async () => {
  t = await startTestApp();
  w = await seedPortalWorld(t);
  const carlaUser = await addPortalUser(t, w, { email: carla.email, recordId: w.records.carla, status: 'active', password: carla.password });
  const doraUser = await addPortalUser(t, w, { email: 'dora@initech.example', recordId: w.records.dora, status: 'invited' });
  const { token: invitationToken } = await issueInvitation(t.db, doraUser, w.adminId);
  const brunoId = (await seedStandardUser(t.db)).id;
  const resetToken = await resetLink(t.db, carlaUser);
  const mail = await t.db
    .insertInto('email_outbox')
    .values({ to_address: carla.email, to_name: 'Carla', subject: 'Your case', html: '<p>Hello</p>', text: 'Hello', language: 'en', template: 'case-reply' })
    .returning('id')
    .executeTakeFirstOrThrow();
  await t.db.updateTable('org').set({ gdpr_enabled: true }).execute();
  const leads = (await loadModuleMeta(t.db, 'leads')) as ModuleMeta;
  const lead = await createRecord(t.db, w.staff, leads, {
    data: { last_name: 'Lopez', company: 'Lopez SL' },
    layoutId: leads.defaultLayout?.id ?? null,
    ownerId: w.adminId,
  });
  expect((await addWebTab(t.db, w.staff, w.helpTypeId, { name: 'Status', url: 'https://status.acme.example' })).ok).toBe(true);
  expect((await savePortalSettings(t.db, w.staff, w.helpId, { logo: { name: 'logo.png', bytes: PNG } }, t.config.baseUrl)).ok).toBe(true);
  const request = await t.db
    .insertInto('privacy_requests')
    .values({
      record_id: w.records.carla,
      kind: 'export',
      requested_by_kind: 'portal',
      requested_by_id: carlaUser,
      portal_user_id: carlaUser,
      language: 'en',
      due_at: new Date(Date.now() + 30 * 86_400_000),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await storeExport(t.db, request.id);
  const imported = await createImport(t.db, w.adminId, w.cases, { filename: 'cases.csv', content: Buffer.from('subject\nToner\n') });
  if (!imported.ok) throw new Error('import not stored');
  const batch = await t.db
    .insertInto('invitation_batches')
    .values({ portal_id: w.helpId, user_type_id: w.helpTypeId, created_by: w.adminId, dry_run: true, total: 1 })
    .returning('id')
    .executeTakeFirstOrThrow();
  const helpRow = await t.db.selectFrom('portals').select('logo_hash').where('id', '=', w.helpId).executeTakeFirstOrThrow();
  const subject = w.cases.fields.find((f) => f.api_name === 'subject');
  values = {
    slug: 'acme-help',
    module: 'cases',
    record: w.records.carlaCase1,
    lead: lead.id,
    field: 'contact',
    fieldId: subject?.id ?? '',
    layout: w.cases.defaultLayout?.id ?? '',
    portal: w.helpId,
    type: w.helpTypeId,
    sample: w.records.carla,
    portalUser: carlaUser,
    tab: (await t.db.selectFrom('web_tabs').select('id').executeTakeFirstOrThrow()).id,
    attachment: w.carlaFile,
    logo: `logo-${helpRow.logo_hash}`,
    outbox: mail.id,
    profile: (await t.db.selectFrom('profiles').select('id').where('api_name', '=', 'standard').executeTakeFirstOrThrow()).id,
    staffUser: brunoId,
    privacyRequest: request.id,
    importId: imported.id,
    batch: batch.id,
    invitationToken,
    resetToken,
    staticAsset: t.deps.assets.url('css/app.css'),
  };
  ana = await signedIn(browserClient(t.app), '/admin/login', acme.admin);
  carlaClient = await signedIn(browserClient(t.app), `${HELP}/login`, carla);
});
afterAll(() => t.close());

type Answer = { who: string; method: string; path: string; status: number; problems: string[]; res: Response };

/** Asks for every path as the given visitor and checks each answer's headers. */
async function walk(who: string, client: BrowserClient, paths: string[], method = 'GET'): Promise<Answer[]> {
  const out: Answer[] = [];
  for (const path of paths) {
    const res = await client.request(path, { method });
    out.push({ who, method, path, status: res.status, problems: securityHeaderProblems(res), res });
  }
  return out;
}

const failures = (answers: Answer[]) =>
  answers.filter((a) => a.problems.length > 0).map((a) => `${a.who} ${a.method} ${a.path} ${a.status}: ${a.problems.join(', ')}`);

let walked: Answer[] = [];

describe('the security headers', () => {
  it('are on every answer to every GET route, for an administrator, a portal user and a visitor', async () => {
    const paths = getPaths(t.app, values).map((p) => p.path);
    expect(paths.length).toBeGreaterThan(110);
    walked = [...(await walk('ana', ana, paths)), ...(await walk('carla', carlaClient, paths)), ...(await walk('visitor', browserClient(t.app), paths))];
    expect(failures(walked)).toEqual([]);
    expect(walked.filter((a) => a.status >= 500).map((a) => `${a.who} ${a.path} ${a.status}`)).toEqual([]);
    // The walk reached real pages, redirects, refusals and files, not only sign-in pages.
    const statuses = new Set(walked.map((a) => a.status));
    for (const s of [200, 303, 404]) expect(statuses).toContain(s);
    expect(walked.filter((a) => a.who === 'ana' && a.status === 200).length).toBeGreaterThan(80);
    expect(walked.filter((a) => a.who === 'carla' && a.path.startsWith(HELP) && a.status === 200).length).toBeGreaterThan(12);
    const types = new Set(walked.filter((a) => a.status === 200).map((a) => a.res.headers.get('Content-Type')?.split(';')[0]));
    for (const type of ['text/html', 'text/css', 'application/octet-stream', 'application/json', 'text/csv', 'image/png']) expect(types).toContain(type);
  });

  it('are on downloads, which are never rendered as pages', async () => {
    const downloads = walked.filter((a) => a.status === 200 && /attachment/.test(a.res.headers.get('Content-Disposition') ?? ''));
    expect(downloads.map((a) => `${a.who} ${a.path}`)).toEqual(
      expect.arrayContaining([
        `ana /admin/m/cases/${values.record}/attachments/${values.attachment}`,
        `carla ${HELP}/m/cases/${values.record}/files/${values.attachment}`,
        `ana /admin/privacy/requests/${values.privacyRequest}/archive`,
        `ana /admin/settings/portals/transfer/export`,
        `ana /admin/settings/portals/${values.portal}/invite/batches/${values.batch}/outcomes.csv`,
      ]),
    );
    const files = downloads.filter((a) => a.res.headers.get('Content-Type') === 'application/octet-stream');
    expect(files.length).toBeGreaterThanOrEqual(3);
    expect(files.flatMap((a) => downloadProblems(a.res).map((p) => `${a.path}: ${p}`))).toEqual([]);
  });

  it('are on answers no route gives: not found, bad input, another site’s POST, too large, signed out, fragments, assets', async () => {
    const visitor = browserClient(t.app);
    const es = { 'Accept-Language': 'es' };
    const answers = [
      ['not found', await visitor.get('/nowhere', es), 404],
      ['not found in a portal', await carlaClient.get(`${HELP}/nowhere`, es), 404],
      ['unknown portal', await visitor.get('/p/no-such-portal/login', es), 404],
      ['control character', await ana.get('/admin/m/cases?q=%00', es), 400],
      ['another site', await t.app.request(`${ORIGIN}/admin/login`, { method: 'POST', headers: { Origin: 'https://evil.example', ...es } }), 403],
      ['too large', await visitor.post('/admin/login', { email: 'x'.repeat(1_100_000), password: 'y' }, es), 413],
      ['signed out write', await visitor.post(`${HELP}/m/cases/${values.record}/notes`, { body: 'hi' }, es), 401],
      ['form errors', await visitor.post('/admin/login', { email: '', password: '' }, es), 422],
      ['fragment', await ana.get('/admin/m/cases', { 'HX-Request': 'true' }), 200],
      ['asset', await visitor.get(values.staticAsset), 200],
      ['asset not modified', await visitor.get(values.staticAsset, { 'If-None-Match': `"${t.deps.assets.lookup('css/app.css')?.asset.hash}"` }), 304],
      ['missing asset', await visitor.get('/static/nothing.js'), 404],
      ['health', await visitor.get('/healthz'), 200],
      ['logo', await visitor.get(`${HELP}/brand/${values.logo}`), 200],
    ] as const;
    expect(answers.map(([name, res]) => [name, res.status])).toEqual(answers.map(([name, , status]) => [name, status]));
    expect(answers.flatMap(([name, res]) => securityHeaderProblems(res).map((p) => `${name}: ${p}`))).toEqual([]);
    // The refusals speak the visitor's language.
    const text = async (name: string) => decodeEntities(await (answers.find(([n]) => n === name)?.[1] ?? new Response('')).text());
    expect(await text('not found')).toContain(localeText('es', 'errors:notFound.title'));
    expect(await text('control character')).toContain(localeText('es', 'errors:badInput.title'));
    expect(await text('another site')).toContain(localeText('es', 'errors:csrf'));
    expect(await text('too large')).toContain(localeText('es', 'errors:tooLarge.title'));
  });

  it('are on the error page shown when the system fails, which speaks the visitor’s language', async () => {
    await sql`alter table staff_users rename to staff_users_away`.execute(t.db);
    try {
      const res = await browserClient(t.app).get('/admin/login', { 'Accept-Language': 'es' });
      expect(res.status).toBe(500);
      expect(securityHeaderProblems(res)).toEqual([]);
      expect(await res.text()).toContain(localeText('es', 'errors:server.title'));
    } finally {
      await sql`alter table staff_users_away rename to staff_users`.execute(t.db);
    }
    expect((await browserClient(t.app).get('/admin/login')).status).toBe(200);
  });

  it('would be reported when missing or weak (the checker can fail)', async () => {
    const res = (headers: Record<string, string>) => new Response('x', { headers });
    const good = {
      'Content-Security-Policy': "default-src 'self'; script-src 'self'; frame-ancestors 'none'",
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'same-origin',
    };
    expect(securityHeaderProblems(res(good))).toEqual([]);
    expect(securityHeaderProblems(res({}))).toEqual([
      'no Content-Security-Policy',
      'no X-Content-Type-Options: nosniff',
      'no frame-ancestors or X-Frame-Options',
      'no Referrer-Policy',
    ]);
    expect(securityHeaderProblems(res({ ...good, 'Content-Security-Policy': "script-src 'self' 'unsafe-inline'; frame-ancestors 'none'" }))).toEqual([
      "script-src allows 'unsafe-inline'",
    ]);
    expect(securityHeaderProblems(res({ ...good, 'Content-Security-Policy': "default-src 'unsafe-inline' 'self'" }))).toEqual([
      "default-src allows 'unsafe-inline'",
      'no frame-ancestors or X-Frame-Options',
    ]);
    expect(securityHeaderProblems(res({ ...good, 'Referrer-Policy': 'unsafe-url' }))).toEqual(['Referrer-Policy unsafe-url']);
    // The product's own rules, loosened, are caught by the same checker.
    const careless = new Hono();
    careless.get('/', (c) => c.html('<script>alert(1)</script>'));
    expect(securityHeaderProblems(await careless.request('/'))).toHaveLength(4);
  });
});

const byVisitor = (who: string) => walked.filter((a) => a.who === who);

/** A browser signed in on both sides: the staff guard and the portal guard let its requests through to the routes. */
function bothSides(): BrowserClient {
  const both = browserClient(t.app);
  for (const [name, value] of [...ana.cookies, ...carlaClient.cookies]) both.cookies.set(name, value);
  return both;
}

describe('other methods on the addresses that answer GET', () => {
  it('HEAD answers like GET, without a body', async () => {
    const clients: Record<string, BrowserClient> = { ana, carla: carlaClient, visitor: browserClient(t.app) };
    const mismatched: string[] = [];
    for (const [who, client] of Object.entries(clients)) {
      expect(byVisitor(who).length, `${who} walked every GET route first`).toBeGreaterThan(110);
      for (const get of byVisitor(who)) {
        const head = await client.request(get.path, { method: 'HEAD' });
        const body = await head.text();
        const problems = securityHeaderProblems(head);
        if ((head.status !== get.status && head.status !== 405) || body !== '' || problems.length > 0)
          mismatched.push(`${who} HEAD ${get.path}: ${head.status} (GET ${get.status}), ${body.length} bytes ${problems.join(', ')}`);
      }
    }
    expect(mismatched).toEqual([]);
  });

  it('PUT, DELETE and PATCH are not found or not allowed, never a server error, and change nothing', async () => {
    const paths = byVisitor('ana').map((a) => a.path);
    expect(paths.length, 'every GET route walked first').toBeGreaterThan(110);
    const before = await fingerprint(t.db);
    const signedInBoth: Answer[] = [];
    const visitor: Answer[] = [];
    for (const method of ['PUT', 'DELETE', 'PATCH']) {
      signedInBoth.push(...(await walk('both', bothSides(), paths, method)));
      visitor.push(...(await walk('visitor', browserClient(t.app), paths, method)));
    }
    // The preview is read-only as a whole: it refuses every write before any route is looked for.
    const preview = (a: Answer) => a.path.startsWith('/admin/settings/portals/preview/') && a.status === 403;
    const listed = (answers: Answer[], allowed: number[]) =>
      answers.filter((a) => !allowed.includes(a.status) && !preview(a)).map((a) => `${a.who} ${a.method} ${a.path} ${a.status}`);
    expect(listed(signedInBoth, [404, 405])).toEqual([]);
    // Signed out, the sign-in guards may refuse first.
    expect(listed(visitor, [401, 404, 405])).toEqual([]);
    expect(failures([...signedInBoth, ...visitor])).toEqual([]);
    expect(await fingerprint(t.db)).toEqual(before);
    // Still signed in: none of them ended a session.
    expect((await ana.get('/admin')).status).toBe(200);
    expect((await carlaClient.get(`${HELP}/m/cases`)).status).toBe(200);
  });

  it('would report a route that takes another method or writes on it (the checks can fail)', async () => {
    const careless = new Hono();
    careless.on(['GET', 'PUT'], '/admin/thing', (c) => c.text('ok'));
    careless.get('/admin/other', (c) => c.text('ok'));
    careless.delete('/admin/other', async (c) => {
      await t.db.updateTable('web_tabs').set({ name: 'Changed' }).execute();
      return c.text('deleted');
    });
    const before = await fingerprint(t.db, ['web_tabs']);
    const put = await careless.request('/admin/thing', { method: 'PUT' });
    const del = await careless.request('/admin/other', { method: 'DELETE' });
    expect([put.status, del.status].filter((s) => s !== 404 && s !== 405)).toEqual([200, 200]);
    expect(await fingerprint(t.db, ['web_tabs'])).not.toEqual(before);
  });
});
