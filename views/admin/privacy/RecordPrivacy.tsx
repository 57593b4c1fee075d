import type { ViewContext } from '../../../src/http/env.js';
import type { RecordPrivacy } from '../../../src/privacy/record.js';
import { Alert } from '../../components/Alert.js';
import { ConsentHistoryList, RequestStatusBadge } from '../../portal/privacy/parts.js';
import { REQUESTS_PATH } from './RequestQueue.js';

/** On a lead's or contact's staff page: processing stopped, the consent history (who, when, from where) and the person's requests. */
export function RecordPrivacyPanel({ view, apiName, data }: { view: ViewContext; apiName: string; data: RecordPrivacy }) {
  const { t, fmt } = view;
  return (
    <section class="card" aria-labelledby="record-privacy-title">
      <h2 id="record-privacy-title">{t('privacy:record.title')}</h2>
      {data.stopped && <Alert kind="info">{t('privacy:record.stopped')}</Alert>}
      <h3>{t('privacy:record.requests')}</h3>
      {data.requests.length === 0 ? (
        <p>{t('privacy:record.noRequests')}</p>
      ) : (
        <ul>
          {data.requests.map((r) => (
            <li>
              {/* Requests are handled by admins: others see them without a link they could not follow. */}
              {view.staff?.isAdmin ? (
                <a href={`${REQUESTS_PATH}/${r.id}`}>
                  #{r.number} {t(`privacy:kinds.${r.kind}`)}
                </a>
              ) : (
                <span>
                  #{r.number} {t(`privacy:kinds.${r.kind}`)}
                </span>
              )}{' '}
              <RequestStatusBadge view={view} status={r.status} /> · {t('privacy:request.due')}{' '}
              <time datetime={r.due_at.toISOString()}>{fmt.date(r.due_at)}</time>
            </li>
          ))}
        </ul>
      )}
      <details>
        <summary>{t('privacy:record.consentHistory')}</summary>
        <ConsentHistoryList
          view={view}
          apiName={apiName}
          events={data.history}
          selfLabel={t('privacy:history.byPortalUser')}
          staffLabel={t('privacy:history.byStaff')}
          names={data.names}
        />
      </details>
    </section>
  );
}
