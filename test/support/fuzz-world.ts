import { sql } from 'kysely';
import { expect } from 'vitest';
import { sessionIdFromToken } from '../../src/auth/sessions.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from './app.js';
import { dataTables } from './fingerprint.js';
import { acme } from './fixtures.js';
import { type Answer, routeRegex } from './fuzz.js';
import { CARLA_LANGUAGE, enrichWorld, ORIGIN, samplePaths, VISITOR_LANGUAGE } from './fuzz-seed.js';
import { crawlPortal, type HtmlForm, htmlForms, htmlLinks } from './portal-crawl.js';
import { addPortalUser, carla, HELP, type PortalWorld, seedPortalWorld } from './portal-world.js';

export { CARLA_LANGUAGE, ORIGIN, VISITOR_LANGUAGE };

// The world the route fuzz (test/integration/fuzz-*.test.ts) runs in: the app,
// its routes read from the app itself, clients signed in as staff, as a portal
// user and as a visitor, and the forms, links and ids learnt by walking the
// staff and portal pages. Each test file sets it up for itself with
// setUpFuzzWorld() in its beforeAll.

export const SEED = Number(process.env.FUZZ_SEED ?? 20260501) >>> 0;
export const ONLY = process.env.FUZZ_ONLY;
/** Requests per route; the routes' own forms and links add a few. */
export const PER_ROUTE = Number(process.env.FUZZ_PER_ROUTE ?? 5);

export type Who = 'staff' | 'portal' | 'visitor';
export type Route = { method: 'GET' | 'POST'; pattern: string; re: RegExp; who: Who };
/** What the pages offer, filed by route: forms, linked addresses (with their queries), and concrete paths of any method. */
export type Seen = { forms: Map<string, { form: HtmlForm; page: string }[]>; urls: Map<string, string[]>; paths: Map<string, string[]> };

export let t: TestApp;
export let w: PortalWorld;
export let carlaId: string;
export let tables: string[];
export let routes: Route[];
export const clients = {} as Record<Who, BrowserClient>;
export const seen: Seen = { forms: new Map(), urls: new Map(), paths: new Map() };
export let knownIds: string[] = [];
/** Names people gave things (portals, user types, records): shown as typed in every language. */
export let typedNames: Set<string>;
/** Requests the walks that learnt the pages made. */
export const walked = { portal: 0, staff: 0 };

export const routeKey = (r: { method: string; pattern: string }) => `${r.method} ${r.pattern}`;
export const whoFor = (pattern: string): Who =>
  !pattern.startsWith('/p/') ? 'staff' : /^\/p\/:slug\/(login|password|invite|two-factor)/.test(pattern) ? 'visitor' : 'portal';

/** The route a concrete address reaches: among the patterns matching it, the one with the most fixed text. */
export function routeOf(method: string, path: string): Route | undefined {
  const fixed = (p: string) => p.replace(/:[A-Za-z]+|\*/g, '').length;
  return routes
    .filter((r) => r.method === method && r.re.test(path))
    .sort((a, b) => fixed(b.pattern) - fixed(a.pattern) || a.pattern.length - b.pattern.length)[0];
}

export const remember = <T>(map: Map<string, T[]>, key: string, value: T, max: number) => {
  const list = map.get(key) ?? [];
  if (list.length < max) list.push(value);
  map.set(key, list);
};

/** Keeps a page's forms and links, each filed under the route it reaches (a few per route). */
export function learn(body: string, page: string) {
  for (const form of htmlForms(body)) {
    const action = new URL(form.action || page, ORIGIN + page);
    if (action.origin !== ORIGIN) continue;
    const route = routeOf(form.method, action.pathname);
    if (!route) continue;
    remember(seen.forms, routeKey(route), { form: { ...form, action: action.pathname + action.search }, page }, 3);
    remember(seen.paths, route.pattern, action.pathname, 3);
  }
  for (const href of htmlLinks(body)) {
    const url = new URL(href, ORIGIN + page);
    if (url.origin !== ORIGIN) continue;
    const route = routeOf('GET', url.pathname);
    if (!route) continue;
    remember(seen.urls, routeKey(route), url.pathname + url.search, 3);
    remember(seen.paths, route.pattern, url.pathname, 3);
  }
}

