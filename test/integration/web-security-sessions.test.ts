import { decodeBase32IgnorePadding } from '@oslojs/encoding';
import { generateHOTP } from '@oslojs/otp';
import { Hono } from 'hono';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../../src/auth/cookies.js';
import { PORTAL_COOKIE } from '../../src/auth/portal-session.js';
import { generateSessionToken, sessionIdFromToken } from '../../src/auth/sessions.js';
import { THROTTLE } from '../../src/auth/throttle.js';
import { issueInvitation } from '../../src/invitations/tokens.js';
import { QUEUES } from '../../src/jobs/queues.js';
import { browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme, bruno, seedStandardUser } from '../support/fixtures.js';
import { localeText } from '../support/locale-strings.js';
import { decodeEntities } from '../support/portal-crawl.js';
import { addPortalUser, carla, HELP, type PortalWorld, seedPortalWorld } from '../support/portal-world.js';
import { waitFor } from '../support/wait.js';
import { browserWithSession, cookieProblems, resetLink, setCookieOf } from '../support/web-security.js';

// Sessions: every sign-in starts a new one (a cookie planted beforehand is
// neither kept nor left working), its cookie is out of scripts' and other
// sites' reach (and https-only on an https site), and guessing passwords or
// second-factor codes stops at the documented limits — in the visitor's
// language, and even for the right answer while it lasts.

let t: TestApp;
let w: PortalWorld;
const ids = {} as Record<'carla' | 'dora' | 'bruno', string>;
const dora = { email: 'dora@initech.example', password: 'Dora-Portal-2027' };
const newPassword = 'Fresh-Start-2028';
const TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const ES = { 'Accept-Language': 'es' };

beforeAll(async () => {
  // The worker answers "forgot password" requests, as in production.
  t = await startTestApp({ worker: true });
  w = await seedPortalWorld(t);
  ids.carla = await addPortalUser(t, w, { email: carla.email, recordId: w.records.carla, status: 'active', password: carla.password });
  ids.dora = await addPortalUser(t, w, { email: dora.email, recordId: w.records.dora, status: 'active', password: dora.password });
  ids.bruno = (await seedStandardUser(t.db)).id;
});
afterAll(() => t.close());
beforeEach(async () => {
  // Every request here comes from the same address: each test starts with a clean throttle.
  await t.db.deleteFrom('login_attempts').execute();
});

const staffHome = (token: string) => t.app.request('http://porta.test/admin', { headers: { Cookie: `${SESSION_COOKIE}=${token}` } });
const portalHome = (token: string) => t.app.request(`http://porta.test${HELP}/m/cases`, { headers: { Cookie: `${PORTAL_COOKIE}=${token}` } });

/**
 * What is wrong with a sign-in's session: the cookie the browser held before
 * must be replaced, and must no longer open anything (a planted session of
 * the attacker's own, or the victim's, would otherwise be shared).
 */
async function fixationProblems(before: string | undefined, after: string | undefined, stillWorks: (token: string) => Promise<boolean>): Promise<string[]> {
  const problems: string[] = [];
  if (!after) problems.push('no session after signing in');
  if (before && after === before) problems.push('the session from before signing in was kept');
  if (before && (await stillWorks(before))) problems.push('the cookie from before signing in still works');
  if (after && !(await stillWorks(after))) problems.push('the new session does not work');
  return problems;
}
const staffWorks = async (token: string) => (await staffHome(token)).status === 200;
const portalWorks = async (token: string) => (await portalHome(token)).status === 200;

