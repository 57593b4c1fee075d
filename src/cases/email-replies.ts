import type { PgBoss } from 'pg-boss';
import type { Logger } from 'pino';
import { loadAccessContext } from '../access/context.js';
import type { Database } from '../db/database.js';
import type { InboundOutcome } from '../db/schema.js';
import type { Deps } from '../deps.js';
import { isUuid } from '../http/input.js';
import { type Envelope, type InboundMessage, parseInbound } from '../mail/inbound.js';
import { type InboundSmtp, startInboundSmtp } from '../mail/inbound-smtp.js';
import { addPortalAttachment, addPortalNote } from '../portals/portal-writes.js';
import { hashToken, tokensIn } from './reply-tokens.js';

// A customer answers a case by replying to its notification email. Each such
// email carries a reply address of its own (replies+<token>@…; only the
// token's SHA-256 is stored) and its outbox id as Message-ID, so a reply is
// matched by the address it was sent to or by the message it answers, never
// by who sent it. It must still come from the portal user the email went to,
// and it is then written exactly as that user's reply in the portal would be
// (src/access decides, the case's status rules apply). Everything received is
// logged with what became of it.

export type RefusalReason =
  | 'unreadable'
  | 'loop'
  | 'auto_submitted'
  | 'auto_reply'
  | 'bulk'
  | 'list'
  | 'bounce'
  | 'unknown_case'
  | 'ambiguous_case'
  | 'wrong_sender'
  | 'no_access'
  | 'not_allowed'
  | 'case_closed'
  | 'empty'
  | 'too_long';

export type ReceiveResult = { outcome: InboundOutcome; reason?: RefusalReason; recordId?: string; attachments?: number };

export type ReplyDeps = { db: Database; boss: PgBoss; baseUrl: string; log: Logger; inboundAddress: string; mailFrom: string };

/** More accepted replies than this from one person on one case within LOOP_WINDOW is a mail loop. */
const LOOP_LIMIT = 10;
const LOOP_WINDOW_MINUTES = 10;

/** What receiving replies needs, from the process's dependencies. */
export function replyDeps(deps: Deps): ReplyDeps {
  const { db, boss, log, config } = deps;
  return { db, boss, log, baseUrl: config.baseUrl, inboundAddress: config.inboundAddress, mailFrom: config.mailFrom };
}

/** The built-in SMTP listener, each message received as a case reply. */
export function startReplyListener(deps: Deps): Promise<InboundSmtp> {
  const reply = replyDeps(deps);
  return startInboundSmtp({
    port: deps.config.inboundSmtpPort,
    host: deps.config.host,
    inboundAddress: deps.config.inboundAddress,
    log: deps.log,
    handler: async (raw, envelope) => {
      await receiveCaseReply(reply, raw, 'smtp', envelope);
    },
  });
}

const addressOf = (from: string) => (/<([^>]+)>/.exec(from)?.[1] ?? from).trim().toLowerCase();

/** Reads, matches and applies one inbound message; logs the outcome. Throws only when the database fails (the sender should retry). */
export async function receiveCaseReply(deps: ReplyDeps, raw: Buffer, via: 'smtp' | 'http', envelope: Envelope = {}): Promise<ReceiveResult> {
  let message: InboundMessage;
  try {
    message = await parseInbound(raw, envelope);
  } catch (err) {
    return record(deps, via, undefined, { outcome: 'refused', reason: 'unreadable' }, { error: err instanceof Error ? err.message : String(err) });
  }
  // The claim, what the message does and its log row commit together. A claim
  // committed on its own would outlive a process killed before the reply was
  // written, and the sender's retry would then be turned away as a duplicate:
  // the reply lost. Here a death midway leaves nothing, so the retry lands it,
  // and a second copy arriving meanwhile waits on the claim, then finds it taken.
  const written = await deps.db.transaction().execute((trx) => receiveIn({ ...deps, db: trx }, message, via));
  logOutcome(deps.log, written);
  return written.result;
}

async function receiveIn(deps: ReplyDeps, message: InboundMessage, via: 'smtp' | 'http'): Promise<Recorded> {
  const claim = message.messageId
    ? await deps.db
        .insertInto('inbound_mail')
        .values({
          via,
          message_id: message.messageId,
          from_address: message.from ?? null,
          subject: message.subject.slice(0, 300),
          outcome: 'accepted',
          details: '{}',
        })
        .onConflict((oc) => oc.column('message_id').where('outcome', '=', 'accepted').doNothing())
        .returning('id')
        .executeTakeFirst()
    : undefined;
  if (message.messageId && !claim) return write(deps, via, message, { outcome: 'duplicate' }, {});
  const { result, details } = await apply(deps, message);
  return write(deps, via, message, result, details, claim?.id);
}

