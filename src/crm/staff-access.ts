import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';
import type { SignedInStaff } from '../auth/staff.js';
import { snapshotFor } from '../db/config-snapshot.js';
import type { Database } from '../db/database.js';
import type { CrmRecord, DB, Module } from '../db/schema.js';
import { listModules } from './metadata.js';
import type { Scope } from './records.js';

export type ModulePermissions = { view: boolean; create: boolean; edit: boolean; delete: boolean };

const NONE: ModulePermissions = { view: false, create: false, edit: false, delete: false };
const ALL: ModulePermissions = { view: true, create: true, edit: true, delete: true };

/** What the staff user's profile allows on each module; deny by default (no row, no access). */
export async function permissionsByModule(db: Database, staff: SignedInStaff): Promise<Map<string, ModulePermissions>> {
  const snapshot = snapshotFor(db);
  const rows = snapshot
    ? [...snapshot.profilePermissions.values()].filter((r) => r.profile_id === staff.profile_id)
    : await db.selectFrom('profile_permissions').selectAll().where('profile_id', '=', staff.profile_id).execute();
  return new Map(rows.map((r) => [r.module_id, { view: r.can_view, create: r.can_create, edit: r.can_edit, delete: r.can_delete }]));
}

export async function modulePermissions(db: Database, staff: SignedInStaff, moduleId: string): Promise<ModulePermissions> {
  if (staff.profile.is_admin) return ALL;
  const snapshot = snapshotFor(db);
  const row = snapshot
    ? snapshot.profilePermissions.get(`${staff.profile_id}:${moduleId}`)
    : await db.selectFrom('profile_permissions').selectAll().where('profile_id', '=', staff.profile_id).where('module_id', '=', moduleId).executeTakeFirst();
  if (!row?.can_view) return NONE;
  return { view: row.can_view, create: row.can_create, edit: row.can_edit, delete: row.can_delete };
}

/**
 * The records of a module a staff user may see, as a condition on `records`:
 * administrators see all; others see what they own, or every record of a
 * module shared as public.
 */
export function staffRecordScope(staff: SignedInStaff, module: Module) {
  return (eb: ExpressionBuilder<DB, 'records'>): Expression<SqlBool> => {
    if (staff.profile.is_admin || module.sharing !== 'private') return eb.lit(true);
    return eb('records.owner_id', '=', staff.id);
  };
}

/**
 * What a staff user may pick as a lookup's target, as a condition per target
 * module: records of modules their profile lets them view, within their
 * record scope; nothing of any other module.
 */
export async function staffLookupScope(db: Database, staff: SignedInStaff): Promise<(targetModuleId: string) => Scope> {
  const [perms, modules] = await Promise.all([permissionsByModule(db, staff), listModules(db)]);
  const byId = new Map(modules.map((m) => [m.id, m]));
  return (targetModuleId) => (eb) => {
    const module = byId.get(targetModuleId);
    if (!module || (!staff.profile.is_admin && !perms.get(targetModuleId)?.view)) return eb.lit(false);
    return staffRecordScope(staff, module)(eb);
  };
}

/** Edit and delete: the profile's permission, on a record owned by the user or in a module shared read/write/delete. */
export function mayModify(
  staff: SignedInStaff,
  module: Module,
  perms: ModulePermissions,
  record: Pick<CrmRecord, 'owner_id'>,
  action: 'edit' | 'delete',
): boolean {
  if (staff.profile.is_admin) return true;
  if (!perms[action]) return false;
  return record.owner_id === staff.id || module.sharing === 'public_full';
}

/** Everything a staff user may do with one record: routes check it, views receive it. */
export type RecordAccess = {
  view: boolean;
  /** A new record of the module, a copy of this one included. */
  create: boolean;
  edit: boolean;
  delete: boolean;
  /** A note or a file changes the record's file: as editing it does, it needs the right to edit. */
  note: boolean;
  attach: boolean;
  /** Close, reopen or hold the record. */
  state: boolean;
  reassign: boolean;
  restore: boolean;
  purge: boolean;
  /** Turn a lead that was not converted yet into a contact. */
  convert: boolean;
};

export function staffRecordAccess(
  staff: SignedInStaff,
  module: Module,
  perms: ModulePermissions,
  record: Pick<CrmRecord, 'owner_id' | 'converted_at'>,
): RecordAccess {
  const edit = perms.view && mayModify(staff, module, perms, record, 'edit');
  const remove = perms.view && mayModify(staff, module, perms, record, 'delete');
  return {
    view: perms.view,
    create: perms.create,
    edit,
    delete: remove,
    note: edit,
    attach: edit,
    state: edit,
    reassign: edit,
    restore: remove,
    purge: remove,
    convert: edit && module.api_name === 'leads' && !record.converted_at,
  };
}

/** One module's permissions out of `permissionsByModule`, as `modulePermissions` answers them. */
export function permissionsIn(byModule: Map<string, ModulePermissions>, staff: SignedInStaff, moduleId: string): ModulePermissions {
  if (staff.profile.is_admin) return ALL;
  const found = byModule.get(moduleId);
  return found?.view ? found : NONE;
}
