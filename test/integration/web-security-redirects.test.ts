import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme } from '../support/fixtures.js';
import { htmlForms } from '../support/portal-crawl.js';
import { addPortalUser, carla, HELP, type PortalWorld, seedPortalWorld } from '../support/portal-world.js';
import { browserWithSession, isSafeLocation } from '../support/web-security.js';

// Every place that sends a browser on to an address it was handed — after
// signing in or out, after the language switch, after the second factor,
// after an action on a portal user, from a portal's earlier address — keeps
// it on this site, whatever the address looks like.

const HOSTILE = [
  '//evil.example',
  '/\\evil.example',
  '\\/evil.example',
  'https://evil.example',
  'http:evil.example',
  '%2F%2Fevil.example',
  '/%2F/evil.example',
  '/%5Cevil.example',
  'javascript:alert(1)',
  '/\t/evil.example',
  '/\n/evil.example',
  '/admin\r\nLocation: https://evil.example',
  '///evil.example',
  '/..//evil.example',
  `${HELP}/..//evil.example`,
  ' //evil.example',
];

let t: TestApp;
let w: PortalWorld;
let carlaUser: string;

beforeAll(async () => {
  t = await startTestApp();
  w = await seedPortalWorld(t);
  carlaUser = await addPortalUser(t, w, { email: carla.email, recordId: w.records.carla, status: 'active', password: carla.password });
  // Acme Help was once at /p/acme-old.
  await t.db.insertInto('portal_slugs').values({ slug: 'acme-old', portal_id: w.helpId }).execute();
});
afterAll(() => t.close());

type Probe = { sink: string; value: string; status: number; location: string | null };

/** The redirects that do not stay on the site. */
const leaving = (probes: Probe[]) =>
  probes.filter((p) => !isSafeLocation(p.location)).map((p) => `${p.sink} ${JSON.stringify(p.value)} → ${p.status} ${p.location}`);

async function probe(sink: string, values: string[], send: (value: string) => Promise<Response>): Promise<Probe[]> {
  const out: Probe[] = [];
  for (const value of values) {
    const res = await send(value);
    out.push({ sink, value, status: res.status, location: res.headers.get('Location') });
  }
  return out;
}

/** Every probe redirected (a refusal page would prove nothing about where a redirect goes). */
const allRedirected = (probes: Probe[]) =>
  probes.filter((p) => p.status !== 301 && p.status !== 303).map((p) => `${p.sink} ${JSON.stringify(p.value)} → ${p.status}`);

/** The `next` a sign-in page puts in its form, as the browser would send it back. */
async function nextInForm(client: BrowserClient, path: string): Promise<string | undefined> {
  const html = await (await client.get(path)).text();
  return htmlForms(html)
    .flatMap((f) => f.controls)
    .find((c) => c.name === 'next')?.value;
}

