import type { ViewContext } from '../../src/http/env.js';
import { Alert } from '../components/Alert.js';
import { TextField } from '../components/Field.js';
import { type SsoChoice, SsoSignIn } from '../portal/auth/SsoSignIn.js';

export type LoginPageProps = {
  email?: string | undefined;
  error?: string | undefined;
  notice?: string | undefined;
  next?: string | undefined;
  /** Staff single sign-on, when on: its button comes first; the password form always stays. */
  sso?: SsoChoice | undefined;
};

export function LoginPage({ view, email, error, notice, next, sso }: LoginPageProps & { view: ViewContext }) {
  const { t } = view;
  return (
    <section class="sign-in">
      <h1>{t('auth:login.title')}</h1>
      {notice && <Alert kind="success">{notice}</Alert>}
      {error && <Alert kind="error">{error}</Alert>}
      {sso && <SsoSignIn view={view} base="/admin" sso={sso} next={next} password />}
      <form method="post" action="/admin/login">
        <TextField name="email" type="email" label={t('auth:email')} value={email} required autocomplete="username" />
        <TextField name="password" type="password" label={t('auth:password')} required autocomplete="current-password" />
        {next && <input type="hidden" name="next" value={next} />}
        <button type="submit" class="button">
          {t('auth:login.submit')}
        </button>
      </form>
    </section>
  );
}
