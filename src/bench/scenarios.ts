import type { Prepared } from './data.js';
import { hammer, type Probe, probe, type Run, type Target } from './http.js';
import { BENCH_PORTAL_SLUG } from './portal-data.js';
import type { Server } from './processes.js';
import { type BenchRun, fmt, ms, type ScenarioResult } from './report.js';
import { portalHeaders, staffHeaders } from './servers.js';

// The measured requests: the baselines' two routes, then Porta's portal and
// staff pages, each probed for its statements and weight, then loaded by
// autocannon at each level of connections.

const PORTAL_BUDGET = 4;
const STAFF_BUDGET = 6;

export type Scenario = {
  key: string;
  label: string;
  /** Porta's, the baseline's, or none: statement budget of Porta's pages. */
  server: 'porta' | 'baseline';
  budget?: number;
  target: Target;
};

export type Levels = { connections: number[]; seconds: number };

/** The scenarios, in the order they run; `listPath` is the portal list the baseline replays. */
export function benchScenarios({ big, tokens, samples }: Prepared, listPath: string, portaOrigin: string): Scenario[] {
  const m = big.portal.measured;
  const P = `/p/${BENCH_PORTAL_SLUG}`;
  const form = new URLSearchParams({
    subject: 'Bench: the invoice total is wrong',
    description: 'Submitted by the benchmark.',
    priority: 'medium',
  }).toString();
  return [
    { key: 'constant', label: 'baseline: Hono route answering a constant', server: 'baseline', target: { path: '/constant', headers: {}, expect: [200] } },
    {
      key: 'baseline-list',
      label: 'baseline: Hono route running the portal list’s statements',
      server: 'baseline',
      target: { path: '/list', headers: portalHeaders(tokens.portal), expect: [200] },
    },
    {
      key: 'home',
      label: 'portal home (dashboard)',
      server: 'porta',
      budget: PORTAL_BUDGET,
      target: { path: P, headers: portalHeaders(tokens.portal), expect: [200] },
    },
    {
      key: 'list',
      label: 'portal case list',
      server: 'porta',
      budget: PORTAL_BUDGET,
      target: { path: listPath, headers: portalHeaders(tokens.portal), expect: [200] },
    },
    {
      key: 'canvas',
      label: 'portal deals as cards',
      server: 'porta',
      budget: PORTAL_BUDGET,
      target: { path: `${P}/m/deals`, headers: portalHeaders(tokens.portal), expect: [200] },
    },
    {
      key: 'record',
      label: 'portal case page (conversation)',
      server: 'porta',
      budget: PORTAL_BUDGET,
      target: { path: `${P}/m/cases/${m.caseId}`, headers: portalHeaders(tokens.portal), expect: [200] },
    },
    {
      key: 'new-case',
      label: 'portal new case (POST)',
      server: 'porta',
      target: {
        method: 'POST',
        path: `${P}/m/cases`,
        headers: {
          ...portalHeaders(tokens.submitter),
          'content-type': 'application/x-www-form-urlencoded',
          origin: portaOrigin,
          'sec-fetch-site': 'same-origin',
        },
        body: form,
        expect: [303],
      },
    },
    {
      key: 'staff-search',
      label: `staff contacts search "${samples.contactWord}"`,
      server: 'porta',
      budget: STAFF_BUDGET,
      target: { path: `/admin/m/contacts?q=${encodeURIComponent(samples.contactWord)}`, headers: staffHeaders(tokens.staff), expect: [200] },
    },
    {
      key: 'staff-record',
      label: 'staff account page (related lists)',
      server: 'porta',
      budget: STAFF_BUDGET,
      target: { path: `/admin/m/accounts/${samples.accountId}`, headers: staffHeaders(tokens.staff), expect: [200] },
    },
  ];
}

/** One scenario into the report: its statements (the most of 5 requests), a second of warm-up, then a run per level. */
async function measure({ report, say, fail }: BenchRun, s: Scenario, server: Server, levels: Levels) {
  const probes: Probe[] = [];
  for (let i = 0; i < 5; i++) probes.push(await probe(server.origin, s.target));
  const bad = probes.find((p) => !s.target.expect.includes(p.status));
  if (bad) throw new Error(`${s.label}: ${s.target.path} answered ${bad.status}`);
  const counted = probes.map((p) => p.statements).filter((n): n is number => n !== undefined);
  const statements = s.server === 'porta' ? Math.max(...counted) : undefined;
  if (s.server === 'porta' && counted.length !== probes.length) throw new Error(`${s.label}: no Server-Timing statement count`);
  await hammer(server.origin, s.target, 10, 1);
  const runs: Run[] = [];
  for (const c of levels.connections) runs.push(await hammer(server.origin, s.target, c, levels.seconds));
  const result: ScenarioResult = {
    key: s.key,
    label: s.label,
    server: s.server,
    statements,
    budget: s.budget,
    bytes: probes[0]?.bytes ?? 0,
    rssMb: await server.rssMb(),
    runs,
  };
  report.scenarios.push(result);
  const at = (c: number) => runs.find((r) => r.connections === c);
  const rates = levels.connections.map((c) => fmt(at(c)?.rps ?? 0)).join(' / ');
  const head = `  ${s.label.slice(0, 58).padEnd(58)} ${String(statements ?? '–').padStart(5)} ${(result.bytes / 1024).toFixed(1).padStart(6)} ${fmt(result.rssMb).padStart(8)}   ${rates}`;
  say(`${head.padEnd(118)}${ms(at(10)?.p50).padStart(6)} ms ${ms(at(50)?.p99).padStart(6)} ms`);
  if (s.budget !== undefined && statements !== undefined && statements > s.budget) fail(`${s.label} sent ${statements} statements (budget ${s.budget})`);
  for (const r of runs)
    if (r.errors || r.unexpected) fail(`${s.label} at ${r.connections} connections: ${r.errors} errors, ${r.unexpected} unexpected answers`);
}

/** Every scenario against its server, then the portal list's throughput beside the bare-SQL baseline's. */
export async function runScenarios(run: BenchRun, scenarios: Scenario[], servers: { porta: Server; baseline: Server }, levels: Levels) {
  const { report, say } = run;
  say();
  say(`Requests (autocannon, ${levels.seconds} s per level after 1 s of warm-up; Brotli accepted; statements from Server-Timing, max of 5 requests):`);
  say(`  ${'scenario'.padEnd(58)} stmts  KB br   RSS MB   req/s @1 / @10 / @50       p50 @10   p99 @50`);
  for (const s of scenarios) await measure(run, s, s.server === 'porta' ? servers.porta : servers.baseline, levels);
  const find = (key: string) => report.scenarios.find((s) => s.key === key)?.runs.find((r) => r.connections === 10);
  const baseList = find('baseline-list');
  const portaList = find('list');
  if (baseList && portaList) say(`  portal list at 10 connections: ${(portaList.rps / baseList.rps).toFixed(2)} of the bare-SQL baseline's throughput`);
}

/** The target of the scenario `key`: the large database's side of a growth comparison. */
export function targetOf(scenarios: Scenario[], key: string): Target {
  return scenarios.find((s) => s.key === key)?.target as Target;
}
