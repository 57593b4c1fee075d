import type { StaffChangeResult, StaffListItem } from '../../../src/auth/staff-admin.js';
import { type ProfileSummary, profileLabel } from '../../../src/crm/profiles.js';
import type { ViewContext } from '../../../src/http/env.js';
import type { FieldErrors } from '../../../src/org/setup-input.js';
import { Alert } from '../../components/Alert.js';
import { SelectField, TextField } from '../../components/Field.js';
import { PasswordFields } from '../../components/PasswordFields.js';
import { languageOptions } from '../SetupPage.js';

export const USERS_BASE = '/admin/settings/users';

export type UsersNotice = 'created' | undefined;
export type UserNotice = 'profile' | 'deactivated' | 'reactivated' | undefined;
export type UserProblem = Exclude<StaffChangeResult, { ok: true }>['reason'] | undefined;

function StatusBadge({ view, active }: { view: ViewContext; active: boolean }) {
  return <span class={active ? 'badge badge-sent' : 'badge'}>{view.t(active ? 'access:users.active' : 'access:users.inactive')}</span>;
}

export function UserList({ view, users, notice }: { view: ViewContext; users: StaffListItem[]; notice: UsersNotice }) {
  const { t } = view;
  return (
    <section>
      <p>
        <a href="/admin/settings">← {t('access:backToSettings')}</a>
      </p>
      <h1>{t('access:users.title')}</h1>
      <p>{t('access:users.intro')}</p>
      {notice === 'created' && <Alert kind="success">{t('access:users.created')}</Alert>}
      <p>
        <a class="button" href={`${USERS_BASE}/new`}>
          {t('access:users.new')}
        </a>
      </p>
      <div class="table-wrap">
        <table>
          <caption class="visually-hidden">{t('access:users.title')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('access:users.name')}</th>
              <th scope="col">{t('access:users.email')}</th>
              <th scope="col">{t('access:users.profile')}</th>
              <th scope="col">{t('access:users.status')}</th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr>
                <td>
                  <a href={`${USERS_BASE}/${u.id}`}>{u.name}</a>
                </td>
                <td>{u.email}</td>
                <td>{profileLabel(t, u.profile)}</td>
                <td>
                  <StatusBadge view={view} active={u.active} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

export type NewUserValues = { name: string; email: string; profile: string; language: string };

export function NewUserPage({ view, profiles, values, errors }: { view: ViewContext; profiles: ProfileSummary[]; values: NewUserValues; errors: FieldErrors }) {
  const { t } = view;
  const err = (name: string) => (errors[name] ? t(errors[name]) : undefined);
  return (
    <section>
      <p>
        <a href={USERS_BASE}>← {t('access:users.back')}</a>
      </p>
      <h1>{t('access:users.new')}</h1>
      <p>{t('access:users.newIntro')}</p>
      {Object.keys(errors).length > 0 && <Alert kind="error">{t('errors:formHasErrors')}</Alert>}
      <form method="post" action={USERS_BASE}>
        <TextField name="name" label={t('access:users.name')} value={values.name} required autocomplete="off" error={err('name')} />
        <TextField name="email" type="email" label={t('access:users.email')} value={values.email} required autocomplete="off" error={err('email')} />
        <SelectField
          name="profile"
          label={t('access:users.profile')}
          required
          value={values.profile}
          error={err('profile')}
          options={[{ value: '', label: t('access:choose') }, ...profiles.map((p) => ({ value: p.id, label: profileLabel(t, p) }))]}
        />
        <SelectField
          name="language"
          label={t('access:users.language')}
          hint={t('access:users.languageHint')}
          value={values.language}
          error={err('language')}
          options={[{ value: '', label: t('access:users.orgLanguage') }, ...languageOptions(view)]}
        />
        <PasswordFields
          label={t('access:users.password')}
          confirmLabel={t('access:users.passwordConfirm')}
          hint={t('access:users.passwordHint')}
          errors={{ password: err('password'), passwordConfirm: err('passwordConfirm') }}
        />
        <button type="submit" class="button">
          {t('access:users.create')}
        </button>
      </form>
    </section>
  );
}

/** One staff user: their profile, and deactivation (which signs them out everywhere). */
export function UserPage({
  view,
  user,
  profiles,
  isSelf,
  notice,
  problem,
}: {
  view: ViewContext;
  user: StaffListItem;
  profiles: ProfileSummary[];
  isSelf: boolean;
  notice: UserNotice;
  problem: UserProblem;
}) {
  const { t, fmt } = view;
  const base = `${USERS_BASE}/${user.id}`;
  return (
    <section>
      <p>
        <a href={USERS_BASE}>← {t('access:users.back')}</a>
      </p>
      <h1>{user.name}</h1>
      {notice && <Alert kind="success">{t(`access:users.notices.${notice}`)}</Alert>}
      {problem && <Alert kind="error">{t(`access:users.problems.${problem}`)}</Alert>}
      <dl class="details">
        <dt>{t('access:users.email')}</dt>
        <dd>{user.email}</dd>
        <dt>{t('access:users.profile')}</dt>
        <dd>{profileLabel(t, user.profile)}</dd>
        <dt>{t('access:users.status')}</dt>
        <dd>
          <StatusBadge view={view} active={user.active} />
        </dd>
        <dt>{t('access:users.since')}</dt>
        <dd>
          <time datetime={user.created_at.toISOString()}>{fmt.dateTime(user.created_at)}</time>
        </dd>
      </dl>

      <h2>{t('access:users.changeProfile')}</h2>
      {isSelf ? (
        <p>{t('access:users.selfProfile')}</p>
      ) : (
        <form method="post" action={`${base}/profile`}>
          <SelectField
            name="profile"
            label={t('access:users.profile')}
            value={user.profile.id}
            error={problem === 'profile_not_found' ? t('errors:choose') : undefined}
            options={profiles.map((p) => ({ value: p.id, label: profileLabel(t, p) }))}
          />
          <button type="submit" class="button">
            {t('access:users.changeProfile')}
          </button>
        </form>
      )}

      <h2>{user.active ? t('access:users.deactivate') : t('access:users.reactivate')}</h2>
      {isSelf ? (
        <p>{t('access:users.selfDeactivate')}</p>
      ) : user.active ? (
        <form method="post" action={`${base}/deactivate`}>
          <p>{t('access:users.deactivateHint')}</p>
          <button type="submit" class="button secondary">
            {t('access:users.deactivateNamed', { name: user.name })}
          </button>
        </form>
      ) : (
        <form method="post" action={`${base}/reactivate`}>
          <p>{t('access:users.reactivateHint')}</p>
          <button type="submit" class="button secondary">
            {t('access:users.reactivateNamed', { name: user.name })}
          </button>
        </form>
      )}
    </section>
  );
}