/** A staff walk over links alone (nothing submitted), a couple of addresses per route, to learn forms and real ids. */
export async function walkStaff(client: BrowserClient, max: number) {
  const queue = ['/admin', '/admin/m', '/admin/settings', '/admin/settings/portals', '/admin/profile', '/admin/outbox', '/admin/privacy/requests'];
  const visited = new Set<string>(queue);
  const perRoute = new Map<string, number>();
  let requests = 0;
  while (queue.length && requests < max) {
    const path = queue.shift() as string;
    const res = await client.get(path);
    requests++;
    const body = await res.text();
    if (!(res.headers.get('Content-Type') ?? '').includes('text/html')) continue;
    learn(body, path);
    for (const href of htmlLinks(body)) {
      const url = new URL(href, ORIGIN + path);
      const next = url.pathname + url.search;
      if (url.origin !== ORIGIN || !url.pathname.startsWith('/admin') || visited.has(next)) continue;
      const route = routeOf('GET', url.pathname);
      if (!route) continue;
      const n = perRoute.get(routeKey(route)) ?? 0;
      if (n >= 2) continue;
      perRoute.set(routeKey(route), n + 1);
      visited.add(next);
      queue.push(next);
    }
  }
  return requests;
}

export async function signIn(who: 'staff' | 'portal') {
  // Fuzzed sign-ins from the same address trip the throttle; the fuzz's own sign-in is not what it tests.
  await t.db.deleteFrom('login_attempts').execute();
  const client = browserClient(t.app);
  const res =
    who === 'staff'
      ? await client.post('/admin/login', { email: acme.admin.email, password: acme.admin.password })
      : await client.post(`${HELP}/login`, { email: carla.email, password: carla.password });
  if (res.status !== 303) throw new Error(`${who} could not sign in: ${res.status}`);
  clients[who] = client;
}

/**
 * Puts back what a successful fuzzed request (or the walk) may have taken from
 * the people the fuzz signs in as, and the records most routes start from;
 * true when it had to.
 */
export async function keepWorld(who: Who): Promise<boolean> {
  const staff = await t.db
    .updateTable('staff_users')
    .set({ active: true, language: null, password_hash: adminHash })
    .where('id', '=', w.adminId)
    .where((eb) => eb.or([eb('active', '!=', true), eb('language', 'is not', null), eb('password_hash', '!=', adminHash)]))
    .executeTakeFirst();
  const portal = await t.db
    .updateTable('portal_users')
    .set({ status: 'active', language: CARLA_LANGUAGE, user_type_id: w.helpTypeId, portal_id: w.helpId, password_hash: carlaHash })
    .where('id', '=', carlaId)
    .where((eb) =>
      eb.or([
        eb('status', '!=', 'active'),
        eb('language', 'is distinct from', CARLA_LANGUAGE),
        eb('user_type_id', '!=', w.helpTypeId),
        eb('password_hash', 'is distinct from', carlaHash),
      ]),
    )
    .executeTakeFirst();
  const record = await t.db
    .updateTable('records')
    .set({ deleted_at: null })
    .where('id', 'in', [w.records.carla, w.records.carlaCase1, w.records.carlaCase2])
    .where('deleted_at', 'is not', null)
    .executeTakeFirst();
  const factors = await t.db.deleteFrom('two_factor').where('user_id', 'in', [w.adminId, carlaId]).where('enabled_at', 'is not', null).executeTakeFirst();
  let changed = [staff.numUpdatedRows, portal.numUpdatedRows, record.numUpdatedRows, factors.numDeletedRows].some((n) => n > 0n);
  if (changed) languages.clear();
  clients.visitor.cookies.set('porta_lang', VISITOR_LANGUAGE);
  clients.visitor.cookies.delete('porta_portal');
  const session = async (kind: 'staff' | 'portal', cookie: string) => {
    const token = clients[kind].cookies.get(cookie);
    const row = token
      ? await t.db.selectFrom('sessions').select(['two_factor_pending']).where('id', '=', sessionIdFromToken(token)).executeTakeFirst()
      : undefined;
    if (!row || row.two_factor_pending) {
      await signIn(kind);
      changed = true;
    }
  };
  if (who === 'staff') await session('staff', 'porta_session');
  if (who === 'portal') await session('portal', 'porta_portal');
  return changed;
}
export let adminHash: string;
export let carlaHash: string;

/** The stored language preferences of Ana and Carla, read again after anything that may have changed them. */
export const languages = new Map<'staff' | 'portal', string | null>();

export async function storedLanguage(who: 'staff' | 'portal'): Promise<string | null> {
  if (!languages.has(who)) {
    const row =
      who === 'staff'
        ? await t.db.selectFrom('staff_users').select('language').where('id', '=', w.adminId).executeTakeFirstOrThrow()
        : await t.db.selectFrom('portal_users').select('language').where('id', '=', carlaId).executeTakeFirstOrThrow();
    languages.set(who, row.language);
  }
  return languages.get(who) ?? null;
}

