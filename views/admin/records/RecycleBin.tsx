import { moduleLabel } from '../../../src/crm/metadata.js';
import type { CrmRecord, Module } from '../../../src/db/schema.js';
import type { ViewContext } from '../../../src/http/env.js';
import { Alert } from '../../components/Alert.js';

export type RecycleBinProps = {
  view: ViewContext;
  module: Module;
  /** Each deleted record with whether this user may restore it and purge it. */
  records: { record: CrmRecord; restore: boolean; purge: boolean }[];
  next: string | undefined;
  base: string;
};

/** Deleted records of a module, newest first, with restore and purge. */
export function RecycleBin({ view, module, records, next, base }: RecycleBinProps) {
  const { t, lang, fmt } = view;
  return (
    <section>
      <p>
        <a href={base}>← {moduleLabel(t, lang, module, 'plural')}</a>
      </p>
      <h1>
        {t('crm:recycleBin.title')}: {moduleLabel(t, lang, module, 'plural')}
      </h1>
      <p>{t('crm:recycleBin.intro')}</p>
      {records.length === 0 ? (
        <Alert kind="info">{t('crm:recycleBin.empty')}</Alert>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('crm:list.name')}</th>
                <th scope="col">{t('crm:recycleBin.deletedAt')}</th>
                <th scope="col">{t('crm:recycleBin.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {records.map(({ record: r, restore, purge }) => (
                <tr>
                  <th scope="row">{r.display_name || t('crm:untitled')}</th>
                  <td>{r.deleted_at ? fmt.dateTime(r.deleted_at) : ''}</td>
                  <td>
                    {(restore || purge) && (
                      <div class="actions">
                        {restore && (
                          <form method="post" action={`${base}/${r.id}/restore`} class="inline-form">
                            <button type="submit" class="button secondary small">
                              {t('crm:recycleBin.restore')}
                              <span class="visually-hidden">: {r.display_name}</span>
                            </button>
                          </form>
                        )}
                        {purge && (
                          <form method="post" action={`${base}/${r.id}/purge`} class="inline-form">
                            <button type="submit" class="button secondary small danger">
                              {t('crm:recycleBin.purge')}
                              <span class="visually-hidden">: {r.display_name}</span>
                            </button>
                          </form>
                        )}
                      </div>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {next && (
        <nav class="pagination" aria-label={t('common:pagination')}>
          <a class="button secondary" href={`${base}/recycle-bin?after=${encodeURIComponent(next)}`}>
            {t('common:nextPage')}
          </a>
        </nav>
      )}
    </section>
  );
}