async function apply(deps: ReplyDeps, message: InboundMessage): Promise<{ result: ReceiveResult; details: Record<string, unknown> }> {
  const refused = (reason: RefusalReason, details: Record<string, unknown> = {}, recordId?: string) => ({
    result: { outcome: 'refused' as const, reason, ...(recordId ? { recordId } : {}) },
    details,
  });
  const own = [addressOf(deps.mailFrom), deps.inboundAddress];
  if (message.ours || (message.from && (own.includes(message.from) || tokensIn(deps.inboundAddress, [message.from]).length > 0))) return refused('loop');
  if (message.automated) return refused(message.automated);

  const hashes = tokensIn(deps.inboundAddress, message.recipients).map(hashToken);
  const outboxIds = message.references.map((r) => r.slice(0, r.lastIndexOf('@'))).filter(isUuid);
  if (hashes.length === 0 && outboxIds.length === 0) return refused('unknown_case');
  const threads = await deps.db
    .selectFrom('case_reply_tokens as t')
    .innerJoin('portal_users as u', 'u.id', 't.portal_user_id')
    // UNSCOPED READ: only the module of the case a reply token names; the reply itself goes through the sender's row scope (addPortalNote).
    .innerJoin('records as r', 'r.id', 't.record_id')
    .innerJoin('modules as m', 'm.id', 'r.module_id')
    .select(['t.record_id', 't.portal_user_id', 'u.email', 'u.portal_id', 'm.api_name'])
    .where((eb) => eb.or([...(hashes.length ? [eb('t.token_hash', 'in', hashes)] : []), ...(outboxIds.length ? [eb('t.outbox_id', 'in', outboxIds)] : [])]))
    .execute();
  const distinct = new Map(threads.map((t) => [`${t.record_id}:${t.portal_user_id}`, t]));
  if (distinct.size === 0) return refused('unknown_case');
  if (distinct.size > 1) return refused('ambiguous_case');
  const thread = [...distinct.values()][0] as (typeof threads)[number];
  if (!message.from || message.from !== thread.email.toLowerCase()) return refused('wrong_sender', {}, thread.record_id);

  const recent = await deps.db
    .selectFrom('inbound_mail')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('outcome', '=', 'accepted')
    .where('record_id', '=', thread.record_id)
    .where('portal_user_id', '=', thread.portal_user_id)
    .where('received_at', '>', new Date(Date.now() - LOOP_WINDOW_MINUTES * 60_000))
    .executeTakeFirstOrThrow();
  if (Number(recent.n) >= LOOP_LIMIT) return refused('loop', { recent: Number(recent.n) }, thread.record_id);

  const ctx = await loadAccessContext(deps.db, { portalUserId: thread.portal_user_id, portalId: thread.portal_id });
  if (!ctx) return refused('no_access', {}, thread.record_id);
  if (!message.body && message.attachments.length === 0) return refused('empty', {}, thread.record_id);

  const notify = { boss: deps.boss, baseUrl: deps.baseUrl };
  let target = thread.record_id;
  if (message.body) {
    const note = await addPortalNote(deps.db, ctx, thread.api_name, thread.record_id, message.body, notify);
    if (!note.ok) {
      const problem = 'problem' in note ? note.problem : undefined;
      const reason: RefusalReason =
        note.status === 404
          ? 'no_access'
          : note.status === 403
            ? 'not_allowed'
            : problem === 'case_closed'
              ? 'case_closed'
              : problem === 'too_long'
                ? 'too_long'
                : 'empty';
      return refused(reason, {}, thread.record_id);
    }
    if (note.followUpId) target = note.followUpId;
  }
  let attached = 0;
  const skipped: { name: string; problem: string }[] = [];
  for (const file of message.attachments) {
    const added = await addPortalAttachment(deps.db, ctx, thread.api_name, target, { name: file.name, bytes: file.bytes });
    if (added.ok) attached++;
    else skipped.push({ name: file.name.slice(0, 200), problem: 'problem' in added ? added.problem : added.status === 403 ? 'not_allowed' : 'no_access' });
  }
  if (!message.body && attached === 0) return refused('empty', { skipped }, thread.record_id);
  return {
    result: { outcome: 'accepted', recordId: target, attachments: attached },
    details: {
      ...(skipped.length ? { skipped } : {}),
      ...(target !== thread.record_id ? { followUpOf: thread.record_id } : {}),
      portalUserId: thread.portal_user_id,
    },
  };
}

type Recorded = { result: ReceiveResult; row: { via: 'smtp' | 'http'; message_id: string | null; from_address: string | null; record_id: string | null } };

/** Writes what became of a message, then logs it. */
async function record(
  deps: ReplyDeps,
  via: 'smtp' | 'http',
  message: InboundMessage | undefined,
  result: ReceiveResult,
  details: Record<string, unknown>,
): Promise<ReceiveResult> {
  const written = await write(deps, via, message, result, details);
  logOutcome(deps.log, written);
  return written.result;
}

async function write(
  deps: ReplyDeps,
  via: 'smtp' | 'http',
  message: InboundMessage | undefined,
  result: ReceiveResult,
  details: Record<string, unknown>,
  claimId?: string,
): Promise<Recorded> {
  const portalUserId = typeof details.portalUserId === 'string' ? details.portalUserId : null;
  const { portalUserId: _, ...rest } = details;
  const row = {
    via,
    message_id: message?.messageId ?? null,
    from_address: message?.from ?? null,
    subject: message?.subject.slice(0, 300) ?? null,
    outcome: result.outcome,
    reason: result.reason ?? null,
    record_id: result.recordId ?? null,
    portal_user_id: result.outcome === 'accepted' ? portalUserId : null,
    attachments: result.attachments ?? 0,
    details: JSON.stringify(rest),
  };
  if (claimId) await deps.db.updateTable('inbound_mail').set(row).where('id', '=', claimId).execute();
  else await deps.db.insertInto('inbound_mail').values(row).execute();
  return { result, row };
}

function logOutcome(log: Logger, { result, row }: Recorded) {
  const entry = { via: row.via, messageId: row.message_id, from: row.from_address, outcome: result.outcome, reason: result.reason, recordId: row.record_id };
  if (result.outcome === 'refused') log.warn(entry, `inbound mail refused: ${result.reason}`);
  else log.info(entry, `inbound mail ${result.outcome}`);
}
