import { type Context, Hono } from 'hono';
import { ProfileForm, type ProfileFormValues } from '../../../../views/admin/settings/ProfileForm.js';
import { DeleteProfilePage, NewProfilePage, PROFILES_BASE, ProfileList } from '../../../../views/admin/settings/ProfilesPages.js';
import { requireAdmin } from '../../../auth/guards.js';
import {
  createProfile,
  deleteProfile,
  getProfile,
  listProfiles,
  PERMISSION_ACTIONS,
  type ProfileDetail,
  type ProfileErrors,
  profileLabel,
  updateProfile,
} from '../../../crm/profiles.js';
import type { ModulePermissions } from '../../../crm/staff-access.js';
import type { AppEnv } from '../../../http/env.js';
import { forbidden, notFound, page } from '../../../http/render.js';
import { formValues } from '../../../http/request.js';

export const settingsProfilesRoutes = new Hono<AppEnv>();

settingsProfilesRoutes.use('*', requireAdmin());

const actorOf = (c: Context<AppEnv>) => ({ kind: 'staff' as const, id: c.get('staff')?.id ?? '' });

settingsProfilesRoutes.get('/', async (c) => {
  const profiles = await listProfiles(c.get('deps').db);
  const notice = c.req.query('done') === 'deleted' ? 'deleted' : undefined;
  return page(c, { title: c.get('t')('access:profiles.title'), body: <ProfileList view={c.get('view')} profiles={profiles} notice={notice} /> });
});

settingsProfilesRoutes.get('/new', (c) =>
  page(c, { title: c.get('t')('access:profiles.new'), body: <NewProfilePage view={c.get('view')} name="" errors={{}} /> }),
);

settingsProfilesRoutes.post('/', async (c) => {
  const form = await formValues(c, ['name']);
  const result = await createProfile(c.get('deps').db, actorOf(c), { name: form.name ?? '' });
  if (!result.ok) {
    return page(c, {
      title: c.get('t')('access:profiles.new'),
      status: 422,
      body: <NewProfilePage view={c.get('view')} name={form.name ?? ''} errors={result.errors} />,
    });
  }
  return c.redirect(`${PROFILES_BASE}/${result.profile.id}?done=created`, 303);
});

function renderProfile(c: Context<AppEnv>, profile: ProfileDetail, values: ProfileFormValues, errors: ProfileErrors = {}) {
  const notice = errors.name ? undefined : c.req.query('done') === 'created' ? 'created' : c.req.query('done') === 'saved' ? 'saved' : undefined;
  return page(c, {
    title: profileLabel(c.get('t'), profile),
    status: Object.keys(errors).length > 0 ? 422 : 200,
    body: <ProfileForm view={c.get('view')} profile={profile} values={values} errors={errors} notice={notice} />,
  });
}

settingsProfilesRoutes.get('/:id', async (c) => {
  const profile = await getProfile(c.get('deps').db, c.req.param('id'));
  if (!profile) return notFound(c);
  return renderProfile(c, profile, {
    name: profile.name ?? '',
    managePortals: profile.is_admin || profile.manage_portals,
    managePortalUsers: profile.is_admin || profile.manage_portal_users,
    permissions: profile.permissions,
  });
});

/** The matrix as submitted: a checkbox per module and action, named "view.<module id>". */
async function readProfileForm(c: Context<AppEnv>, profile: ProfileDetail): Promise<ProfileFormValues> {
  const names = profile.modules.flatMap((m) => PERMISSION_ACTIONS.map((a) => `${a}.${m.id}`));
  const form = await formValues(c, ['name', 'manage_portals', 'manage_portal_users', ...names]);
  const permissions = new Map<string, ModulePermissions>();
  for (const m of profile.modules) {
    const [view, create, edit, remove] = PERMISSION_ACTIONS.map((a) => form[`${a}.${m.id}`] === 'on');
    permissions.set(m.id, { view: Boolean(view || create || edit || remove), create: Boolean(create), edit: Boolean(edit), delete: Boolean(remove) });
  }
  return { name: form.name ?? '', managePortals: form.manage_portals === 'on', managePortalUsers: form.manage_portal_users === 'on', permissions };
}

settingsProfilesRoutes.post('/:id', async (c) => {
  const { db } = c.get('deps');
  const profile = await getProfile(db, c.req.param('id'));
  if (!profile) return notFound(c);
  if (profile.is_admin) return forbidden(c);
  const values = await readProfileForm(c, profile);
  const result = await updateProfile(db, actorOf(c), profile.id, values);
  if (result.ok) return c.redirect(`${PROFILES_BASE}/${profile.id}?done=saved`, 303);
  if ('errors' in result) return renderProfile(c, profile, values, result.errors);
  return result.reason === 'not_found' ? notFound(c) : forbidden(c);
});

async function renderDelete(c: Context<AppEnv>, id: string, moveTo = '', errors: ProfileErrors = {}) {
  const profiles = await listProfiles(c.get('deps').db);
  const profile = profiles.find((p) => p.id === id);
  if (!profile) return notFound(c);
  if (profile.kind !== 'custom') return forbidden(c);
  const t = c.get('t');
  return page(c, {
    title: t('access:profiles.deleteTitle', { name: profileLabel(t, profile) }),
    status: Object.keys(errors).length > 0 ? 422 : 200,
    body: <DeleteProfilePage view={c.get('view')} profile={profile} others={profiles.filter((p) => p.id !== id)} moveTo={moveTo} errors={errors} />,
  });
}

settingsProfilesRoutes.get('/:id/delete', (c) => renderDelete(c, c.req.param('id')));

settingsProfilesRoutes.post('/:id/delete', async (c) => {
  const id = c.req.param('id');
  const form = await formValues(c, ['moveTo']);
  const result = await deleteProfile(c.get('deps').db, actorOf(c), id, form.moveTo ?? '');
  if (result.ok) return c.redirect(`${PROFILES_BASE}?done=deleted`, 303);
  if ('errors' in result) return renderDelete(c, id, form.moveTo ?? '', result.errors);
  return result.reason === 'not_found' ? notFound(c) : forbidden(c);
});
