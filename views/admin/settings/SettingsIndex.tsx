import type { ViewContext } from '../../../src/http/env.js';

export type SettingsEntry = { href: string; titleKey: string; descriptionKey: string };

/** The administrator's settings, one card per area. */
export function SettingsIndex({ view, entries }: { view: ViewContext; entries: readonly SettingsEntry[] }) {
  const { t } = view;
  return (
    <section>
      <h1>{t('settings:index.title')}</h1>
      <p>{t('settings:index.intro')}</p>
      <ul class="module-grid">
        {entries.map((e) => (
          <li class="card">
            <h2>
              <a href={e.href}>{t(e.titleKey)}</a>
            </h2>
            <p>{t(e.descriptionKey)}</p>
          </li>
        ))}
      </ul>
    </section>
  );
}
