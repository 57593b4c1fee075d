import { type Agent, request } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import autocannon from 'autocannon';
import { statementsOf } from '../http/middleware/server-timing.js';

// How the benchmark talks to a server: autocannon for throughput and latency,
// one request at a time (raw, still compressed) for what a single answer
// weighs and how many statements it sent.

export type Target = { method?: 'GET' | 'POST'; path: string; headers: Record<string, string>; body?: string; expect: number[] };

export type Run = { connections: number; requests: number; rps: number; p50: number; p99: number; errors: number; unexpected: number };

export async function hammer(origin: string, target: Target, connections: number, seconds: number): Promise<Run> {
  const result = await autocannon({
    url: `${origin}${target.path}`,
    method: target.method ?? 'GET',
    headers: target.headers,
    body: target.body,
    connections,
    duration: seconds,
    timeout: 10,
  });
  const unexpected = Object.entries(result.statusCodeStats ?? {})
    .filter(([code]) => !target.expect.includes(Number(code)))
    .reduce((n, [, s]) => n + (s.count ?? 0), 0);
  return {
    connections,
    requests: result.requests.total,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    unexpected,
  };
}

export type Probe = { status: number; bytes: number; statements: number | undefined; location: string | undefined; body: string };

/** One request; `bytes` is the body as it travelled (compressed when the server compressed it), `body` its text. */
export function probe(origin: string, target: Pick<Target, 'method' | 'path' | 'headers' | 'body'>, agent?: Agent): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const req = request(`${origin}${target.path}`, { method: target.method ?? 'GET', headers: target.headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        const encoding = res.headers['content-encoding'];
        resolve({
          status: res.statusCode ?? 0,
          bytes: raw.byteLength,
          statements: statementsOf(res.headers['server-timing'] as string | undefined),
          location: res.headers.location,
          body: (encoding === 'br' ? brotliDecompressSync(raw) : encoding === 'gzip' ? gunzipSync(raw) : raw).toString('utf8'),
        });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(target.body);
  });
}
