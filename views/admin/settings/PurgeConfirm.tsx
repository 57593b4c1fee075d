import { fieldLabel, moduleLabel } from '../../../src/crm/metadata.js';
import type { Field, Module } from '../../../src/db/schema.js';
import type { ViewContext } from '../../../src/http/env.js';
import { Alert } from '../../components/Alert.js';
import { SETTINGS_BASE } from './ModuleList.js';

/** Purging cannot be undone: the page says how many records lose a value before the button does it. */
export function PurgeConfirm({ view, module, field, holding }: { view: ViewContext; module: Module; field: Field; holding: number }) {
  const { t, lang, fmt } = view;
  const base = `${SETTINGS_BASE}/${module.api_name}`;
  const name = fieldLabel(t, lang, field);
  return (
    <section>
      <p>
        <a href={base}>← {moduleLabel(t, lang, module, 'plural')}</a>
      </p>
      <h1>{t('settings:purge.title', { name })}</h1>
      <Alert kind="error">{t('settings:purge.warning', { count: holding, formatted: fmt.number(holding) })}</Alert>
      <form method="post" action={`${base}/fields/${field.id}/purge`} class="form-actions">
        <button type="submit" class="button danger">
          {t('settings:purge.confirm')}
        </button>
        <a class="button secondary" href={base}>
          {t('common:cancel')}
        </a>
      </form>
    </section>
  );
}
