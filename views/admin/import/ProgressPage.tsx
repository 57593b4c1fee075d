import { raw } from 'hono/html';
import type { ImportSummary } from '../../../src/crm/import.js';
import type { Field, ImportRowError } from '../../../src/db/schema.js';
import type { ViewContext } from '../../../src/http/env.js';
import { Alert } from '../../components/Alert.js';
import { RowErrors } from './RowErrors.js';

const NO_SCRIPT_REFRESH = '<meta http-equiv="refresh" content="2">';

export type ImportProgressProps = {
  view: ViewContext;
  imp: ImportSummary;
  /** Where the fragment reloads itself from while the import runs. */
  pollUrl: string;
  base: string;
  moduleName: string;
  errors: ImportRowError[];
  fields: Map<string, Field>;
};

/**
 * The import's state. While it is queued or running the fragment replaces
 * itself every second (htmx) and, without JavaScript, the page reloads every
 * two seconds; once finished it shows the outcome and stops asking.
 */
export function ImportProgress({ view, imp, pollUrl, base, moduleName, errors, fields }: ImportProgressProps) {
  const { t, fmt } = view;
  const active = imp.status === 'queued' || imp.status === 'running';
  const total = Math.max(imp.total_rows, 1);
  const processed = Math.min(imp.processed_rows, total);
  const percent = Math.round((processed / total) * 100);
  const skipped = imp.status === 'done' ? imp.bad_rows : 0;
  return (
    <div
      id="import-progress"
      class="import-progress"
      hx-get={active ? pollUrl : undefined}
      hx-trigger={active ? 'every 1s' : undefined}
      hx-swap={active ? 'outerHTML' : undefined}
    >
      {active && (
        // Written as text: hono/jsx would hoist a <meta> element into the head, where it would reload pages that poll with htmx too.
        <noscript>{raw(NO_SCRIPT_REFRESH)}</noscript>
      )}
      <p id="import-progress-label">
        {active ? t(imp.status === 'queued' ? 'import:progress.queued' : 'import:progress.running') : t('import:progress.label')}
      </p>
      {imp.status === 'queued' ? (
        <progress aria-labelledby="import-progress-label"></progress>
      ) : (
        <progress aria-labelledby="import-progress-label" max={total} value={processed}>
          {percent}%
        </progress>
      )}
      <p class="import-counts">{t('import:progress.counts', { processed: fmt.number(imp.processed_rows), total: fmt.number(imp.total_rows) })}</p>
      {imp.status === 'done' && (
        <Alert kind="success">
          {t('import:progress.done', { count: imp.imported_rows, n: fmt.number(imp.imported_rows) })}
          {skipped > 0 && <> {t('import:progress.skipped', { count: skipped, n: fmt.number(skipped) })}</>}
        </Alert>
      )}
      {imp.status === 'failed' && (
        <Alert kind="error">
          {imp.bad_rows > 0 && !imp.skip_bad_rows
            ? t('import:progress.rejected', { count: imp.bad_rows, n: fmt.number(imp.bad_rows) })
            : t('import:progress.crashed', { n: fmt.number(imp.imported_rows) })}
        </Alert>
      )}
      {!active && <RowErrors view={view} errors={errors} badRows={imp.bad_rows} fields={fields} />}
      {!active && (
        <p class="actions">
          <a class="button" href={base}>
            {t('import:progress.viewRecords', { module: moduleName })}
          </a>{' '}
          <a class="button secondary" href={`${base}/import`}>
            {t('import:progress.again')}
          </a>
        </p>
      )}
    </div>
  );
}

export type ProgressPageProps = ImportProgressProps & { title: string };

export function ProgressPage(props: ProgressPageProps) {
  const { view, title, base, moduleName } = props;
  return (
    <section class="import">
      <p>
        <a href={base}>← {view.t('import:back', { module: moduleName })}</a>
      </p>
      <h1>{title}</h1>
      <h2>{view.t('import:progress.title')}</h2>
      <ImportProgress {...props} />
    </section>
  );
}
