import type { Transaction } from 'kysely';
import { fromKysely, type PgBoss } from 'pg-boss';
import { decodeCursor, encodeCursor } from '../db/cursor.js';
import type { Database } from '../db/database.js';
import type { DB, OutboxEmail } from '../db/schema.js';
import { isUuid } from '../http/input.js';
import { QUEUES } from '../jobs/queues.js';
import { blockedAddresses } from '../privacy/consent.js';
import type { RenderedEmail } from './render.js';

export type Recipient = { address: string; name?: string | null };

/**
 * Writes an email into the outbox and queues its delivery, both inside the
 * caller's transaction: the email exists if and only if the change that caused
 * it committed, and a delivery job exists for every outbox row.
 */
export async function enqueueEmail(
  trx: Transaction<DB>,
  boss: PgBoss,
  to: Recipient,
  email: RenderedEmail,
  opts: { replyTo?: string | undefined } = {},
): Promise<string> {
  const [id] = await enqueueEmails(trx, boss, [{ to, email, replyTo: opts.replyTo }]);
  if (!id) throw new Error('the email was not written to the outbox');
  return id;
}

/**
 * Several emails written and queued at once, inside the caller's transaction
 * (bulk work). An email to a person Porta may not email (they asked to stop
 * processing, or consent is their basis and they gave none for email) is kept
 * as `blocked` with the reason, and never queued.
 */
export async function enqueueEmails(
  trx: Transaction<DB>,
  boss: PgBoss,
  emails: { to: Recipient; email: RenderedEmail; replyTo?: string | undefined }[],
): Promise<string[]> {
  if (emails.length === 0) return [];
  const blocked = await blockedAddresses(
    trx,
    emails.map((e) => e.to.address),
  );
  const rows = await trx
    .insertInto('email_outbox')
    .values(
      emails.map(({ to, email, replyTo }) => ({
        ...(blocked.has(to.address.toLowerCase()) ? { status: 'blocked' as const, blocked_reason: blocked.get(to.address.toLowerCase()) } : {}),
        reply_to: replyTo ?? null,
        to_address: to.address,
        to_name: to.name ?? null,
        subject: email.subject,
        html: email.html,
        text: email.text,
        language: email.language,
        template: email.template,
      })),
    )
    .returning(['id', 'status'])
    .execute();
  const toSend = rows.filter((r) => r.status === 'pending');
  if (toSend.length > 0) {
    await boss.insert(
      QUEUES.mailDeliver,
      toSend.map((r) => ({ data: { outboxId: r.id } })),
      { db: fromKysely(trx) },
    );
  }
  return rows.map((r) => r.id);
}

export type OutboxPage = { emails: Omit<OutboxEmail, 'html' | 'text' | 'reply_to'>[]; next: string | undefined };

/** Newest first, keyset-paginated on (created_at, id). */
export async function listOutbox(db: Database, after?: string, limit = 50): Promise<OutboxPage> {
  let q = db
    .selectFrom('email_outbox')
    .select(['id', 'to_address', 'to_name', 'subject', 'language', 'template', 'status', 'attempts', 'last_error', 'blocked_reason', 'created_at', 'sent_at'])
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit + 1);
  const cursor = after ? decodeOutboxCursor(after) : undefined;
  if (cursor) {
    q = q.where((eb) => eb.or([eb('created_at', '<', cursor.at), eb.and([eb('created_at', '=', cursor.at), eb('id', '<', cursor.id)])]));
  }
  const rows = await q.execute();
  const emails = rows.slice(0, limit);
  const last = emails.at(-1);
  return { emails, next: rows.length > limit && last ? encodeCursor(last.created_at.toISOString(), last.id) : undefined };
}

export function getOutboxEmail(db: Database, id: string): Promise<OutboxEmail | undefined> {
  if (!isUuid(id)) return Promise.resolve(undefined);
  return db.selectFrom('email_outbox').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The outbox's cursor: a message's time and id. */
function decodeOutboxCursor(text: string): { at: Date; id: string } | undefined {
  const c = decodeCursor(text);
  const at = typeof c?.value === 'string' ? new Date(c.value) : undefined;
  return c && at && !Number.isNaN(at.getTime()) ? { at, id: c.id } : undefined;
}

/** Links that act for a person (an invitation, a password reset): whoever opens one can take over the account. */
const SECRET_LINK = /https?:\/\/[^\s"'<>]*\/(?:invite|password\/reset)\/[a-z2-7]{32}/g;

export function hasSecretLinks(text: string): boolean {
  return new RegExp(SECRET_LINK.source).test(text);
}

/** The email with such links replaced by `hidden` (in HTML, the link goes nowhere and its text says so). */
export function withoutSecretLinks(email: { text: string; html: string }, hidden: string): { text: string; html: string } {
  const escaped = hidden.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
  return {
    text: email.text.replace(SECRET_LINK, `[${hidden}]`),
    html: email.html.replace(new RegExp(`href="${SECRET_LINK.source}"`, 'g'), 'href="#"').replace(SECRET_LINK, `[${escaped}]`),
  };
}
