import { randomUUID } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { Database } from '../db/database.js';
import type { DB, Field, FieldOptions, FieldType, Labels, LayoutSection, Module, ModuleSharing, PicklistValue } from '../db/schema.js';
import { isUuid } from '../http/input.js';
import { translator } from '../i18n/i18n.js';
import { LANGUAGES } from '../i18n/languages.js';
import { apiNameFrom, checkLabels, cleanLabels, type FormErrors, keyedLabels, LABEL_MAX, nameSource, type Outcome, sameText } from './admin-labels.js';
import { labelOf, type ModuleMeta, moduleLabel } from './metadata.js';

export type { FormErrors, Outcome } from './admin-labels.js';

export const FIELD_TYPES = [
  'text',
  'textarea',
  'email',
  'phone',
  'url',
  'number',
  'decimal',
  'currency',
  'percent',
  'boolean',
  'date',
  'datetime',
  'picklist',
  'multiselect',
  'lookup',
  'subform',
] as const satisfies readonly FieldType[];

export const SHARING_LEVELS = ['private', 'public_read', 'public_full'] as const satisfies readonly ModuleSharing[];

export const VALUES_MAX = 200;
export const SCALE_MAX = 6;
export const DEFAULT_SCALE = 2;

export const hasValues = (type: string) => type === 'picklist' || type === 'multiselect';
export const hasScale = (type: string) => type === 'decimal' || type === 'currency';

// Names the record pages and lists already use for themselves (query parameters, sort keys, columns).
const RESERVED_FIELD_NAMES = new Set([
  'id',
  'q',
  'sort',
  'dir',
  'after',
  'col',
  'cols',
  'layout',
  'clone',
  'field',
  'created',
  'updated',
  'deleted',
  'owner',
  'state',
  'version',
  'data',
  'search',
  'display_name',
  'created_at',
  'updated_at',
  'deleted_at',
  'owner_id',
  'module_id',
  'layout_id',
]);
// Path segments of the staff and settings pages.
const RESERVED_MODULE_NAMES = new Set(['new', 'm', 'admin', 'settings', 'modules', 'fields', 'layouts', 'lookup', 'recycle_bin', 'static', 'api', 'p']);

// ---------------------------------------------------------------------------
// Modules

export type ModuleInput = { singular: Labels; plural: Labels; sharing?: string | undefined };

function checkModuleLabels(input: ModuleInput, others: Module[], errors: FormErrors) {
  if (Object.keys(input.singular).length === 0 && Object.keys(input.plural).length === 0) {
    errors.singular = 'settings:errors.labelRequired';
    return;
  }
  for (const lang of LANGUAGES) {
    const singular = input.singular[lang];
    const plural = input.plural[lang];
    const t = translator(lang);
    if (singular && !plural) errors[`plural.${lang}`] = 'settings:errors.pluralRequired';
    if (plural && !singular) errors[`singular.${lang}`] = 'settings:errors.singularRequired';
    for (const [form, label] of [
      ['singular', singular],
      ['plural', plural],
    ] as const) {
      if (!label) continue;
      if (label.length > LABEL_MAX) errors[`${form}.${lang}`] = 'settings:errors.labelTooLong';
      else if (others.some((m) => sameText(moduleLabel(t, lang, m, form), label))) errors[`${form}.${lang}`] = 'settings:errors.moduleDuplicate';
    }
  }
}

const cleanModuleInput = (input: ModuleInput): ModuleInput => ({ ...input, singular: cleanLabels(input.singular), plural: cleanLabels(input.plural) });

function moduleLabels(input: ModuleInput): Module['labels'] {
  const out: Module['labels'] = {};
  for (const lang of LANGUAGES) {
    const singular = input.singular[lang];
    const plural = input.plural[lang];
    if (singular && plural) out[lang] = { singular, plural };
  }
  return out;
}

function checkSharing(value: string | undefined, errors: FormErrors): ModuleSharing | undefined {
  if (value === undefined) return undefined;
  if ((SHARING_LEVELS as readonly string[]).includes(value)) return value as ModuleSharing;
  errors.sharing = 'settings:errors.sharingInvalid';
  return undefined;
}

