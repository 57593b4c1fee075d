import type { ViewContext } from '../../src/http/env.js';
import { Alert } from '../components/Alert.js';
import { TextField } from '../components/Field.js';

export type ChallengePageProps = {
  view: ViewContext;
  /** Where the code is posted: /admin/two-factor or /p/:slug/two-factor. */
  action: string;
  logoutAction: string;
  next?: string | undefined;
  error?: string | undefined;
};

/** The second step of signing in: a code from the authenticator app, or a recovery code. */
export function ChallengePage({ view, action, logoutAction, next, error }: ChallengePageProps) {
  const { t } = view;
  return (
    <section aria-labelledby="two-factor-title">
      <h1 id="two-factor-title">{t('twofactor:challenge.title')}</h1>
      <p>{t('twofactor:challenge.intro')}</p>
      {error && <Alert kind="error">{error}</Alert>}
      <form method="post" action={action}>
        <TextField
          name="code"
          label={t('twofactor:challenge.code')}
          hint={t('twofactor:challenge.hint')}
          error={error ? t('twofactor:challenge.errors.again') : undefined}
          required
          autocomplete="one-time-code"
          inputmode="text"
        />
        {next && <input type="hidden" name="next" value={next} />}
        <button type="submit" class="button">
          {t('twofactor:challenge.submit')}
        </button>
      </form>
      <form method="post" action={logoutAction}>
        <button type="submit" class="button secondary small">
          {t('twofactor:challenge.cancel')}
        </button>
      </form>
    </section>
  );
}
