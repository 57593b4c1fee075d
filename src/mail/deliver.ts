import type { Database } from '../db/database.js';
import type { MailTransport } from './transport.js';

export type DeliveryOutcome = 'sent' | 'held' | 'already-done' | 'missing' | 'retry' | 'failed';

function formatAddress(address: string, name: string | null) {
  if (!name) return address;
  return `"${name.replace(/["\\\r\n]/g, '')}" <${address}>`;
}

/**
 * Delivers one outbox email. Idempotent: a row already sent (or given up on)
 * is left alone, so a job run twice sends once. On a transport error the
 * attempt is recorded; 'retry' tells the job to fail so pg-boss retries it,
 * and the last allowed attempt marks the row failed instead.
 */
export async function deliverOutboxEmail(
  db: Database,
  transport: MailTransport | undefined,
  from: string,
  outboxId: string,
  maxAttempts: number,
): Promise<{ outcome: DeliveryOutcome; error?: string }> {
  // Row lock: two workers holding the same job (after an expiry) must not both send.
  return db.transaction().execute(async (trx) => {
    const email = await trx.selectFrom('email_outbox').selectAll().where('id', '=', outboxId).forUpdate().executeTakeFirst();
    if (!email) return { outcome: 'missing' };
    if (email.status !== 'pending') return { outcome: 'already-done' };
    if (!transport) {
      await trx.updateTable('email_outbox').set({ status: 'held' }).where('id', '=', outboxId).execute();
      return { outcome: 'held' };
    }
    try {
      await transport.send({
        from,
        to: formatAddress(email.to_address, email.to_name),
        subject: email.subject,
        html: email.html,
        text: email.text,
      });
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      const attempts = email.attempts + 1;
      const finalAttempt = attempts >= maxAttempts;
      await trx
        .updateTable('email_outbox')
        .set({ attempts, last_error: error.slice(0, 2000), status: finalAttempt ? 'failed' : 'pending' })
        .where('id', '=', outboxId)
        .execute();
      return { outcome: finalAttempt ? 'failed' : 'retry', error };
    }
    await trx
      .updateTable('email_outbox')
      .set({ status: 'sent', attempts: email.attempts + 1, sent_at: new Date(), last_error: null })
      .where('id', '=', outboxId)
      .execute();
    return { outcome: 'sent' };
  });
}
