import type { T } from '../../src/i18n/i18n.js';
import type { EmailTemplate } from '../../src/mail/render.js';
import { EmailButton, EmailLayout } from './EmailLayout.js';

export type WelcomeStaffProps = { name: string; orgName: string; loginUrl: string; email: string; addedBy?: string };

const body = (t: T, p: WelcomeStaffProps) =>
  p.addedBy ? t('email:welcomeStaff.bodyAdded', { orgName: p.orgName, name: p.addedBy }) : t('email:welcomeStaff.body', { orgName: p.orgName });

/** Sent to a new staff user: the first administrator at setup, or someone an administrator added (`addedBy`). */
export const welcomeStaffEmail: EmailTemplate<WelcomeStaffProps> = {
  name: 'welcome-staff',
  subject: (t, p) => t('email:welcomeStaff.subject', { orgName: p.orgName }),
  html: (t, p) => (
    <EmailLayout lang={t('common:langCode')} title={t('email:welcomeStaff.subject', { orgName: p.orgName })} footer={t('email:footer', { orgName: p.orgName })}>
      <h1 style="font-size:20px;margin:0 0 16px;">{t('email:welcomeStaff.greeting', { name: p.name })}</h1>
      <p>{body(t, p)}</p>
      <p>{t('email:welcomeStaff.account', { email: p.email })}</p>
      <EmailButton href={p.loginUrl}>{t('email:welcomeStaff.button')}</EmailButton>
      <p style="font-size:13px;color:#52606d;">
        {t('email:linkFallback')} <a href={p.loginUrl}>{p.loginUrl}</a>
      </p>
    </EmailLayout>
  ),
  text: (t, p) =>
    [
      t('email:welcomeStaff.greeting', { name: p.name }),
      '',
      body(t, p),
      t('email:welcomeStaff.account', { email: p.email }),
      '',
      `${t('email:welcomeStaff.button')}: ${p.loginUrl}`,
      '',
      '-- ',
      t('email:footer', { orgName: p.orgName }),
    ].join('\n'),
};
