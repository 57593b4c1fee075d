import type { SignedInStaff } from '../auth/staff.js';
import type { Database } from '../db/database.js';
import type { CrmRecord, Field } from '../db/schema.js';
import { type ListQuery, listRecords, PAGE_SIZE } from './list.js';
import { collectLookupIds, namesFor } from './lookups.js';
import { layoutSections, type ModuleMeta } from './metadata.js';
import type { Scope } from './records.js';
import { type ModulePermissions, staffRecordAccess } from './staff-access.js';

/** The fields a module's list can be filtered by. */
export function listFilterFields(meta: ModuleMeta): Field[] {
  return meta.fields.filter((f) => f.type === 'picklist' || f.type === 'multiselect');
}

/** The columns chosen, or else the default layout's first four fields that read well in a cell. */
export function listColumns(meta: ModuleMeta, chosen: string[]): Field[] {
  const names = chosen.filter((n) => meta.byName.has(n));
  const cols = names.length
    ? names
    : layoutSections(meta, meta.defaultLayout)
        .flatMap((s) => s.fields)
        .filter((f) => !meta.module.name_fields.includes(f.api_name) && !['subform', 'textarea'].includes(f.type))
        .slice(0, 4)
        .map((f) => f.api_name);
  return cols.map((n) => meta.byName.get(n)).filter((f): f is Field => Boolean(f));
}

/** One page of a module's staff list with its columns and the names its lookups show. */
export async function staffListPage(db: Database, staff: SignedInStaff, meta: ModuleMeta, scope: Scope, query: ListQuery, chosen: string[]) {
  const columns = listColumns(meta, chosen);
  const page = await listRecords(db, meta, scope, { ...query, limit: PAGE_SIZE });
  const names = await namesFor(db, staff, collectLookupIds(meta, page.records, columns));
  return { columns, page, names };
}

/** One page of a module's recycle bin, each record with what this user may do with it. */
export async function staffRecycleBin(
  db: Database,
  staff: SignedInStaff,
  meta: ModuleMeta,
  perms: ModulePermissions,
  scope: Scope,
  after: string | undefined,
): Promise<{ records: { record: CrmRecord; restore: boolean; purge: boolean }[]; next: string | undefined }> {
  const result = await listRecords(db, meta, scope, { deleted: true, after, limit: PAGE_SIZE });
  const records = result.records.map((record) => {
    const may = staffRecordAccess(staff, meta.module, perms, record);
    return { record, restore: may.restore, purge: may.purge };
  });
  return { records, next: result.next };
}
