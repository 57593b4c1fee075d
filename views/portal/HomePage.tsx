import { fieldLabel, moduleLabel, picklistValueLabel } from '../../src/crm/metadata.js';
import type { IndicatorResult } from '../../src/dashboards/indicators.js';
import type { ViewContext } from '../../src/http/env.js';
import type { PortalHome } from '../../src/portals/portal-home.js';
import type { PortalNav } from '../../src/portals/portal-nav.js';
import { type Bar, BarChart } from '../components/charts/BarChart.js';

export type HomePageProps = {
  view: ViewContext;
  home: PortalHome;
  nav: PortalNav;
  /** The portal's base address, /p/:slug (or the preview's). */
  base: string;
  portalName: string;
  userName: string | undefined;
  indicators: IndicatorResult[];
  currency: string;
};

/** A portal's first page: a welcome, the tabs as tiles with their counts, and what changed last. */
export function HomePage({ view, home, nav, base, portalName, userName, indicators, currency }: HomePageProps) {
  const { t, lang, fmt } = view;
  return (
    <section class="portal-home" aria-labelledby="home-title">
      <h1 id="home-title">{userName ? t('portal:home.welcomeNamed', { name: userName }) : t('portal:home.welcome')}</h1>
      <p class="muted">{t('portal:home.intro', { portal: portalName })}</p>
      <ul class="tiles">
        {home.tiles.map((tile) => (
          <li>
            <a class="tile" href={`${base}/m/${tile.module.api_name}`}>
              <span class="tile-label">{moduleLabel(t, lang, tile.module, 'plural', tile.tab.labels)}</span>
              <span class="tile-count">
                {tile.capped ? t('portal:list.countCapped', { formatted: fmt.number(tile.count) }) : t('portal:list.count', { count: tile.count })}
              </span>
            </a>
          </li>
        ))}
        {nav.webTabs.map((w) => (
          <li>
            <a class="tile" href={`${base}/tabs/${w.id}`}>
              <span class="tile-label">{w.name}</span>
              <span class="tile-count">{t('portal:home.webTab')}</span>
            </a>
          </li>
        ))}
      </ul>
      {indicators.length > 0 && (
        <section class="dashboards" aria-label={t('portal:dashboards.label')}>
          {indicators.map((i) => (
            <BarChart view={view} id={`indicator-${i.id}`} title={indicatorTitle(view, i)} bars={barsOf(view, i, currency)} />
          ))}
        </section>
      )}
      <h2>{t('portal:home.recent')}</h2>
      {home.recent.length === 0 ? (
        <p>{t('portal:list.empty')}</p>
      ) : (
        <ul class="recent">
          {home.recent.map((r) => (
            <li>
              <a href={`${base}/m/${r.module.api_name}/${r.id}`}>{r.name || moduleLabel(t, lang, r.module, 'singular')}</a>{' '}
              <span class="muted">
                · {moduleLabel(t, lang, r.module, 'singular')} ·{' '}
                <time datetime={r.updatedAt.toISOString()}>{t('portal:home.changed', { when: fmt.dateTime(r.updatedAt) })}</time>
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** "Deals by stage", "Amount of deals by owner". */
function indicatorTitle(view: ViewContext, i: IndicatorResult): string {
  const { t, lang } = view;
  const module = moduleLabel(t, lang, i.module, 'plural');
  const group = i.groupField ? fieldLabel(t, lang, i.groupField) : t('portal:dashboards.owner');
  return i.measure === 'sum' && i.sumField
    ? t('portal:dashboards.sumTitle', { field: fieldLabel(t, lang, i.sumField), module, group })
    : t('portal:dashboards.countTitle', { module, group });
}

function barsOf(view: ViewContext, i: IndicatorResult, currency: string): Bar[] {
  const { t, lang, fmt } = view;
  return i.groups.map((g) => ({
    label: i.groupField ? picklistValueLabel(t, lang, i.groupField, g.key) : (g.label ?? t('portal:dashboards.noOwner')),
    value: g.value,
    shown: i.measure === 'sum' ? fmt.currency(g.value, currency) : fmt.number(g.value),
  }));
}
