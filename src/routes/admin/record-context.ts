import type { Context } from 'hono';
import type { SignedInStaff } from '../../auth/staff.js';
import { loadModuleMeta, type ModuleMeta } from '../../crm/metadata.js';
import type { LookupInput, RecordInput } from '../../crm/records.js';
import { type ModulePermissions, modulePermissions, staffRecordScope } from '../../crm/staff-access.js';
import type { Field } from '../../db/schema.js';
import type { AppEnv } from '../../http/env.js';
import { errorPage } from '../../http/render.js';

export type ModuleContext = {
  staff: SignedInStaff;
  meta: ModuleMeta;
  perms: ModulePermissions;
  scope: ReturnType<typeof staffRecordScope>;
  base: string;
};

/** The module named in the URL and what the signed-in user may do with it; a 404 or 403 response otherwise. */
export async function moduleContext(c: Context<AppEnv>): Promise<ModuleContext | Response> {
  const staff = c.get('staff');
  const { db } = c.get('deps');
  const t = c.get('t');
  const meta = staff ? await loadModuleMeta(db, c.req.param('module') ?? '') : undefined;
  if (!staff || !meta) return errorPage(c, 404, t('errors:notFound.title'), t('errors:notFound.message'));
  const perms = await modulePermissions(db, staff, meta.module.id);
  if (!perms.view) return forbidden(c);
  return { staff, meta, perms, scope: staffRecordScope(staff, meta.module), base: `/admin/m/${meta.module.api_name}` };
}

export function forbidden(c: Context<AppEnv>) {
  const t = c.get('t');
  return errorPage(c, 403, t('errors:forbiddenTitle'), t('errors:forbidden'));
}

export function notFound(c: Context<AppEnv>) {
  const t = c.get('t');
  return errorPage(c, 404, t('errors:notFound.title'), t('errors:notFound.message'));
}

/** The user's time zone for reading dates and times typed into forms. */
export function timeZoneOf(c: Context<AppEnv>): string {
  return c.get('staff')?.time_zone ?? c.get('org')?.time_zone ?? 'UTC';
}

type Body = Record<string, unknown>;

/** Reads a record form: plain fields, multi-selects (several values), lookups (name + id) and subform rows. */
export async function readRecordForm(c: Context<AppEnv>, fields: Field[]): Promise<{ input: RecordInput; meta: Record<string, string> }> {
  let body: Body;
  try {
    body = (await c.req.parseBody({ all: true, dot: true })) as Body;
  } catch {
    body = {};
  }
  const input: RecordInput = {};
  const first = (v: unknown): string | undefined => (Array.isArray(v) ? first(v[0]) : typeof v === 'string' ? v : undefined);
  for (const f of fields) {
    const v = body[f.api_name];
    if (f.type === 'multiselect') input[f.api_name] = (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is string => typeof x === 'string');
    else if (f.type === 'lookup') input[f.api_name] = { text: first(v) ?? '', id: first(body[`${f.api_name}__id`]) } satisfies LookupInput;
    else if (f.type === 'subform') {
      const rows = v && typeof v === 'object' && !Array.isArray(v) ? Object.entries(v as Record<string, unknown>) : [];
      input[f.api_name] = rows
        .filter(([k]) => /^\d{1,3}$/.test(k))
        .sort(([a], [b]) => Number(a) - Number(b))
        .map(([, row]) => {
          const out: Record<string, string | string[]> = {};
          for (const [k, cell] of Object.entries((row ?? {}) as Record<string, unknown>)) {
            const s = Array.isArray(cell) ? cell.filter((x): x is string => typeof x === 'string') : first(cell);
            if (s !== undefined) out[k] = s;
          }
          return out;
        });
    } else input[f.api_name] = first(v);
  }
  const meta: Record<string, string> = {};
  for (const key of ['__layout', '__version']) {
    const v = first(body[key]);
    if (v !== undefined) meta[key] = v;
  }
  return { input, meta };
}
