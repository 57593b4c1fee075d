import type { StoredValue } from '../../src/crm/field-types.js';
import { fieldLabel, moduleLabel, picklistLabel, picklistValueLabel } from '../../src/crm/metadata.js';
import type { Field } from '../../src/db/schema.js';
import type { ViewContext } from '../../src/http/env.js';
import type { PortalList, PortalRow } from '../../src/portals/portal-list.js';
import { Alert } from '../components/Alert.js';
import { FieldValue } from '../components/FieldValue.js';
import { NextPage } from '../components/NextPage.js';

export type ModulePageProps = {
  view: ViewContext;
  list: PortalList;
  /** The module's address in this portal, /p/:slug/m/:module (or the preview's). */
  href: string;
  currency: string;
  /** After a delete: the record went to the recycle bin. */
  notice?: 'deleted' | undefined;
};

/** The list's address with some of its query changed (sorting, paging), the rest kept. */
export function listHref(href: string, query: PortalList['query'], change: Record<string, string | undefined>): string {
  const p = new URLSearchParams();
  if (query.q) p.set('q', query.q);
  for (const [k, v] of Object.entries(query.filters)) p.set(`f.${k}`, v);
  if (query.sort !== 'created' || query.dir !== 'desc') {
    p.set('sort', query.sort);
    p.set('dir', query.dir);
  }
  for (const [k, v] of Object.entries(change)) {
    if (v === undefined) p.delete(k);
    else p.set(k, v);
  }
  const qs = p.toString();
  return qs ? `${href}?${qs}` : href;
}

/** A portal tab: the records in the user's scope as a list or as cards, with only the fields they may see. */
export function ModulePage(props: ModulePageProps) {
  const { view, list, href, notice } = props;
  const { t, lang } = view;
  const plural = moduleLabel(t, lang, list.meta.module, 'plural', list.tab.labels);
  const narrowed = list.query.q !== '' || Object.keys(list.query.filters).length > 0;
  return (
    <section class="portal-module" aria-labelledby="module-title">
      {notice && <Alert kind="success">{t(`portal:recordNotice.${notice}`)}</Alert>}
      {list.refused && <Alert kind="error">{t(`portal:list.refused.${list.refused}`)}</Alert>}
      <div class="page-head">
        <h1 id="module-title">{plural}</h1>
        {list.actions.create && (
          <a class="button" href={`${href}/new`}>
            {t('portal:list.new', { module: moduleLabel(t, lang, list.meta.module, 'singular') })}
          </a>
        )}
      </div>
      {list.statusCounts && <StatusCounts {...props} />}
      <ListControls {...props} />
      <div id="portal-results" aria-live="polite">
        <p class="muted" id="module-count">
          {list.total.capped
            ? t('portal:list.countCapped', { formatted: view.fmt.number(list.total.count) })
            : narrowed
              ? t('portal:list.matches', { count: list.total.count })
              : t('portal:list.count', { count: list.total.count })}
        </p>
        {list.rows.length === 0 ? (
          <p>{narrowed ? t('portal:list.noMatch') : t('portal:list.empty')}</p>
        ) : list.card ? (
          <Cards {...props} />
        ) : (
          <Table {...props} />
        )}
        <NextPage
          href={list.next ? listHref(href, list.query, { after: list.next }) : undefined}
          label={t('portal:list.next')}
          navLabel={t('portal:list.pages')}
          button={false}
        />
      </div>
    </section>
  );
}

