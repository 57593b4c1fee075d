import { audit } from '../audit/audit.js';
import { hashPassword } from '../auth/passwords.js';
import { type Contact, contactFor } from '../auth/portal-session.js';
import { createSession, generateSessionToken, invalidateUserSessions } from '../auth/sessions.js';
import type { Database } from '../db/database.js';
import type { Portal } from '../db/schema.js';
import { findInvitation, type InvitationState, markInvitationAccepted } from './tokens.js';

// Following an invitation link: the person sets their password, the account
// becomes active and they are signed in. A link that cannot be used says what
// became of it and whom to ask for a new one.

export type InvitationLinkState = InvitationState | 'unknown';

export type InvitationLink =
  | {
      state: 'valid';
      invitationId: string;
      portalUserId: string;
      email: string;
      contact: Contact /** The invitee's own, from their record; null: none. */;
      language: string | null;
    }
  | { state: Exclude<InvitationState, 'valid'>; contact: Contact }
  | { state: 'unknown' };

/** What a link of this portal is worth now; a link for another portal is unknown here. */
export async function invitationLink(db: Database, portal: Portal, token: string, now = new Date()): Promise<InvitationLink> {
  const found = await findInvitation(db, token, now);
  if (!found || found.user.portal_id !== portal.id) return { state: 'unknown' };
  const contact = await contactFor(db, found.user.id, found.invitation.invited_by ?? found.user.invited_by);
  // An account deactivated since it was invited cannot be opened by its old link.
  if (found.state === 'valid' && found.user.status !== 'invited') return { state: found.user.status === 'active' ? 'used' : 'revoked', contact };
  if (found.state !== 'valid') return { state: found.state, contact };
  return { state: 'valid', invitationId: found.invitation.id, portalUserId: found.user.id, email: found.user.email, contact, language: found.user.language };
}

export type AcceptResult =
  | { ok: true; portalUserId: string; token: string; expiresAt: Date; language: string | null }
  | { ok: false; link: Exclude<InvitationLink, { state: 'valid' }> };

/**
 * Sets the password, marks the invitation used and activates the account, in
 * one transaction; two submissions of the same link race on the invitation
 * row and only one wins. The browser that accepted is signed in.
 */
export async function acceptInvitation(
  db: Database,
  portal: Portal,
  token: string,
  password: string,
  opts: { sessionDays: number; ip?: string; userAgent?: string | undefined; now?: Date },
): Promise<AcceptResult> {
  const now = opts.now ?? new Date();
  const link = await invitationLink(db, portal, token, now);
  if (link.state !== 'valid') return { ok: false, link };
  const passwordHash = await hashPassword(password);
  try {
    return await db.transaction().execute(async (trx) => {
      if (!(await markInvitationAccepted(trx, link.invitationId, now))) return { ok: false, link: { state: 'used', contact: link.contact } } as const;
      const activated = await trx
        .updateTable('portal_users')
        .set({ password_hash: passwordHash, status: 'active', activated_at: now })
        .where('id', '=', link.portalUserId)
        .where('status', '=', 'invited')
        .executeTakeFirst();
      // Deactivated between the check and now: undo the acceptance too.
      if (Number(activated.numUpdatedRows) !== 1) throw new NoLongerInvited();
      const user = { kind: 'portal' as const, id: link.portalUserId };
      await invalidateUserSessions(trx, user);
      const sessionToken = generateSessionToken();
      const session = await createSession(trx, sessionToken, user, opts.sessionDays, { ip: opts.ip ?? null, userAgent: opts.userAgent ?? null });
      await trx.updateTable('portal_users').set({ last_login_at: now }).where('id', '=', user.id).execute();
      await audit(
        trx,
        { kind: 'portal', id: user.id },
        'portal_user.invitation_accepted',
        { type: 'portal_user', id: user.id },
        { invitationId: link.invitationId },
      );
      return { ok: true, portalUserId: user.id, token: sessionToken, expiresAt: session.expires_at, language: link.language } as const;
    });
  } catch (err) {
    if (err instanceof NoLongerInvited) return { ok: false, link: { state: 'revoked', contact: link.contact } };
    throw err;
  }
}

class NoLongerInvited extends Error {}
