import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendPortalPasswordReset } from '../../src/auth/password-reset.js';
import { verifyPassword } from '../../src/auth/passwords.js';
import { PORTAL_COOKIE } from '../../src/auth/portal-session.js';
import { browserClient, startTestApp, type TestApp } from '../support/app.js';
import { resetRequestJobs, resetRequestsHandled } from '../support/password-reset.js';
import { addPortalUser, carla, HELP, type PortalWorld, seedPortalWorld } from '../support/portal-world.js';

let t: TestApp;
let w: PortalWorld;
const ids = {} as Record<'carla' | 'fred' | 'dora' | 'erin', string>;
const fresh = 'Brand-New-Pass-2027';

beforeAll(async () => {
  // The worker runs here: it looks the account up and writes the link, after the request has answered.
  t = await startTestApp({ worker: true });
  w = await seedPortalWorld(t);
  ids.carla = await addPortalUser(t, w, { email: carla.email, recordId: w.records.carla, status: 'active', password: carla.password });
  ids.fred = await addPortalUser(t, w, { email: 'fred@gone.example', recordId: w.records.fred, status: 'deactivated', password: 'Fred-Gone-2027!' });
  ids.dora = await addPortalUser(t, w, {
    email: 'dora@initech.example',
    recordId: w.records.dora,
    status: 'active',
    password: 'Dora-Portal-2027',
    language: 'fr',
  });
  ids.erin = await addPortalUser(t, w, { email: 'erin@initech.example', recordId: w.records.erin, status: 'active', password: 'Erin-Portal-2027' });
});
afterAll(() => t.close());

const outbox = () => t.db.selectFrom('email_outbox').selectAll().orderBy('created_at').execute();
const linkIn = (text: string) => /http:\/\/porta\.test(\/p\/acme-help\/password\/reset\/[a-z2-7]{32})/.exec(text)?.[1] ?? '';
const resetJobs = (email?: string) => resetRequestJobs(t, email);
const requestsHandled = () => resetRequestsHandled(t);
const passwordOf = async (id: string) =>
  (await t.db.selectFrom('portal_users').select('password_hash').where('id', '=', id).executeTakeFirstOrThrow()).password_hash ?? '';

describe('password reset by email', () => {
  it('gives the same answer whether or not the address has an account, and emails only a real active user', async () => {
    const before = (await outbox()).length;
    const answers: string[] = [];
    for (const email of ['nobody@globex.example', 'fred@gone.example', carla.email.toUpperCase()]) {
      const res = await browserClient(t.app).post(`${HELP}/password/forgot`, { email });
      expect(res.status).toBe(200);
      answers.push((await res.text()).replace(email, 'EMAIL'));
    }
    await requestsHandled();
    expect(new Set(answers).size).toBe(1);
    expect(answers[0]).toContain(
      'If EMAIL belongs to an account of this portal, a link to choose a new password is on its way. It works once, for 60 minutes.',
    );
    const mails = (await outbox()).slice(before);
    expect(mails.map((m) => [m.to_address, m.template, m.subject])).toEqual([[carla.email, 'portal-password-reset', 'Reset your password for Acme Help']]);
    expect(mails[0]?.text).toContain('Hello Carla Núñez,');
    expect(linkIn(mails[0]?.text ?? '')).not.toBe('');
    const stored = await t.db.selectFrom('password_resets').selectAll().where('user_id', '=', ids.carla).execute();
    expect(stored).toHaveLength(1);
    // Only the hash of the token is kept.
    expect(mails[0]?.text).not.toContain(stored[0]?.token_hash);
    expect(stored[0]?.expires_at.getTime()).toBeCloseTo((stored[0]?.created_at.getTime() ?? 0) + 3600_000, -3);

    const empty = await browserClient(t.app).post(`${HELP}/password/forgot`, { email: '' });
    expect(empty.status).toBe(422);
  });

  it('writes the email in the user’s language', async () => {
    await browserClient(t.app).post(`${HELP}/password/forgot`, { email: 'dora@initech.example' });
    await requestsHandled();
    const mail = (await outbox()).find((m) => m.to_address === 'dora@initech.example');
    expect(mail?.language).toBe('fr');
    expect(mail?.subject).toBe('Réinitialisez votre mot de passe pour Acme Help');
  });

  it('sets a new password once, ends every other session and signs in the browser that reset', async () => {
    const elsewhere = browserClient(t.app);
    expect((await elsewhere.post(`${HELP}/login`, { email: carla.email, password: carla.password })).status).toBe(303);
    expect((await elsewhere.get(`${HELP}/m/cases`)).status).toBe(200);

    const mail = (await outbox()).find((m) => m.to_address === carla.email);
    const link = linkIn(mail?.text ?? '');
    const client = browserClient(t.app);
    const form = await client.get(link);
    expect(form.status).toBe(200);
    expect(form.headers.get('Referrer-Policy')).toBe('no-referrer');
    expect(await form.text()).toContain('At least 10 characters, mixing three of');
    const weak = await client.post(link, { password: 'password', passwordConfirm: 'password' });
    expect(weak.status).toBe(422);
    expect(await verifyPassword(await passwordOf(ids.carla), carla.password)).toBe(true);

    const done = await client.post(link, { password: fresh, passwordConfirm: fresh });
    expect(done.status).toBe(303);
    expect(done.headers.get('Location')).toBe(HELP);
    expect(client.cookies.has(PORTAL_COOKIE)).toBe(true);
    expect((await client.get(`${HELP}/m/cases`)).status).toBe(200);
    expect(await verifyPassword(await passwordOf(ids.carla), fresh)).toBe(true);
    // The other browser is signed out.
    const other = await elsewhere.get(`${HELP}/m/cases`);
    expect(other.status).toBe(303);
    expect(other.headers.get('Location')).toContain('/login');
    const sessions = await t.db.selectFrom('sessions').select('id').where('user_id', '=', ids.carla).execute();
    expect(sessions).toHaveLength(1);

    // The link is spent.
    const again = await browserClient(t.app).get(link);
    expect(again.status).toBe(410);
    expect(await again.text()).toContain('This link has already been used.');
    const replay = await browserClient(t.app).post(link, { password: 'Another-Pass-2028', passwordConfirm: 'Another-Pass-2028' });
    expect(replay.status).toBe(410);
    expect(await verifyPassword(await passwordOf(ids.carla), fresh)).toBe(true);
    expect((await browserClient(t.app).post(`${HELP}/login`, { email: carla.email, password: carla.password })).status).toBe(401);
    expect((await browserClient(t.app).post(`${HELP}/login`, { email: carla.email, password: fresh })).status).toBe(303);
  });

  it('refuses a link after its hour', async () => {
    await sendPortalPasswordReset(
      t.db,
      t.boss,
      { portalId: w.helpId, email: carla.email },
      {
        baseUrl: 'http://porta.test',
        now: new Date(Date.now() - 61 * 60_000),
      },
    );
    const mails = (await outbox()).filter((m) => m.to_address === carla.email);
    const link = linkIn(mails.at(-1)?.text ?? '');
    const res = await browserClient(t.app).get(link);
    expect(res.status).toBe(410);
    expect(await res.text()).toContain('This link has expired: links to reset a password last one hour.');
    const post = await browserClient(t.app).post(link, { password: 'Too-Late-Pass-2027', passwordConfirm: 'Too-Late-Pass-2027' });
    expect(post.status).toBe(410);
    expect(await verifyPassword(await passwordOf(ids.carla), fresh)).toBe(true);
  });

  it('answers 404 for a link that never existed', async () => {
    const res = await browserClient(t.app).get(`${HELP}/password/reset/abcdefghijklmnopqrstuvwxyz234567`);
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('This link is not valid.');
  });
});

