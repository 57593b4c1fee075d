import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { QUEUES } from '../../src/jobs/queues.js';
import { requeueStrandedEmails } from '../../src/mail/deliver.js';
import { enqueueEmails } from '../../src/mail/outbox.js';
import { renderEmail } from '../../src/mail/render.js';
import { welcomeStaffEmail } from '../../views/emails/welcome-staff.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { seedAcme } from '../support/fixtures.js';
import { countStatements } from '../support/statements.js';

// The sweeper against jobs that are still alive: no worker runs here, so a
// delivery job stays queued until the test takes it, as a worker would.

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ mailRetryLimit: 3 });
  await seedAcme(t.db);
});
afterAll(() => t.close());

/** Emails written with their delivery jobs, then dated back past the sweeper's threshold. */
async function oldEmails(prefix: string, count: number): Promise<string[]> {
  const email = await renderEmail(
    welcomeStaffEmail,
    { name: 'Zoe', orgName: 'Acme Iberia', email: 'zoe@customer.example', loginUrl: 'http://porta.test/admin/login' },
    'en',
  );
  const emails = Array.from({ length: count }, (_, i) => ({ to: { address: `${prefix}${i}@customer.example`, name: 'Zoe' }, email }));
  const ids = await t.db.transaction().execute((trx) => enqueueEmails(trx, t.boss, emails));
  await t.db.updateTable('email_outbox').set({ created_at: sql`now() - interval '11 minutes'` }).where('id', 'in', ids).execute();
  return ids;
}

const jobsOf = (outboxId: string) => t.boss.findJobs(QUEUES.mailDeliver, { data: { outboxId } });
const statusOf = async (outboxId: string) =>
  (await t.db.selectFrom('email_outbox').select('status').where('id', '=', outboxId).executeTakeFirstOrThrow()).status;

describe('the outbox sweeper and live jobs', () => {
  it('queues the one lost job among many waiting, in a few statements whatever their number', async () => {
    const ids = await oldEmails('many', 200);
    const lost = ids[137] as string;
    const [job] = await jobsOf(lost);
    await t.boss.deleteJob(QUEUES.mailDeliver, job?.id as string);
    const findJobs = vi.spyOn(t.boss, 'findJobs');
    const { result, statements } = await countStatements(() => requeueStrandedEmails(t.db, t.boss));
    const lookups = findJobs.mock.calls.length;
    findJobs.mockRestore();
    expect(result).toEqual({ requeued: 1, gaveUp: 0 });
    // One read of the queue, then one lookup for the email it did not list: not one per email.
    expect(lookups).toBe(2);
    expect(statements).toHaveLength(1);
    expect((await jobsOf(lost)).map((j) => j.state)).toEqual(['created']);
    expect((await jobsOf(ids[0] as string)).map((j) => j.state)).toEqual(['created']);
    // Out of the way of the tests below, as if a worker had sent them.
    await t.db.updateTable('email_outbox').set({ status: 'sent' }).where('id', 'in', ids).execute();
  });

  it('leaves alone an old email whose job is still waiting in the queue', async () => {
    const [id] = await oldEmails('waiting', 1);
    expect(await requeueStrandedEmails(t.db, t.boss)).toEqual({ requeued: 0, gaveUp: 0 });
    expect(await jobsOf(id as string)).toHaveLength(1);
    expect(await statusOf(id as string)).toBe('pending');
  });

  it('neither queues again nor gives up on an email whose job is running, on its last attempt', async () => {
    const [id] = await oldEmails('running', 1);
    await t.db
      .updateTable('email_outbox')
      .set({ attempts: 4 })
      .where('id', '=', id as string)
      .execute();
    // Taken by a worker: the job is active, no longer queued.
    const taken = await t.boss.fetch(QUEUES.mailDeliver, { batchSize: 500 });
    expect(taken.map((j) => (j.data as { outboxId: string }).outboxId)).toContain(id);
    expect(await requeueStrandedEmails(t.db, t.boss)).toEqual({ requeued: 0, gaveUp: 0 });
    expect(await statusOf(id as string)).toBe('pending');
    expect((await jobsOf(id as string)).map((j) => j.state)).toEqual(['active']);
  });
});
