import type { Context } from 'hono';
import { SETTINGS_BASE } from '../../../../views/admin/settings/ModuleList.js';
import type { ValueInput } from '../../../crm/field-admin.js';
import { loadModuleMeta, type ModuleMeta } from '../../../crm/metadata.js';
import type { Labels } from '../../../db/schema.js';
import type { AppEnv } from '../../../http/env.js';
import { notFound } from '../../../http/render.js';
import type { Form } from '../../../http/request.js';
import { LANGUAGES } from '../../../i18n/languages.js';

export { SETTINGS_BASE } from '../../../../views/admin/settings/ModuleList.js';

/** `<prefix>.<lang>` inputs, as typed. */
export function labelsFrom(form: Form, prefix: string): Labels {
  const out: Labels = {};
  for (const lang of LANGUAGES) {
    const v = form.one(`${prefix}.${lang}`);
    if (v !== undefined) out[lang] = v;
  }
  return out;
}

/** Picklist rows `values.<i>.<lang>` (and `values.<i>.value` for an existing value), in row order. */
export function valueRowsFrom(form: Form): ValueInput[] {
  const indexes = new Set<number>();
  for (const key of form.names()) {
    const m = /^values\.(\d{1,3})\./.exec(key);
    if (m) indexes.add(Number(m[1]));
  }
  return [...indexes].sort((a, b) => a - b).map((i) => ({ value: form.one(`values.${i}.value`) || undefined, labels: labelsFrom(form, `values.${i}`) }));
}

export type SettingsModule = { meta: ModuleMeta; base: string };

/** The module named in the URL, or a 404 page. */
export async function settingsModule(c: Context<AppEnv>): Promise<SettingsModule | Response> {
  const meta = await loadModuleMeta(c.get('deps').db, c.req.param('module') ?? '');
  if (!meta) {
    const _t = c.get('t');
    return notFound(c);
  }
  return { meta, base: `${SETTINGS_BASE}/${meta.module.api_name}` };
}

/** A one-time message named in the query string after a redirect (`?done=saved`). */
export function flashFrom(c: Context<AppEnv>): string | undefined {
  const done = c.req.query('done');
  return done && /^[a-zA-Z]{1,20}$/.test(done) ? c.get('t')(`settings:flash.${done}`, { defaultValue: '' }) || undefined : undefined;
}
