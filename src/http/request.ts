import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import type { AppEnv } from './env.js';

/** Reads a submitted form into plain strings, keeping only the named fields. */
export async function formValues(c: Context<AppEnv>, fields: readonly string[]): Promise<Record<string, string>> {
  let body: Record<string, string | File | (string | File)[]>;
  try {
    body = await c.req.parseBody({ all: true });
  } catch {
    body = {};
  }
  const out: Record<string, string> = {};
  for (const f of fields) {
    const v = body[f];
    const first = Array.isArray(v) ? v[0] : v;
    if (typeof first === 'string') out[f] = first;
  }
  return out;
}

/**
 * The client's address. Behind N trusted proxies (TRUST_PROXY=N) it is the Nth
 * X-Forwarded-For entry from the right: each proxy appends the address it saw,
 * and anything further left was written by the client and can be forged. With
 * fewer entries than trusted proxies, every entry may be the client's own:
 * the connection's address is used instead.
 */
export function clientAddress(c: Context<AppEnv>): string {
  const trusted = c.get('deps').config.trustProxyHops;
  if (trusted > 0) {
    const hops = (c.req.header('X-Forwarded-For') ?? '')
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean);
    const address = hops.length >= trusted ? hops[hops.length - trusted] : undefined;
    if (address) return address;
  }
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * Only same-site relative paths may be redirected to. Browsers drop tabs and
 * newlines and read backslashes as slashes, so "/\t/evil.example" would leave
 * the site: any control character or backslash is refused.
 */
export function safeBackPath(value: string | undefined, fallback: string): string {
  if (!value?.startsWith('/') || value.startsWith('//')) return fallback;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused here
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return fallback;
  return value;
}
