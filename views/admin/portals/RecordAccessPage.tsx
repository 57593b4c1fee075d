import { moduleLabel } from '../../../src/crm/metadata.js';
import type { ViewContext } from '../../../src/http/env.js';
import type { RecordAudience } from '../../../src/portals/explain.js';
import { Alert } from '../../components/Alert.js';

export type RecordAccessPageProps = { view: ViewContext; base: string; audience: RecordAudience };

/** Every portal user who sees one record, per portal and user type, each linking to why. */
export function RecordAccessPage({ view, base, audience }: RecordAccessPageProps) {
  const { t, lang, fmt } = view;
  const { record, groups } = audience;
  const recordName = record.name || t('portalexplain:untitled');
  const explainHref = (userId: string) => `${base}?user=${encodeURIComponent(userId)}&record=${encodeURIComponent(record.id)}`;
  return (
    <section>
      {!record.inRecycleBin && (
        <p>
          <a href={`/admin/m/${record.module.api_name}/${record.id}`}>← {recordName}</a>
        </p>
      )}
      <h1>{t('portalexplain:record.title')}</h1>
      <p>{t('portalexplain:record.intro', { record: recordName, module: moduleLabel(t, lang, record.module, 'plural') })}</p>
      {groups.length === 0 ? (
        <Alert kind="info">{t('portalexplain:record.nobody')}</Alert>
      ) : (
        groups.map((g) => {
          const headingId = `type-${g.userTypeId}`;
          return (
            <section class="card" aria-labelledby={headingId}>
              <h2 id={headingId}>
                {t('portalexplain:picker.group', { portal: g.portalName, type: g.userTypeName })} <span class="count">({fmt.number(g.users.length)})</span>
              </h2>
              <div class="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">{t('portalexplain:record.name')}</th>
                      <th scope="col">{t('portalexplain:record.email')}</th>
                      <th scope="col">{t('portalexplain:record.why')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {g.users.map((u) => (
                      <tr>
                        <th scope="row">{u.name || u.email}</th>
                        <td>{u.email}</td>
                        <td>
                          <a href={explainHref(u.id)}>
                            {t('portalexplain:record.explain')}
                            <span class="visually-hidden">: {u.name || u.email}</span>
                          </a>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </section>
          );
        })
      )}
      <p>
        <a href={`${base}?record=${encodeURIComponent(record.id)}`}>{t('portalexplain:record.explainOther')}</a>
      </p>
    </section>
  );
}
