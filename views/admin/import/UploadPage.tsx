import type { ViewContext } from '../../../src/http/env.js';
import { Alert } from '../../components/Alert.js';

export type UploadPageProps = { view: ViewContext; title: string; moduleName: string; base: string; error?: string | undefined };

/** Step 1: choose the CSV file. */
export function UploadPage({ view, title, moduleName, base, error }: UploadPageProps) {
  const { t } = view;
  return (
    <section class="import">
      <p>
        <a href={base}>← {t('import:back', { module: moduleName })}</a>
      </p>
      <h1>{title}</h1>
      <p>{t('import:upload.intro')}</p>
      {error && <Alert kind="error">{t('errors:formHasErrors')}</Alert>}
      <form method="post" action={`${base}/import`} enctype="multipart/form-data">
        <div class={error ? 'field has-error' : 'field'}>
          <label for="import-file">{t('import:upload.file')}</label>
          <input
            id="import-file"
            name="file"
            type="file"
            accept=".csv,text/csv,text/plain"
            required
            aria-invalid={error ? 'true' : undefined}
            aria-describedby={error ? 'import-file-hint import-file-error' : 'import-file-hint'}
          />
          <p class="hint" id="import-file-hint">
            {t('import:upload.hint')}
          </p>
          {error && (
            <p class="field-error" id="import-file-error">
              {error}
            </p>
          )}
        </div>
        <div class="form-actions">
          <button type="submit" class="button">
            {t('import:upload.submit')}
          </button>
        </div>
      </form>
    </section>
  );
}
