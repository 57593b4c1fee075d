import type { ListPage } from '../../../src/crm/list.js';
import { fieldLabel, moduleLabel, picklistLabel } from '../../../src/crm/metadata.js';
import type { ModulePermissions } from '../../../src/crm/staff-access.js';
import type { CrmRecord, Field, Module } from '../../../src/db/schema.js';
import type { ViewContext } from '../../../src/http/env.js';
import { Alert } from '../../components/Alert.js';
import { FieldValue, type LookupNames } from '../../components/FieldValue.js';

export type RecordListProps = {
  view: ViewContext;
  module: Module;
  fields: Field[];
  columns: Field[];
  filterFields: Field[];
  page: ListPage;
  query: { q: string; filters: Record<string, string>; cols: string[] };
  names: LookupNames;
  currency: string;
  perms: ModulePermissions;
  base: string;
};

/** Query string of the list with some parameters changed (sorting, paging) and the rest kept. */
export function listUrl(base: string, query: RecordListProps['query'], change: Record<string, string | undefined>): string {
  const p = new URLSearchParams();
  if (query.q) p.set('q', query.q);
  for (const [k, v] of Object.entries(query.filters)) if (v) p.set(`f.${k}`, v);
  if (query.cols.length) p.set('cols', query.cols.join(','));
  for (const [k, v] of Object.entries(change)) {
    if (v === undefined) p.delete(k);
    else p.set(k, v);
  }
  const s = p.toString();
  return s ? `${base}?${s}` : base;
}

export function RecordList(props: RecordListProps) {
  const { view, module, columns, page, query, base, perms } = props;
  const { t, lang } = view;
  const plural = moduleLabel(t, lang, module, 'plural');
  return (
    <section id="record-list">
      <div class="page-head">
        <h1>{plural}</h1>
        <div class="actions">
          {perms.create && (
            <a class="button" href={`${base}/new`}>
              {t('crm:actions.new', { name: moduleLabel(t, lang, module, 'singular') })}
            </a>
          )}
          {perms.create && (
            <a class="button secondary" href={`${base}/import`}>
              {t('crm:actions.import')}
            </a>
          )}
          <a class="button secondary" href={`${base}/recycle-bin`}>
            {t('crm:recycleBin.title')}
          </a>
        </div>
      </div>
      <ListControls {...props} />
      {page.records.length === 0 ? (
        <Alert kind="info">{query.q || Object.values(query.filters).some(Boolean) ? t('crm:list.noMatch') : t('crm:list.empty')}</Alert>
      ) : (
        <RecordTable {...props} rows={page.records} />
      )}
      {page.next && (
        <nav class="pagination" aria-label={t('common:pagination')}>
          <a class="button secondary" href={listUrl(base, query, { sort: page.sort, dir: page.dir, after: page.next })}>
            {t('common:nextPage')}
          </a>
        </nav>
      )}
      {columns.length === 0 && <p class="hint">{t('crm:list.noColumns')}</p>}
    </section>
  );
}

function ListControls({ view, fields, filterFields, query, base, columns }: RecordListProps) {
  const { t, lang } = view;
  return (
    <search>
      <form method="get" action={base} class="list-controls">
        <div class="field">
          <label for="list-q">{t('crm:list.search')}</label>
          <input id="list-q" name="q" type="search" value={query.q} />
        </div>
        {filterFields.map((f) => (
          <div class="field">
            <label for={`filter-${f.api_name}`}>{fieldLabel(t, lang, f)}</label>
            <select id={`filter-${f.api_name}`} name={`f.${f.api_name}`}>
              <option value="">{t('crm:list.any')}</option>
              {(f.options.values ?? []).map((v) => (
                <option value={v.value} selected={query.filters[f.api_name] === v.value}>
                  {picklistLabel(t, lang, v)}
                </option>
              ))}
            </select>
          </div>
        ))}
        <details class="columns-chooser">
          <summary>{t('crm:list.columns')}</summary>
          <div class="choices">
            {fields
              .filter((f) => f.type !== 'subform')
              .map((f) => (
                <label class="choice" for={`col-${f.api_name}`}>
                  <input type="checkbox" id={`col-${f.api_name}`} name="col" value={f.api_name} checked={columns.some((c) => c.id === f.id)} />{' '}
                  {fieldLabel(t, lang, f)}
                </label>
              ))}
          </div>
        </details>
        <button type="submit" class="button secondary">
          {t('crm:list.apply')}
        </button>
      </form>
    </search>
  );
}

function SortLink({
  view,
  label,
  sortKey,
  page,
  base,
  query,
}: {
  view: ViewContext;
  label: string;
  sortKey: string;
  page: ListPage;
  base: string;
  query: RecordListProps['query'];
}) {
  const active = page.sort === sortKey;
  const nextDir = active && page.dir === 'asc' ? 'desc' : 'asc';
  return (
    <a href={listUrl(base, query, { sort: sortKey, dir: nextDir, after: undefined })} aria-label={view.t('crm:list.sortBy', { name: label })}>
      {label}
      {active && <span aria-hidden="true">{page.dir === 'asc' ? ' ▲' : ' ▼'}</span>}
    </a>
  );
}

export function RecordTable(props: RecordListProps & { rows: CrmRecord[] }) {
  const { view, columns, rows, names, currency, base, page, query } = props;
  const { t, lang } = view;
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col" aria-sort={page.sort === 'name' ? (page.dir === 'asc' ? 'ascending' : 'descending') : undefined}>
              <SortLink view={view} label={t('crm:list.name')} sortKey="name" page={page} base={base} query={query} />
            </th>
            {columns.map((f) => (
              <th scope="col" aria-sort={page.sort === f.api_name ? (page.dir === 'asc' ? 'ascending' : 'descending') : undefined}>
                {['multiselect', 'textarea'].includes(f.type) ? (
                  fieldLabel(t, lang, f)
                ) : (
                  <SortLink view={view} label={fieldLabel(t, lang, f)} sortKey={f.api_name} page={page} base={base} query={query} />
                )}
              </th>
            ))}
            <th scope="col" aria-sort={page.sort === 'created' ? (page.dir === 'asc' ? 'ascending' : 'descending') : undefined}>
              <SortLink view={view} label={t('crm:list.created')} sortKey="created" page={page} base={base} query={query} />
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr>
              <th scope="row">
                <a href={`${base}/${r.id}`}>{r.display_name || t('crm:untitled')}</a>
                {r.state !== 'active' && <span class="badge badge-held"> {t(`crm:states.${r.state}`)}</span>}
              </th>
              {columns.map((f) => (
                <td>
                  <FieldValue view={view} field={f} value={(r.data as Record<string, never>)[f.api_name]} names={names} currency={currency} />
                </td>
              ))}
              <td>
                <time datetime={r.created_at.toISOString()}>{view.fmt.date(r.created_at)}</time>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
