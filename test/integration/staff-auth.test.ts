import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../../src/auth/cookies.js';
import { invalidateUserSessions, sessionIdFromToken } from '../../src/auth/sessions.js';
import { THROTTLE } from '../../src/auth/throttle.js';
import { browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme, seedAcme } from '../support/fixtures.js';

let t: TestApp;
let adminId: string;

beforeAll(async () => {
  t = await startTestApp();
  adminId = (await seedAcme(t.db)).admin.id;
});
afterAll(() => t.close());
beforeEach(async () => {
  await t.db.deleteFrom('sessions').execute();
  await t.db.deleteFrom('login_attempts').execute();
});

async function signIn(password = acme.admin.password) {
  const client = browserClient(t.app);
  const res = await client.post('/admin/login', { email: acme.admin.email, password });
  return { client, res };
}

describe('staff sign-in', () => {
  it('signs in and reaches the admin home', async () => {
    const { client, res } = await signIn();
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toBe('/admin');
    const home = await client.get('/admin');
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('Welcome, Ana Admin');
  });

  it('sets the session cookie HttpOnly and SameSite=Lax', async () => {
    const { res } = await signIn();
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`));
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).not.toMatch(/Secure/i); // only in production
  });

  it('stores only the SHA-256 of the session token', async () => {
    const { client } = await signIn();
    const token = client.cookies.get(SESSION_COOKIE);
    expect(token).toMatch(/^[a-z2-7]{32}$/);
    const rows = await t.db.selectFrom('sessions').select('id').execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.id).toBe(sessionIdFromToken(token ?? ''));
    expect(rows[0]?.id).not.toContain(token);
    expect(rows[0]?.id).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a wrong password with a message and no session', async () => {
    const { client, res } = await signIn('wrong-password');
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('The email or the password is not correct.');
    expect(client.cookies.has(SESSION_COOKIE)).toBe(false);
    expect((await client.get('/admin')).status).toBe(303);
  });

  it('gives the same refusal for an unknown email', async () => {
    const client = browserClient(t.app);
    const res = await client.post('/admin/login', { email: 'nobody@acme.example', password: 'whatever-123' });
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('The email or the password is not correct.');
  });

  it('refuses an email far longer than an address can be like any wrong one, and still counts it', async () => {
    const email = `${randomBytes(1500).toString('hex')}@acme.example`;
    const res = await browserClient(t.app).post('/admin/login', { email, password: 'whatever-123' });
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('The email or the password is not correct.');
    const keys = await t.db.selectFrom('login_attempts').select('key').where('scope', '=', 'account').execute();
    expect(keys).toHaveLength(1);
    expect(keys[0]?.key).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('asks for both fields when one is empty', async () => {
    const client = browserClient(t.app);
    const res = await client.post('/admin/login', { email: acme.admin.email, password: '' });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('Enter your email and your password.');
  });

  it('throttles the account after repeated failures, even for the right password', async () => {
    for (let i = 0; i < THROTTLE.accountFailures; i++) expect((await signIn('nope-nope-nope')).res.status).toBe(401);
    const { res } = await signIn();
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('Retry-After'))).toBeGreaterThan(0);
    expect(await res.text()).toContain('Too many failed sign-in attempts for this account. Try again in 15 minutes.');
  });

  it('throttles an address that tries many accounts', async () => {
    const client = browserClient(t.app);
    for (let i = 0; i < THROTTLE.addressFailures; i++) {
      await client.post('/admin/login', { email: `guess${i}@acme.example`, password: 'nope-nope-nope' });
    }
    const res = await client.post('/admin/login', { email: acme.admin.email, password: acme.admin.password });
    expect(res.status).toBe(429);
    expect(await res.text()).toContain('from your network');
  });

  it('refuses a deactivated account with its own message', async () => {
    await t.db.updateTable('staff_users').set({ active: false }).where('id', '=', adminId).execute();
    try {
      const { res } = await signIn();
      expect(res.status).toBe(403);
      expect(await res.text()).toContain('This account has been deactivated');
    } finally {
      await t.db.updateTable('staff_users').set({ active: true }).where('id', '=', adminId).execute();
    }
  });

  it('ends access on logout', async () => {
    const { client } = await signIn();
    const token = client.cookies.get(SESSION_COOKIE) ?? '';
    const out = await client.post('/admin/logout', {});
    expect(out.status).toBe(303);
    expect(out.headers.get('Location')).toBe('/admin/login?signedOut=1');
    expect(await (await client.get('/admin/login?signedOut=1')).text()).toContain('You have signed out.');
    expect(client.cookies.has(SESSION_COOKIE)).toBe(false);
    expect(await t.db.selectFrom('sessions').select('id').execute()).toHaveLength(0);
    // The old token no longer works even if replayed.
    const replay = await t.app.request('http://porta.test/admin', { headers: { Cookie: `${SESSION_COOKIE}=${token}` }, redirect: 'manual' });
    expect(replay.status).toBe(303);
    expect(replay.headers.get('Location')).toBe('/admin/login?next=%2Fadmin');
  });

  it('ends access when the sessions are revoked', async () => {
    const { client } = await signIn();
    expect((await client.get('/admin')).status).toBe(200);
    expect(await invalidateUserSessions(t.db, { kind: 'staff', id: adminId })).toBe(1);
    expect((await client.get('/admin')).status).toBe(303);
  });

  it('refuses an expired session and removes it', async () => {
    const { client } = await signIn();
    await t.db
      .updateTable('sessions')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .execute();
    expect((await client.get('/admin')).status).toBe(303);
    expect(await t.db.selectFrom('sessions').select('id').execute()).toHaveLength(0);
  });

  it('slides the expiry forward once half the lifetime has passed', async () => {
    const { client } = await signIn();
    const soon = new Date(Date.now() + 2 * 24 * 3600_000);
    await t.db.updateTable('sessions').set({ expires_at: soon }).execute();
    const res = await client.get('/admin');
    expect(res.status).toBe(200);
    const row = await t.db.selectFrom('sessions').select('expires_at').executeTakeFirstOrThrow();
    expect(row.expires_at.getTime()).toBeGreaterThan(Date.now() + (t.config.sessionDays - 1) * 24 * 3600_000);
    // The browser's cookie is renewed with the new expiry.
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`)) ?? '';
    const expires = /Expires=([^;]+)/i.exec(cookie)?.[1];
    expect(expires).toBeDefined();
    expect(Math.abs(new Date(expires ?? 0).getTime() - row.expires_at.getTime())).toBeLessThan(2000);
  });

  it('does not resend the cookie while the session is young', async () => {
    const { client } = await signIn();
    const res = await client.get('/admin');
    expect(res.headers.getSetCookie().some((c) => c.startsWith(`${SESSION_COOKIE}=`))).toBe(false);
  });

  it('drops the cookie of a session that no longer exists', async () => {
    const { client } = await signIn();
    await t.db.deleteFrom('sessions').execute();
    const res = await client.get('/admin/login');
    expect(res.headers.getSetCookie().some((c) => c.startsWith(`${SESSION_COOKIE}=;`))).toBe(true);
    expect(client.cookies.has(SESSION_COOKIE)).toBe(false);
  });

  it('replaces the browser’s previous session when signing in again', async () => {
    const { client } = await signIn();
    const first = client.cookies.get(SESSION_COOKIE);
    await client.post('/admin/login', { email: acme.admin.email, password: acme.admin.password });
    expect(client.cookies.get(SESSION_COOKIE)).not.toBe(first);
    expect(await t.db.selectFrom('sessions').select('id').execute()).toHaveLength(1);
  });

  it('counts parallel attempts: no more than the limit get their password checked', async () => {
    const client = browserClient(t.app);
    const statuses = await Promise.all(
      Array.from({ length: 12 }, (_, i) => client.post('/admin/login', { email: acme.admin.email, password: `parallel-guess-${i}` }).then((r) => r.status)),
    );
    expect(statuses.filter((s) => s === 401)).toHaveLength(THROTTLE.accountFailures);
    expect(statuses.filter((s) => s === 429)).toHaveLength(12 - THROTTLE.accountFailures);
  });
});

