import { type Context, Hono } from 'hono';
import { AccessDiffReview } from '../../../../views/admin/portals/AccessDiff.js';
import { TabsPage } from '../../../../views/admin/portals/TabsPage.js';
import { requireManagePortals } from '../../../auth/guards.js';
import type { Database } from '../../../db/database.js';
import type { AppEnv } from '../../../http/env.js';
import { notFound, page } from '../../../http/render.js';
import { type Form, readForm } from '../../../http/request.js';
import { LANGUAGES } from '../../../i18n/languages.js';
import { type AccessDiff, diffAccess } from '../../../portals/access-diff.js';
import { fieldWalk } from '../../../portals/field-walk.js';
import { saveTabs, type TabErrors, type TabInput, tabOptions } from '../../../portals/tabs.js';
import { userTypesOf } from '../../../portals/user-types.js';
import { findUserType } from '../../../portals/web-tabs.js';

export const portalTabsRoutes = new Hono<AppEnv>();
portalTabsRoutes.use('*', requireManagePortals());

function readInput(form: Form, moduleIds: string[]): Record<string, TabInput> {
  const one = (name: string) => form.one(name) ?? '';
  const input: Record<string, TabInput> = {};
  for (const id of moduleIds) {
    const f = (name: string) => `${id}.${name}`;
    input[id] = {
      shown: one(f('shown')) === 'on',
      filterFieldId: one(f('filter')),
      reach: one(f('reach')) || 'mine',
      layoutIds: form.all(f('layouts')),
      view: one(f('view')) === 'on',
      create: one(f('create')) === 'on',
      edit: one(f('edit')) === 'on',
      delete: one(f('delete')) === 'on',
      viewMode: one(f('viewMode')) || 'list',
      notes: one(f('notes')) || 'none',
      attachments: one(f('attachments')) || 'none',
      labels: Object.fromEntries(LANGUAGES.map((lang) => [lang, one(f(`label.${lang}`))])),
    };
  }
  return input;
}

async function render(c: Context<AppEnv>, values: Record<string, TabInput> | undefined, errors: TabErrors, status: 200 | 422 = 200) {
  const t = c.get('t');
  const db = c.get('deps').db;
  const type = await findUserType(db, c.req.param('type') ?? '');
  const options = type ? await tabOptions(db, type.id) : undefined;
  if (!type || !options) return notFound(c);
  const types = (await userTypesOf(db, [type.portal_id])).map(({ id, name }) => ({ id, name }));
  return page(c, {
    title: t('portaltabs:title', { type: type.name, portal: type.portal_name }),
    status,
    body: (
      <TabsPage
        view={c.get('view')}
        action={`/admin/settings/portals/types/${type.id}/tabs`}
        typeName={type.name}
        portalName={type.portal_name}
        options={options}
        values={values}
        errors={errors}
        steps={{ portalId: type.portal_id, typeId: type.id, baseModule: type.base_module, types }}
        notice={c.req.query('done') === 'typeSaved' ? t('portals:done.typeSaved') : undefined}
      />
    ),
  });
}

/** The submitted values as they came, minus the review's own buttons, to be posted again from the review. */
function submitted(form: Form): [string, string][] {
  return form.entries().filter(([name]) => name !== 'confirm' && name !== 'back');
}

function review(c: Context<AppEnv>, action: string, diff: AccessDiff, form: Form) {
  return page(c, {
    title: c.get('t')('accessdiff:title'),
    body: <AccessDiffReview view={c.get('view')} diff={diff} action={action} values={submitted(form)} />,
  });
}

/** On to the field permissions of the first shown module and layout; a type that shows none goes to the summary. */
async function nextStep(db: Database, type: { id: string; portal_id: string }): Promise<string> {
  const [first] = await fieldWalk(db, type.id);
  return first
    ? `/admin/settings/portals/types/${type.id}/fields/${first.moduleApiName}?layout=${first.layoutId}&done=tabsSaved`
    : `/admin/settings/portals/${type.portal_id}/summary`;
}

portalTabsRoutes.get('/:type/tabs', (c) => render(c, undefined, {}));

portalTabsRoutes.post('/:type/tabs', async (c) => {
  const staff = c.get('staff');
  const db = c.get('deps').db;
  const type = await findUserType(db, c.req.param('type'));
  const options = type ? await tabOptions(db, type.id) : undefined;
  if (!staff || !type || !options) return render(c, undefined, {});
  const form = await readForm(c);
  const input = readInput(
    form,
    options.map((o) => o.module.id),
  );
  if (form.one('back') === '1') return render(c, input, {});
  // Saving waits for the admin to confirm a change in who sees what; one that changes nothing is saved at once.
  if (form.one('confirm') !== '1') {
    const proposed = await diffAccess(db, type.id, { tabs: input });
    if (!proposed.ok) return render(c, input, proposed.errors, 422);
    if (proposed.diff.changed) return review(c, `/admin/settings/portals/types/${type.id}/tabs`, proposed.diff, form);
  }
  const saved = await saveTabs(db, { kind: 'staff', id: staff.id }, type.id, input);
  if (!saved.ok) return render(c, input, saved.errors, 422);
  return c.redirect(await nextStep(db, type), 303);
});
