import type { ViewContext } from '../../../src/http/env.js';
import type { ProviderErrors } from '../../../src/sso/provider.js';
import type { StaffSsoSettings } from '../../../src/sso/staff-settings.js';
import { Alert } from '../../components/Alert.js';
import { ProviderFields, RedirectUris } from '../SsoFields.js';

export const STAFF_SSO_PATH = '/admin/settings/sso';

export type StaffSsoPageProps = {
  view: ViewContext;
  /** What the form shows: the saved settings, or what was typed (never a secret). */
  values: StaffSsoSettings;
  redirectUri: string;
  /** false: APP_KEY is not set, nothing can be saved. */
  canSave: boolean;
  errors?: ProviderErrors | undefined;
  error?: string | undefined;
  notice?: string | undefined;
};

/** Staff sign-in's single sign-on: the organization's OpenID Connect provider; password sign-in always stays. */
export function StaffSsoPage({ view, values, redirectUri, canSave, errors = {}, error, notice }: StaffSsoPageProps) {
  const { t } = view;
  return (
    <section>
      <p>
        <a href="/admin/settings">← {t('settings:index.title')}</a>
      </p>
      <h1>{t('sso:staff.title')}</h1>
      <p>{t('sso:staff.intro')}</p>
      {notice && <Alert kind="success">{notice}</Alert>}
      {error && <Alert kind="error">{error}</Alert>}
      {!canSave && !error && <Alert kind="warning">{t('sso:settings.noKey')}</Alert>}
      {Object.keys(errors).length > 0 && <Alert kind="error">{t('sso:settings.notSaved')}</Alert>}
      <RedirectUris view={view} uris={[redirectUri]} />
      <form method="post" action={STAFF_SSO_PATH}>
        <ProviderFields view={view} values={values} errors={errors} enabledHint={t('sso:staff.enabledHint')} />
        <div class="form-actions">
          <button type="submit" class="button" disabled={!canSave}>
            {t('sso:settings.save')}
          </button>
        </div>
      </form>
    </section>
  );
}
