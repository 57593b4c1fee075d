import { moduleLabel } from '../../../src/crm/metadata.js';
import type { Module } from '../../../src/db/schema.js';
import type { ViewContext } from '../../../src/http/env.js';

export const SETTINGS_BASE = '/admin/settings/modules';

/** Every module, standard and custom, with a way into its fields and layouts. */
export function ModuleList({ view, modules }: { view: ViewContext; modules: Module[] }) {
  const { t, lang } = view;
  return (
    <section>
      <p>
        <a href="/admin/settings">← {t('settings:index.title')}</a>
      </p>
      <div class="page-head">
        <h1>{t('settings:modules.title')}</h1>
        <a class="button" href={`${SETTINGS_BASE}/new`}>
          {t('settings:modules.new')}
        </a>
      </div>
      <p>{t('settings:modules.intro')}</p>
      <div class="table-wrap">
        <table>
          <caption class="visually-hidden">{t('settings:modules.title')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('settings:modules.name')}</th>
              <th scope="col">{t('settings:apiName')}</th>
              <th scope="col">{t('settings:modules.kind')}</th>
              <th scope="col">{t('settings:sharing.label')}</th>
            </tr>
          </thead>
          <tbody>
            {modules.map((m) => (
              <tr>
                <td>
                  <a href={`${SETTINGS_BASE}/${m.api_name}`}>{moduleLabel(t, lang, m, 'plural')}</a>
                </td>
                <td>
                  <code>{m.api_name}</code>
                </td>
                <td>{t(`settings:kinds.${m.kind}`)}</td>
                <td>{t(`settings:sharing.${m.sharing}`)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
