import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { captureBaselinePlan } from '../bench/baseline-plan.js';
import { BULK_MAX_RECORDS } from '../bench/bulk-seed.js';
import { prepareData } from '../bench/data.js';
import { measureGrowth } from '../bench/growth.js';
import { runBackgroundWork } from '../bench/jobs.js';
import { BENCH_PORTAL_SLUG } from '../bench/portal-data.js';
import type { Server } from '../bench/processes.js';
import { startReport, writeLines, writeReports } from '../bench/report.js';
import { benchScenarios, runScenarios } from '../bench/scenarios.js';
import { buildProduction, startPortaAndBaseline } from '../bench/servers.js';
import { toolConfig } from '../bench/setup.js';
import { ConfigError } from '../config.js';
import { exitWithFailure } from '../errors.js';
import { createLogger } from '../log.js';
import { projectRoot } from '../paths.js';
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
const PG_PORT = process.env.BENCH_PG_PORT ?? '54339';
const DATA_DIR = resolve(projectRoot, '.data/bench');
const RESULTS_DIR = resolve(projectRoot, 'bench/results');
const INVITES_ONLY = process.argv.includes('--invites');
const SMALL_DB = 'porta_bench_10k';

async function main() {
  if (!Number.isInteger(RECORDS) || RECORDS < SMALL_RECORDS || RECORDS > BULK_MAX_RECORDS)
    throw new ConfigError([`BENCH_RECORDS: must be a whole number from ${SMALL_RECORDS} to ${BULK_MAX_RECORDS}`]);
  if (!Number.isFinite(SECONDS) || SECONDS < 1 || SECONDS > 120) throw new ConfigError(['BENCH_SECONDS: must be a number of seconds from 1 to 120']);
  // Never the application's DATABASE_URL: the bench adds a million records to whatever it is given.
  const { config, embeddedDir } = toolConfig('bench', process.env.BENCH_DATABASE_URL, PG_PORT);
  const log = createLogger(config);
  await mkdir(DATA_DIR, { recursive: true });
  const run = startReport();
  const { report } = run;

  // 1. Data, plans, sessions and the baseline's statements, on the bench's own server.
  const { url, embedded } = await resolveDatabase(config, log);
  if (INVITES_ONLY) {
    try {
      const invites = await benchInvites(url, log, run.say);
      if (!invites.ok) report.failures.push('bulk invitations');
    } finally {
      await embedded?.stop();
    }
    await writeLines(run.lines, DATA_DIR);
    if (report.failures.length) process.exit(1);
    return;
  }
  const data = await prepareData(run, { url, poolMax: config.databasePoolMax, embedded, records: RECORDS, smallRecords: SMALL_RECORDS, smallDb: SMALL_DB });
  const listPath = `/p/${BENCH_PORTAL_SLUG}/m/cases`;
  const planFile = await captureBaselinePlan({ url, config, log, token: data.tokens.portal, listPath, dataDir: DATA_DIR });
  await embedded?.stop();

  // 2. The production build, then Porta started on the existing data folder as `npm start` starts it.
  await buildProduction(run);
  const servers: Server[] = [];
  try {
    const { porta, baseline } = await startPortaAndBaseline(run, servers, {
      portaDatabase: process.env.BENCH_DATABASE_URL ? { DATABASE_URL: url } : { EMBEDDED_PG_DIR: embeddedDir, EMBEDDED_PG_PORT: PG_PORT },
      url,
      embedded: Boolean(embedded),
      planFile,
      poolMax: config.databasePoolMax,
      portalToken: data.tokens.portal,
      dataDir: DATA_DIR,
    });
    const scenarios = benchScenarios(data, listPath, porta.origin);
    await runScenarios(run, scenarios, { porta, baseline }, { connections: CONNECTIONS, seconds: SECONDS });

    // 3. The same pages on 10,000 records: how their cost grows with the data.
    await measureGrowth(run, servers, porta, { data, scenarios, listPath, seconds: SECONDS, dataDir: DATA_DIR });

    // 4. Work done in the background: an import, an export, invitations.
    await runBackgroundWork(run, { url, log, origin: porta.origin, data, importRows: IMPORT_ROWS });
  } finally {
    for (const s of servers.reverse()) await s.stop().catch(() => {});
  }

  await writeReports(run, { results: RESULTS_DIR, data: DATA_DIR }, SECONDS);
  if (report.failures.length) process.exit(1);
}

main().catch((err) => exitWithFailure(err, 'The benchmark failed'));
