import type { ViewContext } from '../../../src/http/env.js';
import type { WebTab, WebTabErrors } from '../../../src/portals/web-tabs.js';
import { Alert } from '../../components/Alert.js';
import { TextField } from '../../components/Field.js';

export type WebTabsPageProps = {
  view: ViewContext;
  base: string;
  typeName: string;
  portalName: string;
  tabs: WebTab[];
  values: { name?: string | undefined; url?: string | undefined };
  errors: WebTabErrors;
};

/** The outside pages a user type's portal shows as tabs. */
export function WebTabsPage({ view, base, typeName, portalName, tabs, values, errors }: WebTabsPageProps) {
  const { t } = view;
  const err = (k: string) => (errors[k] ? t(errors[k]) : undefined);
  return (
    <section>
      <h1>{t('portalconfig:webTabs.title', { type: typeName, portal: portalName })}</h1>
      <p>{t('portalconfig:webTabs.intro')}</p>
      {tabs.length === 0 ? (
        <Alert kind="info">{t('portalconfig:webTabs.none')}</Alert>
      ) : (
        <ul class="web-tabs">
          {tabs.map((tab) => (
            <li>
              <strong>{tab.name}</strong> —{' '}
              <a href={tab.url} rel="noopener noreferrer" target="_blank">
                {tab.url}
              </a>{' '}
              <form method="post" action={`${base}/${tab.id}/remove`} class="inline-form">
                <button type="submit" class="button secondary small">
                  {t('portalconfig:webTabs.remove')}
                  <span class="visually-hidden">: {tab.name}</span>
                </button>
              </form>
            </li>
          ))}
        </ul>
      )}
      <form method="post" action={base} class="card">
        <h2>{t('portalconfig:webTabs.add')}</h2>
        {Object.keys(errors).length > 0 && <Alert kind="error">{t('errors:formHasErrors')}</Alert>}
        <TextField name="name" label={t('portalconfig:webTabs.name')} value={values.name} error={err('name')} required />
        <TextField
          name="url"
          type="url"
          label={t('portalconfig:webTabs.url')}
          hint={t('portalconfig:webTabs.urlHint')}
          value={values.url}
          error={err('url')}
          required
        />
        <button type="submit" class="button">
          {t('portalconfig:webTabs.add')}
        </button>
      </form>
    </section>
  );
}
