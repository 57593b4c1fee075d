import { sql } from 'kysely';
import type { JobWithMetadata, PgBoss } from 'pg-boss';
import type { Database } from '../db/database.js';
import type { OutboxEmail } from '../db/schema.js';
import { MAIL_RETRY_LIMIT } from '../jobs/boss.js';
import { type MailDeliverJob, QUEUES } from '../jobs/queues.js';
import { LOOP_HEADER, type MailTransport } from './transport.js';

export type DeliveryOutcome = 'sent' | 'held' | 'already-done' | 'missing' | 'retry' | 'failed';

export type DeliveryResult = { outcome: DeliveryOutcome; error?: string };

export type DeliveryAttempt = {
  /** The job will not be retried after this attempt, so a failure now is the email's last word. */
  final: boolean;
  /** Aborted when the job's claim lapses (expiry, shutdown): a send still running is cut short. */
  signal?: AbortSignal;
};

function formatAddress(address: string, name: string | null) {
  if (!name) return address;
  return `"${name.replace(/["\\\r\n]/g, '')}" <${address}>`;
}

const errorMessage = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 2000);

/**
 * Delivers one outbox email, at least once.
 *
 * No transaction is open while the SMTP server is talked to: a slow server
 * would otherwise hold a row lock and a pooled connection for as long as it
 * likes. The claim and the result are each one short statement, and only a
 * row still `pending` is claimed or settled, so a job that runs again after
 * the email was sent (or given up on) sends nothing. The price: a crash, or
 * a lost database, between the server accepting the message and the row
 * being marked sent leaves it `pending`, and the retry sends it a second time.
 * Two sends of one email side by side take more than that: pg-boss runs one
 * attempt of a job at a time, the transport gives up before a job expires,
 * and the sweeper only queues a job for an email that has none waiting.
 *
 * Every attempt counts, whatever ends it: the claim counts it up front, so
 * one that expires or dies midway is counted too, and a database error that
 * stops the claim is counted when recorded. Whether an attempt is the last
 * one is the job's to say, not ours: pg-boss holds the retry limit.
 */
export async function deliverOutboxEmail(
  db: Database,
  transport: MailTransport | undefined,
  from: string,
  outboxId: string,
  attempt: DeliveryAttempt,
): Promise<DeliveryResult> {
  let email: OutboxEmail | undefined;
  try {
    if (!transport) return await holdEmail(db, outboxId);
    email = await claimEmail(db, outboxId);
  } catch (err) {
    return recordFailure(db, outboxId, errorMessage(err), attempt.final, { counted: false });
  }
  if (!email) return { outcome: await whyNotPending(db, outboxId) };
  try {
    await transport.send(
      {
        from,
        to: formatAddress(email.to_address, email.to_name),
        subject: email.subject,
        html: email.html,
        text: email.text,
        messageId: `<${outboxId}@${from.slice(from.lastIndexOf('@') + 1).replace(/[^A-Za-z0-9.-]/g, '') || 'porta.invalid'}>`,
        ...(email.reply_to ? { replyTo: email.reply_to } : {}),
        // Sent by a program (RFC 3834): auto-responders leave it alone, and it is recognised if it comes back.
        headers: { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'OOF, AutoReply', [LOOP_HEADER]: '1' },
      },
      attempt.signal,
    );
  } catch (err) {
    return recordFailure(db, outboxId, errorMessage(err), attempt.final, { counted: true });
  }
  // Not caught: the message is out, so this is no delivery failure to record.
  // The job fails instead, and its retry sends once more (at least once).
  await db
    .updateTable('email_outbox')
    .set({ status: 'sent', sent_at: new Date(), last_error: null })
    .where('id', '=', outboxId)
    .where('status', '=', 'pending')
    .execute();
  return { outcome: 'sent' };
}

/** Kept for staff to read in the outbox, since there is no server to send it to. */
async function holdEmail(db: Database, outboxId: string): Promise<DeliveryResult> {
  const held = await db.updateTable('email_outbox').set({ status: 'held' }).where('id', '=', outboxId).where('status', '=', 'pending').executeTakeFirst();
  return held.numUpdatedRows > 0n ? { outcome: 'held' } : { outcome: await whyNotPending(db, outboxId) };
}

/** Locks, counts and reads the row in one statement; undefined when it is no longer pending. */
function claimEmail(db: Database, outboxId: string): Promise<OutboxEmail | undefined> {
  return db
    .updateTable('email_outbox')
    .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
    .where('id', '=', outboxId)
    .where('status', '=', 'pending')
    .returningAll()
    .executeTakeFirst();
}

