import { generateSessionToken, sessionIdFromToken } from '../auth/sessions.js';
import type { Database } from '../db/database.js';
import type { PortalInvitation, PortalUser } from '../db/schema.js';

// Invitation links carry a random token; only its SHA-256 is stored, each is
// used once, lasts 7 days, and a new one revokes the ones before it.

export const INVITATION_DAYS = 7;
const DAY_MS = 24 * 60 * 60 * 1000;

/** A new link for the portal user, revoking every earlier open one; the token is returned once and never stored. */
export async function issueInvitation(
  trx: Database,
  portalUserId: string,
  invitedBy: string | null,
  now = new Date(),
): Promise<{ token: string; expiresAt: Date }> {
  await trx
    .updateTable('portal_invitations')
    .set({ revoked_at: now })
    .where('portal_user_id', '=', portalUserId)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .execute();
  const token = generateSessionToken();
  const expiresAt = new Date(now.getTime() + INVITATION_DAYS * DAY_MS);
  await trx
    .insertInto('portal_invitations')
    .values({ portal_user_id: portalUserId, token_hash: sessionIdFromToken(token), invited_by: invitedBy, created_at: now, expires_at: expiresAt })
    .execute();
  return { token, expiresAt };
}

export type InvitationState = 'valid' | 'expired' | 'used' | 'revoked';

export type FoundInvitation = { state: InvitationState; invitation: PortalInvitation; user: PortalUser };

/**
 * The invitation a link names, and what became of it: usable, expired (7 days
 * passed, or the expiry job marked the user expired), already used, or replaced
 * by a newer link. Undefined when no invitation has that token.
 */
export async function findInvitation(db: Database, token: string, now = new Date()): Promise<FoundInvitation | undefined> {
  if (!/^[a-z2-7]{20,64}$/.test(token)) return undefined;
  const invitation = await db.selectFrom('portal_invitations').selectAll().where('token_hash', '=', sessionIdFromToken(token)).executeTakeFirst();
  if (!invitation) return undefined;
  const user = await db.selectFrom('portal_users').selectAll().where('id', '=', invitation.portal_user_id).executeTakeFirst();
  if (!user) return undefined;
  const state: InvitationState = invitation.accepted_at
    ? 'used'
    : invitation.revoked_at
      ? 'revoked'
      : invitation.expires_at <= now || user.status === 'expired'
        ? 'expired'
        : 'valid';
  return { state, invitation, user };
}

/** Marks a usable invitation used, once: false when another request used it first. */
export async function markInvitationAccepted(trx: Database, invitationId: string, now = new Date()): Promise<boolean> {
  const done = await trx
    .updateTable('portal_invitations')
    .set({ accepted_at: now })
    .where('id', '=', invitationId)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(done.numUpdatedRows) === 1;
}

/** Invited users whose every link has run out become expired; returns how many (the scheduled job). */
export async function expireInvitations(db: Database, now = new Date()): Promise<number> {
  const rows = await db
    .updateTable('portal_users')
    .set({ status: 'expired' })
    .where('status', '=', 'invited')
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('portal_invitations as i')
            .select('i.id')
            .whereRef('i.portal_user_id', '=', 'portal_users.id')
            .where('i.accepted_at', 'is', null)
            .where('i.revoked_at', 'is', null)
            .where('i.expires_at', '>', now),
        ),
      ),
    )
    .returning('id')
    .execute();
  return rows.length;
}
