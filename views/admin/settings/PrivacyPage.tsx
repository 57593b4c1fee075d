import type { ViewContext } from '../../../src/http/env.js';
import { Alert } from '../../components/Alert.js';
import { TextField } from '../../components/Field.js';

export const PRIVACY_PATH = '/admin/settings/privacy';

/** The organization's GDPR switch, with what it stands for. */
export function PrivacyPage({
  view,
  gdprEnabled,
  contact,
  contactError,
  saved,
}: {
  view: ViewContext;
  gdprEnabled: boolean;
  contact: string;
  contactError?: string | undefined;
  saved: boolean;
}) {
  const { t } = view;
  return (
    <section>
      <p>
        <a href="/admin/settings">← {t('access:backToSettings')}</a>
      </p>
      <h1>{t('privacy:settings.title')}</h1>
      {saved && <Alert kind="success">{t('privacy:settings.saved')}</Alert>}
      <p>{t('privacy:settings.intro')}</p>
      <h2>{t('privacy:settings.recordsTitle')}</h2>
      <p>{t('privacy:settings.records')}</p>
      <ul>
        <li>{t('privacy:settings.basis')}</li>
        <li>{t('privacy:settings.consent')}</li>
        <li>{t('privacy:settings.stop')}</li>
      </ul>
      <h2>{t('privacy:settings.switchTitle')}</h2>
      <p>
        <strong>{t(gdprEnabled ? 'privacy:settings.stateOn' : 'privacy:settings.stateOff')}</strong>
      </p>
      <form method="post" action={PRIVACY_PATH}>
        <div class="field checkbox">
          <input type="checkbox" id="gdpr" name="gdpr" value="on" checked={gdprEnabled} aria-describedby="gdpr-hint" />{' '}
          <label for="gdpr">{t('privacy:settings.switch')}</label>
          <p class="hint" id="gdpr-hint">
            {t('privacy:settings.switchHint')}
          </p>
        </div>
        <h2>{t('privacy:settings.contactTitle')}</h2>
        <TextField
          name="contact"
          type="email"
          label={t('privacy:settings.contact')}
          hint={t('privacy:settings.contactHint')}
          value={contact}
          error={contactError}
          autocomplete="email"
          maxlength={254}
        />
        <p>
          <a href="/admin/privacy/requests">{t('admin:nav.privacy')}</a>
        </p>
        <button type="submit" class="button">
          {t('common:save')}
        </button>
      </form>
    </section>
  );
}
