import { strToU8 } from 'fflate';
import { type ModuleMeta, picklistValueLabel } from '../crm/metadata.js';
import type { Field } from '../db/schema.js';
import { csvLine } from '../invitations/outcomes-csv.js';
import type { Person } from './export-person.js';

// How the archive's files are written: JSON as read back, CSV with labels
// and values in the person's language, and the README that lists them.

// A byte order mark, so that spreadsheet apps read accents right.
const BOM = '\uFEFF';

export function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group) group.push(item);
    else groups.set(key(item), [item]);
  }
  return groups;
}

/** Files of the archive and what the README says of them. */
export type Entry = { files: Record<string, Uint8Array>; about: string };

export const json = (value: unknown) => strToU8(`${JSON.stringify(value, null, 2)}\n`);
export const csv = (header: string[], rows: string[][]) => strToU8(BOM + csvLine(header) + rows.map(csvLine).join(''));

type Ref = { id: string; name: string | null };

/** A field's value as exported: a lookup as its target's name and id, in subform rows too. */
function exportValue(meta: ModuleMeta, field: Field, value: unknown, names: Map<string, string>): unknown {
  const ref = (id: unknown): unknown => (typeof id === 'string' ? ({ id, name: names.get(id) || null } satisfies Ref) : id);
  if (field.type === 'lookup') return ref(value);
  if (field.type === 'subform' && Array.isArray(value)) {
    const lookups = (meta.children.get(field.id) ?? []).filter((c) => c.type === 'lookup');
    return (value as Record<string, unknown>[]).map((row) => ({
      ...row,
      ...Object.fromEntries(lookups.map((c) => [c.api_name, ref(row[c.api_name] ?? null)])),
    }));
  }
  return value;
}

export const exportFields = (meta: ModuleMeta, fields: Field[], data: Record<string, unknown>, names: Map<string, string>) =>
  Object.fromEntries(fields.map((f) => [f.api_name, exportValue(meta, f, data[f.api_name] ?? null, names)]));

/** An exported value as a spreadsheet cell, with picklist labels in the person's language. */
export function cellText(p: Person, field: Field | undefined, value: unknown): string {
  if (value === null || value === undefined) return '';
  if (field?.type === 'lookup' && typeof value === 'object') {
    const { id, name } = value as Ref;
    return name ? `${name} (${id})` : id;
  }
  if (field?.type === 'picklist' && typeof value === 'string') return picklistValueLabel(p.t, p.lang, field, value);
  if (field?.type === 'multiselect' && Array.isArray(value)) return value.map((v) => picklistValueLabel(p.t, p.lang, field, String(v))).join('; ');
  if (typeof value === 'boolean') return p.t(`privacy:export.values.${value ? 'yes' : 'no'}`);
  if (value instanceof Date) return value.toISOString();
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

export const column = (p: Person, name: string) => p.t(`privacy:export.columns.${name}`);

export function readme(p: Person, entries: Entry[], today: string): string {
  const t = (key: string, values: Record<string, string> = {}) => p.t(`privacy:export.readme.${key}`, values);
  const files = entries.map((e) => `${Object.keys(e.files).join(', ')}\n    ${e.about}`);
  return [
    t('title', { org: p.org.name }),
    t('intro', { org: p.org.name, number: String(p.request.number), date: today }),
    t('formats'),
    t('filesTitle'),
    ...files,
    t('authorsTitle'),
    t('authors'),
    '',
  ].join('\n\n');
}
