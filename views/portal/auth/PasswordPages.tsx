import type { ViewContext } from '../../../src/http/env.js';
import type { FieldErrors } from '../../../src/org/setup-input.js';
import { Alert } from '../../components/Alert.js';
import { TextField } from '../../components/Field.js';
import { PasswordFields } from '../../components/PasswordFields.js';

/** Asks for the account's email; the answer is the same whether it exists or not. */
export function ForgotPasswordPage({ view, base, email, error }: { view: ViewContext; base: string; email?: string; error?: string | undefined }) {
  const { t } = view;
  return (
    <section class="auth-card" aria-labelledby="forgot-title">
      <h1 id="forgot-title">{t('portalauth:forgot.title')}</h1>
      <p>{t('portalauth:forgot.intro')}</p>
      <form method="post" action={`${base}/password/forgot`}>
        <TextField name="email" type="email" label={t('auth:email')} value={email} error={error} required autocomplete="username" />
        <button type="submit" class="button">
          {t('portalauth:forgot.submit')}
        </button>
      </form>
      <p>
        <a href={`${base}/login`}>{t('portalauth:forgot.back')}</a>
      </p>
    </section>
  );
}

export function ForgotPasswordSent({ view, base, email, minutes }: { view: ViewContext; base: string; email: string; minutes: number }) {
  const { t } = view;
  return (
    <section class="auth-card" aria-labelledby="forgot-title">
      <h1 id="forgot-title">{t('portalauth:forgot.title')}</h1>
      <Alert kind="success">{t('portalauth:forgot.sent', { email, count: minutes })}</Alert>
      <p>
        <a href={`${base}/login`}>{t('portalauth:forgot.back')}</a>
      </p>
    </section>
  );
}

/** The new password and its confirmation, with the rules shown up front. */
export function NewPasswordFields({ view, errors }: { view: ViewContext; errors: FieldErrors }) {
  const { t } = view;
  const err = (name: string) => (errors[name] ? t(errors[name]) : undefined);
  return (
    <PasswordFields
      label={t('portalauth:password.new')}
      confirmLabel={t('portalauth:password.confirm')}
      hint={t('auth:passwordRules')}
      errors={{ password: err('password'), passwordConfirm: err('passwordConfirm') }}
    />
  );
}

export function ResetPasswordPage({ view, action, errors }: { view: ViewContext; action: string; errors: FieldErrors }) {
  const { t } = view;
  return (
    <section class="auth-card" aria-labelledby="reset-title">
      <h1 id="reset-title">{t('portalauth:reset.title')}</h1>
      <p>{t('portalauth:reset.intro')}</p>
      {Object.keys(errors).length > 0 && <Alert kind="error">{t('errors:formHasErrors')}</Alert>}
      <form method="post" action={action}>
        <NewPasswordFields view={view} errors={errors} />
        <button type="submit" class="button">
          {t('portalauth:reset.submit')}
        </button>
      </form>
    </section>
  );
}

/** A reset link that cannot be used: why, and a way to ask for a new one. */
export function ResetLinkProblem({ view, base, state }: { view: ViewContext; base: string; state: 'expired' | 'used' | 'unknown' }) {
  const { t } = view;
  return (
    <section class="auth-card" aria-labelledby="reset-title">
      <h1 id="reset-title">{t('portalauth:reset.problem.title')}</h1>
      <p>{t(`portalauth:reset.problem.${state}`)}</p>
      <p>
        <a class="button" href={`${base}/password/forgot`}>
          {t('portalauth:reset.problem.again')}
        </a>
      </p>
    </section>
  );
}