/**
 * A custom module with a required text field "name" that names its records,
 * and a default layout with one section holding it. Administrators' profiles
 * get every permission on it; other profiles none until an administrator grants them.
 */
export async function createCustomModule(db: Database, raw: ModuleInput): Promise<Outcome<Module>> {
  const input = cleanModuleInput(raw);
  const errors: FormErrors = {};
  const all = await db.selectFrom('modules').selectAll().execute();
  checkModuleLabels(
    input,
    all.filter((m) => !m.deleted_at),
    errors,
  );
  const sharing = checkSharing(input.sharing, errors) ?? 'private';
  if (Object.keys(errors).length > 0) return { ok: false, errors };

  const labels = moduleLabels(input);
  const source = input.plural.en ?? LANGUAGES.map((l) => input.plural[l]).find(Boolean) ?? '';
  const apiName = apiNameFrom(source, new Set(all.map((m) => m.api_name)), RESERVED_MODULE_NAMES, 'module');
  const position = Math.max(0, ...all.map((m) => m.position)) + 10;
  const module = await db.transaction().execute(async (trx) => {
    const module = await trx
      .insertInto('modules')
      .values({ api_name: apiName, kind: 'custom', labels: JSON.stringify(labels), sharing, position, name_fields: ['name'] })
      .returningAll()
      .executeTakeFirstOrThrow();
    const nameFieldId = randomUUID();
    await trx
      .insertInto('fields')
      .values({
        id: nameFieldId,
        module_id: module.id,
        api_name: 'name',
        kind: 'custom',
        type: 'text',
        required: true,
        labels: JSON.stringify(keyedLabels('settings:defaults.nameField')),
        options: '{}',
        position: 10,
      })
      .execute();
    await trx
      .insertInto('layouts')
      .values({
        id: randomUUID(),
        module_id: module.id,
        api_name: 'standard',
        label_key: 'crm:layouts.standard',
        labels: '{}',
        is_default: true,
        position: 10,
        sections: JSON.stringify([{ id: randomUUID(), labelKey: 'crm:sections.overview', fields: [nameFieldId] }] satisfies LayoutSection[]),
      })
      .execute();
    const profiles = await trx.selectFrom('profiles').select(['id', 'is_admin']).execute();
    if (profiles.length > 0)
      await trx
        .insertInto('profile_permissions')
        .values(
          profiles.map((p) => ({
            profile_id: p.id,
            module_id: module.id,
            can_view: p.is_admin,
            can_create: p.is_admin,
            can_edit: p.is_admin,
            can_delete: p.is_admin,
          })),
        )
        .execute();
    return module;
  });
  return { ok: true, value: module };
}

/** Labels (custom modules only: standard ones are named by the locale files) and sharing. */
export async function updateModule(db: Database, module: Module, raw: ModuleInput): Promise<Outcome<Module>> {
  const input = cleanModuleInput(raw);
  const errors: FormErrors = {};
  if (module.kind === 'custom') {
    const others = await db.selectFrom('modules').selectAll().where('deleted_at', 'is', null).where('id', '<>', module.id).execute();
    checkModuleLabels(input, others, errors);
  }
  const sharing = checkSharing(input.sharing, errors);
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const changes = { ...(module.kind === 'custom' ? { labels: JSON.stringify(moduleLabels(input)) } : {}), ...(sharing ? { sharing } : {}) };
  // A standard module's labels come from the locale files: sent without a sharing level, there is nothing to save.
  if (Object.keys(changes).length === 0) return { ok: true, value: module };
  const updated = await db.updateTable('modules').set(changes).where('id', '=', module.id).returningAll().executeTakeFirstOrThrow();
  return { ok: true, value: updated };
}

// ---------------------------------------------------------------------------
// Fields

export type ValueInput = { value?: string | undefined; labels: Labels };

export type NewFieldInput = {
  type: string;
  labels: Labels;
  required: boolean;
  values: ValueInput[];
  targetModuleId?: string | undefined;
  scale?: string | undefined;
  parentFieldId?: string | undefined;
  /** Layouts that get the new field at the end of their last section. */
  layoutIds?: string[] | undefined;
};

