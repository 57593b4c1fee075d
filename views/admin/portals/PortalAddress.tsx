import type { ViewContext } from '../../../src/http/env.js';

export type PortalAddressProps = {
  view: ViewContext;
  /** The full address, from portalPublicUrl. */
  url: string;
  /** Unique on the page: the field's id. */
  id: string;
};

/**
 * A portal's full address: a link that opens it in a new tab, and a read-only
 * field to select it from. static/js/portal-address.js adds the copy button,
 * so without JavaScript no button that cannot work is drawn.
 */
export function PortalAddress({ view, url, id }: PortalAddressProps) {
  const { t } = view;
  return (
    <div
      class="portal-address"
      data-portal-address
      data-copy-label={t('portals:address.copy')}
      data-copied-label={t('portals:address.copied')}
      data-copy-failed-label={t('portals:address.copyFailed')}
    >
      <p>
        {t('portals:list.url')}{' '}
        <a href={url} target="_blank" rel="noopener">
          {url}
          <span class="visually-hidden"> ({t('portals:address.newTab')})</span>
        </a>
      </p>
      <div class="field">
        <label for={id}>{t('portals:address.field')}</label>
        <input id={id} type="text" value={url} readonly />
        <p data-copy-actions>
          <span role="status" class="hint"></span>
        </p>
      </div>
      <script type="module" src={view.asset('js/portal-address.js')}></script>
    </div>
  );
}
