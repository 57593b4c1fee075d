import { Hono } from 'hono';
import { ModuleForm, type ModuleFormValues } from '../../../../views/admin/settings/ModuleForm.js';
import { ModuleList } from '../../../../views/admin/settings/ModuleList.js';
import { requireAdmin } from '../../../auth/guards.js';
import { CASE_STATES, type CaseStatus, setCaseConfig } from '../../../cases/status.js';
import { listModules } from '../../../crm/metadata.js';
import { createCustomModule, type ModuleInput, updateModule } from '../../../crm/module-admin.js';
import type { AppEnv } from '../../../http/env.js';
import { page } from '../../../http/render.js';
import { type Form, readForm } from '../../../http/request.js';
import { labelsFrom, SETTINGS_BASE, settingsModule } from './context.js';
import { fieldSettingsRoutes } from './fields.js';
import { layoutSettingsRoutes } from './layouts.js';
import { renderModulePage } from './module-page.js';

export const moduleSettingsRoutes = new Hono<AppEnv>();

moduleSettingsRoutes.use('*', requireAdmin());

function moduleInput(body: Form): ModuleInput {
  return { singular: labelsFrom(body, 'singular'), plural: labelsFrom(body, 'plural'), sharing: body.one('sharing') };
}

const formValues = (input: ModuleInput): ModuleFormValues => ({ singular: input.singular, plural: input.plural, sharing: input.sharing ?? 'private' });

moduleSettingsRoutes.get('/', async (c) => {
  const modules = await listModules(c.get('deps').db);
  return page(c, { title: c.get('t')('settings:modules.title'), body: <ModuleList view={c.get('view')} modules={modules} /> });
});

moduleSettingsRoutes.get('/new', (c) =>
  page(c, {
    title: c.get('t')('settings:modules.new'),
    body: <ModuleForm view={c.get('view')} values={{ singular: {}, plural: {}, sharing: 'private' }} errors={{}} />,
  }),
);

moduleSettingsRoutes.post('/', async (c) => {
  const input = moduleInput(await readForm(c));
  const result = await createCustomModule(c.get('deps').db, input);
  if (!result.ok) {
    return page(c, {
      title: c.get('t')('settings:modules.new'),
      status: 422,
      body: <ModuleForm view={c.get('view')} values={formValues(input)} errors={result.errors} />,
    });
  }
  return c.redirect(`${SETTINGS_BASE}/${result.value.api_name}?done=moduleCreated`, 303);
});

moduleSettingsRoutes.get('/:module', async (c) => {
  const ctx = await settingsModule(c);
  if (ctx instanceof Response) return ctx;
  return renderModulePage(c, ctx.meta.module);
});

moduleSettingsRoutes.post('/:module', async (c) => {
  const ctx = await settingsModule(c);
  if (ctx instanceof Response) return ctx;
  const input = moduleInput(await readForm(c));
  const result = await updateModule(c.get('deps').db, ctx.meta.module, input);
  if (!result.ok) return renderModulePage(c, ctx.meta.module, { values: formValues(input), errors: result.errors, status: 422 });
  return c.redirect(`${ctx.base}?done=moduleSaved`, 303);
});

moduleSettingsRoutes.post('/:module/case-module', async (c) => {
  const ctx = await settingsModule(c);
  if (ctx instanceof Response) return ctx;
  const body = await readForm(c);
  const chosen = body.one('clear') ? undefined : (Object.fromEntries(CASE_STATES.map((s) => [s, body.one(`state.${s}`) ?? ''])) as Record<CaseStatus, string>);
  const result = await setCaseConfig(c.get('deps').db, { kind: 'staff', id: c.get('staff')?.id ?? '' }, ctx.meta, chosen);
  if (!result.ok) return renderModulePage(c, ctx.meta.module, { problem: result.error, status: 422 });
  return c.redirect(`${ctx.base}?done=caseModuleSaved#case-module-title`, 303);
});

moduleSettingsRoutes.route('/', fieldSettingsRoutes);
moduleSettingsRoutes.route('/', layoutSettingsRoutes);
