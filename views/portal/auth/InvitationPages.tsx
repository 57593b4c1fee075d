import type { Contact } from '../../../src/auth/portal-session.js';
import type { ViewContext } from '../../../src/http/env.js';
import type { FieldErrors } from '../../../src/org/setup-input.js';
import { Alert } from '../../components/Alert.js';
import { NewPasswordFields } from './PasswordPages.js';

/**
 * A message naming whom to ask: the inviting staff user and the organization
 * (`<key>.person`), the organization alone when the inviter is unknown
 * (`<key>.org`), or nobody in particular (`<key>.anyone`).
 */
export function askWhom(view: ViewContext, key: string, contact: Contact | undefined): string {
  if (contact?.inviterName) return view.t(`${key}.person`, { name: contact.inviterName, email: contact.inviterEmail ?? '', org: contact.orgName });
  if (contact?.orgName) return view.t(`${key}.org`, { org: contact.orgName });
  return view.t(`${key}.anyone`);
}

export type SetPasswordPageProps = { view: ViewContext; portalName: string; action: string; email: string; contact: Contact; errors: FieldErrors };

/** The first page behind an invitation link: choose a password for the account. */
export function SetPasswordPage({ view, portalName, action, email, contact, errors }: SetPasswordPageProps) {
  const { t } = view;
  return (
    <section class="auth-card" aria-labelledby="invite-title">
      <h1 id="invite-title">{t('portalauth:invite.title', { portal: portalName })}</h1>
      <p>{t('portalauth:invite.intro', { org: contact.orgName, portal: portalName })}</p>
      <p>{t('portalauth:invite.account', { email })}</p>
      {Object.keys(errors).length > 0 && <Alert kind="error">{t('errors:formHasErrors')}</Alert>}
      <form method="post" action={action}>
        <NewPasswordFields view={view} errors={errors} />
        <button type="submit" class="button">
          {t('portalauth:invite.submit')}
        </button>
      </form>
    </section>
  );
}

/** An invitation link that cannot be used: what became of it, and whom to ask. */
export function InvitationProblemPage({
  view,
  base,
  state,
  contact,
}: {
  view: ViewContext;
  base: string;
  state: 'expired' | 'used' | 'revoked' | 'unknown';
  contact: Contact | undefined;
}) {
  const { t } = view;
  return (
    <section class="auth-card" aria-labelledby="invite-title">
      <h1 id="invite-title">{t(`portalauth:invite.problem.${state}.title`)}</h1>
      <p>{t(`portalauth:invite.problem.${state}.message`)}</p>
      {state === 'used' ? (
        <p>
          <a class="button" href={`${base}/login`}>
            {t('portalauth:invite.problem.signIn')}
          </a>
        </p>
      ) : (
        <p class="invite-contact">{askWhom(view, 'portalauth:invite.problem.ask', contact)}</p>
      )}
    </section>
  );
}
