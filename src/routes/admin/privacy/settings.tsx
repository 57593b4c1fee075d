import { Hono } from 'hono';
import { PRIVACY_PATH, PrivacyPage } from '../../../../views/admin/settings/PrivacyPage.js';
import { requireAdmin } from '../../../auth/guards.js';
import type { AppEnv } from '../../../http/env.js';
import { page } from '../../../http/render.js';
import { formValues } from '../../../http/request.js';
import { setGdprEnabled } from '../../../privacy/compliance.js';
import { notFound } from '../record-context.js';

export const settingsPrivacyRoutes = new Hono<AppEnv>();

settingsPrivacyRoutes.use('*', requireAdmin());

settingsPrivacyRoutes.get('/', (c) => {
  const org = c.get('org');
  if (!org) return notFound(c);
  return page(c, {
    title: c.get('t')('privacy:settings.title'),
    body: <PrivacyPage view={c.get('view')} gdprEnabled={org.gdpr_enabled} saved={c.req.query('done') === 'saved'} />,
  });
});

settingsPrivacyRoutes.post('/', async (c) => {
  const staff = c.get('staff');
  if (!staff || !c.get('org')) return notFound(c);
  const form = await formValues(c, ['gdpr']);
  await setGdprEnabled(c.get('deps').db, { kind: 'staff', id: staff.id }, form.gdpr === 'on');
  return c.redirect(`${PRIVACY_PATH}?done=saved`, 303);
});
