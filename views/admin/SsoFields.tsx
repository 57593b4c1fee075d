import type { ViewContext } from '../../src/http/env.js';
import type { ProviderErrors } from '../../src/sso/provider.js';
import { TextField } from '../components/Field.js';

// The parts every single sign-on settings form has, for a portal or for
// staff: the redirect URIs to register, the on/off switch, and the provider's
// fields (the client secret write-only).

export type ProviderValues = { enabled: boolean; issuer: string; clientId: string; hasSecret: boolean; scopes: string };

/** Every address to register at the provider as the client's redirect (callback) URI. */
export function RedirectUris({ view, uris }: { view: ViewContext; uris: string[] }) {
  const { t } = view;
  return (
    <dl class="details sso-redirect">
      <dt>{t('sso:settings.redirectUris')}</dt>
      <dd>
        <ul id="sso-redirect-uris">
          {uris.map((uri) => (
            <li>
              <code>{uri}</code>
            </li>
          ))}
        </ul>
        <p class="hint">{t('sso:settings.redirectUrisHint', { count: uris.length })}</p>
      </dd>
    </dl>
  );
}

/** The switch, the issuer, the client id and secret, and the scopes. */
export function ProviderFields({
  view,
  values,
  errors,
  enabledHint,
}: {
  view: ViewContext;
  values: ProviderValues;
  errors: ProviderErrors;
  enabledHint: string;
}) {
  const { t } = view;
  const say = (key: string | undefined) => (key ? t(`sso:errors.${key}`) : undefined);
  return (
    <>
      <Checkbox name="enabled" label={t('sso:settings.enabled')} hint={enabledHint} checked={values.enabled} />
      <TextField
        name="issuer"
        type="url"
        label={t('sso:settings.issuer')}
        value={values.issuer}
        hint={t('sso:settings.issuerHint')}
        error={say(errors.issuer)}
        required
        autocomplete="off"
      />
      <TextField name="clientId" label={t('sso:settings.clientId')} value={values.clientId} error={say(errors.clientId)} required autocomplete="off" />
      <TextField
        name="clientSecret"
        type="password"
        label={t('sso:settings.clientSecret')}
        hint={values.hasSecret ? t('sso:settings.clientSecretKept') : t('sso:settings.clientSecretHint')}
        error={say(errors.clientSecret)}
        required={!values.hasSecret}
        autocomplete="new-password"
      />
      <TextField name="scopes" label={t('sso:settings.scopes')} value={values.scopes} hint={t('sso:settings.scopesHint')} error={say(errors.scopes)} required />
    </>
  );
}

export function Checkbox({ name, label, hint, checked, error }: { name: string; label: string; hint: string; checked: boolean; error?: string | undefined }) {
  return (
    <div class={error ? 'field checkbox has-error' : 'field checkbox'}>
      <input
        type="checkbox"
        id={name}
        name={name}
        value="on"
        checked={checked}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={error ? `${name}-hint ${name}-error` : `${name}-hint`}
      />{' '}
      <label for={name}>{label}</label>
      <p class="hint" id={`${name}-hint`}>
        {hint}
      </p>
      {error && (
        <p class="field-error" id={`${name}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}
