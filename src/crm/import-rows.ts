import { sql } from 'kysely';
import type { Database } from '../db/database.js';
import type { Field, ImportRowError } from '../db/schema.js';
import { isUuid } from '../http/input.js';
import type { CsvRow } from './csv.js';
import { type Mapping, mappableFields, namesOf, normalizeName } from './import-mapping.js';
import type { ModuleMeta } from './metadata.js';
import { type RecordData, type RecordInput, type Scope, validateRecordInput } from './records.js';

/** How the columns of one file fill the fields of one module. */
export type Plan = {
  meta: ModuleMeta;
  columns: { index: number; field: Field }[];
  width: number;
  /** Picklist field id → normalized value or label → value. */
  choices: Map<string, Map<string, string>>;
};

/** What the importer may pick as a lookup's target, per target module (staffLookupScope). */
export type LookupScope = (targetModuleId: string) => Scope;

export function planFor(meta: ModuleMeta, headers: string[], mapping: Mapping): Plan {
  const fields = new Map(mappableFields(meta).map((f) => [f.id, f]));
  const columns: Plan['columns'] = [];
  headers.forEach((h, index) => {
    const field = fields.get(mapping[h] ?? '');
    if (field && !columns.some((c) => c.field.id === field.id)) columns.push({ index, field });
  });
  const choices = new Map<string, Map<string, string>>();
  for (const { field } of columns) {
    if (field.type !== 'picklist' && field.type !== 'multiselect') continue;
    const byName = new Map<string, string>();
    for (const v of field.options.values ?? []) byName.set(normalizeName(v.value), v.value);
    for (const v of field.options.values ?? []) for (const n of namesOf(v)) if (!byName.has(n)) byName.set(n, v.value);
    choices.set(field.id, byName);
  }
  return { meta, columns, width: headers.length, choices };
}

/** A cell as a form would have submitted it: picklist labels (in any language) become their values. */
function cellInput(plan: Plan, field: Field, cell: string): string | string[] {
  const choices = plan.choices.get(field.id);
  if (!choices) return cell;
  const pick = (text: string) => choices.get(normalizeName(text)) ?? text.trim();
  if (field.type === 'multiselect')
    return cell
      .split(/[|;,]/)
      .map((s) => s.trim())
      .filter(Boolean)
      .map(pick);
  return cell.trim() ? pick(cell) : '';
}

export type Checked = { row: number; data: RecordData; errors?: undefined } | { row: number; errors: ImportRowError['errors'] };

/**
 * Record ids for the names (or ids) lookup cells hold: one query per lookup
 * column for the whole batch, matching the way forms resolve a typed name,
 * within the importer's own lookup scope (a record they cannot see is not found).
 */
async function resolveLookups(db: Database, plan: Plan, rows: CsvRow[], scope: LookupScope): Promise<Map<string, Map<string, string[]>>> {
  const out = new Map<string, Map<string, string[]>>();
  for (const { index, field } of plan.columns) {
    if (field.type !== 'lookup') continue;
    const found = new Map<string, string[]>();
    out.set(field.id, found);
    const target = field.options.targetModuleId;
    const texts = [...new Set(rows.map((r) => (r.cells[index] ?? '').trim().toLowerCase()).filter(Boolean))];
    if (!target || texts.length === 0) continue;
    const ids = texts.filter(isUuid);
    const records = await db
      .selectFrom('records')
      .select(['id', 'display_name'])
      .where('module_id', '=', target)
      .where('deleted_at', 'is', null)
      .where(scope(target))
      .where((eb) => eb.or([eb(sql<string>`lower(display_name)`, 'in', texts), ...(ids.length ? [eb('id', 'in', ids)] : [])]))
      .execute();
    for (const r of records) {
      for (const key of [r.id, r.display_name.toLowerCase()]) found.set(key, [...(found.get(key) ?? []), r.id]);
    }
  }
  return out;
}

/** Each row checked as a form submission would be: its record data, or its problems. */
export async function checkRows(db: Database, plan: Plan, rows: CsvRow[], timeZone: string, lookupScope: LookupScope): Promise<Checked[]> {
  const { meta } = plan;
  const lookups = await resolveLookups(db, plan, rows, lookupScope);
  const plain = plan.columns.filter((c) => c.field.type !== 'lookup');
  const order = new Map(plan.columns.map((c, i) => [c.field.id, i]));
  const checked: Checked[] = [];
  for (const { row, cells } of rows) {
    const errors: ImportRowError['errors'] = [];
    if (cells.slice(plan.width).some((c) => c.trim() !== '')) errors.push({ field: '', key: 'import:errors.extraCells' });
    const input: RecordInput = {};
    for (const { index, field } of plain) input[field.api_name] = cellInput(plan, field, cells[index] ?? '');
    const result = await validateRecordInput(
      db,
      meta,
      plain.map((c) => c.field),
      input,
      { timeZone },
    );
    if (!result.ok) for (const [name, key] of Object.entries(result.errors)) errors.push({ field: meta.byName.get(name)?.id ?? name, key });
    const data = result.data;
    for (const { index, field } of plan.columns) {
      if (field.type !== 'lookup') continue;
      const text = (cells[index] ?? '').trim().toLowerCase();
      if (!text) {
        if (field.required) errors.push({ field: field.id, key: 'errors:required' });
        else data[field.api_name] = null;
        continue;
      }
      const ids = lookups.get(field.id)?.get(text) ?? [];
      if (ids.length === 1 && ids[0]) data[field.api_name] = ids[0];
      else errors.push({ field: field.id, key: ids.length === 0 ? 'crm:errors.lookupNotFound' : 'crm:errors.lookupAmbiguous' });
    }
    errors.sort((a, b) => (order.get(a.field) ?? -1) - (order.get(b.field) ?? -1));
    checked.push(errors.length > 0 ? { row, errors } : { row, data });
  }
  return checked;
}

/** Rows in groups of `size`, after skipping the first `skip`. */
export async function* batchesOf(rows: AsyncIterable<CsvRow>, size: number, skip = 0): AsyncGenerator<CsvRow[]> {
  let batch: CsvRow[] = [];
  let seen = 0;
  for await (const row of rows) {
    if (seen++ < skip) continue;
    batch.push(row);
    if (batch.length === size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** Dates and times in the file are read in the importing user's time zone. */
