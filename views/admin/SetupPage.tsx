import type { ViewContext } from '../../src/http/env.js';
import { COUNTRY_CODES, timeZoneOptions } from '../../src/i18n/format.js';
import { LANGUAGES } from '../../src/i18n/languages.js';
import type { FieldErrors } from '../../src/org/setup-input.js';
import { Alert } from '../components/Alert.js';
import { type Option, SelectField, TextField } from '../components/Field.js';
import { PasswordFields } from '../components/PasswordFields.js';

export type SetupPageProps = { values: Record<string, string>; errors: FieldErrors };

export function countryOptions(view: ViewContext): Option[] {
  return COUNTRY_CODES.map((code) => ({ value: code, label: view.fmt.countryName(code) })).sort((a, b) => a.label.localeCompare(b.label, view.lang));
}

export function languageOptions(view: ViewContext): Option[] {
  return LANGUAGES.map((l) => ({ value: l, label: view.fmt.languageName(l) }));
}

export function timeFormatOptions(view: ViewContext): Option[] {
  return [
    { value: '24h', label: view.t('common:timeFormat.24h') },
    { value: '12h', label: view.t('common:timeFormat.12h') },
  ];
}

export function SetupPage({ view, values, errors }: SetupPageProps & { view: ViewContext }) {
  const { t } = view;
  const err = (name: string) => (errors[name] ? t(errors[name]) : undefined);
  const hasErrors = Object.keys(errors).length > 0;
  return (
    <section>
      <h1>{t('setup:title')}</h1>
      <p>{t('setup:intro')}</p>
      {hasErrors && <Alert kind="error">{t('errors:formHasErrors')}</Alert>}
      <form method="post" action="/setup" novalidate>
        <fieldset>
          <legend>{t('setup:orgSection')}</legend>
          <TextField name="orgName" label={t('setup:orgName')} value={values.orgName} error={err('orgName')} required autocomplete="organization" />
          <TextField
            name="emailDomains"
            label={t('setup:emailDomains')}
            hint={t('setup:emailDomainsHint')}
            value={values.emailDomains}
            error={err('emailDomains')}
          />
          <SelectField
            name="defaultLanguage"
            label={t('setup:defaultLanguage')}
            options={languageOptions(view)}
            value={values.defaultLanguage ?? view.lang}
            error={err('defaultLanguage')}
            required
          />
          <SelectField
            name="timeZone"
            label={t('setup:timeZone')}
            options={timeZoneOptions(values.timeZone)}
            value={values.timeZone ?? 'UTC'}
            error={err('timeZone')}
            required
          />
          <SelectField
            name="timeFormat"
            label={t('setup:timeFormat')}
            options={timeFormatOptions(view)}
            value={values.timeFormat ?? '24h'}
            error={err('timeFormat')}
            required
          />
          <SelectField name="country" label={t('setup:country')} options={countryOptions(view)} value={values.country} error={err('country')} required />
        </fieldset>
        <fieldset>
          <legend>{t('setup:adminSection')}</legend>
          <TextField name="adminName" label={t('setup:adminName')} value={values.adminName} error={err('adminName')} required autocomplete="name" />
          <TextField
            name="adminEmail"
            type="email"
            label={t('setup:adminEmail')}
            value={values.adminEmail}
            error={err('adminEmail')}
            required
            autocomplete="email"
          />
          <PasswordFields
            label={t('setup:password')}
            confirmLabel={t('setup:passwordConfirm')}
            hint={t('auth:passwordRules')}
            errors={{ password: err('password'), passwordConfirm: err('passwordConfirm') }}
          />
        </fieldset>
        <button type="submit" class="button">
          {t('setup:submit')}
        </button>
      </form>
    </section>
  );
}
