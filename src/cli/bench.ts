import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { createApp } from '../app.js';
import { SESSION_COOKIE } from '../auth/cookies.js';
import { createSession, generateSessionToken, invalidateSession, sessionIdFromToken } from '../auth/sessions.js';
import { findSessionStaff } from '../auth/staff.js';
import { ConfigError, loadConfig } from '../config.js';
import { BULK_MAX_RECORDS, bulkOwner, bulkSeed, dataSize } from '../crm/bulk-seed.js';
import { GROWING_TABLES, listQueryPlans, listSamples, planOutline } from '../crm/list-plans.js';
import { openDatabase } from '../db/database.js';
import { defaultEmbeddedDir, serverAccount } from '../db/embedded-host.js';
import { migrateToLatest } from '../db/migrate.js';
import type { Deps } from '../deps.js';
import { exitWithFailure } from '../errors.js';
import { loadAssets } from '../http/assets.js';
import { listen } from '../http/serve.js';
import { startBoss } from '../jobs/boss.js';
import { createLogger } from '../log.js';
import { projectRoot } from '../paths.js';
import { resolveDatabase } from '../runtime.js';
import { benchInvites } from './bench-invites.js';

// `npm run bench`: a million generated records in a database of the bench's own
// (.data/bench/postgres, under /var/lib/porta as root in a private folder, or BENCH_DATABASE_URL), the plans of the list, related-list and
// lookup queries at that size, and the time staff pages take over HTTP.
// Exits 1 when a plan reads records or record_refs sequentially, or when the
// default list page's p95 reaches the budget. Then 10,000 bulk invitations
// (bench-invites.ts); `npm run bench -- --invites` runs that section alone.

const RECORDS = Number(process.env.BENCH_RECORDS ?? 1_000_000);
const PAGE_BUDGET_MS = 50;
const WARMUP = 20;
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 200);
const BENCH_DIR = resolve(projectRoot, '.data/bench');
const INVITES_ONLY = process.argv.includes('--invites');

type Latency = { label: string; path: string; p50: number; p95: number; p99: number; max: number; bytes: number };

const fmt = (n: number) => n.toLocaleString('en');
const ms = (n: number) => n.toFixed(1).padStart(6);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

