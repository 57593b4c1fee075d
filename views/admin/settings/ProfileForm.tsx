import { moduleLabel } from '../../../src/crm/metadata.js';
import { PERMISSION_ACTIONS, type ProfileDetail, profileLabel } from '../../../src/crm/profiles.js';
import type { ModulePermissions } from '../../../src/crm/staff-access.js';
import type { Module } from '../../../src/db/schema.js';
import type { ViewContext } from '../../../src/http/env.js';
import type { FieldErrors } from '../../../src/org/setup-input.js';
import { Alert } from '../../components/Alert.js';
import { TextField } from '../../components/Field.js';
import { PROFILES_BASE } from './ProfilesPages.js';

export type ProfileFormValues = {
  name: string;
  managePortals: boolean;
  managePortalUsers: boolean;
  permissions: Map<string, ModulePermissions>;
};

export type ProfileNotice = 'created' | 'saved' | undefined;

/** A profile's page: the Administrator profile read-only, any other one as a form with its permission matrix. */
export function ProfileForm({
  view,
  profile,
  values,
  errors,
  notice,
}: {
  view: ViewContext;
  profile: ProfileDetail;
  values: ProfileFormValues;
  errors: FieldErrors;
  notice: ProfileNotice;
}) {
  const { t } = view;
  const locked = profile.is_admin;
  const action = `${PROFILES_BASE}/${profile.id}`;
  const fields = (
    <>
      {profile.kind === 'custom' ? (
        <TextField name="name" label={t('access:profiles.name')} value={values.name} required error={errors.name ? t(errors.name) : undefined} />
      ) : (
        <p>{t('access:profiles.builtInName')}</p>
      )}
      <fieldset>
        <legend>{t('access:profiles.portals')}</legend>
        <Checkbox
          name="manage_portals"
          label={t('access:profiles.managePortals')}
          hint={t('access:profiles.managePortalsHint')}
          checked={values.managePortals}
          disabled={locked}
        />
        <Checkbox
          name="manage_portal_users"
          label={t('access:profiles.managePortalUsers')}
          hint={t('access:profiles.managePortalUsersHint')}
          checked={values.managePortalUsers}
          disabled={locked}
        />
      </fieldset>
      <h2 id="permissions-title">{t('access:profiles.permissions')}</h2>
      <p class="hint" id="permissions-hint">
        {t('access:profiles.permissionsHint')}
      </p>
      <PermissionMatrix view={view} modules={profile.modules} permissions={values.permissions} disabled={locked} />
    </>
  );
  return (
    <section>
      <p>
        <a href={PROFILES_BASE}>← {t('access:profiles.back')}</a>
      </p>
      <h1>{profileLabel(t, profile)}</h1>
      {notice === 'created' && <Alert kind="success">{t('access:profiles.created')}</Alert>}
      {notice === 'saved' && <Alert kind="success">{t('access:profiles.saved')}</Alert>}
      {Object.keys(errors).length > 0 && <Alert kind="error">{t('errors:formHasErrors')}</Alert>}
      {locked ? (
        <>
          <Alert kind="info">{t('access:profiles.adminLocked')}</Alert>
          {fields}
        </>
      ) : (
        <form method="post" action={action}>
          {fields}
          <p>
            <button type="submit" class="button">
              {t('common:save')}
            </button>{' '}
            {profile.kind === 'custom' && (
              <a class="button secondary" href={`${action}/delete`}>
                {t('access:profiles.delete')}
              </a>
            )}
          </p>
        </form>
      )}
    </section>
  );
}

function Checkbox({ name, label, hint, checked, disabled }: { name: string; label: string; hint: string; checked: boolean; disabled: boolean }) {
  return (
    <div class="field checkbox">
      <input type="checkbox" id={name} name={name} value="on" checked={checked} disabled={disabled} aria-describedby={`${name}-hint`} />{' '}
      <label for={name}>{label}</label>
      <p class="hint" id={`${name}-hint`}>
        {hint}
      </p>
    </div>
  );
}

/** One row per live module, one labelled checkbox per action ("View Contacts"). */
function PermissionMatrix({
  view,
  modules,
  permissions,
  disabled,
}: {
  view: ViewContext;
  modules: Module[];
  permissions: Map<string, ModulePermissions>;
  disabled: boolean;
}) {
  const { t, lang } = view;
  return (
    <section class="table-wrap" tabindex={0} aria-label={t('access:profiles.permissions')}>
      <table class="permission-matrix" aria-describedby="permissions-hint">
        <caption class="visually-hidden">{t('access:profiles.permissions')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('access:profiles.module')}</th>
            {PERMISSION_ACTIONS.map((a) => (
              <th scope="col">{t(`access:profiles.actions.${a}`)}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {modules.map((m) => {
            const name = moduleLabel(t, lang, m, 'plural');
            const perms = permissions.get(m.id);
            return (
              <tr>
                <th scope="row">{name}</th>
                {PERMISSION_ACTIONS.map((a) => {
                  const id = `perm-${a}-${m.id}`;
                  return (
                    <td>
                      <input type="checkbox" id={id} name={`${a}.${m.id}`} value="on" checked={Boolean(perms?.[a])} disabled={disabled} />
                      <label class="visually-hidden" for={id}>
                        {t(`access:profiles.permissionLabel.${a}`, { module: name })}
                      </label>
                    </td>
                  );
                })}
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
