import type { App } from '../../src/app.js';
import { SESSION_COOKIE } from '../../src/auth/cookies.js';
import { PORTAL_COOKIE } from '../../src/auth/portal-session.js';
import { createSession, generateSessionToken, sessionIdFromToken } from '../../src/auth/sessions.js';
import type { Database } from '../../src/db/database.js';
import { type BrowserClient, browserClient } from './app.js';

// The checkers of the web-security suite: what every answer, redirect, cookie
// and download must look like. Each is a plain function from a response (or
// one of its headers) to the problems found, so a test can show it reports a
// deliberately bad example as readily as it passes a good one.

export const ORIGIN = 'http://porta.test';

/** A policy's directives by name, each with its source list. */
export function cspDirectives(policy: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of policy.split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name && !out.has(name.toLowerCase())) out.set(name.toLowerCase(), values);
  }
  return out;
}

const SAFE_REFERRER = new Set(['no-referrer', 'same-origin', 'strict-origin', 'strict-origin-when-cross-origin', 'origin']);

/**
 * What an answer lacks of the headers every answer must carry: a Content
 * Security Policy whose scripts exclude 'unsafe-inline', nosniff, a framing
 * rule (frame-ancestors or X-Frame-Options) and a Referrer-Policy that never
 * sends a full address to another site.
 */
export function securityHeaderProblems(res: { headers: Headers }): string[] {
  const h = res.headers;
  const problems: string[] = [];
  const policy = h.get('Content-Security-Policy');
  const csp = policy ? cspDirectives(policy) : undefined;
  if (!csp) problems.push('no Content-Security-Policy');
  else {
    const scripts = ['script-src', 'script-src-elem', 'script-src-attr'].filter((d) => csp.has(d));
    const governing = scripts.length ? scripts : csp.has('default-src') ? ['default-src'] : [];
    if (governing.length === 0) problems.push('no script-src or default-src');
    for (const d of governing) {
      const values = (csp.get(d) ?? []).map((v) => v.toLowerCase());
      if (values.includes("'unsafe-inline'")) problems.push(`${d} allows 'unsafe-inline'`);
      if (values.includes('*') || values.includes('data:') || values.includes('http:') || values.includes('https:')) problems.push(`${d} allows any source`);
    }
  }
  if (h.get('X-Content-Type-Options')?.toLowerCase() !== 'nosniff') problems.push('no X-Content-Type-Options: nosniff');
  const frameOptions = h.get('X-Frame-Options')?.toUpperCase();
  if (!csp?.has('frame-ancestors') && frameOptions !== 'DENY' && frameOptions !== 'SAMEORIGIN') problems.push('no frame-ancestors or X-Frame-Options');
  const referrer = h.get('Referrer-Policy');
  if (!referrer) problems.push('no Referrer-Policy');
  else if (!referrer.split(',').every((v) => SAFE_REFERRER.has(v.trim().toLowerCase()))) problems.push(`Referrer-Policy ${referrer}`);
  return problems;
}

/**
 * Whether a Location stays on this site: a path starting with exactly one
 * slash followed by anything but a slash or a backslash, with no control
 * character, space or backslash anywhere (browsers drop tabs and newlines and
 * read backslashes as slashes), resolving to our own origin.
 */
export function isSafeLocation(location: string | null | undefined, origin = ORIGIN): boolean {
  if (!location) return false;
  if (!/^\/(?![/\\])/.test(location)) return false;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is looked for
  if (/[\u0000-\u0020\u007f\\]/.test(location)) return false;
  try {
    return new URL(location, origin).origin === origin;
  } catch {
    return false;
  }
}

export type ParsedCookie = { name: string; value: string; attrs: Map<string, string> };

export function parseSetCookie(line: string): ParsedCookie {
  const [pair = '', ...rest] = line.split(';');
  const eq = pair.indexOf('=');
  const attrs = new Map<string, string>();
  for (const a of rest) {
    const i = a.indexOf('=');
    const key = (i < 0 ? a : a.slice(0, i)).trim().toLowerCase();
    if (key) attrs.set(key, i < 0 ? '' : a.slice(i + 1).trim());
  }
  return { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), attrs };
}

