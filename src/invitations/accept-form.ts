import { checkNewPassword } from '../auth/password-reset.js';
import { savePortalLanguage } from '../auth/portal-preferences.js';
import { invalidateSession } from '../auth/sessions.js';
import type { Database } from '../db/database.js';
import type { Portal } from '../db/schema.js';
import type { Language } from '../i18n/languages.js';
import type { FieldErrors } from '../org/setup-input.js';
import { acceptInvitation, type InvitationLink, invitationLink } from './acceptance.js';

export type InvitationSubmission =
  | { ok: true; token: string; expiresAt: Date }
  /** The password was refused: the form again, for a link still usable. */
  | { ok: false; link: Extract<InvitationLink, { state: 'valid' }>; errors: FieldErrors }
  | { ok: false; link: Exclude<InvitationLink, { state: 'valid' }>; errors?: undefined };

/**
 * The invitation's form: a new password, checked before the link is used.
 * Accepted, the browser is signed in as the invitee (ending the session it
 * had), in the language picked with the switcher while reading, if any.
 */
export async function submitInvitation(
  db: Database,
  portal: Portal,
  token: string,
  form: Record<string, string | undefined>,
  opts: { sessionDays: number; ip: string; userAgent: string | undefined; picked: Language | undefined; replacing: string | undefined },
): Promise<InvitationSubmission> {
  const checked = checkNewPassword(form);
  if (!checked.ok) {
    const link = await invitationLink(db, portal, token);
    return link.state === 'valid' ? { ok: false, link, errors: checked.errors } : { ok: false, link };
  }
  const result = await acceptInvitation(db, portal, token, checked.password, { sessionDays: opts.sessionDays, ip: opts.ip, userAgent: opts.userAgent });
  if (!result.ok) return { ok: false, link: result.link };
  if (opts.picked && result.language && opts.picked !== result.language) await savePortalLanguage(db, result.portalUserId, opts.picked);
  if (opts.replacing) await invalidateSession(db, opts.replacing);
  return { ok: true, token: result.token, expiresAt: result.expiresAt };
}
