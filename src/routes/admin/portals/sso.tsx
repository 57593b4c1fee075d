import { type Context, Hono } from 'hono';
import { SsoSettingsPage, type SsoSettingsPageProps, ssoSettingsPath } from '../../../../views/admin/portals/SsoSettingsPage.js';
import { requireManagePortals } from '../../../auth/guards.js';
import type { Portal } from '../../../db/schema.js';
import type { AppEnv } from '../../../http/env.js';
import { notFound, page } from '../../../http/render.js';
import { findPortal } from '../../../portals/portals.js';
import { loadSsoSettings, type SsoForm, saveSsoSettings } from '../../../sso/settings.js';
import { portalRedirectUris } from '../../../sso/sign-in.js';
import { readProviderForm } from '../sso-form.js';

/** A portal's single sign-on settings. Mounted under /admin/settings/portals/:id/sso. */
export const portalSsoSettingsRoutes = new Hono<AppEnv>();

portalSsoSettingsRoutes.use('*', requireManagePortals());

const portalOf = (c: Context<AppEnv>) => findPortal(c.get('deps').db, c.req.param('id') ?? '');

function render(c: Context<AppEnv>, portal: Portal, props: Pick<SsoSettingsPageProps, 'values'> & Partial<SsoSettingsPageProps>, status: 200 | 422 = 200) {
  const { config } = c.get('deps');
  return page(c, {
    title: c.get('t')('sso:settings.title', { portal: portal.name }),
    status,
    body: (
      <SsoSettingsPage
        view={c.get('view')}
        portal={portal}
        redirectUris={portalRedirectUris(config.baseUrl, portal)}
        canSave={Boolean(config.appKey)}
        {...props}
      />
    ),
  });
}

portalSsoSettingsRoutes.get('/', async (c) => {
  const portal = await portalOf(c);
  if (!portal) return notFound(c);
  const values = await loadSsoSettings(c.get('deps').db, portal.id);
  return render(c, portal, { values, notice: c.req.query('done') === 'saved' ? c.get('t')('sso:settings.saved') : undefined });
});

/** The form as typed: the provider's fields, and the portal's ways in. */
async function readSsoForm(c: Context<AppEnv>): Promise<SsoForm> {
  const { provider, form } = await readProviderForm(c);
  return { ...provider, passwordSignIn: form.one('passwordSignIn') === 'on', signupAllowed: form.one('signupAllowed') === 'on' };
}

portalSsoSettingsRoutes.post('/', async (c) => {
  const portal = await portalOf(c);
  if (!portal) return notFound(c);
  const form = await readSsoForm(c);
  const { db, config } = c.get('deps');
  const result = await saveSsoSettings(db, { kind: 'staff', id: c.get('staff')?.id ?? '' }, portal, form, config.appKey);
  if (result.ok) return c.redirect(`${ssoSettingsPath(portal.id)}?done=saved`, 303);
  const { clientSecret: _typed, ...shown } = form;
  const values = { ...shown, hasSecret: result.hasSecret };
  if (result.reason === 'no_key') return render(c, portal, { values, error: c.get('t')('sso:settings.noKey') }, 422);
  return render(c, portal, { values, errors: result.errors }, 422);
});
