import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bulkSeed } from '../../src/bench/bulk-seed.js';
import { seedDemoPortal } from '../../src/demo/portal.js';
import { DEMO_ADMIN, seedDemo } from '../../src/demo/seed.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { htmlLinks } from '../support/portal-crawl.js';
import { countStatements } from '../support/statements.js';

// Every staff page an administrator can reach from /admin, walked through its
// links, costs at most six statements — a record page with all its related
// lists included — and the same with a hundred records or ten thousand.

const BUDGET = 6;
const ORIGIN = 'http://porta.test';

let t: TestApp;
let client: BrowserClient;

beforeAll(async () => {
  t = await startTestApp();
  expect(await seedDemo(t.db)).toEqual({ seeded: true });
  const admin = await t.db.selectFrom('staff_users').select('id').where('email', '=', DEMO_ADMIN.email).executeTakeFirstOrThrow();
  expect(await seedDemoPortal({ db: t.db, boss: t.boss, baseUrl: 'http://localhost:3000' }, admin.id)).toBe(true);
  client = browserClient(t.app);
  expect((await client.post('/admin/login', { email: DEMO_ADMIN.email, password: DEMO_ADMIN.password })).status).toBe(303);
});
afterAll(() => t.close());

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
/** Pages of one route: the same path with other ids. */
const routeOf = (path: string) => path.replace(UUID, ':id').replace(/\?.*$/, '');
/** Links that end something or answer with a file are not pages to count. */
const SKIP = /\/logout|\/export|\/download|\/attachments\/|\.csv$/;

async function statementsOf(path: string): Promise<{ status: number; type: string; body: string; n: number }> {
  const { result, statements } = await countStatements(() => client.get(path));
  return { status: result.status, type: result.headers.get('content-type') ?? '', body: await result.text(), n: statements.length };
}

/** Walks from /admin through every staff link, two pages per route; what each page cost. */
async function walk(): Promise<Map<string, number>> {
  const costs = new Map<string, number>();
  const perRoute = new Map<string, number>();
  const queue = ['/admin'];
  const seen = new Set<string>();
  while (queue.length > 0 && costs.size < 600) {
    const path = queue.shift() as string;
    if (seen.has(path)) continue;
    seen.add(path);
    const route = routeOf(path);
    if ((perRoute.get(route) ?? 0) >= 2) continue;
    perRoute.set(route, (perRoute.get(route) ?? 0) + 1);
    const page = await statementsOf(path);
    if (page.status !== 200 || !page.type.includes('text/html')) continue;
    costs.set(path, page.n);
    for (const link of htmlLinks(page.body)) {
      const url = new URL(link, ORIGIN + path);
      if (url.origin === ORIGIN && url.pathname.startsWith('/admin') && !SKIP.test(url.pathname)) queue.push(url.pathname + url.search);
    }
  }
  return costs;
}

/** Grows the data to `records` and points many lookups at the walked records, so their related lists grow too. */
async function growTo(records: number, targets: string[]) {
  const have = Number((await sql<{ n: string }>`select count(*) as n from records`.execute(t.db)).rows[0]?.n);
  await bulkSeed(t.db, { records: records - have, batchSize: 5_000 });
  for (const target of targets) {
    const moved = await sql`update record_refs set target_id = ${target}
      where ctid in (select rr.ctid from record_refs rr join records r on r.id = rr.target_id
                     where r.module_id = (select module_id from records where id = ${target}) and rr.target_id <> ${target} limit 500)`.execute(t.db);
    expect(Number(moved.numAffectedRows)).toBeGreaterThan(0);
  }
}

describe('statements per staff page', () => {
  let small: Map<string, number>;

  it(`are at most ${BUDGET} on every page the walk reaches`, async () => {
    await growTo(100, []);
    expect(Number((await sql<{ n: string }>`select count(*) as n from records`.execute(t.db)).rows[0]?.n)).toBe(100);
    await walk(); // the first requests also warm what the process keeps
    small = await walk();
    const routes = new Set([...small.keys()].map(routeOf));
    // The walk reaches the record pages, lists, forms and settings, not just the home page.
    for (const route of [
      '/admin/m/contacts/:id',
      '/admin/m/accounts/:id',
      '/admin/m/cases',
      '/admin/m/cases/:id/edit',
      '/admin/settings/portals/:id',
      '/admin/privacy/requests',
    ])
      expect(routes, route).toContain(route);
    expect(small.size).toBeGreaterThan(150);
    const over = [...small].filter(([, n]) => n > BUDGET);
    expect(over, 'pages over budget').toEqual([]);
    console.log(`staff pages walked: ${small.size}; most statements on one: ${Math.max(...small.values())}`);
  }, 240_000);

  it('are the same with ten thousand records', async () => {
    const walked = [...small.keys()].filter((p) => /^\/admin\/m\/(accounts|contacts)\/[0-9a-f-]{36}$/.test(p));
    expect(walked.length).toBeGreaterThan(0);
    await growTo(
      10_000,
      walked.map((p) => p.split('/').at(-1) as string),
    );
    const records = Number((await sql<{ n: string }>`select count(*) as n from records`.execute(t.db)).rows[0]?.n);
    expect(records).toBeGreaterThanOrEqual(10_000);
    const changed: string[] = [];
    for (const [path, before] of small) {
      const page = await statementsOf(path);
      expect(page.status, path).toBe(200);
      if (page.n !== before) changed.push(`${path}: ${before} → ${page.n}`);
    }
    expect(changed).toEqual([]);
  }, 240_000);
});
