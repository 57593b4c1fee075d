import type { Context } from 'hono';
import { SETTINGS_BASE } from '../../../../views/admin/settings/ModuleList.js';
import type { ValueInput } from '../../../crm/field-admin.js';
import { loadModuleMeta, type ModuleMeta } from '../../../crm/metadata.js';
import type { Labels } from '../../../db/schema.js';
import type { AppEnv } from '../../../http/env.js';
import { errorPage } from '../../../http/render.js';
import { LANGUAGES } from '../../../i18n/languages.js';

export { SETTINGS_BASE } from '../../../../views/admin/settings/ModuleList.js';

/** A submitted form (or query string) as strings: one per name, or several for repeated names. */
export type FormBody = Record<string, string | string[]>;

export async function readBody(c: Context<AppEnv>): Promise<FormBody> {
  let raw: Record<string, unknown>;
  try {
    raw = await c.req.parseBody({ all: true });
  } catch {
    raw = {};
  }
  const out: FormBody = {};
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v === 'string') out[k] = v;
    else if (Array.isArray(v)) out[k] = v.filter((x): x is string => typeof x === 'string');
  }
  return out;
}

export function queryBody(c: Context<AppEnv>): FormBody {
  return Object.fromEntries(Object.entries(c.req.queries()).map(([k, v]) => [k, v.length === 1 ? (v[0] ?? '') : v]));
}

export function one(body: FormBody, name: string): string | undefined {
  const v = body[name];
  return Array.isArray(v) ? v[0] : v;
}

export function many(body: FormBody, name: string): string[] {
  const v = body[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** `<prefix>.<lang>` inputs, as typed. */
export function labelsFrom(body: FormBody, prefix: string): Labels {
  const out: Labels = {};
  for (const lang of LANGUAGES) {
    const v = one(body, `${prefix}.${lang}`);
    if (v !== undefined) out[lang] = v;
  }
  return out;
}

/** Picklist rows `values.<i>.<lang>` (and `values.<i>.value` for an existing value), in row order. */
export function valueRowsFrom(body: FormBody): ValueInput[] {
  const indexes = new Set<number>();
  for (const key of Object.keys(body)) {
    const m = /^values\.(\d{1,3})\./.exec(key);
    if (m) indexes.add(Number(m[1]));
  }
  return [...indexes].sort((a, b) => a - b).map((i) => ({ value: one(body, `values.${i}.value`) || undefined, labels: labelsFrom(body, `values.${i}`) }));
}

export type SettingsModule = { meta: ModuleMeta; base: string };

/** The module named in the URL, or a 404 page. */
export async function settingsModule(c: Context<AppEnv>): Promise<SettingsModule | Response> {
  const meta = await loadModuleMeta(c.get('deps').db, c.req.param('module') ?? '');
  if (!meta) {
    const t = c.get('t');
    return errorPage(c, 404, t('errors:notFound.title'), t('errors:notFound.message'));
  }
  return { meta, base: `${SETTINGS_BASE}/${meta.module.api_name}` };
}

export function notFoundPage(c: Context<AppEnv>) {
  const t = c.get('t');
  return errorPage(c, 404, t('errors:notFound.title'), t('errors:notFound.message'));
}

/** A one-time message named in the query string after a redirect (`?done=saved`). */
export function flashFrom(c: Context<AppEnv>): string | undefined {
  const done = c.req.query('done');
  return done && /^[a-zA-Z]{1,20}$/.test(done) ? c.get('t')(`settings:flash.${done}`, { defaultValue: '' }) || undefined : undefined;
}
