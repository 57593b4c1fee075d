import { sql, type Transaction } from 'kysely';
import { fromKysely } from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../../src/db/schema.js';
import { QUEUES } from '../../src/jobs/queues.js';
import { requeueStrandedEmails } from '../../src/mail/deliver.js';
import { enqueueEmail } from '../../src/mail/outbox.js';
import { renderEmail } from '../../src/mail/render.js';
import { welcomeStaffEmail } from '../../views/emails/welcome-staff.js';
import { browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme, bruno, seedAcme, seedStandardUser } from '../support/fixtures.js';
import { startSmtp, type TestSmtp } from '../support/smtp.js';
import { waitFor } from '../support/wait.js';

let smtp: TestSmtp;
let t: TestApp;

beforeAll(async () => {
  smtp = await startSmtp();
  t = await startTestApp({ worker: true, env: { SMTP_URL: smtp.url, MAIL_FROM: 'Acme <crm@acme.example>' }, mailRetryDelaySeconds: 0, mailRetryLimit: 3 });
  await seedAcme(t.db);
});
afterAll(async () => {
  await t.close();
  await smtp.close();
});

const welcome = (to: string, name: string) =>
  renderEmail(welcomeStaffEmail, { name, orgName: 'Acme Iberia', email: to, loginUrl: 'http://porta.test/admin/login' }, 'en');

async function queueWelcome(to: string, name: string, app = t) {
  const email = await welcome(to, name);
  return app.db.transaction().execute((trx) => enqueueEmail(trx, app.boss, { address: to, name }, email));
}

async function queueWelcomeIn(trx: Transaction<DB>, to: string, name: string) {
  return enqueueEmail(trx, t.boss, { address: to, name }, await welcome(to, name));
}

/** An outbox row whose delivery job is gone, as if pg-boss had lost it. */
async function queueWelcomeWithoutJob(trx: Transaction<DB>, to: string, name: string) {
  const id = await queueWelcomeIn(trx, to, name);
  await sql`delete from pgboss.job where name = ${QUEUES.mailDeliver} and data->>'outboxId' = ${id}`.execute(trx);
  return id;
}

const outboxRow = (id: string, app = t) => app.db.selectFrom('email_outbox').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

type JobRow = { state: string; retry_count: number; output: unknown };
const deliveryJobs = async (outboxId: string) =>
  (await sql<JobRow>`select state, retry_count, output from pgboss.job where name = ${QUEUES.mailDeliver} and data->>'outboxId' = ${outboxId}`.execute(t.db))
    .rows;
const allCompleted = async (outboxId: string, count: number) => {
  const jobs = await deliveryJobs(outboxId);
  return jobs.length === count && jobs.every((j) => j.state === 'completed');
};

