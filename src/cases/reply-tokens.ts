import { sha256 } from '@oslojs/crypto/sha2';
import { encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from '@oslojs/encoding';
import type { Transaction } from 'kysely';
import type { DB } from '../db/schema.js';

// Each email about a case to a customer carries a reply address of its own,
// replies+<token>@domain; only the token's SHA-256 is stored, with the case,
// the portal user and the outbox email it went out in.

export const hashToken = (token: string) => encodeHexLowerCase(sha256(new TextEncoder().encode(token)));

/** The address replies+<token>@domain for an inbound address replies@domain. */
export function replyAddress(inboundAddress: string, token: string): string {
  const at = inboundAddress.lastIndexOf('@');
  return `${inboundAddress.slice(0, at)}+${token}${inboundAddress.slice(at)}`;
}

/** The tokens in recipients that are reply addresses of this inbound address. */
export function tokensIn(inboundAddress: string, recipients: string[]): string[] {
  const at = inboundAddress.lastIndexOf('@');
  const local = inboundAddress.slice(0, at).toLowerCase();
  const domain = inboundAddress.slice(at + 1).toLowerCase();
  return recipients.flatMap((r) => {
    const m = /^([^@+]+)\+([a-z2-7]{16,64})@(.+)$/.exec(r.toLowerCase());
    return m && m[1] === local && m[3] === domain && m[2] ? [m[2]] : [];
  });
}

/**
 * A reply token for one email about a case to one portal user, written in
 * the caller's transaction; `link` ties it to the outbox email once that exists.
 */
export function issueReplyToken(trx: Transaction<DB>, recordId: string, portalUserId: string) {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  const token = encodeBase32LowerCaseNoPadding(bytes);
  return {
    token,
    link: async (outboxId: string) => {
      await trx
        .insertInto('case_reply_tokens')
        .values({ token_hash: hashToken(token), record_id: recordId, portal_user_id: portalUserId, outbox_id: outboxId })
        .execute();
    },
  };
}
