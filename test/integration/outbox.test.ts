import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUES } from '../../src/jobs/queues.js';
import { enqueueEmail } from '../../src/mail/outbox.js';
import { renderEmail } from '../../src/mail/render.js';
import { welcomeStaffEmail } from '../../views/emails/welcome-staff.js';
import { browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme, seedAcme } from '../support/fixtures.js';
import { startSmtp, type TestSmtp } from '../support/smtp.js';
import { waitFor } from '../support/wait.js';

let smtp: TestSmtp;
let t: TestApp;

beforeAll(async () => {
  smtp = await startSmtp();
  t = await startTestApp({ worker: true, env: { SMTP_URL: smtp.url, MAIL_FROM: 'Acme <crm@acme.example>' }, mailRetryDelaySeconds: 1, mailRetryLimit: 3 });
  await seedAcme(t.db);
});
afterAll(async () => {
  await t.close();
  await smtp.close();
});

async function queueWelcome(to: string, name: string) {
  const email = await renderEmail(welcomeStaffEmail, { name, orgName: 'Acme Iberia', email: to, loginUrl: 'http://porta.test/admin/login' }, 'en');
  return t.db.transaction().execute((trx) => enqueueEmail(trx, t.boss, { address: to, name }, email));
}

const outboxRow = (id: string) => t.db.selectFrom('email_outbox').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

describe('email outbox', () => {
  it('delivers a queued email to the SMTP server and marks it sent', async () => {
    const id = await queueWelcome('bea@customer.example', 'Bea Cliente');
    await waitFor(async () => (await outboxRow(id)).status === 'sent');
    const mail = smtp.received.find((m) => m.to.includes('bea@customer.example'));
    expect(mail?.subject).toBe('Welcome to Acme Iberia on Porta');
    expect(mail?.from).toBe('crm@acme.example');
    expect(mail?.html).toContain('href="http://porta.test/admin/login"');
    expect(mail?.text).toContain('Hello Bea Cliente,');
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
