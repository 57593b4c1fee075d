import type { Field, ImportRowError } from '../../../src/db/schema.js';
import type { ViewContext } from '../../../src/http/env.js';
import { Alert } from '../../components/Alert.js';
import { RowErrors } from './RowErrors.js';

export type ReportPageProps = {
  view: ViewContext;
  title: string;
  moduleName: string;
  base: string;
  url: string;
  totalRows: number;
  badRows: number;
  errors: ImportRowError[];
  fields: Map<string, Field>;
};

/** Step 3: what the dry run found, and the choice to skip bad rows before starting. */
export function ReportPage({ view, title, moduleName, base, url, totalRows, badRows, errors, fields }: ReportPageProps) {
  const { t, fmt } = view;
  return (
    <section class="import">
      <p>
        <a href={base}>← {t('import:back', { module: moduleName })}</a>
      </p>
      <h1>{title}</h1>
      <h2>{t('import:report.title')}</h2>
      {badRows === 0 ? (
        <Alert kind="success">{t('import:report.allGood', { count: totalRows, n: fmt.number(totalRows) })}</Alert>
      ) : (
        <Alert kind="error">
          {t('import:report.counts', { count: badRows, good: fmt.number(totalRows - badRows), total: fmt.number(totalRows), bad: fmt.number(badRows) })}
        </Alert>
      )}
      <RowErrors view={view} errors={errors} badRows={badRows} fields={fields} />
      <form method="post" action={`${url}/start`}>
        {badRows > 0 && (
          <div class="field checkbox">
            <input type="checkbox" id="import-skip" name="skip" value="on" aria-describedby="import-skip-hint" />
            <label for="import-skip">{t('import:report.skip')}</label>
            <p class="hint" id="import-skip-hint">
              {t('import:report.skipHint')}
            </p>
          </div>
        )}
        <div class="form-actions">
          <button type="submit" class="button">
            {t('import:report.start')}
          </button>
          <a class="button secondary" href={`${url}/mapping`}>
            {t('import:report.changeMapping')}
          </a>
        </div>
      </form>
    </section>
  );
}
