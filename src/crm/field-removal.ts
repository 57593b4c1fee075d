import { randomUUID } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { Database } from '../db/database.js';
import type { DB, Field, FieldOptions, Module } from '../db/schema.js';
import type { Outcome } from './admin-labels.js';
import { defaultLayoutOf, type ModuleMeta } from './metadata.js';

/** Where a removed field stood in each layout, so restoring puts it back there. */
type Placement = { layoutId: string; sectionId: string; index: number };
type RemovedOptions = FieldOptions & { removedFrom?: Placement[] };

const isNameField = (module: Module, field: Field) => !field.parent_field_id && module.name_fields.includes(field.api_name);

/**
 * Hides a field everywhere: forms, details, lists and layouts. Records keep
 * its values in their data until the field is purged.
 */
export async function removeField(db: Database, meta: ModuleMeta, field: Field): Promise<Outcome<Field>> {
  if (field.deleted_at) return { ok: true, value: field };
  if (isNameField(meta.module, field)) return { ok: false, errors: { field: 'settings:errors.nameFieldRemove' } };
  const removed = await db.transaction().execute(async (trx) => {
    const removedFrom: Placement[] = [];
    if (!field.parent_field_id) {
      const layouts = await trx.selectFrom('layouts').selectAll().where('module_id', '=', meta.module.id).forUpdate().execute();
      for (const layout of layouts) {
        let touched = false;
        const sections = layout.sections.map((s) => {
          const index = s.fields.indexOf(field.id);
          if (index < 0) return s;
          touched = true;
          removedFrom.push({ layoutId: layout.id, sectionId: s.id, index });
          return { ...s, fields: s.fields.filter((id) => id !== field.id) };
        });
        if (touched)
          await trx
            .updateTable('layouts')
            .set({ sections: JSON.stringify(sections) })
            .where('id', '=', layout.id)
            .execute();
      }
    }
    const options: RemovedOptions = { ...field.options, removedFrom };
    return trx
      .updateTable('fields')
      .set({ deleted_at: new Date(), options: JSON.stringify(options) })
      .where('id', '=', field.id)
      .returningAll()
      .executeTakeFirstOrThrow();
  });
  return { ok: true, value: removed };
}

const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

/**
 * Brings a removed field back where it stood (or at the end of the default
 * layout), and rebuilds the lookup references that record edits made while it
 * was hidden may have dropped.
 */