async function recordFailure(db: Database, outboxId: string, error: string, final: boolean, { counted }: { counted: boolean }): Promise<DeliveryResult> {
  const recorded = await db
    .updateTable('email_outbox')
    .set((eb) => ({
      last_error: error,
      status: final ? 'failed' : 'pending',
      ...(counted ? {} : { attempts: eb('attempts', '+', 1) }),
    }))
    .where('id', '=', outboxId)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  if (recorded.numUpdatedRows === 0n) return { outcome: await whyNotPending(db, outboxId) };
  return { outcome: final ? 'failed' : 'retry', error };
}

async function whyNotPending(db: Database, outboxId: string): Promise<'missing' | 'already-done'> {
  const row = await db.selectFrom('email_outbox').select('status').where('id', '=', outboxId).executeTakeFirst();
  return row ? 'already-done' : 'missing';
}

/** A pending email this old with no delivery job waiting or running has lost its job. */
export const STRANDED_AFTER_MINUTES = 10;
/** Queued delivery jobs read at once: the oldest, those of the oldest pending emails. */
const QUEUED_READ = 5_000;
/** Emails per sweep whose jobs are looked up one by one; the rest wait for the next sweep. */
const SUSPECTS_PER_SWEEP = 100;

const LIVE: ReadonlySet<JobWithMetadata['state']> = new Set(['created', 'retry', 'active']);

export type SweepResult = { requeued: number; gaveUp: number };

/**
 * Queues delivery again for pending emails whose job is gone (deleted, or
 * ended without settling the row), so none stays pending for good. An email
 * that has already used every attempt is marked failed instead: its last
 * attempt never reported back, and queueing it again could repeat that forever.
 *
 * What pg-boss holds is read through its API in a bounded number of calls.
 * One read of the queue's waiting jobs clears the emails still in line (a
 * bulk send, a retry waiting out its delay), however many there are. Only the
 * emails left, at most SUSPECTS_PER_SWEEP, have their jobs looked up each, in
 * any state: that lookup sees a job running right now, which the first read
 * does not, so an email is never queued twice while an attempt is under way.
 */
export async function requeueStrandedEmails(db: Database, boss: PgBoss, limit = 500): Promise<SweepResult> {
  const queue = await boss.getQueue(QUEUES.mailDeliver);
  const maxAttempts = (queue?.retryLimit ?? MAIL_RETRY_LIMIT) + 1;
  const queued = await boss.findJobs<MailDeliverJob>(QUEUES.mailDeliver, { queued: true, limit: QUEUED_READ });
  const waiting = new Set(queued.map((job) => job.data?.outboxId));
  const old = await oldPendingEmails(db, limit);
  const stranded: typeof old = [];
  for (const row of old.filter((r) => !waiting.has(r.id)).slice(0, SUSPECTS_PER_SWEEP)) {
    const jobs = await boss.findJobs(QUEUES.mailDeliver, { data: { outboxId: row.id } satisfies MailDeliverJob });
    if (!jobs.some((job) => LIVE.has(job.state))) stranded.push(row);
  }
  const exhausted = stranded.filter((row) => row.attempts >= maxAttempts).map((row) => row.id);
  if (exhausted.length > 0) await giveUp(db, exhausted);
  const again = stranded.filter((row) => row.attempts < maxAttempts);
  if (again.length === 0) return { requeued: 0, gaveUp: exhausted.length };
  // Two sweeps in the same window (an overlapping manual run, say) queue one job, not two.
  const ids = await boss.insert(
    QUEUES.mailDeliver,
    again.map((row) => ({
      data: { outboxId: row.id } satisfies MailDeliverJob,
      singletonKey: `outbox:${row.id}`,
      singletonSeconds: STRANDED_AFTER_MINUTES * 60,
    })),
    { returnId: true },
  );
  return { requeued: ids?.length ?? 0, gaveUp: exhausted.length };
}

/** Pending emails too old to be waiting for a job that is merely not visible yet, oldest first. */
function oldPendingEmails(db: Database, limit: number) {
  return db
    .selectFrom('email_outbox')
    .select(['id', 'attempts'])
    .where('status', '=', 'pending')
    .where('created_at', '<', sql<Date>`now() - make_interval(mins => ${STRANDED_AFTER_MINUTES})`)
    .orderBy('created_at')
    .limit(limit)
    .execute();
}

async function giveUp(db: Database, outboxIds: string[]) {
  await db
    .updateTable('email_outbox')
    .set({ status: 'failed', last_error: 'Gave up: the last delivery attempt did not report back, so the email may or may not have been sent.' })
    .where('id', 'in', outboxIds)
    .where('status', '=', 'pending')
    .execute();
}
