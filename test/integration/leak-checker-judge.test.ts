import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ADMIN } from '../../src/demo/seed.js';
import { type BrowserClient, browserClient, type TestApp } from '../support/app.js';
import { changedTables, fingerprint } from '../support/fingerprint.js';
import { bruno as standardStaff } from '../support/fixtures.js';
import { allowances, allowedNow, judge, known, SEED, setupLeakChecker, signIn, signInAll, t, w } from '../support/leak-checker.js';
import { leaksIn } from '../support/leak-oracle.js';
import { type LeakUser, PORTAL_PASSWORD } from '../support/leak-world.js';
import { crawlPortal, htmlForms, submitForm } from '../support/portal-crawl.js';

// The leak checker, over the same world as leak-checker.test.ts (three
// portals over one organization's data, a marker in every text a record
// holds): writes to public modules, the staff preview and explain pages
// asked by portal sessions and by staff without the permission, and the
// judge itself, shown to report what ACCESS.md's reference
// (test/unit/access-reference.ts) does not allow and to catch a
// deliberately unscoped read.

beforeAll(async () => {
  await setupLeakChecker();
  // No walk happens here: each user's allowances are those before any walk.
  for (const user of w.users) allowances.set(user.id, [await allowedNow(user)]);
}, 120_000);
afterAll(() => t.close());

describe(`the leak checker (LEAK_SEED=${SEED})`, () => {
  it('refuses every write to a public module', async () => {
    const clients = await signInAll(w.users);
    const fp = await fingerprint(t.db);
    const problems: string[] = [];
    const solution = (
      await t.db
        .selectFrom('records')
        .innerJoin('modules', 'modules.id', 'records.module_id')
        .select('records.id')
        .where('modules.api_name', '=', 'solutions')
        .executeTakeFirstOrThrow()
    ).id;
    for (const user of w.users.filter((u) => u.slug !== 'franchise')) {
      const client = clients.get(user.id) as BrowserClient;
      const base = `/p/${user.slug}/m/solutions`;
      for (const path of [
        base,
        `${base}/${solution}/edit`,
        `${base}/${solution}/delete`,
        `${base}/${solution}/notes`,
        `${base}/${solution}/attachments`,
        `${base}/${solution}/clone`,
      ]) {
        const res = await client.post(path, { title: 'zq00000000', body: 'zq00000000', answer: 'x' });
        await res.text();
        if (res.status < 400 || res.status >= 500) problems.push(`${user.label}: POST ${path} → ${res.status}`);
      }
    }
    expect(problems).toEqual([]);
    expect(changedTables(fp, await fingerprint(t.db))).toEqual([]);
  });

  it('keeps the staff preview and explain pages from portal sessions and from staff without the permission', async () => {
    const routes = t.app.routes.filter((r) => r.method === 'GET' && /^\/admin\/settings\/portals\/(preview|explain)\//.test(r.path)).map((r) => r.path);
    expect(routes.length).toBeGreaterThan(1);
    const user = w.users[0] as LeakUser;
    const record = [...(allowances.get(user.id)?.[0]?.records ?? [])][0] ?? '';
    const type = (await t.db.selectFrom('portal_users').select('user_type_id').where('id', '=', user.id).executeTakeFirstOrThrow()).user_type_id;
    const fill = (path: string) =>
      path.replace(/\/\*$/, '').replace(/:(\w+)(\{[^}]*\})?/g, (_, name: string) => (/user/i.test(name) ? user.id : /type/i.test(name) ? type : record));
    const customer = await signIn(user);
    const staff = browserClient(t.app);
    expect((await staff.post('/admin/login', { email: standardStaff.email, password: standardStaff.password })).status).toBe(303);
    const problems: string[] = [];
    for (const path of routes.map(fill)) {
      for (const url of [path, `${path}?user=${user.id}&record=${record}&type=${type}`]) {
        const asCustomer = await customer.get(url);
        const body = await asCustomer.text();
        if (!(asCustomer.status === 303 && (asCustomer.headers.get('Location') ?? '').startsWith('/admin/login')))
          problems.push(`portal session: GET ${url} → ${asCustomer.status}`);
        problems.push(...judge('portal session', 'GET', url, { body, headers: asCustomer.headers }, []));
        const asStaff = await staff.get(url);
        const staffBody = await asStaff.text();
        if (asStaff.status !== 403 && asStaff.status !== 404) problems.push(`standard staff: GET ${url} → ${asStaff.status}`);
        problems.push(...judge('standard staff', 'GET', url, { body: staffBody, headers: asStaff.headers }, []));
      }
    }
    // The administrator does see them (so the addresses above are the real ones).
    const admin = browserClient(t.app);
    expect((await admin.post('/admin/login', { email: DEMO_ADMIN.email, password: DEMO_ADMIN.password })).status).toBe(303);
    const seen = await admin.get(`/admin/settings/portals/explain/record/${record}`);
    expect(seen.status).toBe(200);
    expect(problems).toEqual([]);
  });
});

