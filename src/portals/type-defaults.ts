import type { Insertable, Transaction } from 'kysely';
import type { DB, PortalUserType, PortalUserTypesTable } from '../db/schema.js';

// What a user type starts with: its base tab on the module's default layout,
// and on each layout a tab shows, its records' name fields visible.

/**
 * A new user type with its base tab, showing the user's own record on the
 * base module's default layout with the name fields and the email visible
 * (the email read-only: portal users sign in with it).
 */
export async function insertUserType(trx: Transaction<DB>, values: Insertable<PortalUserTypesTable>): Promise<PortalUserType> {
  const type = await trx.insertInto('portal_user_types').values(values).returningAll().executeTakeFirstOrThrow();
  const layout = await trx
    .selectFrom('layouts')
    .select('id')
    .where('module_id', '=', type.base_module_id)
    .where('deleted_at', 'is', null)
    .orderBy('is_default', 'desc')
    .orderBy('position')
    .executeTakeFirst();
  const layoutIds = layout ? [layout.id] : [];
  await trx
    .insertInto('portal_type_tabs')
    .values({ user_type_id: type.id, module_id: type.base_module_id, kind: 'base', layout_ids: layoutIds, can_view: true })
    .execute();
  await applyTabFieldDefaults(trx, type.id, type.base_module_id, layoutIds, { email: true });
  return type;
}

/**
 * The field permissions a tab starts with on each of the given layouts of its
 * module: the record's name fields visible and, with `email`, the module's
 * email field visible but read-only (portal users sign in with it). A layout
 * on which the type already has permissions keeps them as they are.
 */
export async function applyTabFieldDefaults(
  trx: Transaction<DB>,
  userTypeId: string,
  moduleId: string,
  layoutIds: string[],
  opts: { email: boolean },
): Promise<void> {
  if (layoutIds.length === 0) return;
  // One after the other: the statements share the transaction's connection.
  const module = await trx.selectFrom('modules').select('name_fields').where('id', '=', moduleId).executeTakeFirst();
  if (!module) return;
  const fields = await trx
    .selectFrom('fields')
    .select(['id', 'api_name', 'type'])
    .where('module_id', '=', moduleId)
    .where('parent_field_id', 'is', null)
    .where('deleted_at', 'is', null)
    .orderBy('position')
    .execute();
  const layouts = await trx.selectFrom('layouts').select(['id', 'sections']).where('module_id', '=', moduleId).where('id', 'in', layoutIds).execute();
  const configured = await trx
    .selectFrom('portal_type_fields')
    .select('layout_id')
    .distinct()
    .where('user_type_id', '=', userTypeId)
    .where('layout_id', 'in', layoutIds)
    .execute();
  const names = module.name_fields.flatMap((n) => fields.find((f) => f.api_name === n)?.id ?? []);
  const email = opts.email ? (fields.find((f) => f.type === 'email' && f.api_name === 'email') ?? fields.find((f) => f.type === 'email')) : undefined;
  const skip = new Set(configured.map((c) => c.layout_id));
  const values = layouts
    .filter((l) => !skip.has(l.id))
    .flatMap((l) => {
      const inLayout = new Set(l.sections.flatMap((s) => s.fields));
      const rows = names.filter((id) => inLayout.has(id)).map((field_id) => ({ field_id, visible: true, read_only: false }));
      if (email && inLayout.has(email.id) && !names.includes(email.id)) rows.push({ field_id: email.id, visible: true, read_only: true });
      return rows.map((r) => ({ ...r, user_type_id: userTypeId, layout_id: l.id }));
    });
  if (values.length > 0)
    await trx
      .insertInto('portal_type_fields')
      .values(values)
      .onConflict((oc) => oc.doNothing())
      .execute();
}
