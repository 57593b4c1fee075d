import { createServer } from 'node:net';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../src/db/database.js';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { startBoss } from '../../src/jobs/boss.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A URL to the server's maintenance database, for CREATE DATABASE. */
    pgAdminUrl: string;
    /** The migrated database each test file's database is cloned from. */
    pgTemplate: string;
  }
}

/** A port nobody listens on now: a fixed one could be held by a server another run left behind. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}

/**
 * Starts the test PostgreSQL once per project: the embedded server in
 * .data/test-postgres-<project>, or the server in TEST_DATABASE_URL. Migrates
 * a template database that every test file clones (CREATE DATABASE … TEMPLATE),
 * so files are isolated and start in milliseconds.
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
    const embedded = await startEmbeddedPostgres({ dataDir: `.data/test-postgres-${name}`, port: await freePort() });
    adminUrl = embedded.url.replace(/\/porta$/, '/postgres');
    stopServer = embedded.stop;
  }
  const template = `porta_tpl_${name}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await dropLeftovers(admin, `porta_t_${name}_`);
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
    await dropLeftovers(c, `porta_t_${name}_`);
    await c.query(`drop database if exists ${template}`);
    await c.end();
    await stopServer?.();
  };
}

async function dropLeftovers(admin: pg.Client, prefix: string) {
  const { rows } = await admin.query<{ datname: string }>('select datname from pg_database where datname like $1', [`${prefix}%`]);
  for (const { datname } of rows) await admin.query(`drop database if exists "${datname}" with (force)`);
}
