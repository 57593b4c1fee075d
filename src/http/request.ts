import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import type { AppEnv } from './env.js';

/** A submitted form (or a query string) as routes read it: a field's first value, all its values, or its file. */
export type Form = {
  one(name: string): string | undefined;
  all(name: string): string[];
  file(name: string): File | undefined;
  /** The names the form carries, in order. */
  names(): string[];
  /** Every text value, in order, as [name, value] pairs (to post a form again, as a review page does). */
  entries(): [string, string][];
};

function formOf(body: Record<string, string | File | (string | File)[]>): Form {
  const values = (name: string) => [body[name] ?? []].flat();
  return {
    one: (name) => values(name).find((v): v is string => typeof v === 'string'),
    all: (name) => values(name).filter((v): v is string => typeof v === 'string'),
    file: (name) => values(name).find((v): v is File => v instanceof File && v.size > 0),
    names: () => Object.keys(body),
    entries: () => Object.keys(body).flatMap((name) => values(name).flatMap((v): [string, string][] => (typeof v === 'string' ? [[name, v]] : []))),
  };
}

/** Reads a submitted form (urlencoded or multipart); one that cannot be parsed reads as empty. */
export async function readForm(c: Context<AppEnv>): Promise<Form> {
  return formOf(await c.req.parseBody({ all: true }).catch(() => ({})));
}

/** The query string read the same way as a form (a GET form's fields). */
export function queryForm(c: Context<AppEnv>): Form {
  return formOf(c.req.queries());
}

/** Reads a submitted form into plain strings, keeping only the named fields. */
export async function formValues(c: Context<AppEnv>, fields: readonly string[]): Promise<Record<string, string>> {
  const form = await readForm(c);
  const out: Record<string, string> = {};
  for (const f of fields) {
    const v = form.one(f);
    if (v !== undefined) out[f] = v;
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
