import { moduleLabel } from '../../../src/crm/metadata.js';
import type { ViewContext } from '../../../src/http/env.js';
import type { UserTypeWithCounts } from '../../../src/portals/user-types.js';

/** A portal's user types with their licence counts; names link to each type when `typeHref` is given. */
export function UserTypesTable({
  view,
  types,
  caption,
  typeHref,
}: {
  view: ViewContext;
  types: UserTypeWithCounts[];
  caption: string;
  typeHref?: (id: string) => string;
}) {
  const { t, lang, fmt } = view;
  return (
    <section class="table-wrap" tabindex={0} aria-label={caption}>
      <table>
        <caption class="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t('portals:types.name')}</th>
            <th scope="col">{t('portals:types.baseModule')}</th>
            <th scope="col">{t('portals:licences.invited')}</th>
            <th scope="col">{t('portals:licences.active')}</th>
            <th scope="col">{t('portals:licences.deactivated')}</th>
            <th scope="col">{t('portals:licences.limit')}</th>
          </tr>
        </thead>
        <tbody>
          {types.map((ty) => (
            <tr>
              <th scope="row">
                {typeHref ? <a href={typeHref(ty.id)}>{ty.name}</a> : ty.name}
                {ty.is_default && <> ({t('portals:types.default')})</>}
              </th>
              <td>{moduleLabel(t, lang, ty.baseModule, 'plural')}</td>
              <td>{fmt.number(ty.counts.invited)}</td>
              <td>{fmt.number(ty.counts.active)}</td>
              <td>{fmt.number(ty.counts.deactivated)}</td>
              <td>{fmt.number(ty.user_limit)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
