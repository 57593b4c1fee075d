import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../src/db/database.js';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';
import { embeddedDataRoot, serverAccount } from '../../src/db/embedded-host.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { startBoss } from '../../src/jobs/boss.js';
import { projectRoot } from '../../src/paths.js';
import { freePort } from './ports.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A URL to the server's maintenance database, for CREATE DATABASE. */
    pgAdminUrl: string;
    /** The migrated database each test file's database is cloned from. */
    pgTemplate: string;
  }
}

/**
 * Starts the test PostgreSQL once per project and run: an embedded server in
 * .data/test-runs/<project>-<pid> (removed afterwards; under /var/lib/porta
 * as root when the project folder is closed to the postgres user), or the server in
 * TEST_DATABASE_URL. Migrates a template database that every test file clones
 * (CREATE DATABASE … TEMPLATE), so files are isolated and start in
 * milliseconds. Names carry the run's pid, so two runs at once never touch
 * each other's databases; leftovers of runs that died are removed.
 */
export default async function setup(project: TestProject) {
  const name = project.name;
  let adminUrl: string;
  let stopServer: (() => Promise<void>) | undefined;
  const external = process.env.TEST_DATABASE_URL;
  if (external) {
    adminUrl = external;
    console.log(`[${name}] integration database server: ${new URL(external).host} (TEST_DATABASE_URL)`);
  } else {
    removeDeadRunFolders();
    const dataDir = join(RUNS, `${name}-${process.pid}`);
    const embedded = await startEmbeddedPostgres({ dataDir, port: await freePort() });
    adminUrl = embedded.url.replace(/\/porta$/, '/postgres');
    stopServer = async () => {
      await embedded.stop();
      rmSync(dataDir, { recursive: true, force: true });
    };
  }
  const run = `${name}_${process.pid}`;
  const template = `porta_tpl_${run}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await dropDeadRuns(admin);
    await admin.query(`drop database if exists ${template}`);
    await admin.query(`create database ${template}`);
  } finally {
    await admin.end();
  }
  const tplUrl = new URL(adminUrl);
  tplUrl.pathname = `/${template}`;
  const handle = openDatabase(tplUrl.toString(), 2);
  try {
    await migrateToLatest(handle.db);
    // Install pg-boss's schema in the template too, so each clone starts with it.
    const boss = await startBoss({ connectionString: tplUrl.toString(), role: 'web', migrate: true });
    await boss.stop({ graceful: false, close: true });
  } finally {
    await handle.close();
  }
  project.provide('pgAdminUrl', adminUrl);
  project.provide('pgTemplate', template);

  return async () => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    await dropLeftovers(c, `porta_t_${run}_`);
    await c.query(`drop database if exists ${template}`);
    await c.end();
    await stopServer?.();
  };
}

const RUNS = join(embeddedDataRoot(projectRoot, serverAccount()).dir, 'test-runs');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Data folders of test runs whose process is gone (killed before its teardown). */
function removeDeadRunFolders() {
  if (!existsSync(RUNS)) return;
  for (const entry of readdirSync(RUNS)) {
    const pid = Number(/-(\d+)$/.exec(entry)?.[1]);
    if (pid && !alive(pid)) rmSync(join(RUNS, entry), { recursive: true, force: true });
  }
}

/** Databases of test runs whose process is gone (on a shared external server). */
async function dropDeadRuns(admin: pg.Client) {
  const { rows } = await admin.query<{ datname: string }>("select datname from pg_database where datname ~ '^porta_t(pl)?_[a-z]+_[0-9]+'");
  for (const { datname } of rows) {
    const pid = Number(/^porta_t(?:pl)?_[a-z]+_(\d+)/.exec(datname)?.[1]);
    if (pid && !alive(pid)) await admin.query(`drop database if exists "${datname}" with (force)`);
  }
}

async function dropLeftovers(admin: pg.Client, prefix: string) {
  const { rows } = await admin.query<{ datname: string }>('select datname from pg_database where datname like $1', [`${prefix}%`]);
  for (const { datname } of rows) await admin.query(`drop database if exists "${datname}" with (force)`);
}
