import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';

// Servers the benchmark starts as processes of their own (Porta with
// `npm start`, the baselines), so the load generator does not share their
// event loop, and their memory is read from /proc.

export type Server = { child: ChildProcess; origin: string; readyMs: number; rssMb(): Promise<number>; stop(): Promise<void> };

async function childrenOf(pid: number): Promise<number[]> {
  const found = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  const direct = found.split(/\s+/).filter(Boolean).map(Number);
  return [...direct, ...(await Promise.all(direct.map(childrenOf))).flat()];
}

const isNpm = (cmd: string[]) => Boolean(cmd[0]?.startsWith('npm')) || cmd.some((a) => a.endsWith('npm-cli.js'));

/** The Node processes of the tree that are not npm: the server itself (its main thread's name is not "node", its command is). */
async function serverPids(pid: number): Promise<number[]> {
  const out: number[] = [];
  for (const p of [pid, ...(await childrenOf(pid))]) {
    const cmd = (await readFile(`/proc/${p}/cmdline`, 'utf8').catch(() => '')).split('\0');
    if (/(^|\/)node$/.test(cmd[0] ?? '') && !isNpm(cmd)) out.push(p);
  }
  return out;
}

/** Resident memory of the server's Node processes (not npm's; PostgreSQL is not counted), in MB. */
async function nodeRss(pid: number): Promise<number> {
  let kb = 0;
  for (const p of await serverPids(pid)) {
    const status = await readFile(`/proc/${p}/status`, 'utf8').catch(() => '');
    kb += Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
  }
  return kb / 1024;
}

/**
 * Starts `command` in `cwd` with `env`, logging to `logFile`, and waits until
 * `readyPath` answers 200 (time from spawn to that answer: `readyMs`).
 */
export async function startServer(opts: {
  command: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  origin: string;
  readyPath: string;
  readyHeaders?: Record<string, string>;
  logFile: string;
  timeoutMs?: number;
}): Promise<Server> {
  const log = createWriteStream(opts.logFile, { flags: 'a' });
  const [cmd, ...args] = opts.command;
  if (!cmd) throw new Error('no command');
  const started = performance.now();
  const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  let exited: number | null | undefined;
  child.on('exit', (code) => {
    exited = code;
  });
  const deadline = started + (opts.timeoutMs ?? 120_000);
  for (;;) {
    if (exited !== undefined) throw new Error(`${opts.command.join(' ')} exited with ${exited} before it answered; see ${opts.logFile}`);
    const ok = await fetch(`${opts.origin}${opts.readyPath}`, { headers: opts.readyHeaders, redirect: 'manual' })
      .then((r) => r.status === 200)
      .catch(() => false);
    if (ok) break;
    if (performance.now() > deadline) {
      for (const p of await serverPids(child.pid as number)) process.kill(p, 'SIGTERM');
      await new Promise((r) => setTimeout(r, 10_000));
      if (exited === undefined) process.kill(-(child.pid as number), 'SIGKILL');
      throw new Error(`${opts.command.join(' ')} did not answer ${opts.readyPath} in time; see ${opts.logFile}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  const readyMs = performance.now() - started;
  return {
    child,
    origin: opts.origin,
    readyMs,
    rssMb: () => nodeRss(child.pid as number),
    async stop() {
      if (exited !== undefined) return;
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      // The server, not its group: it stops the database it started itself.
      for (const p of await serverPids(child.pid as number)) process.kill(p, 'SIGTERM');
      const timer = setTimeout(() => process.kill(-(child.pid as number), 'SIGKILL'), 30_000);
      await gone;
      clearTimeout(timer);
      log.end();
    },
  };
}

/** Runs a command to its end in `cwd`, its output on the terminal; rejects on a non-zero exit. */
export function runCommand(cmd: string, args: string[], cwd: string): Promise<void> {
  return new Promise((ok, fail) => {
    const child = spawn(cmd, args, { cwd, stdio: 'inherit' });
    child.on('exit', (code) => (code === 0 ? ok() : fail(new Error(`${cmd} ${args.join(' ')} exited with ${code}`))));
  });
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      s.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
