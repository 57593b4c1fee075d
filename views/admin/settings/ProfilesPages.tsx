import { type ProfileSummary, profileLabel } from '../../../src/crm/profiles.js';
import type { ViewContext } from '../../../src/http/env.js';
import type { FieldErrors } from '../../../src/org/setup-input.js';
import { Alert } from '../../components/Alert.js';
import { SelectField, TextField } from '../../components/Field.js';

export const PROFILES_BASE = '/admin/settings/profiles';

export type ProfilesNotice = 'deleted' | undefined;

export function ProfileList({ view, profiles, notice }: { view: ViewContext; profiles: ProfileSummary[]; notice: ProfilesNotice }) {
  const { t, fmt } = view;
  return (
    <section>
      <p>
        <a href="/admin/settings">← {t('access:backToSettings')}</a>
      </p>
      <h1>{t('access:profiles.title')}</h1>
      <p>{t('access:profiles.intro')}</p>
      {notice === 'deleted' && <Alert kind="success">{t('access:profiles.deleted')}</Alert>}
      <p>
        <a class="button" href={`${PROFILES_BASE}/new`}>
          {t('access:profiles.new')}
        </a>
      </p>
      <div class="table-wrap">
        <table>
          <caption class="visually-hidden">{t('access:profiles.title')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('access:profiles.name')}</th>
              <th scope="col">{t('access:profiles.kindLabel')}</th>
              <th scope="col">{t('access:profiles.users')}</th>
              <th scope="col">{t('access:profiles.managePortals')}</th>
            </tr>
          </thead>
          <tbody>
            {profiles.map((p) => (
              <tr>
                <td>
                  <a href={`${PROFILES_BASE}/${p.id}`}>{profileLabel(t, p)}</a>
                </td>
                <td>{t(`access:profiles.kind.${p.kind}`)}</td>
                <td>{fmt.number(p.userCount)}</td>
                <td>{p.manage_portals ? t('common:yes') : t('common:no')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

export function NewProfilePage({ view, name, errors }: { view: ViewContext; name: string; errors: FieldErrors }) {
  const { t } = view;
  return (
    <section>
      <p>
        <a href={PROFILES_BASE}>← {t('access:profiles.back')}</a>
      </p>
      <h1>{t('access:profiles.new')}</h1>
      <p>{t('access:profiles.newIntro')}</p>
      {Object.keys(errors).length > 0 && <Alert kind="error">{t('errors:formHasErrors')}</Alert>}
      <form method="post" action={PROFILES_BASE}>
        <TextField name="name" label={t('access:profiles.name')} value={name} required error={errors.name ? t(errors.name) : undefined} />
        <button type="submit" class="button">
          {t('access:profiles.create')}
        </button>
      </form>
    </section>
  );
}

/** Deleting a profile asks where its users go first. */
export function DeleteProfilePage({
  view,
  profile,
  others,
  moveTo,
  errors,
}: {
  view: ViewContext;
  profile: ProfileSummary;
  others: ProfileSummary[];
  moveTo: string;
  errors: FieldErrors;
}) {
  const { t } = view;
  const name = profileLabel(t, profile);
  return (
    <section>
      <p>
        <a href={`${PROFILES_BASE}/${profile.id}`}>← {t('access:profiles.backTo', { name })}</a>
      </p>
      <h1>{t('access:profiles.deleteTitle', { name })}</h1>
      {Object.keys(errors).length > 0 && <Alert kind="error">{t('errors:formHasErrors')}</Alert>}
      <form method="post" action={`${PROFILES_BASE}/${profile.id}/delete`}>
        {profile.userCount > 0 ? (
          <>
            <p>{t('access:profiles.deleteUsers', { count: profile.userCount })}</p>
            <SelectField
              name="moveTo"
              label={t('access:profiles.moveTo')}
              required
              value={moveTo}
              error={errors.moveTo ? t(errors.moveTo) : undefined}
              options={[{ value: '', label: t('access:choose') }, ...others.map((p) => ({ value: p.id, label: profileLabel(t, p) }))]}
            />
          </>
        ) : (
          <p>{t('access:profiles.deleteNoUsers')}</p>
        )}
        <button type="submit" class="button">
          {t('access:profiles.delete')}
        </button>{' '}
        <a class="button secondary" href={`${PROFILES_BASE}/${profile.id}`}>
          {t('common:cancel')}
        </a>
      </form>
    </section>
  );
}