describe('CSRF defence', () => {
  it('answers 421 for a host name that is not Porta’s, even with a matching Origin (DNS rebinding)', async () => {
    const form = new URLSearchParams({ email: acme.admin.email, password: acme.admin.password });
    const res = await t.app.request('http://rebind.attacker.example:3000/admin/login', {
      method: 'POST',
      headers: {
        Origin: 'http://rebind.attacker.example:3000',
        'Sec-Fetch-Site': 'same-origin',
        'Content-Type': 'application/x-www-form-urlencoded',
        'Accept-Language': 'es',
      },
      body: form,
    });
    expect(res.status).toBe(421);
    expect(await res.text()).toContain('Este servidor no responde en esta dirección. Use http://porta.test.');
    expect(res.headers.get('Set-Cookie')).toBeNull();
    expect(await t.db.selectFrom('sessions').select('id').execute()).toHaveLength(0);
    expect((await t.app.request('http://rebind.attacker.example:3000/admin/login')).status).toBe(421);
    // The platform's health check may use any name.
    expect((await t.app.request('http://10.0.0.7:3000/healthz')).status).toBe(200);
  });

  it('refuses a cross-origin POST', async () => {
    const client = browserClient(t.app);
    const res = await client.post(
      '/admin/login',
      { email: acme.admin.email, password: acme.admin.password },
      { Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' },
    );
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('came from another site');
    expect(await t.db.selectFrom('sessions').select('id').execute()).toHaveLength(0);
  });

  it('refuses a POST from another origin when the browser sends no Sec-Fetch-Site', async () => {
    const res = await t.app.request('http://porta.test/admin/login', {
      method: 'POST',
      headers: { Origin: 'https://evil.example', 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: acme.admin.email, password: acme.admin.password }),
    });
    expect(res.status).toBe(403);
  });

  it('refuses a POST that carries neither Origin nor Sec-Fetch-Site', async () => {
    const res = await t.app.request('http://porta.test/lang', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'lang=es&back=/',
    });
    expect(res.status).toBe(403);
  });

  it('refuses a signed-in cross-site logout (session survives)', async () => {
    const { client } = await signIn();
    const res = await client.post('/admin/logout', {}, { Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' });
    expect(res.status).toBe(403);
    expect(await t.db.selectFrom('sessions').select('id').execute()).toHaveLength(1);
  });

  it('accepts a same-origin POST', async () => {
    const { res } = await signIn();
    expect(res.status).toBe(303);
  });
});
