import { mkdir, writeFile } from 'node:fs/promises';
import { Agent } from 'node:http';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { sql } from 'kysely';
import { SESSION_COOKIE } from '../auth/cookies.js';
import { PORTAL_COOKIE } from '../auth/portal-session.js';
import { bulkOwner, bulkSeed, dataSize } from '../bench/bulk-seed.js';
import { probe } from '../bench/http.js';
import { BENCH_PORTAL_SLUG, BENCH_TYPES, benchSession, seedBenchPortal } from '../bench/portal-data.js';
import { freePort, runCommand, startServer } from '../bench/processes.js';
import { toolConfig } from '../bench/setup.js';
import { ConfigError } from '../config.js';
import { loadModuleMeta } from '../crm/metadata.js';
import { openDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { exitWithFailure } from '../errors.js';
import { createLogger } from '../log.js';
import { projectRoot } from '../paths.js';
import { resolveDatabase } from '../runtime.js';

// `npm run load`: 200 signed-in portal users and a few staff users working at
// once against the production build (`npm start` on an embedded database of
// its own, .data/load/postgres) for 60 seconds. Customers open their home,
// their case list and a case, submit new cases and reply on them; staff list
// cases, open the ones customers just submitted and answer them. Every write
// carries a marker; afterwards each acknowledged case and reply must exist
// exactly once, and nothing unacknowledged may exist. Exits 1 on any error
// (a failed request, an unexpected status) or any lost or duplicated write.

const USERS = Number(process.env.LOAD_USERS ?? 200);
const STAFF = Number(process.env.LOAD_STAFF ?? 5);
const SECONDS = Number(process.env.LOAD_SECONDS ?? 60);
const RECORDS = Number(process.env.LOAD_RECORDS ?? 50_000);
const PG_PORT = process.env.LOAD_PG_PORT ?? '54338';
const DATA_DIR = resolve(projectRoot, '.data/load');
const RESULTS_DIR = resolve(projectRoot, 'bench/results');
const P = `/p/${BENCH_PORTAL_SLUG}`;
/** Types whose tabs let a customer submit cases and reply on them (the bench's Customers, Key accounts, Resellers). */
const WRITING_TYPES = BENCH_TYPES.flatMap((t, i) => (t.tabs.cases?.create && t.tabs.cases.notes === 'add' ? [i] : []));

type Kind = 'portal page' | 'new case' | 'customer reply' | 'staff page' | 'staff reply';
type Sample = { kind: Kind; ms: number };

const CASE_LINK = /href="[^"]*\/m\/cases\/([0-9a-f-]{36})"/g;