async function main() {
  if (!Number.isInteger(RECORDS) || RECORDS < 1 || RECORDS > BULK_MAX_RECORDS)
    throw new ConfigError([`BENCH_RECORDS: must be a whole number from 1 to ${BULK_MAX_RECORDS}`]);
  // Never the application's DATABASE_URL: the bench adds a million records to whatever it is given.
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: process.env.BENCH_DATABASE_URL ?? '',
    EMBEDDED_PG_DIR: defaultEmbeddedDir(projectRoot, serverAccount(), 'bench/postgres').dir,
    EMBEDDED_PG_PORT: process.env.BENCH_PG_PORT ?? '54339',
    NODE_ENV: 'production',
    BASE_URL: 'http://127.0.0.1',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  });
  const log = createLogger(config);
  const report: string[] = [];
  const say = (line = '') => {
    console.log(line);
    report.push(line);
  };
  let failed = false;

  const { url, embedded } = await resolveDatabase(config, log);
  const machine = () => {
    const cpu = cpus();
    return `Machine: ${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown CPU'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM; Node ${process.versions.node}`;
  };
  if (INVITES_ONLY) {
    try {
      say(`Porta bench, bulk invitations only, ${new Date().toISOString()}`);
      say(machine());
      failed = !(await benchInvites(url, log, say)).ok;
    } finally {
      await embedded?.stop();
    }
    await writeReport(report);
    if (failed) process.exit(1);
    return;
  }
  const handle = openDatabase(url, config.databasePoolMax);
  const { db } = handle;
  let stopBoss: (() => Promise<void>) | undefined;
  let closeHttp: (() => Promise<void>) | undefined;
  let token: string | undefined;
  try {
    await migrateToLatest(db);
    const before = await dataSize(db);
    let seeded = `already seeded (${fmt(before.records)} records)`;
    if (before.records < RECORDS) {
      const missing = RECORDS - before.records;
      console.log(`Generating ${fmt(missing)} records (once; later runs reuse them)…`);
      const result = await bulkSeed(db, { records: missing, onProgress: (m, done, total) => done === total && console.log(`  ${m}: ${fmt(total)}`) });
      seeded = `${fmt(missing)} records generated now in ${(result.ms / 1000).toFixed(1)} s (npm run seed:bulk, batches of 100,000, 2 at a time, then VACUUM ANALYZE)`;
    }
    const size = await dataSize(db);

    say(`Porta bench, ${new Date().toISOString()}`);
    say(machine());
    say(`Database: PostgreSQL ${size.postgres}, ${embedded ? `embedded in ${embedded.dataDir}` : 'BENCH_DATABASE_URL'}`);
    say(
      `Data: ${fmt(size.records)} records (${Object.entries(size.byModule)
        .map(([m, n]) => `${fmt(n)} ${m}`)
        .join(', ')}), ${fmt(size.refs)} lookup references; ${seeded}`,
    );

    const ownerId = await bulkOwner(db);
    token = generateSessionToken();
    await createSession(db, token, { kind: 'staff', id: ownerId }, config.sessionDays, { userAgent: 'porta-bench' });
    const signedIn = await findSessionStaff(db, token, config.sessionDays);
    if (!signedIn) throw new Error('the bench session was not accepted');

    say();
    say(`Query plans (EXPLAIN ANALYZE of the statements the domain functions send, as an administrator):`);
    const plans = await listQueryPlans(handle, signedIn.staff, { analyze: true });
    const width = Math.max(...plans.map((p) => p.label.length));
    const slow: string[] = [];
    for (const p of plans) {
      const seq = p.seqScans.filter((t) => GROWING_TABLES.includes(t));
      if (seq.length) failed = true;
      if ((p.executionMs ?? 0) >= PAGE_BUDGET_MS) slow.push(p.label);
      const mark = seq.length ? 'SEQ ' : (p.executionMs ?? 0) >= PAGE_BUDGET_MS ? 'slow' : 'ok  ';
      say(`  ${mark} ${ms(p.executionMs ?? Number.NaN)} ms  ${p.label.padEnd(width)}  ${planOutline(p.plan)}  [${p.indexes.join(', ')}]`);
      if (seq.length) say(`        sequential scan of ${seq.join(', ')}:\n        ${p.sql}`);
    }
    say(
      failed
        ? '  FAIL: a plan reads records or record_refs from start to end.'
        : `  ok: no sequential scan of ${GROWING_TABLES.join(' or ')} in ${plans.length} statements.`,
    );
    // Index-backed is not always fast: an ORDER BY … LIMIT walk of the name index that must pass many rows before finding matches.
    if (slow.length) say(`  note: index-backed but over ${PAGE_BUDGET_MS} ms: ${slow.join('; ')}.`);

    const boss = await startBoss({ connectionString: url, role: 'web', migrate: true });
    stopBoss = () => boss.stop({ graceful: false, close: true });
    const deps: Deps = { config, db, boss, log, assets: loadAssets(join(projectRoot, 'static')) };
    const http = await listen(createApp(deps), 0, '127.0.0.1');
    closeHttp = () => http.close(1000);
    const origin = `http://127.0.0.1:${http.port}`;
    const headers = { Cookie: `${SESSION_COOKIE}=${token}`, 'Accept-Encoding': 'gzip, deflate, br', Accept: 'text/html' };
    const get = async (path: string) => {
      const res = await fetch(`${origin}${path}`, { headers, redirect: 'manual' });
      const body = await res.text();
      if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}`);
      return body;
    };

    const samples = await listSamples(db);
    const firstPage = await get('/admin/m/contacts');
    const next = /href="([^"]*[?&](?:amp;)?after=[^"]*)"/.exec(firstPage)?.[1]?.replaceAll('&amp;', '&');
    if (!next) throw new Error('the contacts list has no next page link');
    const pages: [string, string][] = [
      ['contacts, first page (by name)', '/admin/m/contacts'],
      ['contacts, page 2 (next link)', next],
      [`contacts, search "${samples.contactWord}"`, `/admin/m/contacts?q=${encodeURIComponent(samples.contactWord)}`],
      [`cases, status ${samples.status}`, `/admin/m/cases?f.status=${encodeURIComponent(samples.status)}`],
      [
        `cases, status ${samples.status} + search "${samples.caseWord}"`,
        `/admin/m/cases?f.status=${encodeURIComponent(samples.status)}&q=${encodeURIComponent(samples.caseWord)}`,
      ],
      ['account detail (related lists)', `/admin/m/accounts/${samples.accountId}`],
    ];
    const results: Latency[] = [];
    for (const [label, path] of pages) {
      let bytes = 0;
      for (let i = 0; i < WARMUP; i++) await get(path);
      const times: number[] = [];
      for (let i = 0; i < SAMPLES; i++) {
        const t = performance.now();
        bytes = (await get(path)).length;
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      results.push({ label, path, p50: percentile(times, 50), p95: percentile(times, 95), p99: percentile(times, 99), max: times.at(-1) ?? 0, bytes });
    }
    say();
    say(`Staff pages over HTTP (${SAMPLES} sequential requests each after ${WARMUP} warm-up ones; signed-in administrator; gzip; ms):`);
    const lw = Math.max(...results.map((r) => r.label.length));
    say(`  ${'page'.padEnd(lw)}     p50    p95    p99    max   html`);
    for (const r of results) say(`  ${r.label.padEnd(lw)}  ${ms(r.p50)} ${ms(r.p95)} ${ms(r.p99)} ${ms(r.max)}  ${fmt(Math.round(r.bytes / 1024))} KB`);
    const list = results[0];
    if (!list || list.p95 >= PAGE_BUDGET_MS) failed = true;
    say(
      list && list.p95 < PAGE_BUDGET_MS
        ? `  ok: the contacts list renders in ${list.p95.toFixed(1)} ms at p95 (budget ${PAGE_BUDGET_MS} ms) with ${fmt(size.records)} records.`
        : `  FAIL: the contacts list's p95 is ${list?.p95.toFixed(1)} ms, over the ${PAGE_BUDGET_MS} ms budget.`,
    );
    if (!(await benchInvites(url, log, say)).ok) failed = true;
  } finally {
    await closeHttp?.();
    await stopBoss?.();
    if (token) await invalidateSession(db, sessionIdFromToken(token)).catch(() => {});
    await handle.close();
    await embedded?.stop();
  }
  await writeReport(report);
  if (failed) process.exit(1);
}

async function writeReport(report: string[]) {
  await mkdir(BENCH_DIR, { recursive: true });
  await writeFile(join(BENCH_DIR, 'report.txt'), `${report.join('\n')}\n`);
  console.log(`\nReport written to ${join(BENCH_DIR, 'report.txt')}`);
}

main().catch((err) => exitWithFailure(err, 'The benchmark failed'));
