import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../../src/db/embedded.js';
import { embeddedDataRoot, serverAccount, serverBinaries } from '../../src/db/embedded-host.js';
import { projectRoot } from '../../src/paths.js';
import { freePort } from '../support/ports.js';
import { waitFor } from '../support/wait.js';

// Under the project's data root, not /tmp: as root the server runs as `postgres`, which must be able to traverse every parent folder.
const account = serverAccount();
const root = join(embeddedDataRoot(projectRoot, account).dir, `embedded-test-${randomBytes(4).toString('hex')}`);
const started: EmbeddedPostgres[] = [];
const children: ChildProcess[] = [];

async function start(dataDir: string): Promise<EmbeddedPostgres> {
  const server = await startEmbeddedPostgres({ dataDir, port: await freePort() });
  started.push(server);
  return server;
}

async function currentDatabase(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ db: string }>('select current_database() as db')).rows[0]?.db ?? '';
  } finally {
    await client.end();
  }
}

function postmasterPid(dataDir: string): number | undefined {
  const file = join(dataDir, 'postmaster.pid');
  return existsSync(file) ? Number(readFileSync(file, 'utf8').split('\n')[0]) : undefined;
}

const isAlive = (pid: number) => existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');

/** A pid that was just used by a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn('true');
  await new Promise((r) => child.once('exit', r));
  return child.pid ?? 999_999;
}

/** Servers a failed test could leave running: stopped the way an operator would. */
async function stopLeftover(dataDir: string) {
  if (!existsSync(join(dataDir, 'postmaster.pid'))) return;
  const pgCtl = join(await serverBinaries(account), 'pg_ctl');
  try {
    execFileSync(pgCtl, ['-D', dataDir, 'stop', '-m', 'immediate', '-w'], { stdio: 'ignore', cwd: dataDir, ...account.ids });
  } catch {
    // Not running.
  }
}

beforeAll(async () => {
  await mkdir(root, { recursive: true });
});

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  for (const server of started.reverse()) await server.stop().catch(() => {});
  for (const name of ['acme', 'acme-restart', 'bea-crash', 'bea-same-port', 'orphan']) await stopLeftover(join(root, name));
  await rm(root, { recursive: true, force: true });
});

