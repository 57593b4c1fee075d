import { sql } from 'kysely';
import type { SignedInStaff } from '../auth/staff.js';
import type { Database } from '../db/database.js';
import type { Field, Module } from '../db/schema.js';
import { isUuid } from '../http/input.js';
import { lookupIds, type RawValue, type StoredValue, type SubformRow } from './field-types.js';
import { listModules, type ModuleMeta } from './metadata.js';
import type { LookupInput, RecordData, RecordErrors, Scope } from './records.js';
import { type ModulePermissions, permissionsByModule, staffLookupScope } from './staff-access.js';

export async function resolveLookups(
  db: Database,
  lookups: { field: Field; input: LookupInput }[],
  data: RecordData,
  errors: RecordErrors,
  lookupScope?: (targetModuleId: string) => Scope | undefined,
  existing?: RecordData,
) {
  for (const { field, input } of lookups) {
    const target = field.options.targetModuleId;
    if (!target) {
      errors[field.api_name] = 'crm:errors.lookup';
      continue;
    }
    // A reference the record already holds stays as it is, even to a record outside the scope of whoever edits it now.
    const kept = typeof existing?.[field.api_name] === 'string' ? (existing[field.api_name] as string) : undefined;
    const scope = kept && input.id?.toLowerCase() === kept ? undefined : lookupScope?.(target);
    // UNSCOPED READ: narrowed on the next line by the caller's lookup scope; without one only for a reference the record already
    // holds, or for callers that pass none (an administrator's privacy rectification, the query-plan report).
    let q = db.selectFrom('records').select(['id', 'display_name']).where('module_id', '=', target).where('deleted_at', 'is', null).limit(2);
    if (scope) q = q.where(scope);
    const text = input.text.trim();
    const byId = input.id && isUuid(input.id) ? input.id.toLowerCase() : isUuid(text) ? text.toLowerCase() : undefined;
    if (byId) {
      const row = await q.where('id', '=', byId).executeTakeFirst();
      // The id from the form wins while the name shown still matches it (names need not be unique).
      if (row && (!text || text === row.display_name || text.toLowerCase() === byId)) {
        data[field.api_name] = row.id;
        continue;
      }
    }
    const rows = await q.where(sql<string>`lower(display_name)`, '=', text.toLowerCase()).execute();
    if (rows.length === 1 && rows[0]) data[field.api_name] = rows[0].id;
    else errors[field.api_name] = rows.length === 0 ? 'crm:errors.lookupNotFound' : 'crm:errors.lookupAmbiguous';
  }
}

/**
 * Subform rows name their lookups (a product) like top-level lookups do: by the
 * id the row was drawn with while its name is unchanged, else by exact name.
 * A name that matches no record, or several, is left as typed and fails validation.
 */
export async function resolveRowLookups(
  db: Database,
  children: Field[],
  raw: RawValue,
  lookupScope?: (targetModuleId: string) => Scope | undefined,
): Promise<RawValue> {
  if (!Array.isArray(raw)) return raw;
  const lookups = children.filter((c) => c.type === 'lookup' && c.options.targetModuleId);
  const rows = (raw as Record<string, string | string[]>[]).map((r) => ({ ...r }));
  for (const child of lookups) {
    const wanted = new Map<string, string | undefined>();
    for (const row of rows) {
      const text = typeof row[child.api_name] === 'string' ? (row[child.api_name] as string).trim() : '';
      if (text && !isUuid(text)) wanted.set(text.toLowerCase(), undefined);
    }
    if (wanted.size === 0) continue;
    const scope = lookupScope?.(child.options.targetModuleId as string);
    // UNSCOPED READ: only for callers that pass no lookup scope (an administrator's privacy rectification); staff and portal forms pass theirs.
    const found = await db
      .selectFrom('records')
      .select(['id', 'display_name'])
      .where('module_id', '=', child.options.targetModuleId as string)
      .where('deleted_at', 'is', null)
      .where(sql<string>`lower(display_name)`, 'in', [...wanted.keys()])
      .$if(scope !== undefined, (q) => q.where(scope as Scope))
      .execute();
    const byName = new Map<string, string[]>();
    for (const r of found) byName.set(r.display_name.toLowerCase(), [...(byName.get(r.display_name.toLowerCase()) ?? []), r.id]);
    for (const row of rows) {
      const text = typeof row[child.api_name] === 'string' ? (row[child.api_name] as string).trim() : '';
      if (!text || isUuid(text)) continue;
      const kept = row[`${child.api_name}__id`];
      const ids = byName.get(text.toLowerCase()) ?? [];
      if (typeof kept === 'string' && ids.includes(kept)) row[child.api_name] = kept;
      else if (ids.length === 1 && ids[0]) row[child.api_name] = ids[0];
    }
  }
  return rows;
}

