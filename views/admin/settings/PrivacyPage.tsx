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
      <h1>{t('access:privacy.title')}</h1>
      {saved && <Alert kind="success">{t('access:privacy.saved')}</Alert>}
      <p>{t('access:privacy.intro')}</p>
      <h2>{t('access:privacy.recordsTitle')}</h2>
      <p>{t('access:privacy.records')}</p>
      <ul>
        <li>{t('access:privacy.basis')}</li>
        <li>{t('access:privacy.consent')}</li>
        <li>{t('access:privacy.stop')}</li>
      </ul>
      <h2>{t('access:privacy.switchTitle')}</h2>
      <p>
        <strong>{t(gdprEnabled ? 'access:privacy.stateOn' : 'access:privacy.stateOff')}</strong>
      </p>
      <form method="post" action={PRIVACY_PATH}>
        <div class="field checkbox">
          <input type="checkbox" id="gdpr" name="gdpr" value="on" checked={gdprEnabled} aria-describedby="gdpr-hint" />{' '}
          <label for="gdpr">{t('access:privacy.switch')}</label>
          <p class="hint" id="gdpr-hint">
            {t('access:privacy.switchHint')}
          </p>
        </div>
        <button type="submit" class="button">
          {t('common:save')}
        </button>
      </form>
    </section>
  );
}
