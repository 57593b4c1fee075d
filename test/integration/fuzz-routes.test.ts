import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fingerprint, fingerprint } from '../support/fingerprint.js';
import { type Finding, runCases } from '../support/fuzz.js';
import { casesFor, endsSomething } from '../support/fuzz-cases.js';
import { keepWorld, ONLY, type Route, routeKey, routes, SEED, seen, setUpFuzzWorld, t, tables, walked } from '../support/fuzz-world.js';

// Every GET and POST route of the app, read from the app itself, and every
// form its staff and portal pages offer, sent mutated requests: odd types,
// huge and strange text, control characters, SQL and HTML metacharacters,
// ids that are not ids or belong to something else, and query parameters
// (sort, cursor, filters, search, language) the same way. Each answer must be
// below 500 and, when it is a page, in the visitor's language; no refusal
// (4xx) may change a data table. Replay a run with FUZZ_SEED=<seed>
// (and FUZZ_ONLY=<part of a route> to send one route's requests alone).

beforeAll(setUpFuzzWorld, 120_000);
afterAll(() => t?.close());

describe(`fuzzing every route and form (FUZZ_SEED=${SEED})`, () => {
  it('reads every GET and POST route from the app and learns forms from the staff and portal pages', () => {
    expect(routes.length).toBeGreaterThan(200);
    for (const key of ['POST /admin/m/:module', 'GET /p/:slug/m/:module', 'POST /p/:slug/login', 'GET /admin/m/:module/:id'])
      expect(routes.map(routeKey)).toContain(key);
    const formRoutes = [...seen.forms.keys()];
    expect(formRoutes.filter((k) => k.includes('/p/:slug')).length).toBeGreaterThan(8);
    expect(formRoutes.filter((k) => k.includes('/admin')).length).toBeGreaterThan(40);
  });

  it(`answers every mutated request below 500, in the visitor's language, and writes nothing when it refuses (replay: FUZZ_SEED=${SEED})`, {
    timeout: 240_000,
  }, async () => {
    const started = performance.now();
    // The portal first, while its world is whole; within each side, what ends sessions or records last.
    const order = (r: Route) => (r.who === 'staff' ? 2 : 0) + (endsSomething(r.pattern) ? 1 : 0);
    const chosen = routes.filter((r) => !ONLY || routeKey(r).includes(ONLY)).sort((a, b) => order(a) - order(b));
    const findings: Finding[] = [];
    const statuses = new Map<number, number>();
    const reached = new Set<string>();
    let sent = 0;
    let last: Fingerprint | undefined;
    let fpTime = 0;
    let fpCount = 0;
    const fingerprintNow = async () => {
      const s0 = performance.now();
      const f = await fingerprint(t.db, tables);
      fpTime += performance.now() - s0;
      fpCount++;
      return f;
    };
    for (const route of chosen) {
      const changed = await keepWorld(route.who);
      const result = await runCases(casesFor(route), fingerprintNow, changed ? undefined : last);
      last = result.end;
      findings.push(...result.findings);
      sent += result.statuses.length;
      for (const s of result.statuses) statuses.set(s, (statuses.get(s) ?? 0) + 1);
      if (result.statuses.some((s) => s < 400)) reached.add(routeKey(route));
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const byStatus = JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])));
    console.info(
      `FUZZ_SEED=${SEED}: ${sent} requests to ${chosen.length} routes in ${seconds}s (${fpCount} fingerprints, ${(fpTime / 1000).toFixed(1)}s), ` +
        `after walks of ${walked.portal} portal and ${walked.staff} staff requests; ${reached.size} routes answered below 400 at least once; statuses ${byStatus}`,
    );
    const report = findings.map((f) => `${f.problem} — ${f.label}`);
    expect(report, `replay with FUZZ_SEED=${SEED}`).toEqual([]);
    if (!ONLY) expect(reached.size, 'routes that answered below 400 at least once: is the world signed out?').toBeGreaterThan(routes.length / 2);
  });
});
