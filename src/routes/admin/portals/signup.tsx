import { type Context, Hono } from 'hono';
import { SignupSettingsPage, type SignupSettingsPageProps, signupSettingsPath } from '../../../../views/admin/portals/SignupSettingsPage.js';
import { requireManagePortals } from '../../../auth/guards.js';
import type { Portal } from '../../../db/schema.js';
import type { AppEnv } from '../../../http/env.js';
import { notFound, page } from '../../../http/render.js';
import { type Form, queryForm, readForm } from '../../../http/request.js';
import { findPortal } from '../../../portals/portals.js';
import { askableFields, type SignupSettingsInput, saveSignupSettings, signupChoices } from '../../../signup/settings.js';

/** A portal's self sign-up settings. Mounted under /admin/settings/portals/:id/signup. */
export const portalSignupSettingsRoutes = new Hono<AppEnv>();

portalSignupSettingsRoutes.use('*', requireManagePortals());

const savedValues = (portal: Portal): SignupSettingsInput => ({
  typeId: portal.signup_user_type_id ?? '',
  fieldIds: portal.signup_field_ids,
  ownerId: portal.signup_owner_id ?? '',
  domains: portal.signup_domains.join('\n'),
});

const inputOf = (form: Form): SignupSettingsInput => ({
  typeId: form.one('typeId') ?? '',
  fieldIds: form.all('fieldIds'),
  ownerId: form.one('ownerId') ?? '',
  domains: (form.one('domains') ?? '').slice(0, 20_000),
});

async function render(c: Context<AppEnv>, portal: Portal, values: SignupSettingsInput, extra: Partial<SignupSettingsPageProps> = {}, status: 200 | 422 = 200) {
  const db = c.get('deps').db;
  const [choices, askable] = await Promise.all([signupChoices(db, portal.id), values.typeId ? askableFields(db, values.typeId) : undefined]);
  return page(c, {
    title: c.get('t')('signup:settings.title', { portal: portal.name }),
    status,
    body: (
      <SignupSettingsPage
        view={c.get('view')}
        portal={portal}
        types={choices.types}
        owners={choices.owners}
        fields={askable?.fields ?? []}
        values={values}
        notice={c.req.query('done') === 'saved' ? c.get('t')('signup:settings.saved') : undefined}
        {...extra}
      />
    ),
  });
}

portalSignupSettingsRoutes.get('/', async (c) => {
  const portal = await findPortal(c.get('deps').db, c.req.param('id') ?? '');
  if (!portal) return notFound(c);
  // "Show this type's fields" (a GET of the form) draws the fields of the type chosen with what was typed, without saving.
  const query = queryForm(c);
  return render(c, portal, query.one('typeId') === undefined ? savedValues(portal) : inputOf(query));
});

portalSignupSettingsRoutes.post('/', async (c) => {
  const portal = await findPortal(c.get('deps').db, c.req.param('id') ?? '');
  if (!portal) return notFound(c);
  const input = inputOf(await readForm(c));
  const saved = await saveSignupSettings(c.get('deps').db, { kind: 'staff', id: c.get('staff')?.id ?? '' }, portal, input);
  if (!saved.ok) return render(c, portal, input, { errors: saved.errors }, 422);
  return c.redirect(`${signupSettingsPath(portal.id)}?done=saved`, 303);
});
