import { groupSecret, type TwoFactorSetup, type TwoFactorState } from '../../src/auth/two-factor.js';
import type { ViewContext } from '../../src/http/env.js';
import { Alert } from '../components/Alert.js';
import { TextField } from '../components/Field.js';
import { QrCode } from './QrCode.js';

export type SettingsPageProps = {
  view: ViewContext;
  /** /admin/profile/two-factor or /p/:slug/profile/two-factor; the forms post to its /enable and /disable. */
  base: string;
  state: TwoFactorState;
  /** The key waiting for confirmation, while two-factor is off. */
  setup?: TwoFactorSetup | undefined;
  /** Set when the account's type requires two-factor sign-in: it cannot be turned off, and must be set up to go on. */
  required?: boolean;
  next?: string | undefined;
  notice?: string | undefined;
  error?: string | undefined;
};

/** Turning two-factor sign-in on (key, QR code, confirmation) or off (with a current code). */
export function SettingsPage({ view, base, state, setup, required, next, notice, error }: SettingsPageProps) {
  const { t } = view;
  return (
    <section aria-labelledby="two-factor-title">
      <h1 id="two-factor-title">{t('twofactor:settings.title')}</h1>
      <p>{t('twofactor:settings.intro')}</p>
      {notice && <Alert kind="success">{notice}</Alert>}
      {required && !state.enabled && <Alert kind="info">{t('twofactor:settings.required')}</Alert>}
      {error && <Alert kind="error">{error}</Alert>}
      {state.enabled ? (
        <>
          <p>
            <strong>{t('twofactor:settings.on')}</strong> {t('twofactor:settings.recoveryLeft', { count: state.recoveryLeft })}
          </p>
          <h2>{t('twofactor:disable.title')}</h2>
          {required ? (
            <p>{t('twofactor:disable.required')}</p>
          ) : (
            <form method="post" action={`${base}/disable`}>
              <p>{t('twofactor:disable.intro')}</p>
              <TextField name="code" label={t('twofactor:challenge.code')} required autocomplete="one-time-code" inputmode="numeric" />
              <button type="submit" class="button secondary danger">
                {t('twofactor:disable.submit')}
              </button>
            </form>
          )}
        </>
      ) : (
        <>
          <p>
            <strong>{t('twofactor:settings.off')}</strong>
          </p>
          {setup && (
            <>
              <h2>{t('twofactor:setup.title')}</h2>
              <ol>
                <li>
                  <p>{t('twofactor:setup.step1')}</p>
                  <QrCode text={setup.uri} label={t('twofactor:setup.qrLabel')} />
                  <dl class="details">
                    <dt>{t('twofactor:setup.key')}</dt>
                    <dd>
                      <code id="two-factor-secret">{groupSecret(setup.secret)}</code>
                    </dd>
                    <dt>{t('twofactor:setup.uri')}</dt>
                    <dd>
                      <a href={setup.uri}>
                        <code>{setup.uri}</code>
                      </a>
                    </dd>
                  </dl>
                </li>
                <li>
                  <form method="post" action={`${base}/enable`}>
                    <TextField name="code" label={t('twofactor:setup.step2')} required autocomplete="one-time-code" inputmode="numeric" />
                    {next && <input type="hidden" name="next" value={next} />}
                    <button type="submit" class="button">
                      {t('twofactor:setup.submit')}
                    </button>
                  </form>
                </li>
              </ol>
            </>
          )}
        </>
      )}
    </section>
  );
}

/** The recovery codes, shown once right after two-factor is turned on. */
export function RecoveryCodesPage({ view, codes, continueHref }: { view: ViewContext; codes: string[]; continueHref: string }) {
  const { t } = view;
  return (
    <section aria-labelledby="recovery-title">
      <h1 id="recovery-title">{t('twofactor:codes.title')}</h1>
      <Alert kind="success">{t('twofactor:codes.enabled')}</Alert>
      <p>{t('twofactor:codes.intro')}</p>
      <ul class="recovery-codes" aria-label={t('twofactor:codes.label')}>
        {codes.map((code) => (
          <li>
            <code>{code}</code>
          </li>
        ))}
      </ul>
      <p>
        <a class="button" href={continueHref}>
          {t('twofactor:codes.continue')}
        </a>
      </p>
    </section>
  );
}