describe('email outbox', () => {
  it('delivers a queued email to the SMTP server and marks it sent', async () => {
    const id = await queueWelcome('bea@customer.example', 'Bea Cliente');
    await waitFor(async () => (await outboxRow(id)).status === 'sent');
    const mail = smtp.received.find((m) => m.to.includes('bea@customer.example'));
    expect(mail?.subject).toBe('Welcome to Acme Iberia on Porta');
    expect(mail?.from).toBe('crm@acme.example');
    expect(mail?.html).toContain('href="http://porta.test/admin/login"');
    expect(mail?.text).toContain('Hello Bea Cliente,');
    // Every attempt at one outbox email carries the same Message-ID, so a repeated delivery is recognisable.
    expect(mail?.raw).toMatch(new RegExp(`^Message-ID: <${id}@acme\\.example>`, 'im'));
    const row = await outboxRow(id);
    expect(row.attempts).toBe(1);
    expect(row.sent_at).toBeInstanceOf(Date);
  });

  it('retries after the server refuses, then delivers once', async () => {
    smtp.failNext(2);
    const refusedBefore = smtp.refused;
    const id = await queueWelcome('carlos@customer.example', 'Carlos');
    await waitFor(async () => (await outboxRow(id)).status === 'sent', { timeoutMs: 30_000 });
    expect(smtp.refused - refusedBefore).toBe(2);
    expect(smtp.received.filter((m) => m.to.includes('carlos@customer.example'))).toHaveLength(1);
    const row = await outboxRow(id);
    expect(row.attempts).toBe(3);
    expect(row.last_error).toBeNull();
  });

  it('records the failure and gives up after the last retry', async () => {
    smtp.failNext(100);
    const id = await queueWelcome('dora@customer.example', 'Dora');
    await waitFor(async () => (await outboxRow(id)).status === 'failed', { timeoutMs: 40_000 });
    smtp.failNext(0);
    const row = await outboxRow(id);
    expect(row.attempts).toBe(4); // the first try and 3 retries
    expect(row.last_error).toContain('Mailbox temporarily unavailable');
    expect(smtp.received.filter((m) => m.to.includes('dora@customer.example'))).toHaveLength(0);
  });

  it('writes no email and queues no job when the transaction that caused it rolls back', async () => {
    const countJobs = async () =>
      Number((await sql<{ n: string }>`select count(*) as n from pgboss.job where name = ${QUEUES.mailDeliver}`.execute(t.db)).rows[0]?.n);
    const jobsBefore = await countJobs();
    const before = await t.db
      .selectFrom('email_outbox')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    const email = await renderEmail(welcomeStaffEmail, { name: 'Eve', orgName: 'Acme', email: 'eve@x.example', loginUrl: 'http://porta.test' }, 'en');
    await expect(
      t.db.transaction().execute(async (trx) => {
        await enqueueEmail(trx, t.boss, { address: 'eve@x.example' }, email);
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    const after = await t.db
      .selectFrom('email_outbox')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
    expect(await countJobs()).toBe(jobsBefore);
  });
});

describe('delivery, one email at a time', () => {
  it('delivers the rest of a batch when one recipient is refused, and gives up on that one alone', async () => {
    smtp.refuseRecipient('nobody@customer.example');
    const { nobody, ...delivered } = await t.db.transaction().execute(async (trx) => ({
      'gema@customer.example': await queueWelcomeIn(trx, 'gema@customer.example', 'Gema'),
      nobody: await queueWelcomeIn(trx, 'nobody@customer.example', 'Nobody'),
      'hector@customer.example': await queueWelcomeIn(trx, 'hector@customer.example', 'Héctor'),
      'irene@customer.example': await queueWelcomeIn(trx, 'irene@customer.example', 'Irene'),
    }));

    await waitFor(async () => (await outboxRow(nobody)).status === 'failed', { timeoutMs: 30_000 });
    for (const [to, id] of Object.entries(delivered)) {
      const row = await outboxRow(id);
      expect(row.status).toBe('sent');
      expect(row.attempts).toBe(1);
      expect(smtp.receivedBy(to)).toHaveLength(1);
      // Settled on its own: not failed and rerun along with the refused email.
      expect(await deliveryJobs(id)).toEqual([expect.objectContaining({ state: 'completed', retry_count: 0 })]);
    }
    const refused = await outboxRow(nobody);
    expect(refused.attempts).toBe(4);
    expect(refused.last_error).toContain('550 No such user here');
    expect(smtp.receivedBy('nobody@customer.example')).toHaveLength(0);
  });

  it('sends once when two jobs deliver the same email', async () => {
    const id = await t.db.transaction().execute(async (trx) => {
      const queued = await queueWelcomeIn(trx, 'jon@customer.example', 'Jon');
      await t.boss.send(QUEUES.mailDeliver, { outboxId: queued }, { db: fromKysely(trx) });
      return queued;
    });
    await waitFor(() => allCompleted(id, 2));
    await t.boss.send(QUEUES.mailDeliver, { outboxId: id });
    await waitFor(() => allCompleted(id, 3));
    expect(smtp.receivedBy('jon@customer.example')).toHaveLength(1);
    const row = await outboxRow(id);
    expect(row.status).toBe('sent');
    expect(row.attempts).toBe(1);
  });

  it('completes the job without sending when the email no longer exists', async () => {
    const id = await t.db.transaction().execute(async (trx) => {
      const queued = await queueWelcomeIn(trx, 'kim@customer.example', 'Kim');
      await trx.deleteFrom('email_outbox').where('id', '=', queued).execute();
      return queued;
    });
    await waitFor(() => allCompleted(id, 1));
    expect(await deliveryJobs(id)).toEqual([expect.objectContaining({ retry_count: 0, output: { outcome: 'missing' } })]);
    expect(smtp.receivedBy('kim@customer.example')).toHaveLength(0);
  });
});

describe('delivery when the database fails', () => {
  // Refuses the claim (attempts going up with no error recorded yet) for one domain.
  beforeAll(async () => {
    await sql`
      create function test_flaky_outbox() returns trigger language plpgsql as $$
      begin
        if new.to_address like '%@flaky-db.example' and new.attempts > old.attempts and new.last_error is null then
          raise exception 'simulated database failure on attempt %', new.attempts;
        end if;
        return new;
      end $$`.execute(t.db);
    await sql`create trigger test_flaky_outbox before update on email_outbox for each row execute function test_flaky_outbox()`.execute(t.db);
  });
  afterAll(async () => {
    await sql`drop trigger test_flaky_outbox on email_outbox`.execute(t.db);
    await sql`drop function test_flaky_outbox()`.execute(t.db);
  });

  it('counts the failed attempt and delivers on the retry', async () => {
    const id = await queueWelcome('ivo@flaky-db.example', 'Ivo');
    await waitFor(async () => (await outboxRow(id)).status === 'sent', { timeoutMs: 20_000 });
    const row = await outboxRow(id);
    expect(row.attempts).toBe(2);
    expect(row.last_error).toBeNull();
    expect(smtp.receivedBy('ivo@flaky-db.example')).toHaveLength(1);
  });

  it('marks the email failed when the failure hits the job’s last attempt', async () => {
    const id = await t.db.transaction().execute(async (trx) => {
      const queued = await queueWelcomeWithoutJob(trx, 'lia@flaky-db.example', 'Lia');
      await t.boss.send(QUEUES.mailDeliver, { outboxId: queued }, { retryLimit: 0, db: fromKysely(trx) });
      return queued;
    });
    await waitFor(async () => (await outboxRow(id)).status === 'failed');
    const row = await outboxRow(id);
    expect(row.attempts).toBe(1);
    expect(row.last_error).toContain('simulated database failure on attempt 1');
    expect(smtp.receivedBy('lia@flaky-db.example')).toHaveLength(0);
  });
});

describe('the outbox sweeper', () => {
  const backdate = (id: string) => t.db.updateTable('email_outbox').set({ created_at: sql`now() - interval '11 minutes'` }).where('id', '=', id).execute();

  it('queues delivery again for a pending email whose job was lost, once', async () => {
    const { lost, fresh } = await t.db.transaction().execute(async (trx) => ({
      lost: await queueWelcomeWithoutJob(trx, 'mia@customer.example', 'Mia'),
      fresh: await queueWelcomeWithoutJob(trx, 'noa@customer.example', 'Noa'),
    }));
    await backdate(lost);
    const sweeps = await Promise.all([requeueStrandedEmails(t.db, t.boss), requeueStrandedEmails(t.db, t.boss)]);
    expect(sweeps[0].requeued + sweeps[1].requeued).toBe(1);
    await waitFor(async () => (await outboxRow(lost)).status === 'sent');
    expect(smtp.receivedBy('mia@customer.example')).toHaveLength(1);
    // Too recent to count as lost: its job may simply not be visible yet.
    expect((await outboxRow(fresh)).status).toBe('pending');
    expect(await deliveryJobs(fresh)).toHaveLength(0);
  });

  it('runs on a schedule and gives up on a stranded email that has used every attempt', async () => {
    expect(await t.boss.getSchedule(QUEUES.mailSweep)).toMatchObject({ cron: '*/10 * * * *' });
    const id = await t.db.transaction().execute((trx) => queueWelcomeWithoutJob(trx, 'olga@customer.example', 'Olga'));
    await t.db.updateTable('email_outbox').set({ attempts: 4 }).where('id', '=', id).execute();
    await backdate(id);
    await t.boss.send(QUEUES.mailSweep);
    await waitFor(async () => (await outboxRow(id)).status === 'failed');
    expect((await outboxRow(id)).last_error).toContain('may or may not have been sent');
    expect(await deliveryJobs(id)).toHaveLength(0);
    expect(smtp.receivedBy('olga@customer.example')).toHaveLength(0);
  });
});

describe('without an SMTP server', () => {
  let bare: TestApp;
  beforeAll(async () => {
    bare = await startTestApp({ worker: true });
  });
  afterAll(() => bare.close());

  it('holds the email in the outbox for staff to read', async () => {
    const id = await queueWelcome('pia@customer.example', 'Pia', bare);
    await waitFor(async () => (await outboxRow(id, bare)).status === 'held');
    const row = await outboxRow(id, bare);
    expect(row.attempts).toBe(0);
    expect(row.sent_at).toBeNull();
    expect(smtp.receivedBy('pia@customer.example')).toHaveLength(0);
  });
});

describe('the outbox page', () => {
  it('shows staff each email with its subject, recipient, status and clickable links', async () => {
    const id = await queueWelcome('fabio@customer.example', 'Fábio');
    await waitFor(async () => (await outboxRow(id)).status === 'sent');
    const client = browserClient(t.app);
    await client.post('/admin/login', { email: acme.admin.email, password: acme.admin.password });
    const list = await (await client.get('/admin/outbox')).text();
    expect(list).toContain(`href="/admin/outbox/${id}"`);
    expect(list).toContain('Fábio &lt;fabio@customer.example&gt;');
    const detail = await (await client.get(`/admin/outbox/${id}`)).text();
    expect(detail).toContain('Welcome to Acme Iberia on Porta');
    expect(detail).toContain(`src="/admin/outbox/${id}/html"`);
    expect(detail).toContain('Hello Fábio,');
    const html = await client.get(`/admin/outbox/${id}/html`);
    expect(html.headers.get('Content-Security-Policy')).toContain("frame-ancestors 'self'");
    expect(html.headers.get('Content-Security-Policy')).toContain("default-src 'none'");
    expect(await html.text()).toContain('<a href="http://porta.test/admin/login"');
  });

  it('is for administrators only: a standard user is refused', async () => {
    await seedStandardUser(t.db);
    const client = browserClient(t.app);
    await client.post('/admin/login', { email: bruno.email, password: bruno.password });
    const res = await client.get('/admin/outbox');
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('You do not have permission to do this.');
  });

  it('opens the links of a previewed email outside the frame', async () => {
    const row = await t.db.selectFrom('email_outbox').select('id').executeTakeFirstOrThrow();
    const client = browserClient(t.app);
    await client.post('/admin/login', { email: acme.admin.email, password: acme.admin.password });
    const html = await (await client.get(`/admin/outbox/${row.id}/html`)).text();
    expect(html).toMatch(/<head[^>]*><base target="_blank">/);
  });

  it('is only for signed-in staff', async () => {
    const res = await browserClient(t.app).get('/admin/outbox');
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toContain('/admin/login');
  });

  it('answers 404 for an unknown or malformed email id', async () => {
    const client = browserClient(t.app);
    await client.post('/admin/login', { email: acme.admin.email, password: acme.admin.password });
    expect((await client.get('/admin/outbox/00000000-0000-0000-0000-000000000000')).status).toBe(404);
    expect((await client.get('/admin/outbox/not-a-uuid')).status).toBe(404);
  });
});
