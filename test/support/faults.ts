import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { sql } from 'kysely';
import { PgBoss } from 'pg-boss';
import type { Database } from '../../src/db/database.js';
import { projectRoot } from '../../src/paths.js';
import { waitFor } from './wait.js';

// What the fault tests share: Porta's own entry points run as child
// processes (so they can be killed for real), a supervisor that notices dead
// workers within seconds, and the checkers that say whether every item came
// out exactly once and whether an outage answered a clean 503.

export type PortaProcess = {
  process: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  /** Resolves once the process has logged this message (its "running" line). */
  logged(message: string, timeoutMs?: number): Promise<void>;
};

const started: ChildProcess[] = [];

/** Runs one of Porta's entry points (src/worker.ts, src/inbound.ts, src/main.ts…) from source, under tsx, as a process of its own. */
export function startPorta(entry: string, env: Record<string, string>): PortaProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: projectRoot,
    env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    process: child,
    output: () => output,
    exited,
    logged: (message, timeoutMs = 30_000) =>
      waitFor(
        () => {
          if (child.exitCode !== null) throw new Error(`${entry} exited (${child.exitCode}) before logging "${message}":\n${output.slice(-3000)}`);
          return output.includes(`"msg":"${message}"`);
        },
        { timeoutMs, intervalMs: 50 },
      ),
  };
}

/** Kills whatever the fault tests started and is still running (their afterAll). */
export async function killStartedProcesses(): Promise<void> {
  for (const child of started.splice(0)) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await gone;
  }
}

/** The local ports of a process's TCP sockets: PostgreSQL sees them as its connections' client_port. */
function socketPortsOf(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
      if (inode) inodes.add(inode);
    } catch {
      // Closed while we looked.
    }
  }
  const ports: number[] = [];
  for (const table of ['tcp', 'tcp6']) {
    let lines: string[] = [];
    try {
      lines = readFileSync(`/proc/${pid}/net/${table}`, 'utf8').split('\n').slice(1);
    } catch {
      continue;
    }
    for (const line of lines) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      const cols = line.trim().split(/\s+/);
      if (cols[9] && inodes.has(cols[9])) ports.push(Number.parseInt(cols[1]?.split(':')[1] ?? '', 16));
    }
  }
  return ports;
}

type Backend = { state: string | null; in_transaction: boolean };

/** What PostgreSQL is doing for these client ports' connections to this database. */
async function backendsAt(db: Database, ports: number[]): Promise<Backend[]> {
  if (ports.length === 0) return [];
  const { rows } = await sql<Backend>`
    select state, xact_start is not null as in_transaction from pg_stat_activity
    where datname = current_database() and client_port = any(${ports})`.execute(db);
  return rows;
}

/** The process holds a transaction open on this database: work begun and not yet committed. */
export async function transactionOpen(db: Database, child: PortaProcess): Promise<boolean> {
  const pid = child.process.pid;
  return pid !== undefined && (await backendsAt(db, socketPortsOf(pid))).some((b) => b.in_transaction);
}

/**
 * SIGKILL while the process has work in its hands. It is frozen first
 * (SIGSTOP), so that `inHand` still holds when the kill lands: checked once
 * what it sent before freezing has reached PostgreSQL and finished (none of
 * its connections running a statement, several looks in a row). If it froze
 * between two pieces of work, it is let go and frozen again a moment later.
 * Returns once PostgreSQL has closed the dead process's connections, so
 * what it left behind is all there is.
 */
export async function killMidWork(child: PortaProcess, db: Database, inHand: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const pid = child.process.pid as number;
  for (let tries = 0; ; tries++) {
    await waitFor(inHand, { timeoutMs, intervalMs: 10 });
    child.process.kill('SIGSTOP');
    const ports = socketPortsOf(pid);
    let quiet = 0;
    await waitFor(
      async () => {
        quiet = (await backendsAt(db, ports)).some((b) => b.state === 'active') ? 0 : quiet + 1;
        return quiet >= 6;
      },
      { timeoutMs: 10_000, intervalMs: 25 },
    );
    if (await inHand()) break;
    if (tries >= 50) throw new Error('the process was never caught with work in its hands');
    child.process.kill('SIGCONT');
  }
  const ports = socketPortsOf(pid);
  child.process.kill('SIGKILL');
  await child.exited;
  await waitFor(async () => (await backendsAt(db, ports)).length === 0, { timeoutMs: 10_000, intervalMs: 25 });
}

/**
 * pg-boss's supervisor fails the jobs of a worker whose heartbeat stopped.
 * Workers run it once a minute; this one runs every second, so a test does
 * not wait a minute for it.
 */
export async function startSupervisor(connectionString: string): Promise<PgBoss> {
  const supervisor = new PgBoss({
    connectionString,
    supervise: true,
    schedule: false,
    migrate: false,
    superviseIntervalSeconds: 1,
    monitorIntervalSeconds: 1,
  });
  supervisor.on('error', () => {});
  await supervisor.start();
  return supervisor;
}

