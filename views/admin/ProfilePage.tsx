import type { ViewContext } from '../../src/http/env.js';
import { timeZoneOptions } from '../../src/i18n/format.js';
import type { FieldErrors } from '../../src/org/setup-input.js';
import { Alert } from '../components/Alert.js';
import { SelectField } from '../components/Field.js';
import { languageOptions, timeFormatOptions } from './SetupPage.js';

export type ProfileValues = { language: string; timeZone: string; timeFormat: string };

/** The signed-in staff user's own preferences; empty means "the organization's default". */
export function ProfilePage({ view, values, errors, saved }: { view: ViewContext; values: ProfileValues; errors: FieldErrors; saved: boolean }) {
  const { t } = view;
  const err = (name: string) => (errors[name] ? t(errors[name]) : undefined);
  const orgDefault = { value: '', label: t('admin:profile.orgDefault') };
  return (
    <section>
      <h1>{t('admin:profile.title')}</h1>
      <p>{t('admin:profile.intro')}</p>
      {saved && <Alert kind="success">{t('admin:profile.saved')}</Alert>}
      {Object.keys(errors).length > 0 && <Alert kind="error">{t('errors:formHasErrors')}</Alert>}
      <form method="post" action="/admin/profile">
        <SelectField
          name="language"
          label={t('setup:defaultLanguage')}
          options={[orgDefault, ...languageOptions(view)]}
          value={values.language}
          error={err('language')}
        />
        <SelectField
          name="timeZone"
          label={t('setup:timeZone')}
          options={[orgDefault, ...timeZoneOptions(values.timeZone || undefined)]}
          value={values.timeZone}
          error={err('timeZone')}
        />
        <SelectField
          name="timeFormat"
          label={t('setup:timeFormat')}
          options={[orgDefault, ...timeFormatOptions(view)]}
          value={values.timeFormat}
          error={err('timeFormat')}
        />
        <button type="submit" class="button">
          {t('common:save')}
        </button>
      </form>
      <h2>{t('twofactor:settings.title')}</h2>
      <p>
        <a href="/admin/profile/two-factor">{t('twofactor:settings.manage')}</a>
      </p>
    </section>
  );
}