export type FieldUpdateInput = { labels: Labels; required: boolean; values: ValueInput[]; scale?: string | undefined };

/** Every field of a module, removed ones included, in order: what the settings pages list. */
export function moduleFieldsForAdmin(db: Database, moduleId: string): Promise<Field[]> {
  return db.selectFrom('fields').selectAll().where('module_id', '=', moduleId).orderBy('position').orderBy('created_at').execute();
}

export function findFieldForAdmin(db: Database, moduleId: string, fieldId: string): Promise<Field | undefined> {
  if (!isUuid(fieldId)) return Promise.resolve(undefined);
  return db.selectFrom('fields').selectAll().where('module_id', '=', moduleId).where('id', '=', fieldId).executeTakeFirst();
}

function parseScale(type: string, raw: string | undefined, errors: FormErrors): number | undefined {
  if (!hasScale(type)) return undefined;
  if (raw === undefined || raw.trim() === '') return DEFAULT_SCALE;
  const n = Number(raw.trim());
  if (!Number.isInteger(n) || n < 0 || n > SCALE_MAX) {
    errors.scale = 'settings:errors.scaleInvalid';
    return undefined;
  }
  return n;
}

/**
 * Merges submitted picklist rows into a field's values: a row naming an
 * existing value relabels it, a new row adds a value, and no value is ever
 * dropped (records may hold it).
 */
function mergeValues(existing: PicklistValue[], rows: ValueInput[], errors: FormErrors): PicklistValue[] {
  const entries: { value: PicklistValue; row?: number }[] = existing.map((v) => ({ value: { ...v } }));
  const byValue = new Map(entries.map((e) => [e.value.value, e]));
  const taken = new Set(byValue.keys());
  rows.forEach((row, i) => {
    const labels = cleanLabels(row.labels);
    const current = row.value ? byValue.get(row.value) : undefined;
    if (current) {
      // Values named by locale keys keep their translations.
      if (!current.value.labelKey && Object.keys(labels).length > 0) {
        current.value.labels = labels;
        current.row = i;
      }
      return;
    }
    if (Object.keys(labels).length === 0) return;
    for (const lang of LANGUAGES) if ((labels[lang]?.length ?? 0) > LABEL_MAX) errors[`values.${i}.${lang}`] = 'settings:errors.labelTooLong';
    const value = apiNameFrom(nameSource(labels), taken, new Set(), 'value');
    taken.add(value);
    entries.push({ value: { value, labels }, row: i });
  });
  // Two values a user could not tell apart in some language.
  for (const lang of LANGUAGES) {
    const t = translator(lang);
    const seen = new Map<string, { row?: number }>();
    for (const entry of entries) {
      const text = labelOf(t, lang, entry.value, entry.value.value).normalize('NFC').toLocaleLowerCase();
      const earlier = seen.get(text);
      if (!earlier) {
        seen.set(text, entry);
        continue;
      }
      const row = entry.row ?? earlier.row;
      if (row === undefined) errors.values = 'settings:errors.valueDuplicate';
      // Flagged where the clash was typed; a clash through another language's fallback is left alone.
      else if (cleanLabels(rows[row]?.labels ?? {})[lang]) errors[`values.${row}.${lang}`] = 'settings:errors.valueDuplicate';
    }
  }
  if (entries.length === 0) errors.values = 'settings:errors.valuesRequired';
  if (entries.length > VALUES_MAX) errors.values = 'settings:errors.tooManyValues';
  return entries.map((e) => e.value);
}

