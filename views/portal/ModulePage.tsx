import type { StoredValue } from '../../src/crm/field-types.js';
import { fieldLabel, moduleLabel } from '../../src/crm/metadata.js';
import type { Field } from '../../src/db/schema.js';
import type { ViewContext } from '../../src/http/env.js';
import type { PortalList, PortalRow } from '../../src/portals/portal-pages.js';
import { Alert } from '../components/Alert.js';
import { FieldValue } from '../components/FieldValue.js';

export type ModulePageProps = {
  view: ViewContext;
  list: PortalList;
  /** The module's address in this portal, /p/:slug/m/:module (or the preview's). */
  href: string;
  currency: string;
  /** After a delete: the record went to the recycle bin. */
  notice?: 'deleted' | undefined;
};

/** A portal tab: the records in the user's scope as a list or as cards, with only the fields they may see. */
export function ModulePage({ view, list, href, currency, notice }: ModulePageProps) {
  const { t, lang } = view;
  const plural = moduleLabel(t, lang, list.meta.module, 'plural');
  return (
    <section class="portal-module" aria-labelledby="module-title">
      {notice && <Alert kind="success">{t(`portal:recordNotice.${notice}`)}</Alert>}
      <div class="page-head">
        <h1 id="module-title">{plural}</h1>
        {list.actions.create && (
          <a class="button" href={`${href}/new`}>
            {t('portal:list.new', { module: moduleLabel(t, lang, list.meta.module, 'singular') })}
          </a>
        )}
      </div>
      <p class="muted" id="module-count">
        {t('portal:list.count', { count: list.total })}
      </p>
      {list.rows.length === 0 ? (
        <p>{t('portal:list.empty')}</p>
      ) : list.card ? (
        <Cards view={view} list={list} href={href} currency={currency} />
      ) : (
        <Table view={view} list={list} href={href} currency={currency} />
      )}
      {list.next && (
        <nav class="pagination" aria-label={t('portal:list.pages')}>
          <a href={`${href}?after=${encodeURIComponent(list.next)}`} rel="next">
            {t('portal:list.next')}
          </a>
        </nav>
      )}
    </section>
  );
}

function value(view: ViewContext, list: PortalList, row: PortalRow, field: Field, currency: string) {
  return (
    <FieldValue
      view={view}
      field={field}
      value={row.data[field.api_name] as StoredValue | undefined}
      names={list.names}
      currency={currency}
      children={list.meta.children.get(field.id)}
    />
  );
}

function Table({ view, list, href, currency }: ModulePageProps) {
  const { t, lang } = view;
  const [first, ...rest] = list.columns;
  // Its own horizontal scroll on a phone: a wide table never widens the page.
  return (
    <div class="table-wrap">
      <table class="records">
        <caption class="visually-hidden">{moduleLabel(t, lang, list.meta.module, 'plural')}</caption>
        <thead>
          <tr>
            <th scope="col">{first ? fieldLabel(t, lang, first) : t('portal:list.name')}</th>
            {rest.map((f) => (
              <th scope="col">{fieldLabel(t, lang, f)}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {list.rows.map((row) => (
            <tr>
              <th scope="row">
                <a href={`${href}/${row.id}`}>{first ? value(view, list, row, first, currency) : t('portal:list.open')}</a>
              </th>
              {rest.map((f) => (
                <td>{value(view, list, row, f, currency)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Cards({ view, list, href, currency }: ModulePageProps) {
  const { t } = view;
  const card = list.card;
  const field = (id: string | null) => (id ? list.meta.byId.get(id) : undefined);
  const title = field(card?.titleFieldId ?? null);
  const badge = field(card?.badgeFieldId ?? null);
  const subtitles = (card?.subtitleFieldIds ?? []).map((id) => field(id)).filter((f): f is Field => f !== undefined);
  return (
    <ul class="cards canvas">
      {list.rows.map((row) => (
        <li class="card">
          <h2>
            <a href={`${href}/${row.id}`}>{title ? value(view, list, row, title, currency) : t('portal:list.open')}</a>
          </h2>
          {badge && row.data[badge.api_name] !== undefined && <p class="badge">{value(view, list, row, badge, currency)}</p>}
          {subtitles.map((f) => (
            <p class="muted">
              <span class="visually-hidden">{fieldLabel(t, view.lang, f)}: </span>
              {value(view, list, row, f, currency)}
            </p>
          ))}
        </li>
      ))}
    </ul>
  );
}
