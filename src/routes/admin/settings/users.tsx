import { type Context, Hono } from 'hono';
import {
  NewUserPage,
  type NewUserValues,
  USERS_BASE,
  UserList,
  type UserNotice,
  UserPage,
  type UserProblem,
} from '../../../../views/admin/settings/UsersPages.js';
import { requireAdmin } from '../../../auth/guards.js';
import {
  changeStaffProfile,
  createStaffUser,
  getStaff,
  listStaff,
  type StaffChangeResult,
  setStaffActive,
  validateNewStaff,
} from '../../../auth/staff-admin.js';
import { listProfiles } from '../../../crm/profiles.js';
import type { AppEnv } from '../../../http/env.js';
import { notFound, page } from '../../../http/render.js';
import { formValues } from '../../../http/request.js';
import { isLanguage } from '../../../i18n/languages.js';
import type { FieldErrors } from '../../../org/setup-input.js';

export const settingsUsersRoutes = new Hono<AppEnv>();

settingsUsersRoutes.use('*', requireAdmin());

const actorOf = (c: Context<AppEnv>) => ({ kind: 'staff' as const, id: c.get('staff')?.id ?? '' });

settingsUsersRoutes.get('/', async (c) => {
  const users = await listStaff(c.get('deps').db);
  const notice = c.req.query('done') === 'created' ? 'created' : undefined;
  return page(c, { title: c.get('t')('access:users.title'), body: <UserList view={c.get('view')} users={users} notice={notice} /> });
});

async function renderNew(c: Context<AppEnv>, values: NewUserValues, errors: FieldErrors = {}) {
  const profiles = await listProfiles(c.get('deps').db);
  return page(c, {
    title: c.get('t')('access:users.new'),
    status: Object.keys(errors).length > 0 ? 422 : 200,
    body: <NewUserPage view={c.get('view')} profiles={profiles} values={values} errors={errors} />,
  });
}

settingsUsersRoutes.get('/new', (c) => renderNew(c, { name: '', email: '', profile: '', language: '' }));

settingsUsersRoutes.post('/', async (c) => {
  const { db, boss, config } = c.get('deps');
  const form = await formValues(c, ['name', 'email', 'profile', 'language', 'password', 'passwordConfirm']);
  const values = { name: form.name ?? '', email: form.email ?? '', profile: form.profile ?? '', language: form.language ?? '' };
  const checked = validateNewStaff(form);
  if (!checked.ok) return renderNew(c, values, checked.errors);
  const org = c.get('org');
  const staff = c.get('staff');
  if (!org || !staff) return notFound(c);
  const result = await createStaffUser(db, boss, actorOf(c), checked.input, {
    orgName: org.name,
    defaultLanguage: isLanguage(org.default_language) ? org.default_language : 'en',
    baseUrl: config.baseUrl,
    addedBy: staff.name,
  });
  if (!result.ok) return renderNew(c, values, result.errors);
  return c.redirect(`${USERS_BASE}?done=created`, 303);
});

const NOTICES: readonly string[] = ['profile', 'deactivated', 'reactivated'];

async function renderUser(c: Context<AppEnv>, problem?: UserProblem) {
  const { db } = c.get('deps');
  const [user, profiles] = await Promise.all([getStaff(db, c.req.param('id') ?? ''), listProfiles(db)]);
  if (!user) return notFound(c);
  const done = c.req.query('done') ?? '';
  const notice = !problem && NOTICES.includes(done) ? (done as UserNotice) : undefined;
  return page(c, {
    title: user.name,
    status: problem ? 422 : 200,
    body: <UserPage view={c.get('view')} user={user} profiles={profiles} isSelf={user.id === c.get('staff')?.id} notice={notice} problem={problem} />,
  });
}

settingsUsersRoutes.get('/:id', (c) => renderUser(c));

/** After a change: back to the user's page with a notice, or the page again with the reason it was refused. */
function answer(c: Context<AppEnv>, result: StaffChangeResult, done: NonNullable<UserNotice>) {
  if (result.ok) return c.redirect(`${USERS_BASE}/${c.req.param('id')}?done=${done}`, 303);
  if (result.reason === 'not_found') return notFound(c);
  return renderUser(c, result.reason);
}

settingsUsersRoutes.post('/:id/profile', async (c) => {
  const form = await formValues(c, ['profile']);
  return answer(c, await changeStaffProfile(c.get('deps').db, actorOf(c), c.req.param('id'), form.profile ?? ''), 'profile');
});

settingsUsersRoutes.post('/:id/deactivate', async (c) =>
  answer(c, await setStaffActive(c.get('deps').db, actorOf(c), c.req.param('id'), false), 'deactivated'),
);

settingsUsersRoutes.post('/:id/reactivate', async (c) => answer(c, await setStaffActive(c.get('deps').db, actorOf(c), c.req.param('id'), true), 'reactivated'));
