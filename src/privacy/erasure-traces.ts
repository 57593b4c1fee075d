import type { Transaction } from 'kysely';
import type { StoredValue } from '../crm/field-types.js';
import type { ModuleMeta } from '../crm/metadata.js';
import type { DB, FieldType } from '../db/schema.js';
import { isUuid } from '../http/input.js';

// What identifies the person, gathered from their rows before they are
// erased, and how it is then found and replaced in copies elsewhere (the
// rules at the top of erasure.ts).

/** Values that could identify the person: nulled (a required text gets the placeholder). */
export const ERASED: ReadonlySet<FieldType> = new Set<FieldType>([
  'text',
  'textarea',
  'email',
  'phone',
  'url',
  'date',
  'datetime',
  'number',
  'decimal',
  'currency',
  'percent',
  'multiselect',
]);
/** Values that identify the person wherever they appear: searched for in copies outside the person's rows (with the name fields). */
const IDENTIFYING: ReadonlySet<FieldType> = new Set<FieldType>(['email', 'phone', 'url']);
const TEXT: ReadonlySet<FieldType> = new Set<FieldType>(['text', 'textarea']);
const MIN_SEARCHED = 3;

export type Traces = { words: Set<string>; other: Set<string>; addresses: Set<string>; erased: Set<string> };

export const isEmpty = (v: StoredValue | undefined) => v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0);

/** The words a field's value (or a subform's rows) holds, and the addresses among them. */
export function collect(meta: ModuleMeta, fieldId: string, value: unknown, traces: Traces) {
  const field = meta.byId.get(fieldId);
  if (!field) return;
  if (field.type !== 'subform') {
    addWords(traces, field.type, value, meta.module.name_fields.includes(field.api_name));
    return;
  }
  const children = meta.children.get(field.id) ?? [];
  for (const row of Array.isArray(value) ? value : []) {
    if (typeof row !== 'object' || row === null) continue;
    for (const child of children) addWords(traces, child.type, (row as Record<string, unknown>)[child.api_name], false);
  }
}

/** A value of the person's: searched for everywhere when it identifies them (a name field, an address), else only in import files. */
export function addWords(traces: Traces, type: FieldType, value: unknown, nameField: boolean) {
  if (!(IDENTIFYING.has(type) || TEXT.has(type)) || typeof value !== 'string' || isUuid(value)) return;
  const word = value.trim();
  if (word.length < MIN_SEARCHED) return;
  if (IDENTIFYING.has(type) || nameField) traces.words.add(word);
  else traces.other.add(word);
  if (type === 'email') traces.addresses.add(word.toLowerCase());
}

/** Earlier values of the record (an old address, a maiden name) are the person's too. */
export async function collectHistory(trx: Transaction<DB>, meta: ModuleMeta, recordId: string, traces: Traces) {
  const rows = await trx.selectFrom('record_changes').select('changes').where('record_id', '=', recordId).execute();
  for (const row of rows) {
    for (const change of Array.isArray(row.changes) ? row.changes : []) {
      collect(meta, change.field, change.old, traces);
      collect(meta, change.field, change.new, traces);
    }
  }
}

export type Scrubber = { words: string[]; forms: string[]; jsonForms: string[]; text: (s: string) => string; json: (v: unknown) => unknown };

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
export const unique = <T>(xs: T[]) => [...new Set(xs)];

/** Replaces each value, raw or HTML-escaped, in any letter case, longest first (a full name before its parts). */
export function scrubber(values: Iterable<string>, placeholder: string): Scrubber {
  // The placeholder is what the record now holds: never a value to replace.
  const words = unique([...values].map((w) => w.trim()).filter((w) => w.length >= MIN_SEARCHED && w.toLowerCase() !== placeholder.toLowerCase()));
  const replacements = new Map<string, string>();
  for (const w of words) replacements.set(w.toLowerCase(), placeholder);
  for (const w of words) if (!replacements.has(escapeHtml(w).toLowerCase())) replacements.set(escapeHtml(w).toLowerCase(), escapeHtml(placeholder));
  const forms = [...replacements.keys()].sort((a, b) => b.length - a.length);
  // Whole words only: no letter or digit right before or after.
  const pattern = forms.length ? new RegExp(`(?<![\\p{L}\\p{N}])(?:${forms.map(escapeRegExp).join('|')})(?![\\p{L}\\p{N}])`, 'giu') : undefined;
  const text = (s: string) => (pattern ? s.replace(pattern, (m) => replacements.get(m.toLowerCase()) ?? placeholder) : s);
  const json = (v: unknown): unknown => {
    if (typeof v === 'string') return text(v);
    if (Array.isArray(v)) return v.map(json);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, json(x)]));
    return v;
  };
  return { words, forms, jsonForms: forms.map((f) => JSON.stringify(f).slice(1, -1)), text, json };
}

/**
 * What finds a row to scrub (what identifies the person) and what is then
 * replaced in it (every value of theirs): a row that names them loses their
 * job title too; a row that does not name them is left alone.
 */
export type Scrubbers = { find: Scrubber; all: Scrubber };
export const scrubbers = (traces: Traces, placeholder: string): Scrubbers => ({
  find: scrubber(traces.words, placeholder),
  all: scrubber([...traces.words, ...traces.other], placeholder),
});
