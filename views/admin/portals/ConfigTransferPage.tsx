import type { ViewContext } from '../../../src/http/env.js';
import type { ImportProblem } from '../../../src/portals/config-transfer.js';
import { Alert } from '../../components/Alert.js';

export type ConfigTransferProps = { view: ViewContext; problems?: ImportProblem[]; imported?: number };

/** Download the portal configuration as JSON, or upload one to recreate it here. */
export function ConfigTransferPage({ view, problems, imported }: ConfigTransferProps) {
  const { t, fmt } = view;
  return (
    <section>
      <p>
        <a href="/admin/settings">← {t('portalconfig:page.back')}</a>
      </p>
      <h1>{t('portalconfig:page.title')}</h1>
      <p>{t('portalconfig:page.intro')}</p>
      {imported !== undefined && <Alert kind="success">{t('portalconfig:page.imported', { count: imported, n: fmt.number(imported) })}</Alert>}
      <section class="card">
        <h2>{t('portalconfig:page.exportTitle')}</h2>
        <p>{t('portalconfig:page.exportHint')}</p>
        <a class="button" href="/admin/settings/portals/transfer/export" download="porta-portals.json">
          {t('portalconfig:page.download')}
        </a>
      </section>
      <section class="card">
        <h2>{t('portalconfig:page.importTitle')}</h2>
        <p>{t('portalconfig:page.importHint')}</p>
        {problems && problems.length > 0 && (
          <div class="alert alert-error" role="alert">
            <p>{t('portalconfig:page.problems')}</p>
            <ul>
              {problems.map((p) => (
                <li>
                  {p.path && <code>{p.path}</code>} {t(p.key, p.params ?? {})}
                </li>
              ))}
            </ul>
          </div>
        )}
        <form method="post" action="/admin/settings/portals/transfer/import" enctype="multipart/form-data">
          <div class="field">
            <label for="config-file">{t('portalconfig:page.file')}</label>
            <input id="config-file" name="file" type="file" accept="application/json,.json" required />
          </div>
          <button type="submit" class="button secondary">
            {t('portalconfig:page.upload')}
          </button>
        </form>
      </section>
    </section>
  );
}
