import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/paths.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { seedAcme } from '../support/fixtures.js';
import { freePort } from '../support/ports.js';
import { waitFor } from '../support/wait.js';

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
  await seedAcme(database.db);
});
afterAll(() => database.drop());

type Outcome = { status: number } | { error: string };

/** One request; resolves when the request is fully written, and again with its outcome. */
function send(
  port: number,
  method: 'GET' | 'POST',
  path: string,
  body?: string,
  agent: http.Agent | false = false,
): { written: Promise<void>; outcome: Promise<Outcome> } {
  let markWritten: () => void = () => {};
  const written = new Promise<void>((r) => {
    markWritten = r;
  });
  const outcome = new Promise<Outcome>((resolve) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent,
        headers: body
          ? { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body), Origin: `http://127.0.0.1:${port}` }
          : {},
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
        res.on('error', (e) => resolve({ error: e.message }));
      },
    );
    req.on('error', (e) => resolve({ error: e.message }));
    req.on('finish', markWritten);
    req.end(body);
  });
  return { written, outcome };
}

function startServer(port: number): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: projectRoot,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      DATABASE_URL: database.url,
      PORT: String(port),
      HOST: '127.0.0.1',
      BASE_URL: `http://127.0.0.1:${port}`,
      SHUTDOWN_TIMEOUT_MS: '20000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

describe('graceful shutdown', () => {
  it('answers every request in flight when SIGTERM arrives, then exits cleanly', async () => {
    const port = await freePort();
    const server = startServer(port);
    let output = '';
    server.stdout?.on('data', (d) => (output += d));
    server.stderr?.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => server.on('exit', (code) => resolve(code)));

    await waitFor(
      async () => {
        const r = await send(port, 'GET', '/healthz').outcome;
        return 'status' in r && r.status === 200;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );

    // 40 connections the server has accepted (each answered once), as a router's pool would hold.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 40 });
    const warmUp = await Promise.all(Array.from({ length: 40 }, () => send(port, 'GET', '/healthz', undefined, agent).outcome));
    expect(warmUp.every((o) => 'status' in o && o.status === 200)).toBe(true);

    // Sign-in attempts hash a password (tens of ms each), so many are in flight at once.
    const requests = Array.from({ length: 40 }, (_, i) =>
      i % 4 === 0
        ? send(port, 'GET', '/admin/login', undefined, agent)
        : send(port, 'POST', '/admin/login', `email=user${i}%40acme.example&password=wrong-${i}`, agent),
    );
    await Promise.all(requests.map((r) => r.written));
    server.kill('SIGTERM');

    const outcomes = await Promise.all(requests.map((r) => r.outcome));
    const errors = outcomes.filter((o) => 'error' in o);
    expect(errors).toEqual([]);
    // Sign-in refusals are 401 until the throttle answers 429: every request gets its answer.
    const statuses = outcomes.map((o) => ('status' in o ? o.status : 0));
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.filter((s) => s === 401 || s === 429)).toHaveLength(30);
    expect(await exited).toBe(0);
    expect(output).toContain('"msg":"shutting down"');
    agent.destroy();
    // Nothing listens any more.
    const after = await send(port, 'GET', '/healthz').outcome;
    expect('error' in after).toBe(true);
  }, 60_000);
});
