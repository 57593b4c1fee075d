import type { EmailTemplate } from '../../src/mail/render.js';
import { type EmailBrand, EmailButton, EmailLayout } from './EmailLayout.js';

export type PortalPasswordResetProps = { name: string; portalName: string; orgName: string; resetUrl: string; minutes: number; brand?: EmailBrand };

/** Sent when a portal user asks to reset their password: a single-use link that lasts `minutes`. */
export const portalPasswordResetEmail: EmailTemplate<PortalPasswordResetProps> = {
  name: 'portal-password-reset',
  subject: (t, p) => t('email:portalPasswordReset.subject', { portalName: p.portalName }),
  html: (t, p) => (
    <EmailLayout
      brand={p.brand}
      lang={t('common:langCode')}
      title={t('email:portalPasswordReset.subject', { portalName: p.portalName })}
      footer={t('email:footer', { orgName: p.orgName })}
    >
      <h1 style="font-size:20px;margin:0 0 16px;">{t('email:portalPasswordReset.greeting', { name: p.name })}</h1>
      <p>{t('email:portalPasswordReset.body', { portalName: p.portalName })}</p>
      <EmailButton href={p.resetUrl} accent={p.brand?.accent}>
        {t('email:portalPasswordReset.button')}
      </EmailButton>
      <p>{t('email:portalPasswordReset.expiry', { count: p.minutes })}</p>
      <p>{t('email:portalPasswordReset.ignore')}</p>
      <p style="font-size:13px;color:#52606d;">
        {t('email:linkFallback')} <a href={p.resetUrl}>{p.resetUrl}</a>
      </p>
    </EmailLayout>
  ),
  text: (t, p) =>
    [
      t('email:portalPasswordReset.greeting', { name: p.name }),
      '',
      t('email:portalPasswordReset.body', { portalName: p.portalName }),
      '',
      `${t('email:portalPasswordReset.button')}: ${p.resetUrl}`,
      '',
      t('email:portalPasswordReset.expiry', { count: p.minutes }),
      t('email:portalPasswordReset.ignore'),
      '',
      '-- ',
      t('email:footer', { orgName: p.orgName }),
    ].join('\n'),
};
