import type { Transaction } from 'kysely';
import { invitationEmail } from '../../views/emails/portal-invitation.js';
import type { DB, Org, Portal } from '../db/schema.js';
import { createFormatters } from '../i18n/format.js';
import type { Language } from '../i18n/languages.js';
import { enqueueEmail } from '../mail/outbox.js';
import { type RenderedEmail, renderEmail } from '../mail/render.js';
import { emailBrand, portalPublicUrl } from '../portals/branding.js';
import type { InviteDeps } from './invite.js';

export type InvitationMail = {
  portal: Pick<Portal, 'name' | 'slug' | 'domain' | 'accent_color' | 'logo_hash'>;
  org: Pick<Org, 'name' | 'time_zone' | 'time_format'>;
  /** The address invited, greeted by the record's name. */
  to: { address: string; name: string };
  language: Language;
  token: string;
  expiresAt: Date;
  /** The portal's own wording for the language, when an admin wrote one. */
  custom?: { subject: string; body: string } | undefined;
};

/** Renders the invitation email with its personal link and puts it in the outbox, in the caller's transaction. */
export async function enqueueInvitationEmail(trx: Transaction<DB>, deps: Pick<InviteDeps, 'boss' | 'baseUrl'>, mail: InvitationMail): Promise<string> {
  return enqueueEmail(trx, deps.boss, mail.to, await renderInvitationEmail(deps, mail));
}

/** The invitation email with its personal link, in the invitee's language and the organization's time zone. */
export function renderInvitationEmail(deps: Pick<InviteDeps, 'baseUrl'>, mail: InvitationMail): Promise<RenderedEmail> {
  const fmt = createFormatters({ language: mail.language, timeZone: mail.org.time_zone, timeFormat: mail.org.time_format });
  const portalUrl = portalPublicUrl(deps.baseUrl, mail.portal);
  return renderEmail(
    invitationEmail,
    {
      brand: emailBrand(deps.baseUrl, mail.portal),
      name: mail.to.name,
      portalName: mail.portal.name,
      orgName: mail.org.name,
      portalUrl,
      inviteUrl: `${portalUrl}/invite/${mail.token}`,
      expires: fmt.dateTimeZoned(mail.expiresAt),
      custom: mail.custom,
    },
    mail.language,
  );
}
