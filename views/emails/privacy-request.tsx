import type { T } from '../../src/i18n/i18n.js';
import type { EmailTemplate } from '../../src/mail/render.js';
import { type EmailBrand, EmailButton, EmailLayout } from './EmailLayout.js';

/** A data-privacy request: to the organization when one is filed, to the person when its status changes. */
export type PrivacyRequestEmailProps = {
  to: 'organization' | 'person';
  number: string;
  /** The kind's label in the recipient's language. */
  kindLabel: string;
  /** The new status's label (person emails). */
  statusLabel: string;
  /** The due date, formatted for the recipient. */
  due: string;
  /** Why it was rejected or extended, in staff's words. */
  reason: string;
  /** The request's page (staff, or the person's portal); without one the email has no button. */
  url: string | undefined;
  orgName: string;
  brand?: EmailBrand | undefined;
};

const subject = (t: T, p: PrivacyRequestEmailProps) =>
  t(`email:privacyRequest.${p.to}.subject`, { number: p.number, kind: p.kindLabel, status: p.statusLabel });

const lines = (t: T, p: PrivacyRequestEmailProps) => [
  t(`email:privacyRequest.${p.to}.body`, { number: p.number, kind: p.kindLabel, status: p.statusLabel }),
  ...(p.reason ? [t('email:privacyRequest.reason', { reason: p.reason })] : []),
  t('email:privacyRequest.due', { due: p.due }),
];

export const privacyRequestEmail: EmailTemplate<PrivacyRequestEmailProps> = {
  name: 'privacy-request',
  subject,
  html: (t, p) => (
    <EmailLayout brand={p.brand} lang={t('common:langCode')} title={subject(t, p)} footer={t('email:footer', { orgName: p.orgName })}>
      <h1 style="font-size:20px;margin:0 0 16px;">{subject(t, p)}</h1>
      {lines(t, p).map((l) => (
        <p style="white-space:pre-wrap;">{l}</p>
      ))}
      {p.url && (
        <>
          <EmailButton href={p.url} accent={p.brand?.accent}>
            {t(`email:privacyRequest.${p.to}.button`)}
          </EmailButton>
          <p style="font-size:13px;color:#52606d;">
            {t('email:linkFallback')} <a href={p.url}>{p.url}</a>
          </p>
        </>
      )}
    </EmailLayout>
  ),
  text: (t, p) =>
    [
      subject(t, p),
      '',
      ...lines(t, p),
      ...(p.url ? ['', `${t(`email:privacyRequest.${p.to}.button`)}: ${p.url}`] : []),
      '',
      '-- ',
      t('email:footer', { orgName: p.orgName }),
    ].join('\n'),
};
