import { randomUUID } from 'node:crypto';
import type { Database } from '../db/database.js';
import type { Field, FieldOptions, FieldType, Labels, PicklistValue } from '../db/schema.js';
import { isUuid } from '../http/input.js';
import { translator } from '../i18n/i18n.js';
import { LANGUAGES } from '../i18n/languages.js';
import { apiNameFrom, checkLabels, cleanLabels, type FormErrors, LABEL_MAX, nameSource, type Outcome } from './admin-labels.js';
import { labelOf, type ModuleMeta } from './metadata.js';

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
