import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { createApp } from '../app.js';
import { SESSION_COOKIE } from '../auth/cookies.js';
import { PORTAL_COOKIE } from '../auth/portal-session.js';
import { sessionIdFromToken } from '../auth/sessions.js';
import { findSessionStaff } from '../auth/staff.js';
import type { BaselinePlan } from '../bench/baseline-server.js';
import { BULK_MAX_RECORDS, bulkOwner, bulkSeed, dataSize } from '../bench/bulk-seed.js';
import { hammer, type Probe, probe, type Run, type Target } from '../bench/http.js';
import { BENCH_PORTAL_SLUG, type BenchPortal, benchSession, MEASURED_CASES, seedBenchPortal } from '../bench/portal-data.js';
import { freePort, runCommand, type Server, startServer } from '../bench/processes.js';
import { toolConfig, withClient } from '../bench/setup.js';
import { type Config, ConfigError } from '../config.js';
import { findImport, validateImport } from '../crm/import.js';
import { saveMapping, suggestMapping } from '../crm/import-mapping.js';
import { GROWING_TABLES, listQueryPlans, listSamples, planOutline } from '../crm/list-plans.js';
import { loadModuleMeta } from '../crm/metadata.js';
import { type Database, openDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import type { Deps } from '../deps.js';
import { exitWithFailure } from '../errors.js';
import { loadAssets } from '../http/assets.js';
import { listen } from '../http/serve.js';
import { startBoss } from '../jobs/boss.js';
import { createLogger } from '../log.js';
import { projectRoot } from '../paths.js';
import { actOnRequest, findRequest } from '../privacy/requests.js';
import { requestWork } from '../privacy/work.js';
import { resolveDatabase } from '../runtime.js';
import { benchInvites } from './bench-invites.js';

// `npm run bench`: Porta measured against baselines on the same machine, the
// same database and the same load generator (autocannon), at 1, 10 and 50
// connections. The data (a million CRM records, 20,000 portal users over five
// user types, their cases' notes and files) is generated once into a database
// of the bench's own (.data/bench/postgres, under /var/lib/porta as root) and
// reused. Porta runs as `npm start` runs it (the production build, started on
// that existing data folder: the cold start is timed), with SERVER_TIMING so
// each answer says how many statements it sent. The baselines run in a process
// of their own: a Hono route answering a constant, and a Hono route running the
// very statements Porta sent for the portal list (captured here) and rendering
// the rows. A second Porta on 10,000 records gives how the list's cost grows.
// Then a CSV import of 100,000 rows, one person's privacy export and 10,000
// bulk invitations. Reports go to bench/results/ (Markdown and JSON).
// Exits 1 when a page sends more statements than its budget, when a plan reads
// records or record_refs sequentially, when a request fails, or when a job
// section fails. `npm run bench -- --invites` runs the invitations alone.

const RECORDS = Number(process.env.BENCH_RECORDS ?? 1_000_000);
const SMALL_RECORDS = 10_000;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = [1, 10, 50];
const IMPORT_ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 100_000);
const PORTAL_BUDGET = 4;
const STAFF_BUDGET = 6;
const PG_PORT = process.env.BENCH_PG_PORT ?? '54339';
const DATA_DIR = resolve(projectRoot, '.data/bench');
const RESULTS_DIR = resolve(projectRoot, 'bench/results');
const INVITES_ONLY = process.argv.includes('--invites');
const SMALL_DB = 'porta_bench_10k';

type Scenario = {
  key: string;
  label: string;
  /** Porta's, the baseline's, or none: statement budget of Porta's pages. */
  server: 'porta' | 'baseline';
  budget?: number;
  target: Target;
};

type ScenarioResult = {
  key: string;
  label: string;
  server: 'porta' | 'baseline';
  statements: number | undefined;
  budget: number | undefined;
  bytes: number;
  rssMb: number;
  runs: Run[];
};

type Report = {
  date: string;
  machine: { cores: number; cpu: string; memoryGiB: number; node: string };
  postgres: string;
  data: Record<string, unknown>;
  coldStartMs: number;
  buildMs: number;
  plans: { label: string; ms: number | undefined; seqScans: string[] }[];
  scenarios: ScenarioResult[];
  growth: { key: string; label: string; rps10k: number; rps1M: number; ratio: number }[];
  jobs: { label: string; seconds: number; detail: string }[];
  failures: string[];
};

