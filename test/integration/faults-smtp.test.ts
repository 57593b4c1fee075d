import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUES } from '../../src/jobs/queues.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { assertExactlyOnce, exactlyOnceProblems } from '../support/faults.js';
import { acme } from '../support/fixtures.js';
import { addPortalUser, carla, type PortalWorld, seedPortalWorld } from '../support/portal-world.js';
import { freePort } from '../support/ports.js';
import { type ReceivedMail, startSmtp, type TestSmtp } from '../support/smtp.js';
import { waitFor } from '../support/wait.js';

// The mail server goes away: first nothing listens on its port, then it is
// back on that port. Emails written meanwhile wait in the outbox, tried
// again and again; the page that wrote them answers as usual; once the
// server is back, each is delivered exactly once.

const DORA = 'dora@initech.example';

let t: TestApp;
let w: PortalWorld;
let ana: BrowserClient;
let smtpPort: number;
/** Every server that has run on the port, in turn. */
const servers: TestSmtp[] = [];

const received = (): ReceivedMail[] => servers.flatMap((s) => s.received);
/** The note each email carries, as the customer reads it. */
const markerOf = (mail: { text: string }) => /Fault note \d+/.exec(mail.text)?.[0] ?? '';
const outbox = () =>
  t.db.selectFrom('email_outbox').select(['to_address', 'status', 'attempts', 'last_error', 'text']).where('text', 'like', '%Fault note%').execute();
const deliveriesWaiting = async () =>
  Number(
    (
      await sql<{ n: string }>`select count(*) as n from pgboss.job where name = ${QUEUES.mailDeliver} and state in ('created', 'retry', 'active')`.execute(
        t.db,
      )
    ).rows[0]?.n ?? 0,
  );

/** Staff answer a case visibly: the note is saved and its customer emailed (through the outbox). */
async function replyOnCase(caseId: string, n: number) {
  const res = await ana.post(`/admin/m/cases/${caseId}/notes`, { body: `Fault note ${n}: we are on it.`, visibility: 'customer' });
  expect(res.status).toBe(303);
  expect((await ana.get(res.headers.get('Location') as string)).status).toBe(200);
}

beforeAll(async () => {
  smtpPort = await freePort();
  // Retried every second, many times: the outage lasts a few seconds here, where a real one lasts minutes.
  t = await startTestApp({ worker: true, env: { SMTP_URL: `smtp://127.0.0.1:${smtpPort}` }, mailRetryDelaySeconds: 1, mailRetryLimit: 60 });
  w = await seedPortalWorld(t);
  await addPortalUser(t, w, { email: carla.email, recordId: w.records.carla, status: 'active' });
  await addPortalUser(t, w, { email: DORA, recordId: w.records.dora, status: 'active' });
  ana = browserClient(t.app);
  expect((await ana.post('/admin/login', { email: acme.admin.email, password: acme.admin.password })).status).toBe(303);
});

afterAll(async () => {
  for (const s of servers) await s.close().catch(() => {});
  await t?.close();
});

describe('the outcome checker', () => {
  it('reports an email delivered twice and one never delivered', () => {
    expect(exactlyOnceProblems(['Fault note 1', 'Fault note 2'], ['Fault note 1', 'Fault note 1'])).toEqual([
      '1 lost: Fault note 2',
      '1 duplicated: Fault note 1 ×2',
    ]);
    expect(() => assertExactlyOnce('emails delivered', ['Fault note 1'], ['Fault note 1', 'Fault note 1'])).toThrow('1 duplicated');
  });
});

describe('the mail server down, then back on its port', () => {
  it('keeps each email pending and retried while it is down, then delivers each exactly once', { timeout: 90_000 }, async () => {
    // Up: the first reply is delivered.
    servers.push(await startSmtp({ port: smtpPort }));
    await replyOnCase(w.records.carlaCase1, 0);
    await waitFor(async () => (await outbox()).every((e) => e.status === 'sent') && received().length === 1, { timeoutMs: 30_000 });

    // Down: nothing listens on the port. Pages that email still answer, and the emails wait.
    await servers[0]?.close();
    await replyOnCase(w.records.carlaCase1, 1);
    await replyOnCase(w.records.carlaCase2, 2);
    await replyOnCase(w.records.doraCase, 3);
    await replyOnCase(w.records.carlaCase1, 4);
    const waiting = async () => (await outbox()).filter((e) => e.status === 'pending');
    await waitFor(async () => (await waiting()).filter((e) => e.attempts >= 3).length === 4, { timeoutMs: 30_000, intervalMs: 200 });
    const held = await waiting();
    expect(held.map(markerOf).sort()).toEqual(['Fault note 1', 'Fault note 2', 'Fault note 3', 'Fault note 4']);
    expect(held.every((e) => /ECONNREFUSED/.test(e.last_error ?? ''))).toBe(true);
    expect(received()).toHaveLength(1);

    // Back on the same port: each waiting email goes out, and the one sent before is not sent again.
    servers.push(await startSmtp({ port: smtpPort }));
    await waitFor(async () => (await outbox()).every((e) => e.status === 'sent'), { timeoutMs: 30_000, intervalMs: 200 });
    // Every delivery job has settled: nothing more is on its way.
    await waitFor(async () => (await deliveriesWaiting()) === 0, { timeoutMs: 30_000, intervalMs: 200 });

    const notes = [0, 1, 2, 3, 4].map((n) => `Fault note ${n}`);
    assertExactlyOnce('emails delivered', notes, received().map(markerOf));
    const perRecipient = Object.fromEntries([carla.email, DORA].map((a) => [a, servers.reduce((n, s) => n + s.receivedBy(a).length, 0)]));
    expect(perRecipient).toEqual({ [carla.email]: 4, [DORA]: 1 });
    expect(servers[1]?.received.map(markerOf).sort()).toEqual(['Fault note 1', 'Fault note 2', 'Fault note 3', 'Fault note 4']);
  });
});
