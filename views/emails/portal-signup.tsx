import type { T } from '../../src/i18n/i18n.js';
import type { EmailTemplate } from '../../src/mail/render.js';
import { type EmailBrand, EmailButton, EmailLayout } from './EmailLayout.js';

// The emails of a portal's self sign-up: the one-time code, "you already
// have an account", waiting for approval, on the waiting list, and refused.

export type SignupMailKind = 'code' | 'existing' | 'pending' | 'waiting' | 'rejected';

export type SignupMailProps = {
  kind: SignupMailKind;
  portalName: string;
  orgName: string;
  brand?: EmailBrand | undefined;
  /** code: the six digits and the link to the page whose button confirms. */
  code?: string | undefined;
  confirmUrl?: string | undefined;
  minutes?: number | undefined;
  /** existing: where to sign in and to reset the password. */
  signInUrl?: string | undefined;
  resetUrl?: string | undefined;
  /** rejected: the administrator's reason. */
  reason?: string | undefined;
};

const key = (p: SignupMailProps, part: string) => `signup:email.${p.kind}.${part}`;

/** The lines of the email, shared by its HTML and its text. */
function lines(t: T, p: SignupMailProps): string[] {
  const out = [t(key(p, 'body'), { portalName: p.portalName, orgName: p.orgName, minutes: p.minutes, count: p.minutes })];
  if (p.kind === 'rejected' && p.reason) out.push(t('signup:email.rejected.reasonLine', { reason: p.reason }));
  return out;
}

function button(p: SignupMailProps): string | undefined {
  return p.kind === 'code' ? p.confirmUrl : p.kind === 'existing' ? p.signInUrl : undefined;
}

export const portalSignupEmail: EmailTemplate<SignupMailProps> = {
  name: 'portal-signup',
  subject: (t, p) => t(key(p, 'subject'), { portalName: p.portalName, code: p.code }),
  html: (t, p) => {
    const href = button(p);
    return (
      <EmailLayout
        brand={p.brand}
        lang={t('common:langCode')}
        title={t(key(p, 'subject'), { portalName: p.portalName, code: p.code })}
        footer={t('email:footer', { orgName: p.orgName })}
      >
        <h1 style="font-size:20px;margin:0 0 16px;">{t('signup:email.greeting')}</h1>
        {lines(t, p).map((l) => (
          <p>{l}</p>
        ))}
        {p.kind === 'code' && (
          <p>
            {t('signup:email.code.codeLabel')}: <strong style="font-size:28px;letter-spacing:6px;">{p.code}</strong>
          </p>
        )}
        {href && (
          <EmailButton href={href} accent={p.brand?.accent}>
            {t(key(p, 'button'))}
          </EmailButton>
        )}
        {p.kind === 'existing' && p.resetUrl && (
          <p>
            {t('signup:email.existing.forgot')} <a href={p.resetUrl}>{p.resetUrl}</a>
          </p>
        )}
        {(p.kind === 'code' || p.kind === 'existing') && <p>{t('signup:email.ignore')}</p>}
        {href && (
          <p style="font-size:13px;color:#52606d;">
            {t('email:linkFallback')} <a href={href}>{href}</a>
          </p>
        )}
      </EmailLayout>
    );
  },
  text: (t, p) => {
    const href = button(p);
    return [
      t('signup:email.greeting'),
      '',
      ...lines(t, p),
      ...(p.kind === 'code' ? ['', `${t('signup:email.code.codeLabel')}: ${p.code}`] : []),
      ...(href ? ['', `${t(key(p, 'button'))}: ${href}`] : []),
      ...(p.kind === 'existing' && p.resetUrl ? ['', `${t('signup:email.existing.forgot')} ${p.resetUrl}`] : []),
      ...(p.kind === 'code' || p.kind === 'existing' ? ['', t('signup:email.ignore')] : []),
      '',
      '-- ',
      t('email:footer', { orgName: p.orgName }),
    ].join('\n');
  },
};
