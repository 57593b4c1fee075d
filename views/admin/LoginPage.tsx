import type { ViewContext } from '../../src/http/env.js';
import { Alert } from '../components/Alert.js';
import { TextField } from '../components/Field.js';

export type LoginPageProps = { email?: string; error?: string; notice?: string; next?: string };

export function LoginPage({ view, email, error, notice, next }: LoginPageProps & { view: ViewContext }) {
  const { t } = view;
  return (
    <section class="sign-in">
      <h1>{t('auth:login.title')}</h1>
      {notice && <Alert kind="success">{notice}</Alert>}
      {error && <Alert kind="error">{error}</Alert>}
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