describe('a new session at every sign-in', () => {
  it('staff sign-in replaces a planted cookie and another user’s live session', async () => {
    const planted = browserClient(t.app);
    planted.cookies.set(SESSION_COOKIE, generateSessionToken());
    const before = planted.cookies.get(SESSION_COOKIE);
    await planted.post('/admin/login', acme.admin);
    expect(await fixationProblems(before, planted.cookies.get(SESSION_COOKIE), staffWorks)).toEqual([]);

    // The attacker's own session, planted in the victim's browser.
    const borrowed = await browserWithSession(t.app, t.db, { kind: 'staff', id: ids.bruno });
    const bruno = borrowed.cookies.get(SESSION_COOKIE);
    expect(await staffWorks(bruno ?? '')).toBe(true);
    await borrowed.post('/admin/login', acme.admin);
    expect(await fixationProblems(bruno, borrowed.cookies.get(SESSION_COOKIE), staffWorks)).toEqual([]);
  });

  it('portal sign-in replaces a planted cookie and another customer’s live session', async () => {
    const planted = browserClient(t.app);
    planted.cookies.set(PORTAL_COOKIE, generateSessionToken());
    const before = planted.cookies.get(PORTAL_COOKIE);
    await planted.post(`${HELP}/login`, carla);
    expect(await fixationProblems(before, planted.cookies.get(PORTAL_COOKIE), portalWorks)).toEqual([]);

    const borrowed = await browserWithSession(t.app, t.db, { kind: 'portal', id: ids.dora });
    const doraToken = borrowed.cookies.get(PORTAL_COOKIE);
    expect(await portalWorks(doraToken ?? '')).toBe(true);
    await borrowed.post(`${HELP}/login`, carla);
    expect(await fixationProblems(doraToken, borrowed.cookies.get(PORTAL_COOKIE), portalWorks)).toEqual([]);
  });

  it('accepting an invitation replaces the session the browser had', async () => {
    const gina = await addPortalUser(t, w, { email: 'gina@secure.example', recordId: w.records.gina, status: 'invited' });
    const { token } = await issueInvitation(t.db, gina, w.adminId);
    const borrowed = await browserWithSession(t.app, t.db, { kind: 'portal', id: ids.dora });
    const doraToken = borrowed.cookies.get(PORTAL_COOKIE);
    const res = await borrowed.post(`${HELP}/invite/${token}`, { password: newPassword, passwordConfirm: newPassword });
    expect(res.status).toBe(303);
    expect(await fixationProblems(doraToken, borrowed.cookies.get(PORTAL_COOKIE), portalWorks)).toEqual([]);
  });

  it('completing a password reset replaces the session the browser had', async () => {
    const link = await resetLink(t.db, ids.carla);
    const borrowed = await browserWithSession(t.app, t.db, { kind: 'portal', id: ids.dora });
    const doraToken = borrowed.cookies.get(PORTAL_COOKIE);
    const res = await borrowed.post(`${HELP}/password/reset/${link}`, { password: newPassword, passwordConfirm: newPassword });
    expect(res.status).toBe(303);
    expect(await fixationProblems(doraToken, borrowed.cookies.get(PORTAL_COOKIE), portalWorks)).toEqual([]);
  });

  it('would report a sign-in that keeps the cookie it found (the checker can fail)', async () => {
    const kept = await browserWithSession(t.app, t.db, { kind: 'staff', id: ids.bruno });
    const token = kept.cookies.get(SESSION_COOKIE);
    expect(await fixationProblems(token, token, staffWorks)).toEqual([
      'the session from before signing in was kept',
      'the cookie from before signing in still works',
    ]);
    expect(await fixationProblems(token, undefined, staffWorks)).toContain('no session after signing in');
  });
});

describe('session cookie flags', () => {
  it('staff and portal cookies are HttpOnly, SameSite=Lax, scoped to their paths', async () => {
    const staff = await browserClient(t.app).post('/admin/login', acme.admin);
    expect(cookieProblems(setCookieOf(staff, SESSION_COOKIE), { path: '/', secure: false })).toEqual([]);
    const portal = await browserClient(t.app).post(`${HELP}/login`, dora);
    expect(cookieProblems(setCookieOf(portal, PORTAL_COOKIE), { path: HELP, secure: false })).toEqual([]);
  });

  it('are Secure when the site is served over https', async () => {
    const https = await startTestApp({ env: { BASE_URL: 'https://porta.test' } });
    try {
      const world = await seedPortalWorld(https);
      await addPortalUser(https, world, { email: dora.email, recordId: world.records.dora, status: 'active', password: dora.password });
      const ana = browserClient(https.app, 'https://porta.test');
      const staff = await ana.post('/admin/login', acme.admin);
      expect(staff.status).toBe(303);
      expect(cookieProblems(setCookieOf(staff, SESSION_COOKIE), { path: '/', secure: true })).toEqual([]);
      const portal = await browserClient(https.app, 'https://porta.test').post(`${HELP}/login`, dora);
      expect(portal.status).toBe(303);
      expect(cookieProblems(setCookieOf(portal, PORTAL_COOKIE), { path: HELP, secure: true })).toEqual([]);
      // Signing out clears them with the same flags, or the browser would keep the secure one.
      const out = await ana.post('/admin/logout', {});
      expect(out.status).toBe(303);
      expect(setCookieOf(out, SESSION_COOKIE)).toMatch(/;\s*Secure/i);
    } finally {
      await https.close();
    }
  });

  it('would report a cookie without its flags (the checker can fail)', () => {
    expect(cookieProblems('porta_session=abc', { path: '/', secure: true })).toEqual(['not HttpOnly', 'SameSite missing', 'Path missing, not /', 'not Secure']);
    expect(cookieProblems('porta_session=abc; HttpOnly; SameSite=None; Path=/', { path: '/', secure: false })).toEqual(['SameSite none']);
    expect(cookieProblems('porta_portal=abc; HttpOnly; SameSite=Lax; Path=/', { path: HELP, secure: false })).toEqual([`Path /, not ${HELP}`]);
    expect(cookieProblems(undefined, { path: '/', secure: false })).toEqual(['no cookie']);
  });
});

