import { type Context, Hono } from 'hono';
import { AccessDiffReview } from '../../../../views/admin/portals/AccessDiff.js';
import { TabsPage } from '../../../../views/admin/portals/TabsPage.js';
import type { AppEnv } from '../../../http/env.js';
import { errorPage, page } from '../../../http/render.js';
import { LANGUAGES } from '../../../i18n/languages.js';
import { type AccessDiff, diffAccess } from '../../../portals/access-diff.js';
import { fieldWalk } from '../../../portals/field-walk.js';
import { requireManagePortals } from '../../../portals/guard.js';
import { saveTabs, type TabErrors, type TabInput, tabOptions } from '../../../portals/tabs.js';
import { userTypesOf } from '../../../portals/user-types.js';
import { findUserType } from '../../../portals/web-tabs.js';

export const portalTabsRoutes = new Hono<AppEnv>();
portalTabsRoutes.use('*', requireManagePortals());

type Body = Record<string, string | File | (string | File)[]>;

const strings = (v: Body[string] | undefined): string[] =>
  v === undefined ? [] : (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
const one = (body: Body, name: string) => strings(body[name])[0] ?? '';

function readInput(body: Body, moduleIds: string[]): Record<string, TabInput> {
  const input: Record<string, TabInput> = {};
  for (const id of moduleIds) {
    const f = (name: string) => `${id}.${name}`;
    input[id] = {
      shown: one(body, f('shown')) === 'on',
      filterFieldId: one(body, f('filter')),
      layoutIds: strings(body[f('layouts')]),
      view: one(body, f('view')) === 'on',
      create: one(body, f('create')) === 'on',
      edit: one(body, f('edit')) === 'on',
      delete: one(body, f('delete')) === 'on',
      viewMode: one(body, f('viewMode')) || 'list',
      notes: one(body, f('notes')) || 'none',
      attachments: one(body, f('attachments')) || 'none',
      labels: Object.fromEntries(LANGUAGES.map((lang) => [lang, one(body, f(`label.${lang}`))])),
    };
  }
  return input;
}

async function render(c: Context<AppEnv>, values: Record<string, TabInput> | undefined, errors: TabErrors, status: 200 | 422 = 200) {
  const t = c.get('t');
  const db = c.get('deps').db;
  const type = await findUserType(db, c.req.param('type') ?? '');
  const options = type ? await tabOptions(db, type.id) : undefined;
  if (!type || !options) return errorPage(c, 404, t('errors:notFound.title'), t('errors:notFound.message'));
  const types = (await userTypesOf(db, [type.portal_id])).map(({ id, name }) => ({ id, name }));
  return page(c, {
    title: t('portaltabs:title', { type: type.name, portal: type.portal_name }),
    status,
    body: (
      <TabsPage
        view={c.get('view')}
        action={`/admin/settings/portal-tabs/${type.id}`}
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
function submitted(body: Body): [string, string][] {
  return Object.entries(body)
    .filter(([name]) => name !== 'confirm' && name !== 'back')
    .flatMap(([name, value]) => strings(value).map((v): [string, string] => [name, v]));
}

function review(c: Context<AppEnv>, action: string, diff: AccessDiff, body: Body) {
  return page(c, {
    title: c.get('t')('accessdiff:title'),
    body: <AccessDiffReview view={c.get('view')} diff={diff} action={action} values={submitted(body)} />,
  });
}

portalTabsRoutes.get('/:type', (c) => render(c, undefined, {}));

portalTabsRoutes.post('/:type', async (c) => {
  const staff = c.get('staff');
  const db = c.get('deps').db;
  const type = await findUserType(db, c.req.param('type'));
  const options = type ? await tabOptions(db, type.id) : undefined;
  if (!staff || !type || !options) return render(c, undefined, {});
  const body = (await c.req.parseBody({ all: true })) as Body;
  const input = readInput(
    body,
    options.map((o) => o.module.id),
  );
  const action = `/admin/settings/portal-tabs/${type.id}`;
  if (one(body, 'back') === '1') return render(c, input, {});
  // Saving waits for the admin to confirm a change in who sees what; one that changes nothing is saved at once.
  if (one(body, 'confirm') !== '1') {
    const proposed = await diffAccess(db, type.id, { tabs: input });
    if (!proposed.ok) return render(c, input, proposed.errors, 422);
    if (proposed.diff.changed) return review(c, action, proposed.diff, body);
  }
  const saved = await saveTabs(db, { kind: 'staff', id: staff.id }, type.id, input);
  if (!saved.ok) return render(c, input, saved.errors, 422);
  // On to the field permissions of the first shown module and layout; a type that shows none goes to the summary.
  const [first] = await fieldWalk(db, type.id);
  return c.redirect(
    first
      ? `/admin/settings/portal-fields/${type.id}/${first.moduleApiName}?layout=${first.layoutId}&done=tabsSaved`
      : `/admin/settings/portals/${type.portal_id}/summary`,
    303,
  );
});
