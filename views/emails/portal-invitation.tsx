import type { T } from '../../src/i18n/i18n.js';
import type { EmailTemplate } from '../../src/mail/render.js';
import { type EmailBrand, EmailButton, EmailLayout } from './EmailLayout.js';

export type InvitationEmailProps = {
  /** The record's name: never a generated user name. */
  name: string;
  portalName: string;
  orgName: string;
  portalUrl: string;
  inviteUrl: string;
  /** The expiry, already formatted in the email's language and the organization's time zone. */
  expires: string;
  /** The portal's own wording for this language, when an admin wrote one. */
  custom?: { subject: string; body: string } | undefined;
  /** The portal's look. */
  brand?: EmailBrand | undefined;
};

export const INVITATION_PLACEHOLDERS = ['name', 'portal', 'organization', 'link', 'expires'] as const;

/** Fills the placeholders of an admin-written text; unknown ones stay as typed. */
export function fillPlaceholders(text: string, p: InvitationEmailProps): string {
  const values: Record<(typeof INVITATION_PLACEHOLDERS)[number], string> = {
    name: p.name,
    portal: p.portalName,
    organization: p.orgName,
    link: p.inviteUrl,
    expires: p.expires,
  };
  return text.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, key: string) => (key in values ? values[key as keyof typeof values] : whole));
}

const paragraphs = (text: string) =>
  text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter(Boolean);

function bodyText(t: T, p: InvitationEmailProps): string[] {
  if (p.custom) return paragraphs(fillPlaceholders(p.custom.body, p));
  return [t('invitations:email.greeting', { name: p.name }), t('invitations:email.body', { organization: p.orgName, portal: p.portalName })];
}

/** The personal invitation to a portal, greeting the person by their record's name. */
export const invitationEmail: EmailTemplate<InvitationEmailProps> = {
  name: 'portal-invitation',
  subject: (t, p) => (p.custom ? fillPlaceholders(p.custom.subject, p) : t('invitations:email.subject', { portal: p.portalName, organization: p.orgName })),
  html: (t, p) => (
    <EmailLayout brand={p.brand} lang={t('common:langCode')} title={invitationEmail.subject(t, p)} footer={t('email:footer', { orgName: p.orgName })}>
      {bodyText(t, p).map((para) => (
        <p style="white-space:pre-line;">{para}</p>
      ))}
      <EmailButton href={p.inviteUrl} accent={p.brand?.accent}>
        {t('invitations:email.button')}
      </EmailButton>
      <p>{t('invitations:email.expires', { expires: p.expires })}</p>
      <p>
        {t('invitations:email.portalAddress')} <a href={p.portalUrl}>{p.portalUrl}</a>
      </p>
      <p style="font-size:13px;color:#52606d;">
        {t('email:linkFallback')} <a href={p.inviteUrl}>{p.inviteUrl}</a>
      </p>
    </EmailLayout>
  ),
  text: (t, p) =>
    [
      ...bodyText(t, p).flatMap((para) => [para, '']),
      `${t('invitations:email.button')}: ${p.inviteUrl}`,
      '',
      t('invitations:email.expires', { expires: p.expires }),
      `${t('invitations:email.portalAddress')} ${p.portalUrl}`,
      '',
      '-- ',
      t('email:footer', { orgName: p.orgName }),
    ].join('\n'),
};