export async function restoreField(db: Database, meta: ModuleMeta, field: Field): Promise<Outcome<Field>> {
  if (!field.deleted_at) return { ok: true, value: field };
  const restored = await db.transaction().execute(async (trx) => {
    const { removedFrom = [], ...options } = field.options as RemovedOptions;
    if (!field.parent_field_id) {
      const layouts = await trx.selectFrom('layouts').selectAll().where('module_id', '=', meta.module.id).where('deleted_at', 'is', null).forUpdate().execute();
      let placed = false;
      for (const layout of layouts) {
        const spots = removedFrom.filter((p) => p.layoutId === layout.id);
        let sections = layout.sections;
        for (const spot of spots) {
          sections = sections.map((s) => {
            if (s.id !== spot.sectionId || s.fields.includes(field.id)) return s;
            placed = true;
            const fields = [...s.fields];
            fields.splice(Math.min(spot.index, fields.length), 0, field.id);
            return { ...s, fields };
          });
        }
        if (sections !== layout.sections)
          await trx
            .updateTable('layouts')
            .set({ sections: JSON.stringify(sections) })
            .where('id', '=', layout.id)
            .execute();
      }
      const fallback = defaultLayoutOf(layouts);
      if (!placed && fallback) {
        const sections = fallback.sections.length > 0 ? fallback.sections : [{ id: randomUUID(), labelKey: 'crm:sections.details', fields: [] }];
        const last = sections.length - 1;
        const next = sections.map((s, i) => (i === last && !s.fields.includes(field.id) ? { ...s, fields: [...s.fields, field.id] } : s));
        await trx
          .updateTable('layouts')
          .set({ sections: JSON.stringify(next) })
          .where('id', '=', fallback.id)
          .execute();
      }
    }
    const row = await trx
      .updateTable('fields')
      .set({ deleted_at: null, options: JSON.stringify(options) })
      .where('id', '=', field.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await rebuildRefs(trx, meta.module.id, row);
    return row;
  });
  return { ok: true, value: restored };
}

async function rebuildRefs(trx: Transaction<DB>, moduleId: string, field: Field) {
  if (field.type === 'lookup' && !field.parent_field_id) {
    // UNSCOPED READ: an administrator restored a lookup field: its references are rebuilt inside the database; no record data leaves.
    await sql`insert into record_refs (field_id, target_id, record_id)
      select ${field.id}::uuid, (r.data->>${field.api_name})::uuid, r.id from records r
      where r.module_id = ${moduleId} and r.data->>${field.api_name} ~ ${UUID_PATTERN}
      on conflict do nothing`.execute(trx);
  }
  const lookups =
    field.type === 'subform'
      ? await trx
          .selectFrom('fields')
          .selectAll()
          .where('parent_field_id', '=', field.id)
          .where('type', '=', 'lookup')
          .where('deleted_at', 'is', null)
          .execute()
      : [];
  if (field.type === 'lookup' && field.parent_field_id) {
    const parent = await trx.selectFrom('fields').selectAll().where('id', '=', field.parent_field_id).executeTakeFirst();
    if (parent) await rebuildRowRefs(trx, moduleId, parent, field);
  }
  for (const child of lookups) await rebuildRowRefs(trx, moduleId, field, child);
}

async function rebuildRowRefs(trx: Transaction<DB>, moduleId: string, subform: Field, child: Field) {
  // UNSCOPED READ: an administrator restored a subform lookup: its references are rebuilt inside the database; no record data leaves.
  await sql`insert into record_refs (field_id, target_id, record_id)
    select distinct ${child.id}::uuid, (e->>${child.api_name})::uuid, r.id
    from records r, jsonb_array_elements(${rowsOf(subform, 'r')}) e
    where r.module_id = ${moduleId} and e->>${child.api_name} ~ ${UUID_PATTERN}
    on conflict do nothing`.execute(trx);
}

/** A subform's rows in records.data; anything but an array reads as no rows (the SQL never trips on a stray value). */
function rowsOf(subform: Field, table = 'records') {
  return sql`case when jsonb_typeof(${sql.ref(`${table}.data`)}->${subform.api_name}) = 'array' then ${sql.ref(`${table}.data`)}->${subform.api_name} else '[]'::jsonb end`;
}

/** How many records of the module still hold a value for a field (what purging would delete). */
export async function recordsHoldingValues(db: Database, module: Module, field: Field): Promise<number> {
  const parent = field.parent_field_id ? await db.selectFrom('fields').selectAll().where('id', '=', field.parent_field_id).executeTakeFirst() : undefined;
  const holds = parent
    ? sql<boolean>`exists (select 1 from jsonb_array_elements(${rowsOf(parent)}) e where e ? ${field.api_name})`
    : sql<boolean>`data ? ${field.api_name}`;
  // UNSCOPED READ: counts only: how many records hold a removed field's value, for the administrator deciding to purge it.
  const row = await db
    .selectFrom('records')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('module_id', '=', module.id)
    .where(holds)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Deletes a removed field for good: its values leave every record of the
 * module (one statement), then its lookup references and the field itself
 * (a subform takes its own fields with it).
 */
export async function purgeField(db: Database, module: Module, field: Field): Promise<Outcome<{ records: number }>> {
  if (!field.deleted_at) return { ok: false, errors: { field: 'settings:errors.notRemoved' } };
  if (isNameField(module, field)) return { ok: false, errors: { field: 'settings:errors.nameFieldPurge' } };
  if (field.kind === 'standard') return { ok: false, errors: { field: 'settings:errors.standardPurge' } };
  const records = await db.transaction().execute(async (trx) => {
    const parent = field.parent_field_id ? await trx.selectFrom('fields').selectAll().where('id', '=', field.parent_field_id).executeTakeFirst() : undefined;
    const result = parent
      ? await sql`update records set data = jsonb_set(data, array[${parent.api_name}::text],
            (select coalesce(jsonb_agg(e - ${field.api_name}::text order by n), '[]'::jsonb)
               from jsonb_array_elements(${rowsOf(parent)}) with ordinality as rows(e, n)))
          where module_id = ${module.id} and exists (select 1 from jsonb_array_elements(${rowsOf(parent)}) e where e ? ${field.api_name})`.execute(trx)
      : await sql`update records set data = data - ${field.api_name}::text where module_id = ${module.id} and data ? ${field.api_name}`.execute(trx);
    const children = await trx.selectFrom('fields').select('id').where('parent_field_id', '=', field.id).execute();
    const ids = [field.id, ...children.map((c) => c.id)];
    await trx.deleteFrom('record_refs').where('field_id', 'in', ids).execute();
    if (children.length > 0) await trx.deleteFrom('fields').where('parent_field_id', '=', field.id).execute();
    await trx.deleteFrom('fields').where('id', '=', field.id).execute();
    return Number(result.numAffectedRows ?? 0);
  });
  return { ok: true, value: { records } };
}
