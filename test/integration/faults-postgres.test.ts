import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../../src/db/embedded.js';
import { embeddedDataRoot, serverAccount } from '../../src/db/embedded-host.js';
import { DEMO_PORTAL_PASSWORD, DEMO_PORTAL_SLUG } from '../../src/demo/portal.js';
import { DEMO_ADMIN } from '../../src/demo/seed.js';
import { projectRoot } from '../../src/paths.js';
import { type Answer, assertClean503, clean503Problems, fetchAnswer, killStartedProcesses, type PortaProcess, startPorta } from '../support/faults.js';
import { localeText } from '../support/locale-strings.js';
import { freePort } from '../support/ports.js';
import { startSmtp, type TestSmtp } from '../support/smtp.js';
import { waitFor } from '../support/wait.js';

// PostgreSQL stops under steady traffic and comes back. Porta (`npm start`'s
// single process: web and worker) runs as a child process against a server of
// this file's own, never the one the other test files share. While the
// database is down every page answers a plain 503 in the visitor's language,
// with Retry-After; once it is back, Porta serves, signs people in and runs
// jobs again without being restarted.

const PORTAL = `/p/${DEMO_PORTAL_SLUG}`;
const ALICE = 'alice@acme.example';

let database: EmbeddedPostgres;
let dataDir: string;
let pgPort: number;
let smtp: TestSmtp;
let porta: PortaProcess;
let base: string;
let staffCookie = '';
let aliceCookie = '';

const unavailable = (lang: string) => ({ lang, title: localeText(lang, 'errors:unavailable.title'), message: localeText(lang, 'errors:unavailable.message') });

/** Signs in through the form, as a browser would; answers the session cookie. */
async function signIn(path: string, email: string, password: string): Promise<{ status: number; cookie: string }> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: base, 'Sec-Fetch-Site': 'same-origin' },
    body: new URLSearchParams({ email, password }),
  });
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  return { status: res.status, cookie };
}

/** What the traffic asks for: staff and portal pages, signed in or not, in the language each visitor reads. */
type Visit = { path: string; lang: string; headers: Record<string, string> };
const pages = (): Visit[] => [
  { path: '/admin/login', lang: 'es', headers: { 'Accept-Language': 'es-ES,es;q=0.9' } },
  { path: `${PORTAL}/login`, lang: 'fr', headers: { 'Accept-Language': 'fr-FR' } },
  { path: '/admin', lang: 'pt-BR', headers: { Cookie: staffCookie, 'Accept-Language': 'pt-BR' } },
  { path: '/admin/m/contacts', lang: 'en', headers: { Cookie: staffCookie, 'Accept-Language': 'en' } },
  { path: PORTAL, lang: 'es', headers: { Cookie: `${aliceCookie}; porta_lang=es` } },
];

type Phase = 'up' | 'stopping' | 'down' | 'starting' | 'back';
let phase: Phase = 'up';
type Observed = { answer: Answer; lang: string; from: Phase; to: Phase };

/** Steady traffic: `workers` visitors, each asking for the next page as soon as the last one answered, until stopped. */
function steadyTraffic(workers: number) {
  const observed: Observed[] = [];
  let running = true;
  let n = 0;
  const visitor = async () => {
    while (running) {
      const page = pages()[n++ % pages().length] as Visit;
      const from = phase;
      const answer = await fetchAnswer(`${base}${page.path}`, { headers: page.headers });
      observed.push({ answer, lang: page.lang, from, to: phase });
    }
  };
  const all = Promise.all(Array.from({ length: workers }, visitor));
  return {
    observed,
    async stop() {
      running = false;
      await all;
      return observed;
    },
  };
}

const ok = (a: Answer) => !('error' in a) && a.status === 200;