const fmt = (n: number) => Math.round(n).toLocaleString('en');
const ms = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? '–' : n.toFixed(1));

function databaseUrl(serverUrl: string, name: string) {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** The second active user of the first type: submits cases, so the measured user's list stays as it is. */
async function submitter(db: Database, portal: BenchPortal): Promise<string> {
  const row = await db
    .selectFrom('portal_users')
    .select('id')
    .where('user_type_id', '=', portal.measured.typeId)
    .where('id', '!=', portal.measured.userId)
    .orderBy('email')
    .limit(1)
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Generates what the data set lacks; returns the portal. */
async function ensureData(db: Database, records: number, portalUsers: number | undefined, say: (l: string) => void) {
  await migrateToLatest(db);
  const before = await dataSize(db);
  let seeded = `reused (${fmt(before.records)} records)`;
  if (before.records < records) {
    const missing = records - before.records;
    say(`Generating ${fmt(missing)} records (once; later runs reuse them)…`);
    const result = await bulkSeed(db, { records: missing });
    seeded = `${fmt(missing)} records generated in ${(result.ms / 1000).toFixed(1)} s`;
  }
  const ownerId = await bulkOwner(db);
  const started = performance.now();
  const portal = await seedBenchPortal(db, ownerId, portalUsers);
  return { ownerId, portal, seeded, portalSeconds: (performance.now() - started) / 1000, size: await dataSize(db) };
}

/**
 * Porta's statements for the portal list, as the measured user's third request
 * sends them (the first two load the process's copy of the configuration):
 * the baseline replays them.
 */
async function capturePortalList(url: string, config: Config, log: ReturnType<typeof createLogger>, token: string, path: string) {
  const handle = openDatabase(url, config.databasePoolMax);
  const boss = await startBoss({ connectionString: url, role: 'web', migrate: true });
  // Porta answers only for its BASE_URL's host: this one's, port included.
  const port = await freePort();
  const deps: Deps = { config: { ...config, baseUrl: `http://127.0.0.1:${port}` }, db: handle.db, boss, log, assets: loadAssets(join(projectRoot, 'static')) };
  const http = await listen(createApp(deps), port, '127.0.0.1');
  const headers = { Cookie: `${PORTAL_COOKIE}=${token}` };
  const captured: { text: string; values: unknown[] }[] = [];
  try {
    for (let i = 0; i < 2; i++) await fetch(`http://127.0.0.1:${http.port}${path}`, { headers }).then((r) => r.text());
    const original = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: pg.Client & { connectionParameters?: { application_name?: string } }, ...args: unknown[]) {
      if (this.connectionParameters?.application_name === 'porta') {
        const [first, values] = args as [string | { text: string; values?: unknown[] }, unknown[] | undefined];
        if (typeof first === 'string') captured.push({ text: first, values: values ?? [] });
        else captured.push({ text: first.text, values: first.values ?? values ?? [] });
      }
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof original;
    try {
      const res = await fetch(`http://127.0.0.1:${http.port}${path}`, { headers });
      await res.text();
      if (res.status !== 200) throw new Error(`the portal list answered ${res.status} while its statements were captured`);
    } finally {
      pg.Client.prototype.query = original;
    }
  } finally {
    await http.close(1000);
    await boss.stop({ graceful: false, close: true });
    await handle.close();
  }
  return captured;
}

async function main() {
  if (!Number.isInteger(RECORDS) || RECORDS < SMALL_RECORDS || RECORDS > BULK_MAX_RECORDS)
    throw new ConfigError([`BENCH_RECORDS: must be a whole number from ${SMALL_RECORDS} to ${BULK_MAX_RECORDS}`]);
  if (!Number.isFinite(SECONDS) || SECONDS < 1 || SECONDS > 120) throw new ConfigError(['BENCH_SECONDS: must be a number of seconds from 1 to 120']);
  // Never the application's DATABASE_URL: the bench adds a million records to whatever it is given.
  const { config, embeddedDir } = toolConfig('bench', process.env.BENCH_DATABASE_URL, PG_PORT);
  const log = createLogger(config);
  const lines: string[] = [];
  const say = (line = '') => {
    console.log(line);
    lines.push(line);
  };
  await mkdir(DATA_DIR, { recursive: true });
  const cpu = cpus();
  const report: Report = {
    date: new Date().toISOString(),
    machine: {
      cores: cpu.length,
      cpu: cpu[0]?.model.trim() ?? 'unknown CPU',
      memoryGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
      node: process.versions.node,
    },
    postgres: '',
    data: {},
    coldStartMs: Number.NaN,
    buildMs: Number.NaN,
    plans: [],
    scenarios: [],
    growth: [],
    jobs: [],
    failures: [],
  };
  const fail = (why: string) => {
    report.failures.push(why);
    say(`  FAIL: ${why}`);
  };
  say(`Porta bench, ${report.date}`);
  say(`Machine: ${report.machine.cores} cores (${report.machine.cpu}), ${report.machine.memoryGiB} GiB RAM; Node ${report.machine.node}`);

  // 1. Data, plans, sessions and the baseline's statements, on the bench's own server.
  const { url, embedded } = await resolveDatabase(config, log);
  if (INVITES_ONLY) {
    try {
      const invites = await benchInvites(url, log, say);
      if (!invites.ok) report.failures.push('bulk invitations');
    } finally {
      await embedded?.stop();
    }
    await writeFile(join(DATA_DIR, 'report.txt'), `${lines.join('\n')}\n`);
    if (report.failures.length) process.exit(1);
    return;
  }
  const smallUrl = databaseUrl(url, SMALL_DB);
  await withClient(url, async (c) => {
    if ((await c.query('select 1 from pg_database where datname = $1', [SMALL_DB])).rowCount === 0) await c.query(`create database ${SMALL_DB}`);
  });
  const handle = openDatabase(url, config.databasePoolMax);
  const small = openDatabase(smallUrl, 4);
  const { db } = handle;
  let big: Awaited<ReturnType<typeof ensureData>>;
  let little: Awaited<ReturnType<typeof ensureData>>;
  const tokens = { portal: '', submitter: '', staff: '', smallPortal: '', smallStaff: '' };
  let samples: Awaited<ReturnType<typeof listSamples>>;
  let smallSamples: Awaited<ReturnType<typeof listSamples>>;
  try {
    big = await ensureData(db, RECORDS, undefined, say);
    little = await ensureData(small.db, SMALL_RECORDS, 500, say);
    report.postgres = big.size.postgres;
    report.data = {
      records: big.size.records,
      byModule: big.size.byModule,
      lookupReferences: big.size.refs,
      portalUsers: big.portal.users,
      userTypes: big.portal.types.map((t) => t.name),
      notes: big.portal.notes,
      attachments: big.portal.attachments,
      measuredUserCases: MEASURED_CASES,
      seeded: big.seeded,
    };
    say(`Database: PostgreSQL ${report.postgres}, ${embedded ? `embedded in ${embedded.dataDir}` : 'BENCH_DATABASE_URL'}`);
    say(
      `Data: ${fmt(big.size.records)} records (${Object.entries(big.size.byModule)
        .map(([m, n]) => `${fmt(n)} ${m}`)
        .join(', ')}), ${fmt(big.size.refs)} lookup references; ${big.seeded}`,
    );
    say(
      `      ${fmt(big.portal.users)} portal users over ${big.portal.types.length} user types (${big.portal.types.map((t) => t.name).join(', ')}), ${fmt(big.portal.notes)} notes, ${fmt(big.portal.attachments)} files (portal data checked in ${big.portalSeconds.toFixed(1)} s)`,
    );
    say(`      and a second database of ${fmt(little.size.records)} records and ${fmt(little.portal.users)} portal users, for how costs grow`);

    tokens.staff = await benchSession(db, { kind: 'staff', id: big.ownerId });
    const signedIn = await findSessionStaff(db, tokens.staff, 30);
    if (!signedIn) throw new Error('the bench session was not accepted');
    tokens.portal = await benchSession(db, { kind: 'portal', id: big.portal.measured.userId });
    tokens.submitter = await benchSession(db, { kind: 'portal', id: await submitter(db, big.portal) });
    tokens.smallPortal = await benchSession(small.db, { kind: 'portal', id: little.portal.measured.userId });
    tokens.smallStaff = await benchSession(small.db, { kind: 'staff', id: little.ownerId });
    samples = await listSamples(db);
    smallSamples = await listSamples(small.db);

    say();
    say('Query plans (EXPLAIN ANALYZE of the statements the list, search, related-list and lookup functions send, as an administrator):');
    const plans = await listQueryPlans(handle, signedIn.staff, { analyze: true });
    const width = Math.max(...plans.map((p) => p.label.length));
    for (const p of plans) {
      const seq = p.seqScans.filter((t) => GROWING_TABLES.includes(t));
      report.plans.push({ label: p.label, ms: p.executionMs, seqScans: seq });
      say(`  ${seq.length ? 'SEQ ' : 'ok  '} ${ms(p.executionMs).padStart(6)} ms  ${p.label.padEnd(width)}  ${planOutline(p.plan)}`);
      if (seq.length) fail(`${p.label}: sequential scan of ${seq.join(', ')}`);
    }
  } finally {
    await small.close();
    await handle.close();
  }
  const listPath = `/p/${BENCH_PORTAL_SLUG}/m/cases`;
  const captured = await capturePortalList(url, config, log, tokens.portal, listPath);
  const sessionValue = sessionIdFromToken(tokens.portal);
  if (!captured[0]?.values.includes(sessionValue)) throw new Error('the portal list’s first statement does not read the session');
  const planFile = join(DATA_DIR, 'baseline-plan.json');
  await writeFile(planFile, JSON.stringify({ cookie: PORTAL_COOKIE, sessionValue, statements: captured } satisfies BaselinePlan));
  await embedded?.stop();

  // 2. The production build, then Porta started on the existing data folder as `npm start` starts it.
  say();
  const started = performance.now();
  await runCommand('npm', ['run', 'build', '--silent'], projectRoot);
  report.buildMs = performance.now() - started;
  say(`Production build (npm run build): ${(report.buildMs / 1000).toFixed(1)} s`);
  const servers: Server[] = [];
  const portalHeaders = (token: string) => ({ cookie: `${PORTAL_COOKIE}=${token}`, 'accept-encoding': 'br, gzip', accept: 'text/html' });
  const staffHeaders = (token: string) => ({ cookie: `${SESSION_COOKIE}=${token}`, 'accept-encoding': 'br, gzip', accept: 'text/html' });
  const portaEnv = (port: number, extra: NodeJS.ProcessEnv) => ({
    ...process.env,
    NODE_ENV: 'production',
    PORT: String(port),
    BASE_URL: `http://127.0.0.1:${port}`,
    SERVER_TIMING: 'true',
    SEED_DEMO: 'false',
    INBOUND_SMTP_PORT: '0',
    LOG_LEVEL: 'warn',
    DATABASE_URL: '',
    ...extra,
  });
  try {
    const port = await freePort();
    const porta = await startServer({
      command: ['npm', 'start', '--silent'],
      cwd: projectRoot,
      env: portaEnv(port, process.env.BENCH_DATABASE_URL ? { DATABASE_URL: url } : { EMBEDDED_PG_DIR: embeddedDir, EMBEDDED_PG_PORT: PG_PORT }),
      origin: `http://127.0.0.1:${port}`,
      readyPath: `/p/${BENCH_PORTAL_SLUG}`,
      readyHeaders: portalHeaders(tokens.portal),
      logFile: join(DATA_DIR, 'porta.log'),
    });
    servers.push(porta);
    report.coldStartMs = porta.readyMs;
    say(
      `Cold start: ${(porta.readyMs / 1000).toFixed(2)} s from \`npm start\` to the first portal page (${embedded ? 'embedded PostgreSQL started on the existing data folder, migrations checked' : 'BENCH_DATABASE_URL'}), RSS ${fmt(await porta.rssMb())} MB`,
    );
    const basePort = await freePort();
    const baseline = await startServer({
      command: [process.execPath, 'dist/src/bench/baseline-server.js'],
      cwd: projectRoot,
      env: { ...process.env, DATABASE_URL: url, PORT: String(basePort), BASELINE_PLAN: planFile, DATABASE_POOL_MAX: String(config.databasePoolMax) },
      origin: `http://127.0.0.1:${basePort}`,
      readyPath: '/constant',
      logFile: join(DATA_DIR, 'baseline.log'),
    });
    servers.push(baseline);

    const m = big.portal.measured;
    const P = `/p/${BENCH_PORTAL_SLUG}`;
    const form = new URLSearchParams({
      subject: 'Bench: the invoice total is wrong',
      description: 'Submitted by the benchmark.',
      priority: 'medium',
    }).toString();
    const scenarios: Scenario[] = [
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
            origin: porta.origin,
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

    say();
    say(`Requests (autocannon, ${SECONDS} s per level after 1 s of warm-up; Brotli accepted; statements from Server-Timing, max of 5 requests):`);
    say(`  ${'scenario'.padEnd(58)} stmts  KB br   RSS MB   req/s @1 / @10 / @50       p50 @10   p99 @50`);
    for (const s of scenarios) {
      const server = s.server === 'porta' ? porta : baseline;
      const probes: Probe[] = [];
      for (let i = 0; i < 5; i++) probes.push(await probe(server.origin, s.target));
      const bad = probes.find((p) => !s.target.expect.includes(p.status));
      if (bad) throw new Error(`${s.label}: ${s.target.path} answered ${bad.status}`);
      const counted = probes.map((p) => p.statements).filter((n): n is number => n !== undefined);
      const statements = s.server === 'porta' ? Math.max(...counted) : undefined;
      if (s.server === 'porta' && counted.length !== probes.length) throw new Error(`${s.label}: no Server-Timing statement count`);
      await hammer(server.origin, s.target, 10, 1);
      const runs: Run[] = [];
      for (const c of CONNECTIONS) runs.push(await hammer(server.origin, s.target, c, SECONDS));
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
      const rates = CONNECTIONS.map((c) => fmt(at(c)?.rps ?? 0)).join(' / ');
      const head = `  ${s.label.slice(0, 58).padEnd(58)} ${String(statements ?? '–').padStart(5)} ${(result.bytes / 1024).toFixed(1).padStart(6)} ${fmt(result.rssMb).padStart(8)}   ${rates}`;
      say(`${head.padEnd(118)}${ms(at(10)?.p50).padStart(6)} ms ${ms(at(50)?.p99).padStart(6)} ms`);
      if (s.budget !== undefined && statements !== undefined && statements > s.budget) fail(`${s.label} sent ${statements} statements (budget ${s.budget})`);
      for (const r of runs)
        if (r.errors || r.unexpected) fail(`${s.label} at ${r.connections} connections: ${r.errors} errors, ${r.unexpected} unexpected answers`);
    }
    const find = (key: string) => report.scenarios.find((s) => s.key === key)?.runs.find((r) => r.connections === 10);
    const baseList = find('baseline-list');
    const portaList = find('list');
    if (baseList && portaList) say(`  portal list at 10 connections: ${(portaList.rps / baseList.rps).toFixed(2)} of the bare-SQL baseline's throughput`);

    // 3. The same pages on 10,000 records: how their cost grows with the data.
    const smallPort = await freePort();
    const smallPorta = await startServer({
      command: [process.execPath, 'dist/src/main.js'],
      cwd: projectRoot,
      env: portaEnv(smallPort, { DATABASE_URL: smallUrl }),
      origin: `http://127.0.0.1:${smallPort}`,
      readyPath: `/p/${BENCH_PORTAL_SLUG}`,
      readyHeaders: portalHeaders(tokens.smallPortal),
      logFile: join(DATA_DIR, 'porta-10k.log'),
    });
    servers.push(smallPorta);
    say();
    say(`How the cost grows from ${fmt(little.size.records)} to ${fmt(big.size.records)} records (req/s at 10 connections; ratio = 10k / 1M, 1 = no growth):`);
    const growth: [string, string, Target, Target][] = [
      ['list', 'portal case list', { path: listPath, headers: portalHeaders(tokens.smallPortal), expect: [200] }, scenarios[3]?.target as Target],
      [
        'staff-search',
        'staff contacts search',
        { path: `/admin/m/contacts?q=${encodeURIComponent(smallSamples.contactWord)}`, headers: staffHeaders(tokens.smallStaff), expect: [200] },
        scenarios[7]?.target as Target,
      ],
      [
        'staff-list',
        'staff contacts list',
        { path: '/admin/m/contacts', headers: staffHeaders(tokens.smallStaff), expect: [200] },
        { path: '/admin/m/contacts', headers: staffHeaders(tokens.staff), expect: [200] },
      ],
    ];
    for (const [key, label, smallTarget, bigTarget] of growth) {
      await hammer(smallPorta.origin, smallTarget, 10, 1);
      const a = await hammer(smallPorta.origin, smallTarget, 10, SECONDS);
      await hammer(porta.origin, bigTarget, 10, 1);
      const b = await hammer(porta.origin, bigTarget, 10, SECONDS);
      const ratio = a.rps / b.rps;
      report.growth.push({ key, label, rps10k: a.rps, rps1M: b.rps, ratio });
      say(`  ${label.padEnd(28)} ${fmt(a.rps).padStart(6)} → ${fmt(b.rps).padStart(6)} req/s   ratio ${ratio.toFixed(2)}`);
      if (a.errors || a.unexpected || b.errors || b.unexpected) fail(`${label}: failed requests while measuring growth`);
    }
    await smallPorta.stop();

    // 4. Work done in the background: an import, an export, invitations.
    say();
    say('Background work:');
    const jobs = openDatabase(url, 4);
    try {
      report.jobs.push(await benchImport(jobs.db, porta.origin, tokens.staff, big.ownerId, say));
      report.jobs.push(await benchExport(jobs.db, url, porta.origin, portalHeaders(tokens.portal), big.portal.measured, say));
    } catch (err) {
      fail(`background work: ${(err as Error).message}`);
    } finally {
      await jobs.close();
    }
    const invites = await benchInvites(url, log, say);
    report.jobs.push({ label: 'bulk invitation of 10,000 contacts', seconds: invites.seconds, detail: `${fmt(invites.perSecond)} invitations/s` });
    if (!invites.ok) report.failures.push('bulk invitations');
  } finally {
    for (const s of servers.reverse()) await s.stop().catch(() => {});
  }

  say();
  say(report.failures.length ? `FAILED: ${report.failures.join('; ')}` : 'ok: every page within its statement budget, no failed request, no sequential scan.');
  await writeReports(report, lines);
  if (report.failures.length) process.exit(1);
}

/** A CSV of contacts uploaded as a browser uploads it, mapped and checked, then imported by the worker of the Porta under test. */
async function benchImport(db: Database, origin: string, staffToken: string, staffId: string, say: (l: string) => void) {
  const contacts = await loadModuleMeta(db, 'contacts');
  if (!contacts) throw new Error('no contacts module');
  const run = Date.now().toString(36);
  const rows = Array.from(
    { length: IMPORT_ROWS },
    (_, i) => `Imported,Person ${i + 1},imported.${run}.${i + 1}@import-${i % 500}.example,+34 600 ${String(i).padStart(6, '0')},Buyer`,
  );
  const csv = `first_name,last_name,email,phone,title\n${rows.join('\n')}\n`;
  const headers = { cookie: `${SESSION_COOKIE}=${staffToken}`, origin, 'sec-fetch-site': 'same-origin' };
  let started = performance.now();
  const body = new FormData();
  body.append('file', new Blob([csv], { type: 'text/csv' }), `contacts-${run}.csv`);
  const upload = await fetch(`${origin}/admin/m/contacts/import`, { method: 'POST', body, headers, redirect: 'manual' });
  const id = /\/import\/([0-9a-f-]{36})\/mapping/.exec(upload.headers.get('location') ?? '')?.[1];
  if (upload.status !== 303 || !id) throw new Error(`the CSV upload answered ${upload.status}`);
  const uploadSeconds = (performance.now() - started) / 1000;
  started = performance.now();
  const imp = await findImport(db, { staffId, moduleId: contacts.module.id }, id);
  if (!imp) throw new Error('the uploaded import is not found');
  const columns = ['first_name', 'last_name', 'email', 'phone', 'title'];
  const mapping = suggestMapping(contacts, columns);
  if (Object.values(mapping).filter(Boolean).length !== columns.length) throw new Error(`the columns were not all mapped: ${JSON.stringify(mapping)}`);
  const saved = await saveMapping(db, imp, contacts, columns, Object.fromEntries(columns.map((c) => [c, mapping[c] ?? undefined])));
  if (!saved.ok) throw new Error('the mapping was refused');
  const mapped = await findImport(db, { staffId, moduleId: contacts.module.id }, id);
  if (!mapped) throw new Error('the import went missing');
  await validateImport(db, mapped, contacts);
  const checkSeconds = (performance.now() - started) / 1000;
  started = performance.now();
  const start = await fetch(`${origin}/admin/m/contacts/import/${id}/start`, {
    method: 'POST',
    body: new URLSearchParams({}),
    headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
    redirect: 'manual',
  });
  if (start.status !== 303) throw new Error(`starting the import answered ${start.status}`);
  for (;;) {
    const row = await db.selectFrom('imports').select(['status', 'imported_rows']).where('id', '=', id).executeTakeFirstOrThrow();
    if (row.status === 'done' || row.status === 'failed') {
      const seconds = (performance.now() - started) / 1000;
      if (row.status === 'failed' || row.imported_rows !== IMPORT_ROWS)
        throw new Error(`the import ended ${row.status} with ${row.imported_rows} of ${IMPORT_ROWS} rows`);
      const detail = `${fmt(IMPORT_ROWS / seconds)} rows/s imported (upload ${uploadSeconds.toFixed(1)} s, mapping and check of every row ${checkSeconds.toFixed(1)} s)`;
      say(`  CSV import of ${fmt(IMPORT_ROWS)} contacts: ${seconds.toFixed(1)} s in the worker, ${detail}`);
      return { label: `CSV import of ${fmt(IMPORT_ROWS)} contacts`, seconds, detail };
    }
    if (performance.now() - started > 600_000) throw new Error('the import did not finish within 10 minutes');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The measured user's own export: asked for in the portal, accepted and completed by staff, built by the worker, downloaded. */
async function benchExport(
  db: Database,
  url: string,
  origin: string,
  headers: Record<string, string>,
  measured: BenchPortal['measured'],
  say: (l: string) => void,
) {
  const user = { id: measured.userId, record_id: measured.contactId };
  // Requests of earlier runs are closed, so this run's is the one open export.
  await db
    .updateTable('privacy_requests')
    .set({ status: 'completed' })
    .where('record_id', '=', user.record_id)
    .where('status', 'in', ['submitted', 'in_progress', 'extended'])
    .execute();
  const post = { ...headers, 'content-type': 'application/x-www-form-urlencoded', origin, 'sec-fetch-site': 'same-origin' };
  const filed = await fetch(`${origin}/p/${BENCH_PORTAL_SLUG}/privacy/requests`, {
    method: 'POST',
    headers: post,
    body: new URLSearchParams({ record: user.record_id, kind: 'export', details: '' }),
    redirect: 'manual',
  });
  const requestId = /\/privacy\/requests\/([0-9a-f-]{36})/.exec(filed.headers.get('location') ?? '')?.[1];
  if (filed.status !== 303 || !requestId) throw new Error(`asking for the export answered ${filed.status}`);
  const boss = await startBoss({ connectionString: url, role: 'web', migrate: false });
  const staff = await bulkOwner(db);
  let started = 0;
  try {
    for (const kind of ['accept', 'complete'] as const) {
      const request = await findRequest(db, requestId);
      if (!request) throw new Error('the export request went missing');
      if (kind === 'complete') started = performance.now();
      const acted = await actOnRequest(db, { boss, baseUrl: origin }, staff, requestId, request.version, { kind }, requestWork(boss, staff));
      if (!acted.ok) throw new Error(`${kind} of the export was refused: ${acted.problem}`);
    }
  } finally {
    await boss.stop({ graceful: false, close: true });
  }
  for (;;) {
    const row = await db.selectFrom('privacy_exports').select(['status', 'size']).where('request_id', '=', requestId).executeTakeFirstOrThrow();
    if (row.status === 'ready') {
      const seconds = (performance.now() - started) / 1000;
      const archive = await fetch(`${origin}/p/${BENCH_PORTAL_SLUG}/privacy/requests/${requestId}/archive`, { headers });
      const bytes = (await archive.arrayBuffer()).byteLength;
      if (archive.status !== 200) throw new Error(`downloading the export answered ${archive.status}`);
      const detail = `an archive of ${fmt(bytes / 1024)} KB, then downloaded through the portal`;
      say(`  privacy export of one person: ${seconds.toFixed(2)} s from completion to a ready archive, ${detail}`);
      return { label: 'privacy export of one person', seconds, detail };
    }
    if (row.status === 'failed') throw new Error('the export failed');
    if (performance.now() - started > 120_000) throw new Error('the export was not ready within 2 minutes');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;

/** The report as Markdown: what README's performance section summarizes. */
function markdown(r: Report): string {
  const out = [
    `# Porta bench, ${r.date.slice(0, 10)}`,
    '',
    `${r.machine.cores} cores (${r.machine.cpu}), ${r.machine.memoryGiB} GiB RAM, Node ${r.machine.node}, PostgreSQL ${r.postgres}.`,
    `Data: ${fmt(Number(r.data.records))} records, ${fmt(Number(r.data.portalUsers))} portal users over ${(r.data.userTypes as string[]).length} user types, ${fmt(Number(r.data.notes))} notes, ${fmt(Number(r.data.attachments))} files.`,
    `Production build in ${(r.buildMs / 1000).toFixed(1)} s; cold start (\`npm start\` to the first portal page) ${(r.coldStartMs / 1000).toFixed(2)} s.`,
    '',
    `autocannon, ${SECONDS} s per level; statements per request from Server-Timing; size as sent with Brotli; RSS of the server process after the scenario.`,
    '',
    row(['scenario', 'statements', 'KB', 'RSS MB', 'req/s @1', 'req/s @10', 'req/s @50', 'p50 @1 ms', 'p50 @10 ms', 'p99 @10 ms', 'p99 @50 ms']),
    row(Array(11).fill('---')),
  ];
  for (const s of r.scenarios) {
    const at = (c: number) => s.runs.find((x) => x.connections === c);
    out.push(
      row([
        s.label,
        s.statements === undefined ? '–' : `${s.statements}${s.budget ? ` (≤ ${s.budget})` : ''}`,
        (s.bytes / 1024).toFixed(1),
        fmt(s.rssMb),
        fmt(at(1)?.rps ?? 0),
        fmt(at(10)?.rps ?? 0),
        fmt(at(50)?.rps ?? 0),
        ms(at(1)?.p50),
        ms(at(10)?.p50),
        ms(at(10)?.p99),
        ms(at(50)?.p99),
      ]),
    );
  }
  out.push(
    '',
    'Growth from 10,000 to 1,000,000 records (req/s at 10 connections):',
    '',
    row(['page', '10k', '1M', 'ratio']),
    row(['---', '---', '---', '---']),
  );
  for (const g of r.growth) out.push(row([g.label, fmt(g.rps10k), fmt(g.rps1M), g.ratio.toFixed(2)]));
  out.push('', 'Background work:', '');
  for (const j of r.jobs) out.push(`- ${j.label}: ${j.seconds.toFixed(1)} s; ${j.detail}`);
  out.push('', 'Plans:', '');
  for (const p of r.plans) out.push(`- ${p.seqScans.length ? 'SEQUENTIAL' : 'index'} ${ms(p.ms)} ms: ${p.label}`);
  out.push('', r.failures.length ? `FAILED: ${r.failures.join('; ')}` : 'No failure.', '');
  return out.join('\n');
}

async function writeReports(report: Report, lines: string[]) {
  await mkdir(RESULTS_DIR, { recursive: true });
  const stamp = report.date.slice(0, 16).replace(/[:T]/g, '-');
  const md = markdown(report);
  const json = `${JSON.stringify(report, null, 2)}\n`;
  for (const name of [stamp, 'latest']) {
    await writeFile(join(RESULTS_DIR, `${name}.md`), md);
    await writeFile(join(RESULTS_DIR, `${name}.json`), json);
  }
  await writeFile(join(DATA_DIR, 'report.txt'), `${lines.join('\n')}\n`);
  console.log(`\nReports written to ${join(RESULTS_DIR, `${stamp}.md`)} and .json (and latest.md, latest.json)`);
}

main().catch((err) => exitWithFailure(err, 'The benchmark failed'));
