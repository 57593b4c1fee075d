import type { InvitationBatch } from '../../../src/db/schema.js';
import type { ViewContext } from '../../../src/http/env.js';
import type { BatchProgress, BatchResultPage } from '../../../src/invitations/batches.js';
import { outcomeLabel } from '../../../src/invitations/outcomes-csv.js';
import { Alert } from '../../components/Alert.js';
import { NextPage } from '../../components/NextPage.js';

export type BatchStatusProps = {
  view: ViewContext;
  batch: Pick<InvitationBatch, 'id' | 'total' | 'status' | 'dry_run'>;
  progress: BatchProgress;
  /** The batch page's address; the progress fragment, the failed list and the CSV hang below it. */
  url: string;
  /** A dry run's predictions, once it has finished. */
  results?: BatchResultPage | undefined;
  recordHref: (id: string) => string;
};

/**
 * Where the batch stands. While it runs, the fragment asks for itself again
 * every second (htmx) and offers a plain link to reload without JavaScript;
 * once done it shows the summary and stops asking.
 */
export function BatchStatus(props: BatchStatusProps) {
  const { view, batch, progress, url } = props;
  const { t, fmt } = view;
  const running = batch.status === 'running';
  const total = Math.max(batch.total, 1);
  const processed = Math.min(progress.processed, batch.total);
  return (
    <div
      id="batch-status"
      class="import-progress"
      hx-get={running ? `${url}/progress` : undefined}
      hx-trigger={running ? 'every 1s' : undefined}
      hx-swap={running ? 'outerHTML' : undefined}
    >
      <p id="batch-progress-label">
        {running ? t(batch.dry_run ? 'bulkinvite:progress.runningDry' : 'bulkinvite:progress.running') : t('bulkinvite:progress.label')}
      </p>
      <progress aria-labelledby="batch-progress-label" max={total} value={processed}>
        {Math.round((processed / total) * 100)}%
      </progress>
      <p class="import-counts">{t('bulkinvite:progress.counts', { processed: fmt.number(processed), total: fmt.number(batch.total) })}</p>
      {running && (
        <p>
          <a href={url}>{t('bulkinvite:progress.refresh')}</a>
        </p>
      )}
      {!running && <Summary view={view} dryRun={batch.dry_run} progress={progress} />}
      {!running && !batch.dry_run && progress.failed > 0 && (
        <p>
          <a href={`${url}/failed`}>{t('bulkinvite:failedLink')}</a>
        </p>
      )}
      {!running && batch.dry_run && <Predictions {...props} />}
    </div>
  );
}

/** Success only when every record was invited (or would be); a warning when some failed; an error when all did. */
export function summaryKind(progress: Pick<BatchProgress, 'sent' | 'wouldSend' | 'failed'>, dryRun: boolean): 'success' | 'warning' | 'error' {
  if (progress.failed === 0) return 'success';
  return (dryRun ? progress.wouldSend : progress.sent) === 0 ? 'error' : 'warning';
}

const SUMMARY_KEYS = {
  success: { send: 'bulkinvite:summary.done', dry: 'bulkinvite:summary.doneDry' },
  warning: { send: 'bulkinvite:summary.partial', dry: 'bulkinvite:summary.partialDry' },
  error: { send: 'bulkinvite:summary.allFailed', dry: 'bulkinvite:summary.allFailedDry' },
} as const;

function Summary({ view, dryRun, progress }: { view: ViewContext; dryRun: boolean; progress: BatchProgress }) {
  const { t, fmt } = view;
  const n = (key: string, count: number) => t(`bulkinvite:summary.${key}`, { count, n: fmt.number(count) });
  const kind = summaryKind(progress, dryRun);
  const key = SUMMARY_KEYS[kind][dryRun ? 'dry' : 'send'];
  return (
    <Alert kind={kind}>
      {dryRun
        ? t(key, { wouldSend: n('wouldSend', progress.wouldSend), failed: n('wouldFail', progress.failed) })
        : t(key, { sent: n('sent', progress.sent), failed: n('failed', progress.failed) })}
    </Alert>
  );
}

function Predictions({ view, url, results, recordHref }: BatchStatusProps) {
  const { t } = view;
  return (
    <>
      <h2>{t('bulkinvite:predictions')}</h2>
      <p>
        <a class="button secondary" href={`${url}/outcomes.csv`} download>
          {t('bulkinvite:downloadCsv')}
        </a>
      </p>
      {results && <ResultsTable view={view} rows={results.rows} dryRun recordHref={recordHref} />}
      <NextPage
        href={results?.next ? `${url}?after=${encodeURIComponent(results.next)}` : undefined}
        label={t('common:nextPage')}
        navLabel={t('common:pagination')}
      />
    </>
  );
}

export function ResultsTable({
  view,
  rows,
  dryRun,
  recordHref,
}: {
  view: ViewContext;
  rows: BatchResultPage['rows'];
  dryRun: boolean;
  recordHref: (id: string) => string;
}) {
  const { t } = view;
  return (
    <section class="table-wrap table-scroll" aria-label={t('bulkinvite:results.caption')} tabindex={0}>
      <table>
        <caption class="visually-hidden">{t('bulkinvite:results.caption')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('bulkinvite:results.name')}</th>
            <th scope="col">{t('bulkinvite:results.email')}</th>
            <th scope="col">{t('bulkinvite:results.outcome')}</th>
            <th scope="col">{t('bulkinvite:results.reason')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr>
              <th scope="row">{r.name === null ? t('bulkinvite:results.missingRecord') : <a href={recordHref(r.recordId)}>{r.name}</a>}</th>
              <td>{r.email}</td>
              <td>
                <span class={`badge ${r.outcome === 'failed' ? 'badge-failed' : 'badge-sent'}`}>
                  {t(`bulkinvite:outcomes.${outcomeLabel(r.outcome, dryRun)}`)}
                </span>
              </td>
              <td>{r.reason ? t(`invitations:reasons.${r.reason}`) : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export type BatchPageProps = BatchStatusProps & { title: string; typeName: string; inviteUrl: string };

export function BatchPage(props: BatchPageProps) {
  const { view, title, typeName, inviteUrl } = props;
  return (
    <section class="bulk-invite">
      <p>
        <a href={inviteUrl}>← {view.t('bulkinvite:batch.again')}</a>
      </p>
      <h1>{title}</h1>
      <p>{view.t('bulkinvite:batch.type', { type: typeName })}</p>
      <BatchStatus {...props} />
    </section>
  );
}

export type FailedPageProps = {
  view: ViewContext;
  title: string;
  url: string;
  results: BatchResultPage;
  recordHref: (id: string) => string;
  /** The batch's user type, by the name it had when the batch ran if it is gone since. */
  typeName?: string | undefined;
};

/** The records a batch could not invite, each with its reason. */
export function FailedPage({ view, title, url, results, recordHref, typeName }: FailedPageProps) {
  const { t } = view;
  return (
    <section class="bulk-invite">
      <p>
        <a href={url}>← {t('bulkinvite:failed.back')}</a>
      </p>
      <h1>{title}</h1>
      {typeName && <p>{t('bulkinvite:batch.type', { type: typeName })}</p>}
      {results.rows.length === 0 ? (
        <Alert kind="info">{t('bulkinvite:failed.empty')}</Alert>
      ) : (
        <ResultsTable view={view} rows={results.rows} dryRun={false} recordHref={recordHref} />
      )}
      <NextPage
        href={results.next ? `${url}/failed?after=${encodeURIComponent(results.next)}` : undefined}
        label={t('common:nextPage')}
        navLabel={t('common:pagination')}
      />
    </section>
  );
}
