import type { ViewContext } from '../../../src/http/env.js';
import { Alert } from '../../components/Alert.js';

export const PRIVACY_PATH = '/admin/settings/privacy';

/** The organization's GDPR switch, with what it stands for. */
export function PrivacyPage({ view, gdprEnabled, saved }: { view: ViewContext; gdprEnabled: boolean; saved: boolean }) {
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
        <button type="submit" class="button">
          {t('common:save')}
        </button>
      </form>
    </section>
  );
}