/**
 * Shortens the heartbeat Porta gives a queue's jobs to pg-boss's shortest
 * (10 s) and their retry delay to 1 s, so the jobs a killed worker held come
 * back within seconds; jobs queued after this carry the short one. A queue
 * without a heartbeat has nothing to shorten: its jobs would wait out their
 * expiry, and that is the failure.
 */
export async function shortenHeartbeat(boss: PgBoss, queue: string): Promise<void> {
  const settings = await boss.getQueue(queue);
  if (!settings) throw new Error(`queue ${queue} does not exist`);
  if (!settings.heartbeatSeconds) {
    throw new Error(
      `queue ${queue} has no heartbeat: the jobs of a killed worker wait out their expiry (${settings.expireInSeconds} s) before anyone retries them`,
    );
  }
  await boss.updateQueue(queue, { heartbeatSeconds: 10, retryDelay: 1, retryBackoff: false });
}

// ---------------------------------------------------------------------------
// Outcome checkers

/** What is wrong when each expected item must appear exactly once among those seen; empty when nothing is. */
export function exactlyOnceProblems(expected: Iterable<string>, seen: Iterable<string>): string[] {
  const counts = new Map<string, number>();
  for (const key of seen) counts.set(key, (counts.get(key) ?? 0) + 1);
  const wanted = new Set(expected);
  const missing = [...wanted].filter((k) => !counts.has(k));
  const repeated = [...counts].filter(([k, n]) => wanted.has(k) && n > 1).map(([k, n]) => `${k} ×${n}`);
  const unexpected = [...counts.keys()].filter((k) => !wanted.has(k));
  const list = (items: string[]) => (items.length > 5 ? `${items.slice(0, 5).join(', ')} and ${items.length - 5} more` : items.join(', '));
  return [
    ...(missing.length ? [`${missing.length} lost: ${list(missing)}`] : []),
    ...(repeated.length ? [`${repeated.length} duplicated: ${list(repeated)}`] : []),
    ...(unexpected.length ? [`${unexpected.length} unexpected: ${list(unexpected)}`] : []),
  ];
}

/** Throws, naming them, unless every expected item appears exactly once among those seen (and nothing else does). */
export function assertExactlyOnce(what: string, expected: Iterable<string>, seen: Iterable<string>): void {
  const problems = exactlyOnceProblems(expected, seen);
  if (problems.length) throw new Error(`${what}: ${problems.join('; ')}`);
}

/** An HTTP answer as a visitor got it; `error` when none came (refused, reset, or no answer within the client's limit). */
export type Answer = { path: string; status: number; headers: Headers; body: string } | { path: string; error: string };

/** Fetches with a limit: a request the server leaves hanging becomes an answer with an error, not a stuck test. */
export async function fetchAnswer(url: string, init: RequestInit = {}, limitMs = 15_000): Promise<Answer> {
  const path = new URL(url).pathname;
  try {
    const res = await fetch(url, { redirect: 'manual', ...init, signal: AbortSignal.timeout(limitMs) });
    return { path, status: res.status, headers: res.headers, body: await res.text() };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    return { path, error: `${err instanceof Error ? err.name : 'error'}${cause ? ` ${cause}` : ''}` };
  }
}

export type Expected503 = { lang: string; title: string; message: string };

/** What keeps an answer from being the clean "temporarily unavailable" page in the visitor's language; empty when it is one. */
export function clean503Problems(answer: Answer, expected: Expected503): string[] {
  if ('error' in answer) return [`${answer.path}: no answer (${answer.error})`];
  const { path, status, headers, body } = answer;
  const problems: string[] = [];
  if (status !== 503) problems.push(`status ${status}, not 503`);
  const retryAfter = headers.get('Retry-After') ?? '';
  if (!/^[1-9]\d*$/.test(retryAfter)) problems.push(`Retry-After is "${retryAfter}", not a number of seconds`);
  if (!(headers.get('Content-Type') ?? '').startsWith('text/html')) problems.push(`Content-Type is ${headers.get('Content-Type')}`);
  if (!body.startsWith('<!DOCTYPE html>')) problems.push('not a full HTML page');
  if (!body.includes(`<html lang="${expected.lang}"`)) problems.push(`not in ${expected.lang} (${/<html lang="([^"]*)"/.exec(body)?.[1] ?? 'no lang'})`);
  if (!body.includes(`<h1>${expected.title}</h1>`)) problems.push(`no heading "${expected.title}"`);
  if (!body.includes(expected.message)) problems.push('not the unavailable message');
  // What the database said stays in the log, never on the page.
  if (/ECONNREFUSED|terminating connection|Connection terminated|\bat .+\.[jt]s:\d+/.test(body)) problems.push('shows the internal error');
  return problems.map((p) => `${path}: ${p}`);
}

/** Throws unless the answer is the clean 503 page: localized HTML, Retry-After, nothing internal shown. */
export function assertClean503(answer: Answer, expected: Expected503): void {
  const problems = clean503Problems(answer, expected);
  if (problems.length) throw new Error(`not a clean 503: ${problems.join('; ')}`);
}
