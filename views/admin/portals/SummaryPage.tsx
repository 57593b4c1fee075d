import { fieldLabel, labelOf, moduleLabel } from '../../../src/crm/metadata.js';
import type { ViewContext } from '../../../src/http/env.js';
import { portalPublicUrl } from '../../../src/portals/branding.js';
import { PREVIEW_PATH } from '../../../src/portals/preview.js';
import type { PortalSummary, SummaryTab, SummaryType } from '../../../src/portals/summary.js';
import { PORTALS_PATH } from './messages.js';
import { PortalAddress } from './PortalAddress.js';
import { SetupSteps } from './SetupSteps.js';
import { SignInSummaryCard } from './SignInSummary.js';

/** The finish step: what each user type of the portal sees, every part with its edit link, and the previews. */
export function SummaryPage({ view, summary, baseUrl }: { view: ViewContext; summary: PortalSummary; baseUrl: string }) {
  const { t } = view;
  const { portal } = summary;
  const first = summary.types[0];
  return (
    <section>
      <SetupSteps view={view} current="finish" at={{ portalId: portal.id, typeId: first?.type.id, baseModule: first?.type.baseModule.api_name }} />
      <h1>{t('portalsteps:summary.title', { name: portal.name })}</h1>
      <p>{t('portalsteps:summary.intro')}</p>
      <section class="card" aria-labelledby="summary-portal">
        <h2 id="summary-portal">{t('portalsteps:names.portal')}</h2>
        <dl class="details">
          <dt>{t('portals:name.label')}</dt>
          <dd>{portal.name}</dd>
        </dl>
        <PortalAddress view={view} url={portalPublicUrl(baseUrl, portal)} id="portal-address" />
        {summary.oldSlugs.length > 0 && (
          <p class="hint">
            {t('portals:slug.oldSlugs')} {summary.oldSlugs.map((s) => portalPublicUrl(baseUrl, { slug: s, domain: null })).join(', ')}
          </p>
        )}
        <p>
          <a href={`${PORTALS_PATH}/${portal.id}`}>
            {t('portalsteps:summary.edit')}
            <span class="visually-hidden">: {t('portalsteps:names.portal')}</span>
          </a>
        </p>
      </section>
      <SignInSummaryCard view={view} portalId={portal.id} s={summary.signIn} />
      {summary.types.map((s) => (
        <TypeSummary view={view} portalId={portal.id} s={s} />
      ))}
    </section>
  );
}

function TypeSummary({ view, portalId, s }: { view: ViewContext; portalId: string; s: SummaryType }) {
  const { t, lang, fmt } = view;
  const { type } = s;
  const headingId = `type-${type.id}`;
  return (
    <section class="card summary-type" aria-labelledby={headingId}>
      <h2 id={headingId}>{type.name}</h2>
      <dl class="details">
        <dt>{t('portals:types.baseModule')}</dt>
        <dd>{moduleLabel(t, lang, type.baseModule, 'plural')}</dd>
        <dt>{t('portalsteps:summary.licences')}</dt>
        <dd>
          {t('portalsteps:summary.licenceCounts', {
            active: fmt.number(type.counts.active),
            invited: fmt.number(type.counts.invited),
            deactivated: fmt.number(type.counts.deactivated),
            limit: fmt.number(type.user_limit),
          })}
        </dd>
      </dl>
      <p class="actions">
        <a href={`${PORTALS_PATH}/${portalId}/types/${type.id}`}>
          {t('portalsteps:summary.editType')}
          <span class="visually-hidden">: {type.name}</span>
        </a>
        <a href={`/admin/settings/portals/types/${type.id}/tabs`}>
          {t('portalsteps:summary.editTabs')}
          <span class="visually-hidden">: {type.name}</span>
        </a>
        <a href={`/admin/settings/portals/types/${type.id}/web-tabs`}>
          {t('portalsteps:summary.editWebTabs')}
          <span class="visually-hidden">: {type.name}</span>
        </a>
        <a class="button" href={`${PREVIEW_PATH}?type=${type.id}`}>
          {t('portalsteps:summary.preview', { type: type.name })}
        </a>
      </p>
      {s.tabs.length === 0 ? (
        <p>{t('portalsteps:summary.noTabs')}</p>
      ) : (
        <table>
          <caption>{t('portalsteps:summary.tabsCaption', { type: type.name })}</caption>
          <thead>
            <tr>
              <th scope="col">{t('portalsteps:summary.module')}</th>
              <th scope="col">{t('portaltabs:permissions')}</th>
              <th scope="col">{t('portaltabs:viewMode')}</th>
              <th scope="col">{t('portaltabs:filterBy')}</th>
              <th scope="col">{t('portalsteps:summary.fields')}</th>
            </tr>
          </thead>
          <tbody>
            {s.tabs.map((tab) => (
              <TabRow view={view} typeId={type.id} tab={tab} />
            ))}
          </tbody>
        </table>
      )}
      {s.webTabs.length > 0 && (
        <p>
          {t('portalsteps:summary.webTabs')} {s.webTabs.map((w) => w.name).join(', ')}
        </p>
      )}
    </section>
  );
}

function TabRow({ view, typeId, tab }: { view: ViewContext; typeId: string; tab: SummaryTab }) {
  const { t, lang } = view;
  const perms = (['view', 'create', 'edit', 'delete'] as const).filter((p) => tab.tab[`can_${p}`]).map((p) => t(`portaltabs:perm.${p}`));
  return (
    <tr>
      <th scope="row">
        {moduleLabel(t, lang, tab.module, 'plural')} <span class="hint">({t(`portaltabs:kind.${tab.tab.kind}`)})</span>
      </th>
      <td>{perms.join(', ') || t('portalsteps:summary.none')}</td>
      <td>{t(`portaltabs:mode.${tab.tab.view_mode}`)}</td>
      <td>
        {tab.filterField ? fieldLabel(t, lang, tab.filterField) : '—'}
        {tab.tab.kind === 'related' && tab.tab.reach === 'company' && <p class="hint">{t('portaltabs:reach.company')}</p>}
      </td>
      <td>
        {tab.layouts.map((l) => (
          <p>
            <strong>{labelOf(t, lang, l.layout, l.layout.api_name)}:</strong>{' '}
            {l.visible.length === 0
              ? t('portalsteps:summary.noFields')
              : l.visible.map((f, i) => [i > 0 ? ', ' : '', fieldLabel(t, lang, f), l.readOnly.includes(f) ? ` (${t('portal:record.readOnly')})` : ''])}{' '}
            <a href={`/admin/settings/portals/types/${typeId}/fields/${tab.module.api_name}?layout=${l.layout.id}`}>
              {t('portalsteps:summary.edit')}
              <span class="visually-hidden">
                : {moduleLabel(t, lang, tab.module, 'plural')}, {labelOf(t, lang, l.layout, l.layout.api_name)}
              </span>
            </a>
          </p>
        ))}
      </td>
    </tr>
  );
}