export async function checkSubformLookups(
  db: Database,
  meta: ModuleMeta,
  fields: Field[],
  data: RecordData,
  errors: RecordErrors,
  lookupScope?: (targetModuleId: string) => Scope | undefined,
) {
  for (const field of fields) {
    if (field.type !== 'subform' || errors[field.api_name]) continue;
    const children = meta.children.get(field.id) ?? [];
    for (const child of children.filter((c) => c.type === 'lookup')) {
      const ids = [
        ...new Set(((data[field.api_name] as SubformRow[] | null) ?? []).map((r) => r[child.api_name]).filter((v): v is string => typeof v === 'string')),
      ];
      if (ids.length === 0 || !child.options.targetModuleId) continue;
      // Through a portal, only products (or other targets) in the user's scope.
      const scope = lookupScope?.(child.options.targetModuleId);
      // UNSCOPED READ: only for callers that pass no lookup scope (an administrator's privacy rectification); only ids come back.
      const found = await db
        .selectFrom('records')
        .select('id')
        .where('id', 'in', ids)
        .where('module_id', '=', child.options.targetModuleId)
        .where('deleted_at', 'is', null)
        .$if(scope !== undefined, (q) => q.where(scope as Scope))
        .execute();
      if (found.length !== ids.length) errors[field.api_name] = 'crm:errors.subformRow';
    }
  }
}

/** Display names of the records that lookups on a page point at: one query for the whole page. */
export async function lookupNames(db: Database, ids: string[]): Promise<Map<string, { name: string; moduleId: string; deleted: boolean }>> {
  const unique = [...new Set(ids.filter(isUuid))];
  if (unique.length === 0) return new Map();
  // UNSCOPED READ: names of the records that lookups of already-scoped records point at; staff pages link them only where
  // the viewer may open the module (namesFor), as a portal lookup shows its target's name (ACCESS.md).
  const rows = await db.selectFrom('records').select(['id', 'display_name', 'module_id', 'deleted_at']).where('id', 'in', unique).execute();
  return new Map(rows.map((r) => [r.id, { name: r.display_name, moduleId: r.module_id, deleted: r.deleted_at !== null }]));
}

/** Every lookup id held by these records' visible fields. */
export function collectLookupIds(meta: ModuleMeta, records: { data: unknown }[], fields: Field[]): string[] {
  return records.flatMap((r) => fields.flatMap((f) => lookupIds(f, ((r.data as RecordData)[f.api_name] ?? null) as StoredValue, meta.children.get(f.id))));
}

/** A lookup target's name, and its staff page when the viewer may open it. */
export type StaffLookupNames = Map<string, { name: string; href: string | undefined }>;

/** Names (and links, when the user may open them) of the records lookups point at. */
export async function namesFor(db: Database, staff: SignedInStaff | undefined, ids: string[]): Promise<StaffLookupNames> {
  const [found, modules, perms] = await Promise.all([lookupNames(db, ids), listModules(db), staff ? permissionsByModule(db, staff) : new Map()]);
  return linkedNames(found, modules, perms, staff);
}

/** `namesFor` with the modules and permissions already read. */
export function linkedNames(
  found: Awaited<ReturnType<typeof lookupNames>>,
  modules: Module[],
  perms: Map<string, ModulePermissions>,
  staff: SignedInStaff | undefined,
): StaffLookupNames {
  const byId = new Map(modules.map((m) => [m.id, m]));
  const names: StaffLookupNames = new Map();
  for (const [id, r] of found) {
    const module = byId.get(r.moduleId);
    const mayOpen = !r.deleted && module && (staff?.profile.is_admin || perms.get(module.id)?.view);
    names.set(id, { name: r.name, href: mayOpen && module ? `/admin/m/${module.api_name}/${id}` : undefined });
  }
  return names;
}

/**
 * Lookups of a new record pre-filled from the address (a related list's "add"):
 * only with a live record of the lookup's own target module that this user may pick.
 */
export async function pickableLookups(
  db: Database,
  staff: SignedInStaff,
  fields: Field[],
  asked: (apiName: string) => string | undefined,
): Promise<Record<string, string>> {
  const wanted = fields.flatMap((f) => {
    const id = asked(f.api_name);
    const target = f.options.targetModuleId;
    return f.type === 'lookup' && id && isUuid(id) && target ? [{ field: f.api_name, id, target }] : [];
  });
  if (wanted.length === 0) return {};
  const scope = await staffLookupScope(db, staff);
  const found = await db
    // UNSCOPED READ: each asked record is read through staffLookupScope, the staff user's record scope for its target module.
    .selectFrom('records')
    .select(['id', 'module_id'])
    .where('deleted_at', 'is', null)
    .where((eb) => eb.or(wanted.map((w) => eb.and([eb('id', '=', w.id), eb('module_id', '=', w.target), scope(w.target)(eb)]))))
    .execute();
  const ok = new Set(found.map((r) => `${r.module_id}:${r.id}`));
  return Object.fromEntries(wanted.filter((w) => ok.has(`${w.target}:${w.id}`)).map((w) => [w.field, w.id]));
}
