import type { ViewContext } from '../../../src/http/env.js';
import type { SsoErrors, SsoSettings } from '../../../src/sso/settings.js';
import { Alert } from '../../components/Alert.js';
import { Checkbox, ProviderFields, RedirectUris } from '../SsoFields.js';
import { PORTALS_PATH } from './messages.js';

export const ssoSettingsPath = (portalId: string) => `${PORTALS_PATH}/${portalId}/sso`;

export type SsoSettingsPageProps = {
  view: ViewContext;
  portal: { id: string; name: string };
  /** What the form shows: the saved settings, or what was typed (never a secret). */
  values: SsoSettings;
  /** The addresses to register at the provider: Porta's, and the portal's own host name's when it has one. */
  redirectUris: string[];
  /** false: APP_KEY is not set, nothing can be saved. */
  canSave: boolean;
  errors?: SsoErrors | undefined;
  /** A refusal of the whole form (no application key). */
  error?: string | undefined;
  notice?: string | undefined;
};

/** A portal's single sign-on: its OpenID Connect provider, the client, and which ways in stay open. */
export function SsoSettingsPage({ view, portal, values, redirectUris, canSave, errors = {}, error, notice }: SsoSettingsPageProps) {
  const { t } = view;
  const failed = Object.keys(errors).length > 0;
  return (
    <section>
      <p>
        <a href={`${PORTALS_PATH}/${portal.id}`}>← {t('portals:backTo', { name: portal.name })}</a>
      </p>
      <h1>{t('sso:settings.title', { portal: portal.name })}</h1>
      <p>{t('sso:settings.intro')}</p>
      {notice && <Alert kind="success">{notice}</Alert>}
      {error && <Alert kind="error">{error}</Alert>}
      {!canSave && !error && <Alert kind="warning">{t('sso:settings.noKey')}</Alert>}
      {failed && <Alert kind="error">{t('sso:settings.notSaved')}</Alert>}
      <RedirectUris view={view} uris={redirectUris} />
      <form method="post" action={ssoSettingsPath(portal.id)}>
        <ProviderFields view={view} values={values} errors={errors} enabledHint={t('sso:settings.enabledHint')} />
        <Checkbox
          name="passwordSignIn"
          label={t('sso:settings.passwordSignIn')}
          hint={t('sso:settings.passwordSignInHint')}
          checked={values.passwordSignIn}
          error={errors.passwordSignIn ? t(`sso:errors.${errors.passwordSignIn}`) : undefined}
        />
        <Checkbox name="signupAllowed" label={t('sso:settings.signupAllowed')} hint={t('sso:settings.signupAllowedHint')} checked={values.signupAllowed} />
        <div class="form-actions">
          <button type="submit" class="button" disabled={!canSave}>
            {t('sso:settings.save')}
          </button>
        </div>
      </form>
    </section>
  );
}
