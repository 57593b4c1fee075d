import { moduleLabel } from '../../../src/crm/metadata.js';
import type { Module } from '../../../src/db/schema.js';
import type { ViewContext } from '../../../src/http/env.js';

export function ModuleIndex({ view, modules }: { view: ViewContext; modules: Module[] }) {
  const { t, lang } = view;
  return (
    <section>
      <h1>{t('crm:modules.title')}</h1>
      <ul class="module-grid">
        {modules.map((m) => (
          <li>
            <a class="card module-card" href={`/admin/m/${m.api_name}`}>
              {moduleLabel(t, lang, m, 'plural')}
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}
