import { Hono } from 'hono';
import { PRIVACY_PATH, PrivacyPage } from '../../../../views/admin/settings/PrivacyPage.js';
import { requireAdmin } from '../../../auth/guards.js';
import type { AppEnv } from '../../../http/env.js';
import { notFound, page } from '../../../http/render.js';
import { formValues } from '../../../http/request.js';
import { setGdprEnabled, setPrivacyContact } from '../../../privacy/compliance.js';

export const settingsPrivacyRoutes = new Hono<AppEnv>();

settingsPrivacyRoutes.use('*', requireAdmin());

settingsPrivacyRoutes.get('/', (c) => {
  const org = c.get('org');
  if (!org) return notFound(c);
  return page(c, {
    title: c.get('t')('privacy:settings.title'),
    body: <PrivacyPage view={c.get('view')} gdprEnabled={org.gdpr_enabled} contact={org.privacy_contact ?? ''} saved={c.req.query('done') === 'saved'} />,
  });
});

settingsPrivacyRoutes.post('/', async (c) => {
  const staff = c.get('staff');
  if (!staff || !c.get('org')) return notFound(c);
  const form = await formValues(c, ['gdpr', 'contact']);
  const actor = { kind: 'staff' as const, id: staff.id };
  const contact = await setPrivacyContact(c.get('deps').db, actor, form.contact ?? '');
  if (!contact.ok) {
    return page(c, {
      title: c.get('t')('privacy:settings.title'),
      status: 422,
      body: (
        <PrivacyPage
          view={c.get('view')}
          gdprEnabled={form.gdpr === 'on'}
          contact={form.contact ?? ''}
          contactError={c.get('t')('privacy:settings.contactInvalid')}
          saved={false}
        />
      ),
    });
  }
  await setGdprEnabled(c.get('deps').db, actor, form.gdpr === 'on');
  return c.redirect(`${PRIVACY_PATH}?done=saved`, 303);
});