/** What a session cookie lacks: HttpOnly, SameSite Lax or Strict, the path it must have, Secure when the site is https. */
export function cookieProblems(line: string | undefined, expected: { path: string; secure: boolean }): string[] {
  if (!line) return ['no cookie'];
  const { attrs } = parseSetCookie(line);
  const problems: string[] = [];
  if (!attrs.has('httponly')) problems.push('not HttpOnly');
  const sameSite = attrs.get('samesite')?.toLowerCase();
  if (sameSite !== 'lax' && sameSite !== 'strict') problems.push(`SameSite ${sameSite ?? 'missing'}`);
  if (attrs.get('path') !== expected.path) problems.push(`Path ${attrs.get('path') ?? 'missing'}, not ${expected.path}`);
  if (expected.secure && !attrs.has('secure')) problems.push('not Secure');
  return problems;
}

/** The Set-Cookie line of one cookie, among an answer's. */
export const setCookieOf = (res: Response, name: string) => res.headers.getSetCookie().find((l) => parseSetCookie(l).name === name);

// RFC 5987 attr-char, the only characters an ext-value may hold unencoded.
const EXT_VALUE = /^UTF-8''((?:[A-Za-z0-9!#$&+\-.^_`|~]|%[0-9A-Fa-f]{2})+)$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is looked for
const UNSAFE_NAME = /[\u0000-\u001f\u007f"\\/<>:|?*\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/**
 * What is wrong with a download's Content-Disposition: it must be an
 * attachment, free of control characters, with a quoted ASCII filename and a
 * filename* in RFC 5987 form, and both names free of paths, quotes and
 * bidirectional controls.
 */
export function contentDispositionProblems(header: string | null): string[] {
  if (!header) return ['no Content-Disposition'];
  const problems: string[] = [];
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is looked for
  if (/[\u0000-\u001f\u007f]/.test(header)) problems.push('control character in Content-Disposition');
  if (!/^attachment\s*;/i.test(header)) problems.push('not an attachment');
  const params = header.slice(header.indexOf(';') + 1);
  const quoted = /(?:^|;)\s*filename="((?:[^"\\]|\\.)*)"\s*(?:;|$)/.exec(params)?.[1];
  if (quoted === undefined) problems.push('no quoted filename');
  else {
    if (!/^[\x20-\x7e]*$/.test(quoted)) problems.push('filename is not printable ASCII');
    if (UNSAFE_NAME.test(quoted)) problems.push(`filename holds an unsafe character: ${JSON.stringify(quoted)}`);
  }
  const ext = /(?:^|;)\s*filename\*=([^;]*)/.exec(params)?.[1]?.trim();
  if (ext === undefined) problems.push('no filename*');
  else {
    const value = EXT_VALUE.exec(ext)?.[1];
    if (value === undefined) problems.push(`filename* is not RFC 5987: ${ext}`);
    else {
      let decoded: string | undefined;
      try {
        decoded = decodeURIComponent(value);
      } catch {
        problems.push('filename* does not decode as UTF-8');
      }
      if (decoded !== undefined && UNSAFE_NAME.test(decoded)) problems.push(`filename* holds an unsafe character: ${JSON.stringify(decoded)}`);
    }
  }
  return problems;
}

/** The file name a browser saves a download under (filename* first, as browsers do). */
export function downloadName(header: string | null): string | undefined {
  const ext = header ? /filename\*=UTF-8''([^;]*)/.exec(header)?.[1] : undefined;
  return ext ? decodeURIComponent(ext) : undefined;
}

/** What a file download lacks: nosniff, an attachment, a type no browser renders as a page, a safe name. */
export function downloadProblems(res: { headers: Headers }): string[] {
  const problems = contentDispositionProblems(res.headers.get('Content-Disposition'));
  if (res.headers.get('X-Content-Type-Options')?.toLowerCase() !== 'nosniff') problems.push('no nosniff');
  const type = (res.headers.get('Content-Type') ?? '').toLowerCase();
  if (!type) problems.push('no Content-Type');
  if (/html|svg|xml|javascript/.test(type)) problems.push(`renderable Content-Type ${type}`);
  return problems;
}

// ---------------------------------------------------------------------------
// The routes of the app, from the app itself

/** Values for the parameters of a route, by name and, where one name means several things, by the segment before it. */
export type RouteValues = {
  slug: string;
  module: string;
  record: string;
  lead: string;
  field: string;
  fieldId: string;
  layout: string;
  portal: string;
  type: string;
  sample: string;
  portalUser: string;
  tab: string;
  attachment: string;
  logo: string;
  outbox: string;
  profile: string;
  staffUser: string;
  privacyRequest: string;
  importId: string;
  batch: string;
  invitationToken: string;
  resetToken: string;
  staticAsset: string;
};

function fill(path: string, v: RouteValues): string {
  const parts = path.split('/');
  return parts
    .map((part, i) => {
      const before = parts[i - 1] ?? '';
      if (part === '*') return before === 'static' ? v.staticAsset.replace(/^\/static\//, '') : 'no-such-page';
      if (!part.startsWith(':')) return part;
      const name = part.slice(1);
      switch (name) {
        case 'slug':
          return v.slug;
        case 'module':
        case 'moduleApiName':
          return v.module;
        case 'type':
        case 'typeId':
          return v.type;
        case 'sample':
          return v.sample;
        case 'user':
          return v.portalUser;
        case 'tab':
          return v.tab;
        case 'field':
          return v.field;
        case 'batchId':
          return v.batch;
        case 'attachment':
          return v.attachment;
        case 'file':
          return before === 'brand' ? v.logo : v.attachment;
        case 'token':
          return before === 'invite' ? v.invitationToken : v.resetToken;
        case 'code':
          // A sign-up's emailed code: its page only shows a button, whatever the code.
          return '000000';
        case 'id': {
          const byBefore: Record<string, string> = {
            outbox: v.outbox,
            profiles: v.profile,
            users: v.staffUser,
            requests: v.privacyRequest,
            portals: v.portal,
            fields: v.fieldId,
            layouts: v.layout,
            import: v.importId,
            leads: v.lead,
          };
          return byBefore[before] ?? v.record;
        }
        default:
          throw new Error(`no value for :${name} in ${path}`);
      }
    })
    .join('/');
}

/** Every GET route of the app, its parameters filled with the given values (the route itself when it has none). */
export function getPaths(app: App, values: RouteValues): { route: string; path: string }[] {
  const routes = [...new Set(app.routes.filter((r) => r.method === 'GET').map((r) => r.path))].filter((p) => p !== '/*');
  return routes.map((route) => ({ route, path: fill(route, values) }));
}

// ---------------------------------------------------------------------------
// Rows as a fingerprint

/** Data tables as they are now, shared with the other suites. */
export { fingerprint } from './fingerprint.js';

export async function signedIn(client: BrowserClient, loginPath: string, who: { email: string; password: string }): Promise<BrowserClient> {
  const res = await client.post(loginPath, who);
  if (res.status !== 303) throw new Error(`sign-in at ${loginPath} answered ${res.status}`);
  return client;
}

/** A password-reset link of a portal user as the reset email carries it (stored, like the product's, only as a hash). */
export async function resetLink(db: Database, portalUserId: string, expiresAt = new Date(Date.now() + 3600_000)): Promise<string> {
  const token = generateSessionToken();
  await db
    .insertInto('password_resets')
    .values({ user_kind: 'portal', user_id: portalUserId, token_hash: sessionIdFromToken(token), expires_at: expiresAt })
    .execute();
  return token;
}

/**
 * A browser holding a live session of the user, as a completed sign-in leaves
 * it (without spending a password hash on each: the sign-in itself is tested
 * where it is the subject).
 */
export async function browserWithSession(app: App, db: Database, user: { kind: 'staff' | 'portal'; id: string }): Promise<BrowserClient> {
  const token = generateSessionToken();
  await createSession(db, token, user, 30);
  const client = browserClient(app);
  client.cookies.set(user.kind === 'staff' ? SESSION_COOKIE : PORTAL_COOKIE, token);
  return client;
}
