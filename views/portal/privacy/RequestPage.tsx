import type { PrivacySubject } from '../../../src/access/privacy.js';
import type { PrivacyRequest, PrivacyRequestEvent } from '../../../src/db/schema.js';
import type { ViewContext } from '../../../src/http/env.js';
import { Alert } from '../../components/Alert.js';
import { subjectTitle } from './PrivacyPage.js';
import { RequestDates, RequestHistory, RequestStatusBadge } from './parts.js';

export type PortalRequestView = PrivacyRequest & {
  export_status: string | null;
  export_expires_at: Date | null;
  export_filename: string | null;
  export_size: number | null;
};

/** One request as the person follows it: status, due date, the archive to download, what happened. */
export function PortalRequestPage({
  view,
  base,
  request: r,
  subject,
  events,
  filed,
  now,
}: {
  view: ViewContext;
  base: string;
  request: PortalRequestView;
  subject: PrivacySubject | undefined;
  events: PrivacyRequestEvent[];
  filed: boolean;
  now: Date;
}) {
  const { t, fmt } = view;
  const ready = r.kind === 'export' && r.export_status === 'ready' && r.export_expires_at && r.export_expires_at > now;
  return (
    <section id="privacy-request">
      <p>
        <a href={`${base}/privacy`}>← {t('privacy:portal.title')}</a>
      </p>
      <h1>{t('privacy:request.title', { number: r.number, kind: t(`privacy:kinds.${r.kind}`) })}</h1>
      {filed && <Alert kind="success">{t('privacy:portal.filed', { due: fmt.date(r.due_at) })}</Alert>}
      <dl class="facts">
        <dt>{t('privacy:request.about')}</dt>
        <dd>{subject ? subjectTitle(view, subject) : t('privacy:portal.recordGone')}</dd>
        <dt>{t('privacy:request.status')}</dt>
        <dd>
          <RequestStatusBadge view={view} status={r.status} />
        </dd>
        <RequestDates view={view} request={r} />
        {r.details && (
          <>
            <dt>{t('privacy:request.details')}</dt>
            <dd class="quote">{r.details}</dd>
          </>
        )}
      </dl>
      {r.kind === 'export' && ready && (
        <section class="card" aria-labelledby="archive-title">
          <h2 id="archive-title">{t('privacy:portal.archiveTitle')}</h2>
          <p>{t('privacy:portal.archiveIntro', { expires: fmt.dateTime(r.export_expires_at as Date) })}</p>
          <p>
            <a class="button" href={`${base}/privacy/requests/${r.id}/archive`} download={r.export_filename ?? undefined}>
              {t('privacy:portal.download', { size: fmt.number(Math.max(1, Math.round((r.export_size ?? 0) / 1024))) })}
            </a>
          </p>
        </section>
      )}
      {r.kind === 'export' && r.export_status === 'expired' && <Alert kind="info">{t('privacy:portal.archiveExpired')}</Alert>}
      {Boolean(r.outcome.working) && (
        <p hx-get={`${base}/privacy/requests/${r.id}`} hx-trigger="every 3s" hx-select="#privacy-request" hx-target="#privacy-request" hx-swap="outerHTML">
          {t('privacy:portal.working')} <a href={`${base}/privacy/requests/${r.id}`}>{t('privacy:request.refresh')}</a>
        </p>
      )}
      <h2>{t('privacy:request.historyTitle')}</h2>
      <RequestHistory view={view} events={events} requesterLabel={t('privacy:portal.byYou')} />
    </section>
  );
}
