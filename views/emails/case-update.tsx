import type { EmailTemplate } from '../../src/mail/render.js';
import { type EmailBrand, EmailButton, EmailLayout } from './EmailLayout.js';

/** What happened on a case: for the customer a staff reply or a status change; for staff a new case or a customer reply. */
export type CaseUpdateKind = 'reply' | 'status' | 'opened' | 'replied';

export type CaseUpdateProps = {
  kind: CaseUpdateKind;
  subject: string;
  /** The reply's text (reply, replied), or the new status's label (status). */
  detail: string;
  /** Who opened or replied (staff emails): the portal user's address. */
  who: string;
  url: string;
  portalName: string;
  orgName: string;
  /** Replying to this email answers the case (customer emails, when Porta receives mail). */
  replyByEmail: boolean;
  /** The portal's look (customer emails). */
  brand?: EmailBrand | undefined;
};

/** One email for every step of a case's conversation, in the recipient's language. */
export const caseUpdateEmail: EmailTemplate<CaseUpdateProps> = {
  name: 'case-update',
  subject: (t, p) => t(`email:caseUpdate.${p.kind}.subject`, { subject: p.subject, portalName: p.portalName, status: p.detail }),
  html: (t, p) => (
    <EmailLayout
      brand={p.brand}
      lang={t('common:langCode')}
      title={t(`email:caseUpdate.${p.kind}.subject`, { subject: p.subject, portalName: p.portalName, status: p.detail })}
      footer={t('email:footer', { orgName: p.orgName })}
    >
      {p.replyByEmail && <p style="font-size:12px;color:#52606d;margin:0 0 16px;">{t('email:caseUpdate.replyAbove')}</p>}
      <h1 style="font-size:20px;margin:0 0 16px;">{p.subject}</h1>
      <p>{t(`email:caseUpdate.${p.kind}.body`, { who: p.who, status: p.detail, portalName: p.portalName })}</p>
      {p.kind !== 'status' && p.detail && (
        <blockquote style="margin:16px 0;padding:8px 16px;border-left:3px solid #cbd2d9;white-space:pre-wrap;">{p.detail}</blockquote>
      )}
      {p.replyByEmail && <p>{t('email:caseUpdate.replyHint')}</p>}
      <EmailButton href={p.url} accent={p.brand?.accent}>
        {t('email:caseUpdate.button')}
      </EmailButton>
      <p style="font-size:13px;color:#52606d;">
        {t('email:linkFallback')} <a href={p.url}>{p.url}</a>
      </p>
    </EmailLayout>
  ),
  text: (t, p) =>
    [
      ...(p.replyByEmail ? [t('email:caseUpdate.replyAbove'), ''] : []),
      p.subject,
      '',
      t(`email:caseUpdate.${p.kind}.body`, { who: p.who, status: p.detail, portalName: p.portalName }),
      ...(p.kind !== 'status' && p.detail ? ['', ...p.detail.split('\n').map((l) => `> ${l}`)] : []),
      '',
      ...(p.replyByEmail ? [t('email:caseUpdate.replyHint'), ''] : []),
      `${t('email:caseUpdate.button')}: ${p.url}`,
      '',
      '-- ',
      t('email:footer', { orgName: p.orgName }),
    ].join('\n'),
};
