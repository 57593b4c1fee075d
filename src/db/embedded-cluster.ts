import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { makeOpenFolder, reaches, type ServerAccount } from './embedded-host.js';

// The PostgreSQL programs other than the server itself, run to their end as
// the server's OS user: initdb on the first start, pg_ctl for a server whose
// owner died.

/** Where a cluster lives, the binaries that run it and the account they run as. */
export type EmbeddedServer = { account: ServerAccount; bin: string; dir: string; log: (line: string) => void };

/** What went wrong, said for the operator; startEmbeddedPostgres adds the folder, the OS user and the remedies. */
export class StartProblem extends Error {
  constructor(
    message: string,
    readonly remedy?: string,
  ) {
    super(message);
  }
}

export const USER = 'porta';
export const PASSWORD = 'porta';
export const STARTUP_TIMEOUT_MS = 30_000;

/** First run: initdb, as the server's account, into an empty or missing folder. */
export async function initialiseCluster({ dir, account, bin, log }: EmbeddedServer, port: number) {
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

/** The server of a Node process that was killed (SIGKILL, OOM) keeps running detached; stop it through pg_ctl, as its OS user. */
export async function stopOrphan({ dir, account, bin, log }: EmbeddedServer) {
  try {
    await runProgram(join(bin, 'pg_ctl'), ['-D', dir, 'stop', '-m', 'fast', '-w', '-t', String(STARTUP_TIMEOUT_MS / 1000)], account, log, dir);
  } catch (err) {
    throw new StartProblem(
      `could not stop the PostgreSQL server left running in this folder by a process that is gone: ${err instanceof Error ? err.message : String(err)}`,
      `stop it yourself: pg_ctl -D ${dir} stop (as the OS user "${account.name}")`,
    );
  }
}