/** A POST a visitor sends: a sign-in with a wrong password, on an address nobody has. */
const wrongSignIn = (path: string, lang: string, n: number) =>
  fetchAnswer(`${base}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: base, 'Sec-Fetch-Site': 'same-origin', 'Accept-Language': lang },
    body: new URLSearchParams({ email: `nobody${n}@demo.example`, password: 'not-the-password' }),
  });

beforeAll(async () => {
  dataDir = join(embeddedDataRoot(projectRoot, serverAccount()).dir, 'test-runs', `faults-postgres-${process.pid}`);
  rmSync(dataDir, { recursive: true, force: true });
  pgPort = await freePort();
  database = await startEmbeddedPostgres({ dataDir, port: pgPort });
  smtp = await startSmtp();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  porta = startPorta('src/main.ts', {
    DATABASE_URL: database.url,
    PORT: String(port),
    HOST: '127.0.0.1',
    BASE_URL: base,
    SMTP_URL: smtp.url,
    SEED_DEMO: 'true',
    INBOUND_SMTP_PORT: '0',
  });
  // Migrations and the demo organization first, then it listens.
  await waitFor(async () => ok(await fetchAnswer(`${base}/healthz`)), { timeoutMs: 90_000, intervalMs: 200 });
  const staff = await signIn('/admin/login', DEMO_ADMIN.email, DEMO_ADMIN.password);
  const alice = await signIn(`${PORTAL}/login`, ALICE, DEMO_PORTAL_PASSWORD);
  expect([staff.status, alice.status]).toEqual([303, 303]);
  staffCookie = staff.cookie;
  aliceCookie = alice.cookie;
}, 120_000);

afterAll(async () => {
  await killStartedProcesses();
  await smtp?.close();
  await database?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('the 503 checker', () => {
  const page = (status: number, body: string, headers: Record<string, string> = { 'Content-Type': 'text/html; charset=UTF-8', 'Retry-After': '30' }) =>
    ({ path: '/admin', status, headers: new Headers(headers), body }) as Answer;
  const es = unavailable('es');
  const good = `<!DOCTYPE html><html lang="es"><body><h1>${es.title}</h1><p>${es.message}</p></body></html>`;

  it('passes the page Porta means to answer, and reports a 500, a missing Retry-After, the wrong language, a leak and a hang', () => {
    expect(clean503Problems(page(503, good), es)).toEqual([]);
    expect(() => assertClean503(page(500, good), es)).toThrow('/admin: status 500, not 503');
    expect(clean503Problems(page(503, good, { 'Content-Type': 'text/html' }), es)).toEqual(['/admin: Retry-After is "", not a number of seconds']);
    expect(clean503Problems(page(503, good.replace('lang="es"', 'lang="en"')), es)).toEqual(['/admin: not in es (en)']);
    expect(clean503Problems(page(503, good.replace('</p>', ' connect ECONNREFUSED 127.0.0.1:5432</p>')), es)).toEqual(['/admin: shows the internal error']);
    expect(clean503Problems({ path: '/admin', error: 'TimeoutError' }, es)).toEqual(['/admin: no answer (TimeoutError)']);
  });
});

describe('PostgreSQL stopped under traffic, then started again', () => {
  it('answers every request while it is down with a clean 503 in the visitor’s language, and recovers without a restart', { timeout: 120_000 }, async () => {
    const traffic = steadyTraffic(3);
    await waitFor(() => traffic.observed.filter((o) => o.from === 'up' && ok(o.answer)).length >= 10, { timeoutMs: 30_000, intervalMs: 50 });
    expect(
      [(await wrongSignIn('/admin/login', 'en', 1)) as { status: number }, (await wrongSignIn(`${PORTAL}/login`, 'fr', 2)) as { status: number }].map(
        (a) => a.status,
      ),
    ).toEqual([401, 401]);

    phase = 'stopping';
    await database.stop();
    phase = 'down';
    await waitFor(() => traffic.observed.filter((o) => o.from === 'down').length >= 3 * pages().length, { timeoutMs: 60_000, intervalMs: 50 });
    expect(porta.process.exitCode, `Porta exited:\n${porta.output().slice(-3000)}`).toBeNull();
    // Form posts too: a sign-in cannot be checked, and says so the same way.
    const posts = [await wrongSignIn('/admin/login', 'es', 3), await wrongSignIn(`${PORTAL}/login`, 'fr', 4)];
    assertClean503(posts[0] as Answer, unavailable('es'));
    assertClean503(posts[1] as Answer, unavailable('fr'));
    const health = await fetchAnswer(`${base}/healthz`);
    expect('status' in health && [health.status, JSON.parse(health.body)]).toEqual([503, { status: 'unavailable', database: false }]);

    phase = 'starting';
    database = await startEmbeddedPostgres({ dataDir, port: pgPort });
    await waitFor(async () => ok(await fetchAnswer(`${base}/healthz`)), { timeoutMs: 30_000, intervalMs: 100 });
    phase = 'back';
    await waitFor(() => traffic.observed.filter((o) => o.from === 'back').length >= 2 * pages().length, { timeoutMs: 30_000, intervalMs: 50 });
    const observed = await traffic.stop();

    // Down: each answer the clean page, none a 500, none left hanging.
    const down = observed.filter((o) => o.from === 'down' && o.to === 'down');
    expect(down.length).toBeGreaterThanOrEqual(3 * pages().length);
    expect(down.flatMap((o) => clean503Problems(o.answer, unavailable(o.lang)))).toEqual([]);
    // Going down or coming back: the page, or the clean 503. One cut off after it had read who is
    // signed in is in that person's own language, as their pages are.
    const ownLang = new Map(
      observed
        .filter((o) => o.from === 'up' && ok(o.answer))
        .map((o) => [o.answer.path, 'body' in o.answer ? /<html lang="([^"]+)"/.exec(o.answer.body)?.[1] : '']),
    );
    const moving = observed.filter((o) => o.from !== o.to || o.from === 'stopping' || o.from === 'starting');
    const clean = (o: Observed) => [o.lang, ownLang.get(o.answer.path) ?? o.lang].some((lang) => clean503Problems(o.answer, unavailable(lang)).length === 0);
    expect(moving.filter((o) => !ok(o.answer) && !clean(o)).flatMap((o) => clean503Problems(o.answer, unavailable(o.lang)))).toEqual([]);
    // Up and back: every page served, the sessions from before the outage still signed in.
    const served = observed.filter((o) => o.from === o.to && (o.from === 'up' || o.from === 'back'));
    expect(served.filter((o) => !ok(o.answer)).map((o) => ('error' in o.answer ? o.answer.error : `${o.answer.path} ${o.answer.status}`))).toEqual([]);
    expect(served.filter((o) => o.from === 'back').map((o) => o.answer.path)).toEqual(expect.arrayContaining([PORTAL, '/admin']));

    // The same process throughout: never restarted, never crashed.
    expect(porta.process.exitCode).toBeNull();
    expect(porta.output()).not.toMatch(/Unhandled|uncaught/i);
  });

  it('signs people in and runs jobs again once the database is back', { timeout: 60_000 }, async () => {
    expect((await signIn(`${PORTAL}/login`, ALICE, DEMO_PORTAL_PASSWORD)).status).toBe(303);
    // A new staff user: written, then welcomed by email through the job queue.
    const form = await fetchAnswer(`${base}/admin/settings/users/new`, { headers: { Cookie: staffCookie } });
    const profile = /<option value="([0-9a-f-]{36})"/.exec('body' in form ? form.body : '')?.[1] as string;
    const created = await fetchAnswer(`${base}/admin/settings/users`, {
      method: 'POST',
      headers: { Cookie: staffCookie, 'Content-Type': 'application/x-www-form-urlencoded', Origin: base, 'Sec-Fetch-Site': 'same-origin' },
      body: new URLSearchParams({
        name: 'Rita Recovery',
        email: 'rita@demo.example',
        profile,
        password: 'Back-Again-2026',
        passwordConfirm: 'Back-Again-2026',
      }),
    });
    expect('status' in created && created.status).toBe(303);
    await waitFor(() => smtp.receivedBy('rita@demo.example').length > 0, { timeoutMs: 30_000, intervalMs: 100 });
    expect(smtp.receivedBy('rita@demo.example')).toHaveLength(1);
    expect((await signIn('/admin/login', 'rita@demo.example', 'Back-Again-2026')).status).toBe(303);
    expect(porta.process.exitCode).toBeNull();
  });
});