/** A case list's statuses with how many cases are in each, each a link filtering the list by it. */
function StatusCounts({ view, list, href }: ModulePageProps) {
  const { t, lang } = view;
  const field = list.statusField;
  const param = `f.${field?.api_name ?? 'status'}`;
  const current = field ? list.query.filters[field.api_name] : undefined;
  return (
    <nav class="status-counts" aria-label={t('portal:cases.byStatus')}>
      <ul>
        {(list.statusCounts ?? []).map((s) => {
          const value = field?.options.values?.find((v) => v.value === s.value);
          const label = value ? picklistLabel(t, lang, value) : s.value;
          return (
            <li>
              <a
                href={listHref(href, list.query, { [param]: current === s.value ? undefined : s.value, after: undefined })}
                aria-current={current === s.value ? 'true' : undefined}
                class={`status-count status-${s.state ?? 'other'}`}
              >
                <span class="status-label">{label}</span> <span class="status-number">{view.fmt.number(s.count)}</span>
              </a>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}

/** Search, filters and order: a plain GET form; with htmx the results follow as one types. */
function ListControls({ view, list, href }: ModulePageProps) {
  const { t, lang } = view;
  const { query } = list;
  const sortValue = `${query.sort}.${query.dir}`;
  return (
    <search>
      <form
        method="get"
        action={href}
        class="list-controls"
        hx-get={href}
        hx-trigger="submit, change, input changed delay:300ms from:#list-q"
        hx-target="#portal-results"
        hx-select="#portal-results"
        hx-swap="outerHTML"
        hx-push-url="true"
      >
        <div class="field">
          <label for="list-q">{t('portal:list.search')}</label>
          <input id="list-q" name="q" type="search" value={query.q} maxlength={200} />
        </div>
        {list.filterFields.map((f) => (
          <div class="field">
            <label for={`filter-${f.api_name}`}>{fieldLabel(t, lang, f)}</label>
            <select id={`filter-${f.api_name}`} name={`f.${f.api_name}`}>
              <option value="">{t('portal:list.any')}</option>
              {(f.options.values ?? []).map((v) => (
                <option value={v.value} selected={query.filters[f.api_name] === v.value}>
                  {picklistLabel(t, lang, v)}
                </option>
              ))}
            </select>
          </div>
        ))}
        <div class="field">
          <label for="list-sort">{t('portal:list.sort')}</label>
          <select id="list-sort" name="order">
            <option value="created.desc" selected={sortValue === 'created.desc'}>
              {t('portal:list.newest')}
            </option>
            <option value="created.asc" selected={sortValue === 'created.asc'}>
              {t('portal:list.oldest')}
            </option>
            {list.sortFields.flatMap((f) =>
              (['asc', 'desc'] as const).map((dir) => (
                <option value={`${f.api_name}.${dir}`} selected={sortValue === `${f.api_name}.${dir}`}>
                  {t(`portal:list.${dir}`, { name: fieldLabel(t, lang, f) })}
                </option>
              )),
            )}
          </select>
        </div>
        <button type="submit" class="button secondary">
          {t('portal:list.apply')}
        </button>
      </form>
    </search>
  );
}

/** A column heading that orders the list by its field: ascending first, then the other way. */
function SortHeading({ view, list, href, field }: ModulePageProps & { field: Field }) {
  const { t, lang } = view;
  const label = fieldLabel(t, lang, field);
  const sortable = list.sortFields.some((f) => f.id === field.id);
  const active = list.query.sort === field.api_name;
  const dir = active && list.query.dir === 'asc' ? 'desc' : 'asc';
  return (
    <th scope="col" aria-sort={active ? (list.query.dir === 'asc' ? 'ascending' : 'descending') : undefined}>
      {sortable ? (
        <a href={listHref(href, list.query, { sort: field.api_name, dir, after: undefined })} aria-label={t('portal:list.sortBy', { name: label })}>
          {label}
          {active && <span aria-hidden="true">{list.query.dir === 'asc' ? ' ▲' : ' ▼'}</span>}
        </a>
      ) : (
        label
      )}
    </th>
  );
}

function value(view: ViewContext, list: PortalList, row: PortalRow, field: Field, currency: string) {
  const raw = row.data[field.api_name];
  if (list.statusField?.id === field.id && typeof raw === 'string')
    return (
      <span class={`badge status-${list.statusCounts?.find((s) => s.value === raw)?.state ?? 'other'}`}>
        {picklistValueLabel(view.t, view.lang, field, raw)}
      </span>
    );
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

function Table(props: ModulePageProps) {
  const { view, list, href, currency } = props;
  const { t, lang } = view;
  const [first, ...rest] = list.columns;
  // Its own horizontal scroll on a phone: a wide table never widens the page.
  return (
    <div class="table-wrap">
      <table class="records">
        <caption class="visually-hidden">{moduleLabel(t, lang, list.meta.module, 'plural', list.tab.labels)}</caption>
        <thead>
          <tr>
            {first ? <SortHeading {...props} field={first} /> : <th scope="col">{t('portal:list.name')}</th>}
            {rest.map((f) => (
              <SortHeading {...props} field={f} />
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
          {subtitles.length > 0 && (
            <dl class="card-values">
              {subtitles.map((f) => (
                <>
                  <dt>{fieldLabel(t, view.lang, f)}</dt>
                  <dd>{value(view, list, row, f, currency)}</dd>
                </>
              ))}
            </dl>
          )}
        </li>
      ))}
    </ul>
  );
}