describe('the worker that answers a request', () => {
  const mailsTo = async (email: string) => (await outbox()).filter((m) => m.to_address === email && m.template === 'portal-password-reset');

  it('sends exactly one link to an active user, and none to an unknown address or a deactivated account', async () => {
    const addresses = ['erin@initech.example', 'someone@initech.example', 'fred@gone.example'];
    const before = await Promise.all(addresses.map(mailsTo));
    for (const email of addresses) expect((await browserClient(t.app).post(`${HELP}/password/forgot`, { email })).status).toBe(200);
    await requestsHandled();
    for (const email of addresses) expect((await resetJobs(email)).map((j) => j.state)).toContain('completed');
    const after = await Promise.all(addresses.map(mailsTo));
    expect(after.map((m, i) => m.length - (before[i]?.length ?? 0))).toEqual([1, 0, 0]);
    expect(after[0]?.at(-1)?.text).toContain('Hello Erin');
    expect(await t.db.selectFrom('password_resets').select('id').where('user_id', '=', ids.fred).execute()).toEqual([]);
  });

  it('sends nothing more when the same job is delivered again after its link was written', async () => {
    const [job] = (await resetJobs('erin@initech.example')).filter((j) => j.state === 'completed');
    if (!job) throw new Error('no completed request for Erin');
    const mails = (await mailsTo('erin@initech.example')).length;
    const links = await t.db.selectFrom('password_resets').select('id').where('user_id', '=', ids.erin).execute();
    const again = await sendPortalPasswordReset(t.db, t.boss, job.data, {
      baseUrl: 'http://porta.test',
      attempt: { id: job.id, retryCount: job.retry_count },
    });
    expect(again).toBe('done_before');
    expect(await mailsTo('erin@initech.example')).toHaveLength(mails);
    expect(await t.db.selectFrom('password_resets').select('id').where('user_id', '=', ids.erin).execute()).toEqual(links);
  });

  it('sends at most three links an hour to one account, even when the requests are handled side by side', async () => {
    const existing = (await t.db.selectFrom('password_resets').select('id').where('user_id', '=', ids.erin).execute()).length;
    const mails = (await mailsTo('erin@initech.example')).length;
    await Promise.all(Array.from({ length: 4 }, () => browserClient(t.app).post(`${HELP}/password/forgot`, { email: 'erin@initech.example' })));
    await requestsHandled();
    expect(await mailsTo('erin@initech.example')).toHaveLength(mails + 3 - existing);
  });
});