function percentile(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

async function main() {
  for (const [name, v, lo, hi] of [
    ['LOAD_USERS', USERS, 1, 5000],
    ['LOAD_STAFF', STAFF, 0, 100],
    ['LOAD_SECONDS', SECONDS, 1, 3600],
  ] as const)
    if (!Number.isInteger(v) || v < lo || v > hi) throw new ConfigError([`${name}: must be a whole number from ${lo} to ${hi}`]);
  const { config, embeddedDir } = toolConfig('load', process.env.LOAD_DATABASE_URL, PG_PORT);
  const log = createLogger(config);
  await mkdir(DATA_DIR, { recursive: true });
  const run = `load-${Date.now().toString(36)}`;

  // The data and the sessions, on the load test's own server.
  const { url, embedded } = await resolveDatabase(config, log);
  const handle = openDatabase(url, 4);
  const { db } = handle;
  const customers: string[] = [];
  const staff: string[] = [];
  let size: Awaited<ReturnType<typeof dataSize>>;
  try {
    await migrateToLatest(db);
    const have = await dataSize(db);
    if (have.records < RECORDS) {
      console.log(`Generating ${(RECORDS - have.records).toLocaleString('en')} records (once)…`);
      await bulkSeed(db, { records: RECORDS - have.records });
    }
    const ownerId = await bulkOwner(db);
    const portal = await seedBenchPortal(db, ownerId, Math.max(1_000, USERS * 2));
    size = await dataSize(db);
    const writers = portal.types.filter((_, i) => WRITING_TYPES.includes(i)).map((t) => t.id);
    const users = await db
      .selectFrom('portal_users')
      .select('id')
      .where('user_type_id', 'in', writers)
      .where('status', '=', 'active')
      .orderBy('email')
      .limit(USERS)
      .execute();
    if (users.length < USERS) throw new Error(`only ${users.length} portal users can submit cases`);
    for (const u of users) customers.push(await benchSession(db, { kind: 'portal', id: u.id }));
    for (let i = 0; i < STAFF; i++) staff.push(await benchSession(db, { kind: 'staff', id: ownerId }));
  } finally {
    await handle.close();
    await embedded?.stop();
  }

  await runCommand('npm', ['run', 'build', '--silent'], projectRoot);
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const porta = await startServer({
    command: ['npm', 'start', '--silent'],
    cwd: projectRoot,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PORT: String(port),
      BASE_URL: origin,
      SEED_DEMO: 'false',
      INBOUND_SMTP_PORT: '0',
      LOG_LEVEL: 'warn',
      ...(process.env.LOAD_DATABASE_URL ? { DATABASE_URL: url } : { DATABASE_URL: '', EMBEDDED_PG_DIR: embeddedDir, EMBEDDED_PG_PORT: PG_PORT }),
    },
    origin,
    readyPath: '/healthz',
    logFile: join(DATA_DIR, 'porta.log'),
  });

  const agent = new Agent({ keepAlive: true, maxSockets: USERS + STAFF + 10 });
  const samples: Sample[] = [];
  const errors: string[] = [];
  const cases = new Map<string, string>(); // marker → case id, for acknowledged submissions
  const replies = new Set<string>(); // markers of acknowledged replies (customers' and staff's)
  const fresh: string[] = []; // ids of cases customers submitted, for staff to answer
  const deadline = performance.now() + SECONDS * 1000;

  const call = async (kind: Kind, path: string, cookie: string, expect: number, form?: Record<string, string>) => {
    const started = performance.now();
    try {
      const body = form ? new URLSearchParams(form).toString() : undefined;
      const headers: Record<string, string> = { cookie, 'accept-encoding': 'br, gzip' };
      if (body) Object.assign(headers, { 'content-type': 'application/x-www-form-urlencoded', origin, 'sec-fetch-site': 'same-origin' });
      const res = await probe(origin, { method: form ? 'POST' : 'GET', path, headers, body }, agent);
      samples.push({ kind, ms: performance.now() - started });
      if (res.status !== expect) {
        errors.push(`${kind} ${path}: ${res.status}`);
        return undefined;
      }
      return { body: res.body, location: res.location ?? '' };
    } catch (err) {
      errors.push(`${kind} ${path}: ${(err as Error).message}`);
      return undefined;
    }
  };

  const customer = async (n: number, token: string) => {
    const cookie = `${PORTAL_COOKIE}=${token}`;
    for (let step = 0; performance.now() < deadline; step++) {
      await call('portal page', P, cookie, 200);
      const list = await call('portal page', `${P}/m/cases`, cookie, 200);
      const ids = [...(list?.body.matchAll(CASE_LINK) ?? [])].map((m) => m[1] as string);
      const open = ids[step % Math.max(ids.length, 1)];
      if (open) await call('portal page', `${P}/m/cases/${open}`, cookie, 200);
      if (performance.now() >= deadline) break;
      if (step % 2 === 0) {
        const marker = `${run} case ${n}.${step}`;
        const created = await call('new case', `${P}/m/cases`, cookie, 303, { subject: marker, description: 'Submitted under load.', priority: 'medium' });
        const id = /\/m\/cases\/([0-9a-f-]{36})/.exec(created?.location ?? '')?.[1];
        if (id) {
          cases.set(marker, id);
          fresh.push(id);
          const reply = `${run} reply ${n}.${step}`;
          if (await call('customer reply', `${P}/m/cases/${id}/notes`, cookie, 303, { body: reply })) replies.add(reply);
        }
      }
    }
  };

  const staffer = async (n: number, token: string) => {
    const cookie = `${SESSION_COOKIE}=${token}`;
    for (let step = 0; performance.now() < deadline; step++) {
      await call('staff page', '/admin/m/cases', cookie, 200);
      const id = fresh[(n + step * STAFF) % Math.max(fresh.length, 1)];
      if (!id) {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      await call('staff page', `/admin/m/cases/${id}`, cookie, 200);
      if (performance.now() >= deadline) break;
      const reply = `${run} answer ${n}.${step}`;
      if (await call('staff reply', `/admin/m/cases/${id}/notes`, cookie, 303, { body: reply, visibility: 'customer' })) replies.add(reply);
    }
  };

  console.log(`Load: ${USERS} portal users and ${STAFF} staff users for ${SECONDS} s against ${origin} (production build, npm start)…`);
  const began = performance.now();
  await Promise.all([...customers.map((t, i) => customer(i, t)), ...staff.map((t, i) => staffer(i, t))]);
  const elapsed = (performance.now() - began) / 1000;
  const rssMb = await porta.rssMb();
  agent.destroy();

  // Every acknowledged write exactly once, and nothing else with this run's marker.
  const check = openDatabase(url, 2);
  let lost = 0;
  let duplicated = 0;
  let unacknowledged = 0;
  try {
    const meta = await loadModuleMeta(check.db, 'cases');
    if (!meta) throw new Error('no cases module');
    // UNSCOPED READ: operator tool (npm run load): counts the cases this run wrote, by its marker, to check none was lost or doubled.
    const stored = await check.db
      .selectFrom('records')
      .select([sql<string>`data->>'subject'`.as('subject'), (eb) => eb.fn.countAll<string>().as('n')])
      .where('module_id', '=', meta.module.id)
      .where(sql<string>`data->>'subject'`, 'like', `${run} %`)
      .groupBy(sql`data->>'subject'`)
      .execute();
    const byMarker = new Map(stored.map((r) => [r.subject, Number(r.n)]));
    const notes = await check.db
      .selectFrom('notes')
      .select(['body', (eb) => eb.fn.countAll<string>().as('n')])
      .where('body', 'like', `${run} %`)
      .groupBy('body')
      .execute();
    for (const r of notes) byMarker.set(r.body, Number(r.n));
    for (const marker of [...cases.keys(), ...replies]) {
      const n = byMarker.get(marker) ?? 0;
      if (n === 0) lost++;
      if (n > 1) duplicated++;
      byMarker.delete(marker);
    }
    unacknowledged = byMarker.size;
  } finally {
    await check.close();
    await porta.stop();
  }

  const lines: string[] = [];
  const say = (l = '') => {
    console.log(l);
    lines.push(l);
  };
  const all = samples.map((s) => s.ms).sort((a, b) => a - b);
  const cpu = cpus();
  const date = new Date().toISOString();
  say(`# Porta load test, ${date.slice(0, 10)}`);
  say();
  say(
    `${cpu.length} cores (${cpu[0]?.model.trim()}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.versions.node}; production build (\`npm start\`), embedded PostgreSQL ${size.postgres}; ${size.records.toLocaleString('en')} records.`,
  );
  say(`${USERS} portal users and ${STAFF} staff users, each a loop without pauses, for ${SECONDS} s; server RSS at the end ${Math.round(rssMb)} MB.`);
  say();
  say('| requests | count | req/s | p50 ms | p95 ms | p99 ms |');
  say('| --- | --- | --- | --- | --- | --- |');
  const kinds: (Kind | 'all')[] = ['all', 'portal page', 'new case', 'customer reply', 'staff page', 'staff reply'];
  const stats: Record<string, { count: number; rps: number; p50: number; p95: number; p99: number }> = {};
  for (const k of kinds) {
    const times =
      k === 'all'
        ? all
        : samples
            .filter((s) => s.kind === k)
            .map((s) => s.ms)
            .sort((a, b) => a - b);
    stats[k] = { count: times.length, rps: times.length / elapsed, p50: percentile(times, 50), p95: percentile(times, 95), p99: percentile(times, 99) };
    const s = stats[k];
    say(
      `| ${k} | ${s.count.toLocaleString('en')} | ${Math.round(s.rps).toLocaleString('en')} | ${s.p50.toFixed(1)} | ${s.p95.toFixed(1)} | ${s.p99.toFixed(1)} |`,
    );
  }
  say();
  say(`Errors: ${errors.length}${errors.length ? ` (first: ${errors.slice(0, 5).join('; ')})` : ''}.`);
  say(
    `Writes: ${cases.size.toLocaleString('en')} cases and ${replies.size.toLocaleString('en')} replies acknowledged; ${lost} lost, ${duplicated} duplicated, ${unacknowledged} stored without an acknowledgement.`,
  );
  const ok = errors.length === 0 && lost === 0 && duplicated === 0 && unacknowledged === 0 && cases.size > 0 && replies.size > 0;
  say(ok ? 'ok' : 'FAILED');
  await mkdir(RESULTS_DIR, { recursive: true });
  await writeFile(join(RESULTS_DIR, 'load-latest.md'), `${lines.join('\n')}\n`);
  await writeFile(
    join(RESULTS_DIR, 'load-latest.json'),
    `${JSON.stringify({ date, users: USERS, staff: STAFF, seconds: SECONDS, records: size.records, rssMb, stats, errors: errors.length, cases: cases.size, replies: replies.size, lost, duplicated, unacknowledged, ok }, null, 2)}\n`,
  );
  if (!ok) process.exit(1);
}

main().catch((err) => exitWithFailure(err, 'The load test failed'));
