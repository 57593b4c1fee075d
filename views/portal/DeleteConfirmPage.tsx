import { moduleLabel } from '../../src/crm/metadata.js';
import type { ViewContext } from '../../src/http/env.js';
import type { PortalRecord } from '../../src/portals/portal-record.js';
import { Alert } from '../components/Alert.js';

/** The confirmation step before a record goes to the recycle bin: a real form, so it works without JavaScript. */
export function DeleteConfirmPage({ view, rec, href }: { view: ViewContext; rec: PortalRecord; href: string }) {
  const { t, lang } = view;
  const singular = moduleLabel(t, lang, rec.meta.module, 'singular');
  return (
    <section class="portal-delete" aria-labelledby="delete-title">
      <h1 id="delete-title">{t('portal:delete.title', { module: singular })}</h1>
      {rec.inert && <Alert kind="info">{t('portalpreview:readOnly.message')}</Alert>}
      <p>
        <strong>{rec.record.name || singular}</strong>
      </p>
      <p>{t('portal:delete.message')}</p>
      <form method="post" action={`${href}/${rec.record.id}/delete`} class="form-actions">
        <button type="submit" class="button danger" disabled={rec.inert}>
          {t('portal:delete.confirm')}
        </button>
        <a class="button secondary" href={`${href}/${rec.record.id}`}>
          {t('common:cancel')}
        </a>
      </form>
    </section>
  );
}
