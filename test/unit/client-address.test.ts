import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { Deps } from '../../src/deps.js';
import type { AppEnv } from '../../src/http/env.js';
import { clientAddress } from '../../src/http/request.js';

function appTrusting(hops: string | undefined) {
  const config = loadConfig(hops === undefined ? {} : { TRUST_PROXY: hops });
  const app = new Hono<AppEnv>();
  app.use(async (c, next) => {
    c.set('deps', { config } as Deps);
    await next();
  });
  app.get('/', (c) => c.text(clientAddress(c)));
  return app;
}

const addressSeen = async (hops: string | undefined, xff?: string) =>
  (await appTrusting(hops).request('/', { headers: xff ? { 'X-Forwarded-For': xff } : {} })).text();

describe('clientAddress', () => {
  it('ignores X-Forwarded-For when no proxy is trusted (anyone can write it)', async () => {
    expect(await addressSeen(undefined, '203.0.113.9')).toBe('unknown');
    expect(await addressSeen('0', '203.0.113.9')).toBe('unknown');
  });

  it('takes the address the one trusted router appended, not what the client wrote before it', async () => {
    expect(await addressSeen('1', '10.0.0.1, 198.51.100.7')).toBe('198.51.100.7');
  });

  it('counts hops from the right behind a CDN and a router', async () => {
    expect(await addressSeen('2', 'forged, 198.51.100.7, 192.0.2.1')).toBe('198.51.100.7');
  });

  it('uses the connection, not a client-written entry, when fewer hops arrived than trusted', async () => {
    // A client sending one made-up entry per attempt would otherwise get a fresh throttle each time.
    expect(await addressSeen('3', '198.51.100.7')).toBe('unknown');
    expect(await addressSeen('3', 'forged, 198.51.100.7')).toBe('unknown');
    expect(await addressSeen('2', 'forged, 198.51.100.7')).toBe('forged');
  });
});
