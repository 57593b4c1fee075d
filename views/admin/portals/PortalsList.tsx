import type { Portal } from '../../../src/db/schema.js';
import type { ViewContext } from '../../../src/http/env.js';
import { portalPublicUrl } from '../../../src/portals/branding.js';
import type { UserTypeWithCounts } from '../../../src/portals/user-types.js';
import { Alert } from '../../components/Alert.js';
import { PORTALS_PATH } from './messages.js';
import { PortalAddress } from './PortalAddress.js';
import { UserTypesTable } from './UserTypesTable.js';

export type PortalsListProps = {
  view: ViewContext;
  portals: Portal[];
  types: UserTypeWithCounts[];
  max: number;
  /** BASE_URL, to show each portal's full address. */
  baseUrl: string;
  notice?: string | undefined;
};

/** Every portal with its address, user types and licence counts. */
export function PortalsList({ view, portals, types, max, baseUrl, notice }: PortalsListProps) {
  const { t } = view;
  return (
    <section>
      <p>
        <a href="/admin/settings">← {t('portals:backToSettings')}</a>
      </p>
      <h1>{t('portals:list.title')}</h1>
      {notice && <Alert kind="success">{notice}</Alert>}
      <p>{t('portals:list.intro', { max })}</p>
      <p class="actions">
        {view.staff?.isAdmin && (
          <>
            <a href="/admin/settings/portals/preview">{t('portalpreview:title')}</a>
            <a href="/admin/settings/portals/explain">{t('portalexplain:title')}</a>
          </>
        )}
        <a href="/admin/settings/portals/transfer">{t('portalconfig:page.title')}</a>
      </p>
      {portals.length < max ? (
        <p>
          <a class="button" href={`${PORTALS_PATH}/new`}>
            {t('portals:create.title')}
          </a>
        </p>
      ) : (
        <Alert kind="info">{t('portals:create.limit', { max })}</Alert>
      )}
      {portals.length === 0 ? (
        <p>{t('portals:list.empty')}</p>
      ) : (
        portals.map((p) => (
          <article class="card">
            <h2>
              <a href={`${PORTALS_PATH}/${p.id}`}>{p.name}</a>
            </h2>
            <PortalAddress view={view} url={portalPublicUrl(baseUrl, p)} id={`portal-address-${p.id}`} />
            <UserTypesTable view={view} types={types.filter((ty) => ty.portal_id === p.id)} caption={t('portals:types.captionFor', { name: p.name })} />
          </article>
        ))
      )}
    </section>
  );
}
