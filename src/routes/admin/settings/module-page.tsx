import type { Context } from 'hono';
import type { ModuleFormValues } from '../../../../views/admin/settings/ModuleForm.js';
import { ModulePage } from '../../../../views/admin/settings/ModulePage.js';
import type { FormErrors } from '../../../crm/admin-labels.js';
import { moduleFieldsForAdmin } from '../../../crm/field-admin.js';
import { listModules, moduleLabel } from '../../../crm/metadata.js';
import type { Module } from '../../../db/schema.js';
import type { AppEnv } from '../../../http/env.js';
import { page } from '../../../http/render.js';
import { flashFrom } from './context.js';

export function moduleFormValues(module: Module): ModuleFormValues {
  const entries = Object.entries(module.labels);
  return {
    singular: Object.fromEntries(entries.map(([l, v]) => [l, v?.singular])),
    plural: Object.fromEntries(entries.map(([l, v]) => [l, v?.plural])),
    sharing: module.sharing,
  };
}

type State = { values?: ModuleFormValues; errors?: FormErrors; problem?: string | undefined; status?: 200 | 422 };

/** A module's settings page, as it is or with a form or action that came back refused. */
export async function renderModulePage(c: Context<AppEnv>, module: Module, state: State = {}) {
  const { db } = c.get('deps');
  const [fields, modules] = await Promise.all([moduleFieldsForAdmin(db, module.id), listModules(db)]);
  const t = c.get('t');
  const body = (
    <ModulePage
      view={c.get('view')}
      module={module}
      fields={fields}
      modulesById={new Map(modules.map((m) => [m.id, m]))}
      values={state.values ?? moduleFormValues(module)}
      errors={state.errors ?? {}}
      flash={state.status ? undefined : flashFrom(c)}
      problem={state.problem ? t(state.problem) : undefined}
    />
  );
  return page(c, { title: t('settings:modules.pageTitle', { module: moduleLabel(t, c.get('lang'), module, 'plural') }), body, status: state.status ?? 200 });
}