/** The language a page must be in for this client at this address (resolved as the browser would reach it). */
export async function expectedLanguage(who: Who, sent: string, acceptLanguage: string | undefined): Promise<string> {
  const path = new URL(sent, ORIGIN).pathname;
  const fallback = () => {
    const cookie = clients[who].cookies.get('porta_lang');
    if (cookie && ['en', 'es', 'fr', 'pt-BR'].includes(cookie)) return cookie;
    const first = (acceptLanguage ?? '').split(',')[0]?.split(';')[0]?.trim().toLowerCase() ?? '';
    const primary = first.split('-')[0] ?? '';
    if (primary === 'pt') return 'pt-BR';
    if (['en', 'es', 'fr'].includes(primary)) return primary;
    return 'en';
  };
  if (who === 'staff') return (await storedLanguage('staff')) ?? fallback();
  if (who === 'portal' && (path === HELP || path.startsWith(`${HELP}/`))) return (await storedLanguage('portal')) ?? fallback();
  return fallback();
}

export async function answerOf(res: Response): Promise<Answer> {
  return {
    status: res.status,
    contentType: res.headers.get('Content-Type') ?? '',
    contentLanguage: res.headers.get('Content-Language'),
    location: res.headers.get('Location'),
    body: await res.text(),
  };
}

/** Files a concrete path under every route (of either method) it is the best match for. */
export function fileSample(path: string) {
  for (const method of ['GET', 'POST'] as const) {
    const route = routeOf(method, path);
    if (route) remember(seen.paths, route.pattern, path, 4);
  }
}

/** Starts the app, seeds the world, signs everyone in and learns the pages. */
export async function setUpFuzzWorld() {
  t = await startTestApp();
  w = await seedPortalWorld(t);
  carlaId = await addPortalUser(t, w, { email: carla.email, recordId: w.records.carla, status: 'active', password: carla.password, language: CARLA_LANGUAGE });
  const extras = await enrichWorld(t, w, carlaId);
  await addPortalUser(t, w, { email: 'dora@initech.example', recordId: w.records.dora, status: 'active', password: carla.password, portal: 'partners' });
  adminHash = (await t.db.selectFrom('staff_users').select('password_hash').where('id', '=', w.adminId).executeTakeFirstOrThrow()).password_hash;
  carlaHash = (await t.db.selectFrom('portal_users').select('password_hash').where('id', '=', carlaId).executeTakeFirstOrThrow()).password_hash ?? '';
  tables = await dataTables(t.db);
  const unique = new Map<string, Route>();
  for (const r of t.app.routes) {
    if (r.method !== 'GET' && r.method !== 'POST') continue;
    const route: Route = { method: r.method, pattern: r.path, re: routeRegex(r.path), who: whoFor(r.path) };
    unique.set(routeKey(route), route);
  }
  routes = [...unique.values()];
  clients.visitor = browserClient(t.app);
  clients.visitor.cookies.set('porta_lang', VISITOR_LANGUAGE);
  await signIn('staff');
  // The portal is learnt by walking it as Carla, forms submitted and all; the walk ends her sessions, so she signs in again after.
  const walker = browserClient(t.app);
  expect((await walker.post(`${HELP}/login`, { email: carla.email, password: carla.password })).status).toBe(303);
  const walk = await crawlPortal({ client: walker, base: HELP, start: [HELP, `${HELP}/profile`], maxRequests: 400 });
  walked.portal = walk.visits.length;
  for (const v of walk.visits) if ((v.headers.get('Content-Type') ?? '').includes('text/html')) learn(v.body, v.url.replace(/\?.*$/, ''));
  const visitorPages = [`${HELP}/login`, `${HELP}/password/forgot`];
  for (const p of visitorPages) learn(await (await clients.visitor.get(p)).text(), p);
  walked.staff = await walkStaff(clients.staff, 220);
  await signIn('portal');
  for (const path of samplePaths(w, carlaId, extras)) fileSample(path);
  // In an order a replay meets again (ids themselves are new each run): by kind, then by what names the row.
  const ids = await sql<{ id: string }>`
    select id from (
      select id::text, 1 as kind, display_name as name from records
      union all select id::text, 2, slug from portals
      union all select id::text, 3, name from portal_user_types
      union all select id::text, 4, email from portal_users
      union all select id::text, 5, api_name from fields where module_id in (select id from modules where api_name = 'cases')
      union all select id::text, 6, api_name from layouts
      union all select id::text, 7, api_name from profiles
      union all select id::text, 8, email from staff_users
    ) as known order by kind, name`.execute(t.db);
  knownIds = ids.rows.map((row) => row.id);
  const names = await sql<{ name: string }>`
    select name from portals union select name from portal_user_types union select display_name from records`.execute(t.db);
  typedNames = new Set(names.rows.map((row) => row.name));
}