describe('redirects after signing in and out', () => {
  it('staff sign-in goes only to a staff page of this site', async () => {
    const probes = await probe('POST /admin/login', HOSTILE, (next) =>
      browserClient(t.app).post('/admin/login', { email: acme.admin.email, password: acme.admin.password, next }),
    );
    expect(allRedirected(probes)).toEqual([]);
    expect(leaving(probes)).toEqual([]);
    expect(probes.every((p) => p.location?.startsWith('/admin'))).toBe(true);
    // A next that is fine is followed.
    const fine = await browserClient(t.app).post('/admin/login', { ...acme.admin, next: '/admin/m/cases?q=toner' });
    expect(fine.headers.get('Location')).toBe('/admin/m/cases?q=toner');
  });

  it('the staff sign-in page never carries a hostile next into its form', async () => {
    const carried: string[] = [];
    for (const value of HOSTILE) {
      const next = await nextInForm(browserClient(t.app), `/admin/login?next=${encodeURIComponent(value)}`);
      if (next !== undefined && !isSafeLocation(next)) carried.push(`${JSON.stringify(value)} → ${JSON.stringify(next)}`);
    }
    expect(carried).toEqual([]);
    expect(await nextInForm(browserClient(t.app), `/admin/login?next=${encodeURIComponent('/admin/m')}`)).toBe('/admin/m');
  });

  it('portal sign-in goes only to a page of that portal', async () => {
    const probes = await probe(`POST ${HELP}/login`, [...HOSTILE, '/admin', '/p/partners/m/cases'], (next) =>
      browserClient(t.app).post(`${HELP}/login`, { ...carla, next }),
    );
    expect(allRedirected(probes)).toEqual([]);
    expect(leaving(probes)).toEqual([]);
    expect(probes.filter((p) => p.location !== HELP && !p.location?.startsWith(`${HELP}/`)).map((p) => p.value)).toEqual([]);
    const fine = await browserClient(t.app).post(`${HELP}/login`, { ...carla, next: `${HELP}/m/cases/${w.records.carlaCase1}` });
    expect(fine.headers.get('Location')).toBe(`${HELP}/m/cases/${w.records.carlaCase1}`);
  });

  it('the portal sign-in and two-factor setup pages never carry a hostile next into their forms', async () => {
    const carlaClient = await browserWithSession(t.app, t.db, { kind: 'portal', id: carlaUser });
    const carried: string[] = [];
    for (const value of HOSTILE) {
      const q = `next=${encodeURIComponent(value)}`;
      for (const [client, path] of [
        [browserClient(t.app), `${HELP}/login?${q}`],
        [carlaClient, `${HELP}/profile/two-factor?${q}`],
      ] as const) {
        const next = await nextInForm(client, path);
        if (next !== undefined && (!isSafeLocation(next) || !next.startsWith(HELP))) carried.push(`${path} → ${JSON.stringify(next)}`);
      }
    }
    expect(carried).toEqual([]);
    expect(await nextInForm(carlaClient, `${HELP}/profile/two-factor?next=${encodeURIComponent(`${HELP}/m/cases`)}`)).toBe(`${HELP}/m/cases`);
  });

  it('signing out, staff or portal, lands on the sign-in page whatever next says', async () => {
    const staff = await probe('POST /admin/logout', HOSTILE, async (next) =>
      (await browserWithSession(t.app, t.db, { kind: 'staff', id: w.adminId })).post('/admin/logout', { next, back: next, redirect: next }),
    );
    const portal = await probe(`POST ${HELP}/logout`, HOSTILE, async (next) =>
      (await browserWithSession(t.app, t.db, { kind: 'portal', id: carlaUser })).post(`${HELP}/logout`, { next, back: next, redirect: next }),
    );
    expect(allRedirected([...staff, ...portal])).toEqual([]);
    expect(leaving([...staff, ...portal])).toEqual([]);
    expect(new Set(staff.map((p) => p.location))).toEqual(new Set(['/admin/login?signedOut=1']));
    expect(new Set(portal.map((p) => p.location))).toEqual(new Set([`${HELP}/login?signedOut=1`]));
  });
});