/** The page's text, entities decoded, to compare with a locale's wording. */
const textOf = async (res: Response) => decodeEntities(await res.text());

/**
 * What is wrong with a throttle: `limit` wrong attempts must each be refused
 * as wrong (not yet throttled), then the right answer must be refused with 429,
 * a Retry-After and the given localized message.
 */
async function throttleProblems(wrong: (i: number) => Promise<Response>, right: () => Promise<Response>, limit: number, message: string): Promise<string[]> {
  const problems: string[] = [];
  for (let i = 0; i < limit; i++) {
    const res = await wrong(i);
    if (res.status === 429 || res.status < 400) problems.push(`wrong attempt ${i + 1} answered ${res.status}`);
  }
  const res = await right();
  if (res.status !== 429) problems.push(`the right answer after ${limit} wrong ones answered ${res.status}`);
  if (!(Number(res.headers.get('Retry-After')) > 0)) problems.push('no Retry-After');
  if (!(await textOf(res)).includes(message)) problems.push('not the localized message');
  return problems;
}

describe('throttles', () => {
  it('staff sign-in: after the limit, a localized 429, even for the right password', async () => {
    const right = browserClient(t.app);
    const problems = await throttleProblems(
      (i) => browserClient(t.app).post('/admin/login', { email: acme.admin.email, password: `wrong-${i}` }, ES),
      () => right.post('/admin/login', acme.admin, ES),
      THROTTLE.accountFailures,
      localeText('es', 'auth:login.errors.throttled_account', { count: THROTTLE.windowMinutes }),
    );
    expect(problems).toEqual([]);
    expect(right.cookies.has(SESSION_COOKIE)).toBe(false);
  });

  it('portal sign-in: after the limit, a localized 429, even for the right password', async () => {
    const right = browserClient(t.app);
    const problems = await throttleProblems(
      (i) => browserClient(t.app).post(`${HELP}/login`, { email: dora.email, password: `wrong-${i}` }, ES),
      () => right.post(`${HELP}/login`, dora, ES),
      THROTTLE.accountFailures,
      localeText('es', 'auth:login.errors.throttled_account', { count: THROTTLE.windowMinutes }),
    );
    expect(problems).toEqual([]);
    expect(right.cookies.has(PORTAL_COOKIE)).toBe(false);
  });

  it('portal sign-in: an address trying many accounts is stopped, the right password included', async () => {
    const problems = await throttleProblems(
      (i) => browserClient(t.app).post(`${HELP}/login`, { email: `guess-${i}@globex.example`, password: 'wrong' }, ES),
      () => browserClient(t.app).post(`${HELP}/login`, dora, ES),
      THROTTLE.addressFailures,
      localeText('es', 'auth:login.errors.throttled_address', { count: THROTTLE.windowMinutes }),
    );
    expect(problems).toEqual([]);
  });

  it('two-factor codes, staff and portal: after the limit, a localized 429, even for the right code', async () => {
    const step = () => BigInt(Math.floor(Date.now() / 30_000));
    const key = decodeBase32IgnorePadding(TOTP_SECRET);
    const right = () => generateHOTP(key, step(), 6);
    const near = () => [-1n, 0n, 1n].map((d) => generateHOTP(key, step() + d, 6));
    const wrong = () => ['000000', '111111', '222222', '333333'].find((c) => !near().includes(c)) ?? '444444';
    for (const who of [
      { kind: 'staff' as const, id: ids.bruno, login: '/admin/login', step: '/admin/two-factor', credentials: bruno, cookie: SESSION_COOKIE },
      { kind: 'portal' as const, id: ids.dora, login: `${HELP}/login`, step: `${HELP}/two-factor`, credentials: dora, cookie: PORTAL_COOKIE },
    ]) {
      await t.db.insertInto('two_factor').values({ user_kind: who.kind, user_id: who.id, secret: TOTP_SECRET, enabled_at: new Date() }).execute();
      const client = browserClient(t.app);
      expect((await client.post(who.login, who.credentials)).status).toBe(303);
      const problems = await throttleProblems(
        () => client.post(who.step, { code: wrong() }, ES),
        () => client.post(who.step, { code: right() }, ES),
        THROTTLE.accountFailures,
        localeText('es', 'twofactor:challenge.errors.throttled', { count: THROTTLE.windowMinutes }),
      );
      expect(problems, who.kind).toEqual([]);
      const session = await t.db
        .selectFrom('sessions')
        .select('two_factor_pending')
        .where('id', '=', sessionIdFromToken(client.cookies.get(who.cookie) ?? ''))
        .executeTakeFirstOrThrow();
      expect(session.two_factor_pending, who.kind).toBe(true);
      await t.db.deleteFrom('two_factor').where('user_id', '=', who.id).execute();
    }
  });

  it('password reset requests: beyond three an hour nothing more is sent, and the answer never tells', async () => {
    const answers: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await browserClient(t.app).post(`${HELP}/password/forgot`, { email: dora.email }, ES);
      expect(res.status).toBe(200);
      answers.push(await textOf(res));
    }
    expect(new Set(answers).size).toBe(1);
    expect(answers[0]).toContain(localeText('es', 'portalauth:forgot.title'));
    const handled = async () =>
      Number(
        (
          await sql<{ n: string }>`select count(*) as n from pgboss.job where name = ${QUEUES.passwordReset} and state not in ('completed', 'failed')`.execute(
            t.db,
          )
        ).rows[0]?.n,
      ) === 0;
    await waitFor(handled);
    const links = await t.db.selectFrom('password_resets').select('id').where('user_id', '=', ids.dora).execute();
    expect(links).toHaveLength(3);
    expect(await t.db.selectFrom('email_outbox').select('id').where('to_address', '=', dora.email).execute()).toHaveLength(3);
  });

  it('invitation links cannot be guessed: every guess is refused in the visitor’s language and changes nothing', async () => {
    const erin = await addPortalUser(t, w, { email: 'erin@partner.example', recordId: w.records.erin, status: 'invited' });
    const { token } = await issueInvitation(t.db, erin, w.adminId);
    expect(token).toMatch(/^[a-z2-7]{32}$/);
    const before = await t.db.selectFrom('portal_users').selectAll().where('id', '=', erin).executeTakeFirstOrThrow();
    for (let i = 0; i < THROTTLE.addressFailures + 1; i++) {
      const guess = generateSessionToken();
      const get = await browserClient(t.app).get(`${HELP}/invite/${guess}`, ES);
      const post = await browserClient(t.app).post(`${HELP}/invite/${guess}`, { password: newPassword, passwordConfirm: newPassword }, ES);
      expect([get.status, post.status]).toEqual([404, 404]);
      if (i === 0) expect(await textOf(post)).toContain(localeText('es', 'portalauth:invite.problem.unknown.title'));
    }
    expect(await t.db.selectFrom('portal_users').selectAll().where('id', '=', erin).executeTakeFirstOrThrow()).toEqual(before);
  });
});

describe('the throttle check', () => {
  it('would report a sign-in without a throttle (it can fail)', async () => {
    const careless = new Hono();
    careless.post('/login', async (c) => {
      const body = await c.req.parseBody();
      return body.password === 'right' ? c.redirect('/home', 303) : c.text('Wrong password', 401);
    });
    const send = async (password: string) => careless.request('/login', { method: 'POST', body: new URLSearchParams({ password }) });
    expect(
      await throttleProblems(
        () => send('wrong'),
        () => send('right'),
        5,
        'Too many',
      ),
    ).toEqual(['the right answer after 5 wrong ones answered 303', 'no Retry-After', 'not the localized message']);
  });
});
