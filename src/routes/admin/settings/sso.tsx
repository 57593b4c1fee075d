import { type Context, Hono } from 'hono';
import { STAFF_SSO_PATH, StaffSsoPage, type StaffSsoPageProps } from '../../../../views/admin/settings/StaffSsoPage.js';
import { requireAdmin } from '../../../auth/guards.js';
import type { AppEnv } from '../../../http/env.js';
import { page } from '../../../http/render.js';
import { loadStaffSsoSettings, saveStaffSsoSettings } from '../../../sso/staff-settings.js';
import { staffRedirectUri } from '../../../sso/staff-sign-in.js';
import { readProviderForm } from '../sso-form.js';

/** Staff sign-in's single sign-on settings, for administrators. Mounted under /admin/settings/sso. */
export const staffSsoSettingsRoutes = new Hono<AppEnv>();

staffSsoSettingsRoutes.use('*', requireAdmin());

function render(c: Context<AppEnv>, props: Pick<StaffSsoPageProps, 'values'> & Partial<StaffSsoPageProps>, status: 200 | 422 = 200) {
  const { config } = c.get('deps');
  return page(c, {
    title: c.get('t')('sso:staff.title'),
    status,
    body: <StaffSsoPage view={c.get('view')} redirectUri={staffRedirectUri(config.baseUrl)} canSave={Boolean(config.appKey)} {...props} />,
  });
}

staffSsoSettingsRoutes.get('/', async (c) => {
  const values = await loadStaffSsoSettings(c.get('deps').db);
  return render(c, { values, notice: c.req.query('done') === 'saved' ? c.get('t')('sso:settings.saved') : undefined });
});

staffSsoSettingsRoutes.post('/', async (c) => {
  const { provider } = await readProviderForm(c);
  const { db, config } = c.get('deps');
  const result = await saveStaffSsoSettings(db, { kind: 'staff', id: c.get('staff')?.id ?? '' }, provider, config.appKey);
  if (result.ok) return c.redirect(`${STAFF_SSO_PATH}?done=saved`, 303);
  const { clientSecret: _typed, ...shown } = provider;
  const values = { ...shown, hasSecret: result.hasSecret };
  if (result.reason === 'no_key') return render(c, { values, error: c.get('t')('sso:settings.noKey') }, 422);
  return render(c, { values, errors: result.errors }, 422);
});