describe('redirects after other steps', () => {
  it('the language switch, signed in or not, on the staff side and in a portal', async () => {
    const ana = await browserWithSession(t.app, t.db, { kind: 'staff', id: w.adminId });
    const carlaClient = await browserWithSession(t.app, t.db, { kind: 'portal', id: carlaUser });
    const probes = [
      ...(await probe('POST /lang (visitor)', HOSTILE, (back) => browserClient(t.app).post('/lang', { lang: 'es', back }))),
      ...(await probe('POST /lang (staff)', HOSTILE, (back) => ana.post('/lang', { lang: 'en', back }))),
      ...(await probe(`POST ${HELP}/lang (visitor)`, HOSTILE, (back) => browserClient(t.app).post(`${HELP}/lang`, { lang: 'es', back }))),
      ...(await probe(`POST ${HELP}/lang (customer)`, HOSTILE, (back) => carlaClient.post(`${HELP}/lang`, { lang: 'en', back }))),
    ];
    expect(allRedirected(probes)).toEqual([]);
    expect(leaving(probes)).toEqual([]);
    expect(probes.filter((p) => p.sink.includes(HELP) && !p.location?.startsWith(HELP)).map((p) => p.value)).toEqual([]);
  });

  it('the two-factor step, for staff and portal users already past it', async () => {
    const ana = await browserWithSession(t.app, t.db, { kind: 'staff', id: w.adminId });
    const carlaClient = await browserWithSession(t.app, t.db, { kind: 'portal', id: carlaUser });
    const probes = [
      ...(await probe('GET /admin/two-factor', HOSTILE, (next) => ana.get(`/admin/two-factor?next=${encodeURIComponent(next)}`))),
      ...(await probe('POST /admin/two-factor', HOSTILE, (next) => ana.post('/admin/two-factor', { code: '123456', next }))),
      ...(await probe(`GET ${HELP}/two-factor`, HOSTILE, (next) => carlaClient.get(`${HELP}/two-factor?next=${encodeURIComponent(next)}`))),
      ...(await probe(`POST ${HELP}/two-factor`, HOSTILE, (next) => carlaClient.post(`${HELP}/two-factor`, { code: '123456', next }))),
    ];
    expect(allRedirected(probes)).toEqual([]);
    expect(leaving(probes)).toEqual([]);
  });

  it('an action on a portal user, sent back to the page that asked', async () => {
    const ana = await browserWithSession(t.app, t.db, { kind: 'staff', id: w.adminId });
    // Reactivating an active user is refused and changes nothing; the answer still goes back.
    const probes = await probe('POST portal user action', HOSTILE, (back) =>
      ana.post(`/admin/settings/portals/${w.helpId}/users/${carlaUser}/reactivate`, { back }),
    );
    expect(allRedirected(probes)).toEqual([]);
    expect(leaving(probes)).toEqual([]);
    const user = await t.db.selectFrom('portal_users').select('status').where('id', '=', carlaUser).executeTakeFirstOrThrow();
    expect(user.status).toBe('active');
  });

  it('a portal’s earlier address goes on to the same page under the current one', async () => {
    const paths = ['//evil.example', '/\\evil.example', '/%2F/evil.example', '/%5Cevil.example', '/..%2F..%2F%2Fevil.example', '/login?next=//evil.example'];
    const probes = await probe('GET /p/acme-old…', paths, (rest) => browserClient(t.app).get(`/p/acme-old${rest}`));
    expect(allRedirected(probes)).toEqual([]);
    expect(leaving(probes)).toEqual([]);
    expect(probes.every((p) => p.location?.startsWith(`${HELP}/`))).toBe(true);
  });
});

describe('the checker', () => {
  it('reports every address that leaves the site or could (it can fail)', () => {
    for (const bad of [
      null,
      '',
      '//evil.example',
      '/\\evil.example',
      '\\/evil.example',
      'https://evil.example',
      'javascript:alert(1)',
      '/\t/evil.example',
      '/a\r\nSet-Cookie: x=1',
      'evil.example',
      ' /admin',
    ]) {
      expect(isSafeLocation(bad), JSON.stringify(bad)).toBe(false);
    }
    for (const good of ['/', '/admin', `${HELP}/m/cases?x=1#top`, '/%2F/evil.example']) expect(isSafeLocation(good), good).toBe(true);
  });

  it('finds an open redirect in a careless sign-in (it can fail)', async () => {
    // Only checks for a leading slash; values a header cannot hold at all are left out.
    const careless = async (next: string) => new Response(null, { status: 303, headers: { Location: next.startsWith('/') ? next : '/admin' } });
    const probes = await probe(
      'careless',
      HOSTILE.filter((v) => !/[\r\n]/.test(v)),
      careless,
    );
    expect(probes.filter((p) => !isSafeLocation(p.location)).map((p) => p.value)).toEqual([
      '//evil.example',
      '/\\evil.example',
      '/\t/evil.example',
      '///evil.example',
    ]);
  });
});
