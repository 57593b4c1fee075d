import type { ViewContext } from '../../src/http/env.js';
import type { WebTab } from '../../src/portals/web-tabs.js';

/** A web tab opens an outside page; the portal links to it rather than framing it. */
export function WebTabPage({ view, tab }: { view: ViewContext; tab: WebTab }) {
  const { t } = view;
  return (
    <section aria-labelledby="webtab-title">
      <h1 id="webtab-title">{tab.name}</h1>
      <p>{t('portal:webTab.intro')}</p>
      <p>
        <a class="button" href={tab.url} rel="noopener noreferrer" target="_blank">
          {t('portal:webTab.open', { name: tab.name })}
        </a>
      </p>
    </section>
  );
}
