import type { Context } from 'hono';
import type { SignedInStaff } from '../../../auth/staff.js';
import { loadModuleMeta, type ModuleMeta } from '../../../crm/metadata.js';
import { type ModulePermissions, modulePermissions, staffRecordScope } from '../../../crm/staff-access.js';
import type { Field } from '../../../db/schema.js';
import type { AppEnv } from '../../../http/env.js';
import { forbidden, notFound } from '../../../http/render.js';

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
  const meta = staff ? await loadModuleMeta(db, c.req.param('module') ?? '') : undefined;
  if (!staff || !meta) return notFound(c);
  const perms = await modulePermissions(db, staff, meta.module.id);
  if (!perms.view) return forbidden(c);
  return { staff, meta, perms, scope: staffRecordScope(staff, meta.module), base: `/admin/m/${meta.module.api_name}` };
}

/** The user's time zone for reading dates and times typed into forms. */
export function timeZoneOf(c: Context<AppEnv>): string {
  return c.get('staff')?.time_zone ?? c.get('org')?.time_zone ?? 'UTC';
}

/** Where a lookup input of a record form asks for suggestions. */
export function lookupSuggestUrl(base: string) {
  return (field: Field) => (field.options.targetModuleId ? `${base}/lookup?field=${field.id}` : undefined);
}

/** On a form that comes back with errors, lookups show what was typed. */
export function lookupEcho(fields: Field[], input: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) if (f.type === 'lookup') out[f.api_name] = input[f.api_name];
  return out;
}