describe('embedded PostgreSQL', () => {
  const acmeDir = join(root, 'acme');
  let acme: EmbeddedPostgres;

  it('creates the cluster and the porta database on first start', async () => {
    acme = await start(acmeDir);
    expect(acme.owner).toBe(true);
    expect(existsSync(join(acmeDir, 'PG_VERSION'))).toBe(true);
    expect(await currentDatabase(acme.url)).toBe('porta');
  });

  it('attaches a second start on the same folder, and its stop leaves the server running', async () => {
    const acmeConnection = new pg.Client({ connectionString: acme.url });
    await acmeConnection.connect();
    try {
      const second = await start(acmeDir);
      expect(second.owner).toBe(false);
      expect(second.port).toBe(acme.port);
      expect(await currentDatabase(second.url)).toBe('porta');

      await second.stop();

      const { rows } = await acmeConnection.query<{ one: number }>('select 1 as one');
      expect(rows[0]?.one).toBe(1);
    } finally {
      await acmeConnection.end();
    }
  });

  it('attaches on the port the running server uses, even when another port is asked for', async () => {
    const second = await startEmbeddedPostgres({ dataDir: acmeDir, port: await freePort() });
    expect(second.owner).toBe(false);
    expect(second.port).toBe(acme.port);
  });

  it('makes the next start the owner once the owner has stopped', async () => {
    const oldPid = postmasterPid(acmeDir);
    await acme.stop();
    expect(postmasterPid(acmeDir)).toBeUndefined();
    expect(oldPid && isAlive(oldPid)).toBe(false);

    const next = await start(acmeDir);
    expect(next.owner).toBe(true);
    expect(await currentDatabase(next.url)).toBe('porta');
    await next.stop();
  });

  it("fails, instead of using it, when another folder's server holds the configured port", async () => {
    const acmeNow = await start(acmeDir);
    const other = join(root, 'bea-same-port');
    await expect(startEmbeddedPostgres({ dataDir: other, port: acmeNow.port })).rejects.toThrow(
      /could not start: the server did not start[\s\S]*could not bind/,
    );
    expect(existsSync(join(other, 'porta-owner.pid'))).toBe(false);
    await acmeNow.stop();
  });

  it('refuses a non-empty folder that holds no cluster, and leaves its files alone', async () => {
    const notes = join(root, 'bea-notes');
    await mkdir(notes, { recursive: true });
    await writeFile(join(notes, 'invoices.txt'), 'keep me');

    await expect(startEmbeddedPostgres({ dataDir: notes, port: await freePort() })).rejects.toThrow(notes);
    expect(await readFile(join(notes, 'invoices.txt'), 'utf8')).toBe('keep me');
    expect(existsSync(join(notes, 'PG_VERSION'))).toBe(false);
  });

  it('starts over a stale postmaster.pid whose pid is dead', async () => {
    const dir = join(root, 'acme-restart');
    const first = await start(dir);
    const pidFile = readFileSync(join(dir, 'postmaster.pid'), 'utf8').split('\n');
    await first.stop();
    pidFile[0] = String(await deadPid());
    await writeFile(join(dir, 'postmaster.pid'), pidFile.join('\n'));

    const again = await start(dir);
    expect(again.owner).toBe(true);
    expect(await currentDatabase(again.url)).toBe('porta');
    await again.stop();
  });

  it('starts over a stale postmaster.pid whose pid now belongs to another program, without signalling it', async () => {
    const dir = join(root, 'acme-restart');
    const bystander = spawn('sleep', ['60']);
    children.push(bystander);
    const pidFile = [String(bystander.pid), dir, '0', String(await freePort()), '', '127.0.0.1', '0', 'ready'];
    await writeFile(join(dir, 'postmaster.pid'), `${pidFile.join('\n')}\n`);

    const again = await start(dir);
    expect(again.owner).toBe(true);
    expect(await currentDatabase(again.url)).toBe('porta');
    await again.stop();
    expect(bystander.exitCode).toBeNull();
    expect(bystander.signalCode).toBeNull();
  });

  it('creates the porta database when a first start died before creating it', async () => {
    const dir = join(root, 'bea-crash');
    const first = await start(dir);
    const admin = new pg.Client({ connectionString: first.url.replace(/\/porta$/, '/postgres') });
    await admin.connect();
    await admin.query('drop database porta');
    await admin.end();
    await first.stop();

    const again = await start(dir);
    expect(await currentDatabase(again.url)).toBe('porta');
    await again.stop();
  });

  it('attaches while the owning process lives, and takes over the server once that process is killed', async () => {
    const dir = join(root, 'orphan');
    // .mts: the data root may lie outside the project, where no package.json says "module".
    const script = join(root, 'owner.mts');
    await writeFile(
      script,
      `import { startEmbeddedPostgres } from ${JSON.stringify(join(projectRoot, 'src/db/embedded.js'))};
const server = await startEmbeddedPostgres({ dataDir: process.argv[2], port: Number(process.argv[3]) });
console.log(JSON.stringify({ url: server.url }));
setInterval(() => {}, 60_000);
`,
    );
    const owner = spawn(process.execPath, ['--import', 'tsx', script, dir, String(await freePort())], {
      cwd: projectRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(owner);
    let out = '';
    owner.stdout?.on('data', (chunk) => (out += chunk));
    await waitFor(() => out.includes('\n') || owner.exitCode !== null, { timeoutMs: 30_000 });
    const { url } = JSON.parse(out) as { url: string };
    const ownersServer = postmasterPid(dir);

    const visitor = await start(dir);
    expect(visitor.owner).toBe(false);
    expect(visitor.url).toBe(url);
    await visitor.stop();
    expect(await currentDatabase(url)).toBe('porta');

    owner.kill('SIGKILL');
    await waitFor(() => owner.exitCode !== null || owner.signalCode !== null);
    expect(ownersServer && isAlive(ownersServer)).toBe(true);

    const heir = await start(dir);
    expect(heir.owner).toBe(true);
    expect(ownersServer && isAlive(ownersServer)).toBe(false);
    expect(postmasterPid(dir)).not.toBe(ownersServer);
    expect(await currentDatabase(heir.url)).toBe('porta');
    await heir.stop();
  });
});
