import type { ViewContext } from '../../../src/http/env.js';
import { Alert } from '../../components/Alert.js';
import { TextField } from '../../components/Field.js';
import { type SsoChoice, SsoSignIn } from './SsoSignIn.js';

export type SignInPageProps = {
  view: ViewContext;
  portalName: string;
  /** /p/:slug */
  base: string;
  email?: string | undefined;
  error?: string | undefined;
  notice?: string | undefined;
  next?: string | undefined;
  /** The portal takes sign-ups: a link to its form. */
  signup?: boolean | undefined;
  /** The portal's single sign-on, when on: its button comes first. */
  sso?: SsoChoice | undefined;
  /** false: password sign-in is off, only single sign-on is shown. */
  password?: boolean | undefined;
};

/** A portal's sign-in form, in the portal's shell. */
export function SignInPage({ view, portalName, base, email, error, notice, next, sso, password = true, signup }: SignInPageProps) {
  const { t } = view;
  return (
    <section class="auth-card" aria-labelledby="signin-title">
      <h1 id="signin-title">{t('portalauth:login.title', { portal: portalName })}</h1>
      {notice && <Alert kind="success">{notice}</Alert>}
      {error && <Alert kind="error">{error}</Alert>}
      {sso && <SsoSignIn view={view} base={base} sso={sso} next={next} password={password} />}
      {password && (
        <form method="post" action={`${base}/login`}>
          <TextField name="email" type="email" label={t('auth:email')} value={email} required autocomplete="username" />
          <TextField name="password" type="password" label={t('auth:password')} required autocomplete="current-password" />
          {next && <input type="hidden" name="next" value={next} />}
          <button type="submit" class="button">
            {t('portalauth:login.submit')}
          </button>
        </form>
      )}
      {password && (
        <p>
          <a href={`${base}/password/forgot`}>{t('portalauth:login.forgot')}</a>
        </p>
      )}
      {signup && (
        <p>
          {t('signup:link.question')} <a href={`${base}/signup`}>{t('signup:link.signUp')}</a>
        </p>
      )}
    </section>
  );
}
