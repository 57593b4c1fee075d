import type { ViewContext } from '../../../src/http/env.js';
import { dueState, type QueueCounts, type QueueFilter, type QueueRow, REQUEST_KINDS, REQUEST_STATUSES } from '../../../src/privacy/requests.js';
import { Alert } from '../../components/Alert.js';
import { RequestStatusBadge } from '../../portal/privacy/parts.js';

export const REQUESTS_PATH = '/admin/privacy/requests';

/** The privacy-requests queue: counts, filters by kind, status and due date, oldest due first; overdue and due-this-week marked. */
export function RequestQueuePage({
  view,
  rows,
  counts,
  filter,
  now,
}: {
  view: ViewContext;
  rows: QueueRow[];
  counts: QueueCounts;
  filter: QueueFilter;
  now: Date;
}) {
  const { t, fmt } = view;
  return (
    <section>
      <h1>{t('privacy:queue.title')}</h1>
      <p>{t('privacy:queue.intro')}</p>
      <ul class="stat-row" aria-label={t('privacy:queue.countsLabel')}>
        <li>
          <a href={`${REQUESTS_PATH}?status=open`}>
            <strong>{fmt.number(counts.open)}</strong> {t('privacy:queue.open')}
          </a>
        </li>
        <li class={counts.overdue > 0 ? 'stat-danger' : undefined}>
          <a href={`${REQUESTS_PATH}?due=overdue`}>
            <strong>{fmt.number(counts.overdue)}</strong> {t('privacy:queue.overdue')}
          </a>
        </li>
        <li class={counts.dueSoon > 0 ? 'stat-warning' : undefined}>
          <a href={`${REQUESTS_PATH}?due=due_soon`}>
            <strong>{fmt.number(counts.dueSoon)}</strong> {t('privacy:queue.dueSoon')}
          </a>
        </li>
        {REQUEST_KINDS.map((k) => (
          <li>
            <a href={`${REQUESTS_PATH}?kind=${k}&status=open`}>
              <strong>{fmt.number(counts.byKind[k] ?? 0)}</strong> {t(`privacy:kinds.${k}`)}
            </a>
          </li>
        ))}
      </ul>
      <form method="get" action={REQUESTS_PATH} class="filters">
        <div class="field">
          <label for="kind">{t('privacy:request.kind')}</label>
          <select id="kind" name="kind">
            <option value="">{t('privacy:queue.anyKind')}</option>
            {REQUEST_KINDS.map((k) => (
              <option value={k} selected={filter.kind === k}>
                {t(`privacy:kinds.${k}`)}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="status">{t('privacy:request.status')}</label>
          <select id="status" name="status">
            <option value="">{t('privacy:queue.anyStatus')}</option>
            <option value="open" selected={filter.status === 'open'}>
              {t('privacy:queue.openStatuses')}
            </option>
            {REQUEST_STATUSES.map((s) => (
              <option value={s} selected={filter.status === s}>
                {t(`privacy:statuses.${s}`)} ({fmt.number(counts.byStatus[s] ?? 0)})
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="due">{t('privacy:request.due')}</label>
          <select id="due" name="due">
            <option value="">{t('privacy:queue.anyDue')}</option>
            <option value="overdue" selected={filter.due === 'overdue'}>
              {t('privacy:queue.overdue')}
            </option>
            <option value="due_soon" selected={filter.due === 'due_soon'}>
              {t('privacy:queue.dueSoon')}
            </option>
          </select>
        </div>
        <button type="submit" class="button secondary">
          {t('privacy:queue.filter')}
        </button>
      </form>
      {rows.length === 0 ? (
        <Alert kind="info">{t('privacy:queue.empty')}</Alert>
      ) : (
        <section class="table-wrap" tabindex={0} aria-label={t('privacy:queue.title')}>
          <table>
            <thead>
              <tr>
                <th scope="col">{t('privacy:request.number')}</th>
                <th scope="col">{t('privacy:request.kind')}</th>
                <th scope="col">{t('privacy:request.about')}</th>
                <th scope="col">{t('privacy:request.status')}</th>
                <th scope="col">{t('privacy:request.submitted')}</th>
                <th scope="col">{t('privacy:request.due')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => {
                const due = dueState(r, now);
                return (
                  <tr class={due === 'overdue' ? 'row-danger' : due === 'due_soon' ? 'row-warning' : undefined}>
                    <td>
                      <a href={`${REQUESTS_PATH}/${r.id}`}>#{r.number}</a>
                    </td>
                    <td>{t(`privacy:kinds.${r.kind}`)}</td>
                    <td>
                      <a href={`/admin/m/${r.api_name}/${r.record_id}`}>{r.record_name || t('privacy:queue.unnamed')}</a>
                    </td>
                    <td>
                      <RequestStatusBadge view={view} status={r.status} />
                    </td>
                    <td>
                      <time datetime={r.submitted_at.toISOString()}>{fmt.date(r.submitted_at)}</time>
                    </td>
                    <td>
                      <time datetime={r.due_at.toISOString()}>{fmt.date(r.due_at)}</time>
                      {due === 'overdue' && <strong class="due-flag"> {t('privacy:queue.overdueFlag')}</strong>}
                      {due === 'due_soon' && <span class="due-flag"> {t('privacy:queue.dueSoonFlag')}</span>}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </section>
      )}
    </section>
  );
}
