import type { PreferenceValues } from '../../../src/auth/portal-preferences.js';
import type { ViewContext } from '../../../src/http/env.js';
import { timeZoneOptions } from '../../../src/i18n/format.js';
import type { FieldErrors } from '../../../src/org/setup-input.js';
import { countryOptions, languageOptions, timeFormatOptions } from '../../admin/SetupPage.js';
import { Alert } from '../../components/Alert.js';
import { SelectField, TextField } from '../../components/Field.js';
import { NewPasswordFields } from './PasswordPages.js';

export type PreferencesFormProps = { view: ViewContext; action: string; values: PreferenceValues; errors: FieldErrors; submit: string };

/** Language, time format, time zone and country, each a plain select. */
export function PreferencesForm({ view, action, values, errors, submit }: PreferencesFormProps) {
  const { t } = view;
  const err = (name: string) => (errors[name] ? t(errors[name]) : undefined);
  return (
    <form method="post" action={action}>
      {Object.keys(errors).length > 0 && <Alert kind="error">{t('errors:formHasErrors')}</Alert>}
      <SelectField
        name="language"
        label={t('portalauth:prefs.language')}
        options={languageOptions(view)}
        value={values.language}
        error={err('language')}
        required
      />
      <SelectField
        name="timeFormat"
        label={t('portalauth:prefs.timeFormat')}
        options={timeFormatOptions(view)}
        value={values.timeFormat}
        error={err('timeFormat')}
        required
      />
      <SelectField
        name="timeZone"
        label={t('portalauth:prefs.timeZone')}
        options={timeZoneOptions(values.timeZone)}
        value={values.timeZone}
        error={err('timeZone')}
        required
      />
      <SelectField
        name="country"
        label={t('portalauth:prefs.country')}
        options={[{ value: '', label: t('portalauth:prefs.chooseCountry') }, ...countryOptions(view)]}
        value={values.country}
        error={err('country')}
        required
      />
      <button type="submit" class="button">
        {submit}
      </button>
    </form>
  );
}

/** Right after accepting the invitation: the preferences, preselected from the organization. */
export function WelcomePage({
  view,
  base,
  portalName,
  values,
  errors,
}: {
  view: ViewContext;
  base: string;
  portalName: string;
  values: PreferenceValues;
  errors: FieldErrors;
}) {
  const { t } = view;
  return (
    <section aria-labelledby="welcome-title">
      <h1 id="welcome-title">{t('portalauth:welcome.title', { portal: portalName })}</h1>
      <p>{t('portalauth:welcome.intro')}</p>
      <PreferencesForm view={view} action={`${base}/welcome`} values={values} errors={errors} submit={t('portalauth:welcome.submit')} />
    </section>
  );
}

export type PortalProfileProps = {
  view: ViewContext;
  base: string;
  email: string;
  values: PreferenceValues;
  errors: FieldErrors;
  saved: boolean;
  twoFactorOn: boolean;
  /** The password form's messages (locale keys per field). */
  securityErrors?: FieldErrors;
  notice?: 'passwordChanged' | 'signedOutElsewhere' | undefined;
};

/** The signed-in portal user's own page: preferences and two-factor sign-in. */
export function PortalProfilePage({ view, base, email, values, errors, saved, twoFactorOn, securityErrors = {}, notice }: PortalProfileProps) {
  const { t } = view;
  return (
    <section aria-labelledby="profile-title">
      <h1 id="profile-title">{t('portalauth:profile.title')}</h1>
      <p>{t('portalauth:profile.account', { email })}</p>
      {saved && <Alert kind="success">{t('portalauth:profile.saved')}</Alert>}
      <h2>{t('portalauth:profile.preferences')}</h2>
      <PreferencesForm view={view} action={`${base}/profile`} values={values} errors={errors} submit={t('common:save')} />
      {notice && <Alert kind="success">{t(`portalauth:security.${notice}`)}</Alert>}
      <h2 id="password-title">{t('portalauth:security.passwordTitle')}</h2>
      <form method="post" action={`${base}/profile/password`} aria-labelledby="password-title" novalidate>
        <TextField
          name="currentPassword"
          type="password"
          label={t('portalauth:security.current')}
          error={securityErrors.currentPassword ? t(securityErrors.currentPassword) : undefined}
          required
          autocomplete="current-password"
        />
        <NewPasswordFields view={view} errors={securityErrors} />
        <p class="hint">{t('portalauth:security.endsOthers')}</p>
        <button type="submit" class="button">
          {t('portalauth:security.change')}
        </button>
      </form>
      <h2>{t('portalauth:security.sessionsTitle')}</h2>
      <form method="post" action={`${base}/profile/sessions/end`}>
        <p>{t('portalauth:security.sessionsIntro')}</p>
        <button type="submit" class="button secondary">
          {t('portalauth:security.endOthers')}
        </button>
      </form>
      <h2>{t('twofactor:settings.title')}</h2>
      <p>{twoFactorOn ? t('twofactor:settings.on') : t('twofactor:settings.off')}</p>
      <p>
        <a href={`${base}/profile/two-factor`}>{t('twofactor:settings.manage')}</a>
      </p>
    </section>
  );
}