describe('the leak checker’s judge', () => {
  it('reports a marker, a record id and a file the reference does not allow, and passes what it allows', async () => {
    const user = w.users[0] as LeakUser;
    const allowed = await allowedNow(user);
    const someoneElse = w.users.find((u) => u.slug === 'franchise') as LeakUser;
    const theirs = await allowedNow(someoneElse);
    const foreignRecord = [...theirs.records].find((id) => !allowed.records.has(id)) as string;
    const foreignFile = [...theirs.attachments].find((id) => !allowed.attachments.has(id)) as string;
    const hiddenMarker = [...w.markers].find(
      ([, s]) => s.kind === 'field' && allowed.records.has(s.recordId) && !allowed.markers.has(`${s.recordId}:${s.field}`),
    )?.[0] as string;
    const ownRecord = [...allowed.records][0] as string;
    expect([foreignRecord, foreignFile, hiddenMarker, ownRecord].every(Boolean)).toBe(true);
    expect(leaksIn(`<a href="/p/demo/m/cases/${ownRecord}">mine</a>`, known, [allowed])).toEqual([]);
    expect(leaksIn(`<a href="/p/demo/m/cases/${foreignRecord}">x</a>`, known, [allowed])).toEqual([`record ${foreignRecord}`]);
    expect(leaksIn(`/files/${foreignFile}`, known, [allowed])).toEqual([`file ${foreignFile}`]);
    expect(leaksIn(`<td>${hiddenMarker}</td>`, known, [allowed])).toHaveLength(1);
  });

  it('catches a deliberately unscoped read: a page listing every case is reported by the same walk and judge', async () => {
    // The product with one extra page that reads cases without a scope, linked from nowhere but the walk's start.
    const leaky = new Hono();
    leaky.get('/p/demo/all-cases', async (c) => {
      const rows = await t.db
        .selectFrom('records')
        .innerJoin('modules', 'modules.id', 'records.module_id')
        .select(['records.id', 'records.data'])
        .where('modules.api_name', '=', 'cases')
        .execute();
      return c.html(rows.map((r) => `<p><a href="/p/demo/m/cases/${r.id}">${(r.data as { subject?: string }).subject}</a></p>`).join(''));
    });
    leaky.all('*', (c) => t.app.fetch(c.req.raw));
    const alice = w.users[0] as LeakUser;
    const client = browserClient(leaky as unknown as TestApp['app']);
    const login = htmlForms(await (await client.get('/p/demo/login')).text()).find((f) => f.controls.some((c) => c.name === 'password'));
    if (!login) throw new Error('no sign-in form');
    const signedIn = await submitForm(
      client,
      {
        ...login,
        controls: login.controls.map((c) => ({ ...c, value: c.name === 'email' ? alice.email : c.name === 'password' ? PORTAL_PASSWORD : c.value })),
      },
      '/p/demo/login',
    );
    expect(signedIn.res.status).toBe(303);
    const allowed = await allowedNow(alice);
    const report = await crawlPortal({ client, base: '/p/demo', start: ['/p/demo/all-cases'], maxRequests: 400 });
    const leaks = report.visits.flatMap((v) => judge(alice.label, v.method, v.url, v, [allowed]));
    expect(leaks.some((l) => l.includes('/p/demo/all-cases') && l.includes('record '))).toBe(true);
    expect(leaks.some((l) => l.includes('/p/demo/all-cases') && l.includes('"kind":"field"'))).toBe(true);
  });
});
