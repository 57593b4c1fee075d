import { Hono } from 'hono';
import { ProfilePage } from '../../../views/admin/ProfilePage.js';
import { saveStaffPreferences, validatePreferences } from '../../auth/staff-preferences.js';
import type { AppEnv } from '../../http/env.js';
import { page } from '../../http/render.js';
import { formValues } from '../../http/request.js';

export const profileRoutes = new Hono<AppEnv>();

profileRoutes.get('/', (c) => {
  const staff = c.get('staff');
  if (!staff) return c.notFound();
  const values = { language: staff.language ?? '', timeZone: staff.time_zone ?? '', timeFormat: staff.time_format ?? '' };
  return page(c, {
    title: c.get('t')('admin:profile.title'),
    body: <ProfilePage view={c.get('view')} values={values} errors={{}} saved={c.req.query('saved') === '1'} />,
  });
});

profileRoutes.post('/', async (c) => {
  const staff = c.get('staff');
  if (!staff) return c.notFound();
  const form = await formValues(c, ['language', 'timeZone', 'timeFormat']);
  const checked = validatePreferences(form);
  if (!checked.ok) {
    const values = { language: form.language ?? '', timeZone: form.timeZone ?? '', timeFormat: form.timeFormat ?? '' };
    return page(c, {
      title: c.get('t')('admin:profile.title'),
      status: 422,
      body: <ProfilePage view={c.get('view')} values={values} errors={checked.errors} saved={false} />,
    });
  }
  await saveStaffPreferences(c.get('deps').db, staff.id, checked.prefs);
  return c.redirect('/admin/profile?saved=1', 303);
});
