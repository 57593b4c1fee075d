import { randomBytes } from 'node:crypto';
import { readFileSync, realpathSync, unlinkSync } from 'node:fs';
import { link, unlink, writeFile } from 'node:fs/promises';
import { basename, isAbsolute, join } from 'node:path';

// Who holds an embedded cluster: the postmaster named in postmaster.pid, and
// the Porta process named in porta-owner.pid, the one allowed to stop it.

export const OWNER_FILE = 'porta-owner.pid';

export type OwnerLock = { path: string; content: string };

/** Lines 1 and 4 of postmaster.pid: the postmaster's pid and the port it listens on. */
export function readPostmasterPid(pidFile: string): { pid: number; port: number } | undefined {
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
export function isPostmasterOf(pid: number, dir: string): boolean {
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

export function readOwner(ownerFile: string): { pid: number; alive: boolean; content: string } | undefined {
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
export async function acquireOwnerLock(path: string): Promise<OwnerLock | undefined> {
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
export function releaseOwnerLock(lock: OwnerLock) {
  removeIfUnchanged(lock.path, lock.content);
}

export function removeIfUnchanged(path: string, content: string) {
  try {
    if (readFileSync(path, 'utf8') === content) unlinkSync(path);
  } catch {
    // Already gone.
  }
}

export function sameFolder(a: string, b: string) {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}