export async function addField(db: Database, meta: ModuleMeta, input: NewFieldInput): Promise<Outcome<Field>> {
  const errors: FormErrors = {};
  const type = (FIELD_TYPES as readonly string[]).includes(input.type) ? (input.type as FieldType) : undefined;
  if (!type) errors.type = 'settings:errors.typeInvalid';
  const parent = input.parentFieldId ? meta.byId.get(input.parentFieldId) : undefined;
  if (input.parentFieldId && (parent?.type !== 'subform' || parent.parent_field_id)) errors.parent = 'settings:errors.parentInvalid';
  if (parent && type === 'subform') errors.type = 'settings:errors.subformInSubform';
  const siblings = parent ? (meta.children.get(parent.id) ?? []) : meta.fields;
  const labels = cleanLabels(input.labels);
  checkLabels('label', labels, siblings, errors);

  const options: FieldOptions = {};
  if (type && hasValues(type)) options.values = mergeValues([], input.values, errors);
  if (type === 'lookup') {
    const wanted = input.targetModuleId && isUuid(input.targetModuleId) ? input.targetModuleId : undefined;
    const target = wanted ? await db.selectFrom('modules').select('id').where('id', '=', wanted).where('deleted_at', 'is', null).executeTakeFirst() : undefined;
    if (!input.targetModuleId) errors.target = 'settings:errors.targetRequired';
    else if (!target) errors.target = 'settings:errors.targetInvalid';
    else options.targetModuleId = target.id;
  }
  const scale = parseScale(input.type, input.scale, errors);
  if (scale !== undefined) options.scale = scale;
  if (!type || Object.keys(errors).length > 0) return { ok: false, errors };

  const field = await db.transaction().execute(async (trx) => {
    const existing = await trx
      .selectFrom('fields')
      .select(['api_name', 'position'])
      .where('module_id', '=', meta.module.id)
      .where('parent_field_id', parent ? '=' : 'is', parent?.id ?? null)
      .execute();
    const apiName = apiNameFrom(nameSource(labels), new Set(existing.map((f) => f.api_name)), RESERVED_FIELD_NAMES, 'field');
    const field = await trx
      .insertInto('fields')
      .values({
        id: randomUUID(),
        module_id: meta.module.id,
        parent_field_id: parent?.id ?? null,
        api_name: apiName,
        kind: 'custom',
        type,
        required: input.required,
        labels: JSON.stringify(labels),
        options: JSON.stringify(options),
        position: Math.max(0, ...existing.map((f) => f.position)) + 10,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    if (!parent) {
      const wanted = new Set(input.layoutIds ?? []);
      for (const layout of meta.layouts.filter((l) => wanted.has(l.id))) {
        const sections = layout.sections.length > 0 ? layout.sections : [{ id: randomUUID(), labelKey: 'crm:sections.details', fields: [] }];
        const last = sections.length - 1;
        const next = sections.map((s, i) => (i === last ? { ...s, fields: [...s.fields, field.id] } : s));
        await trx
          .updateTable('layouts')
          .set({ sections: JSON.stringify(next) })
          .where('id', '=', layout.id)
          .execute();
      }
    }
    return field;
  });
  return { ok: true, value: field };
}

/** Labels, the required flag, picklist values (added or relabelled) and decimal places; never the type. */
export async function updateField(db: Database, meta: ModuleMeta, field: Field, input: FieldUpdateInput): Promise<Outcome<Field>> {
  const errors: FormErrors = {};
  const siblings = (field.parent_field_id ? (meta.children.get(field.parent_field_id) ?? []) : meta.fields).filter((f) => f.id !== field.id);
  const labels = cleanLabels(input.labels);
  // Standard fields are named by the locale files.
  if (field.kind === 'custom') checkLabels('label', labels, siblings, errors);
  const options: FieldOptions = { ...field.options };
  if (hasValues(field.type)) options.values = mergeValues(field.options.values ?? [], input.values, errors);
  const scale = parseScale(field.type, input.scale, errors);
  if (scale !== undefined) options.scale = scale;
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const updated = await db
    .updateTable('fields')
    .set({
      ...(field.kind === 'custom' ? { labels: JSON.stringify(labels) } : {}),
      required: input.required,
      options: JSON.stringify(options),
    })
    .where('id', '=', field.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return { ok: true, value: updated };
}

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
      const fallback = layouts.find((l) => l.is_default) ?? layouts[0];
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

export { createLayout, deleteLayout, setDefaultLayout, updateLayout } from './layout-admin.js';
