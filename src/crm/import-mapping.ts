import type { Database } from '../db/database.js';
import type { Field, Labels } from '../db/schema.js';
import { translator } from '../i18n/i18n.js';
import { LANGUAGES } from '../i18n/languages.js';
import { layoutFields, type ModuleMeta } from './metadata.js';

/** Which field each CSV column fills: column name → field id, or null for a column left out. */
export type Mapping = Record<string, string | null>;

/** Fields a CSV column can fill: top-level, not a subform, not computed. */
export function mappableFields(meta: ModuleMeta): Field[] {
  return meta.fields.filter((f) => f.type !== 'subform' && !f.options.computed);
}

/** Compares names the way people type them: no case, no accents, no spaces or punctuation. */
export function normalizeName(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '');
}

/** Every name an item goes by: the given ones, and its label in each language. */
export function namesOf(item: { label_key?: string | null; labelKey?: string | undefined; labels?: Labels | undefined }, ...own: string[]): string[] {
  const key = item.label_key ?? item.labelKey;
  const names = [...own];
  for (const lang of LANGUAGES) {
    if (key) names.push(translator(lang)(key));
    const label = item.labels?.[lang];
    if (label) names.push(label);
  }
  return [...new Set(names.map(normalizeName).filter(Boolean))];
}

/** A first mapping: each column whose name is a field's api_name or label (in any language) goes to that field. */
export function suggestMapping(meta: ModuleMeta, headers: string[]): Mapping {
  const fields = mappableFields(meta);
  const byName = new Map<string, Field>();
  // api_names first: they win over a label that happens to read the same.
  for (const f of fields) byName.set(normalizeName(f.api_name), f);
  for (const f of fields) for (const n of namesOf(f)) if (!byName.has(n)) byName.set(n, f);
  const used = new Set<string>();
  const mapping: Mapping = {};
  for (const h of headers) {
    const f = byName.get(normalizeName(h));
    mapping[h] = f && !used.has(f.id) ? f.id : null;
    if (f) used.add(f.id);
  }
  return mapping;
}

export type MappingProblems = {
  /** Column name → locale key of what is wrong with its choice. */
  columns: Record<string, string>;
  /** Required fields of the default layout no column fills. */
  missing: Field[];
  nothingMapped: boolean;
};

/** Required fields of the default layout that a column could fill. */
export function requiredFields(meta: ModuleMeta): Field[] {
  const mappable = new Set(mappableFields(meta).map((f) => f.id));
  return layoutFields(meta, meta.defaultLayout).filter((f) => f.required && mappable.has(f.id));
}

/**
 * Saves which field each column fills ("" or a missing value: ignored). Each
 * field at most once, and every required field of the default layout filled.
 */
export async function saveMapping(
  db: Database,
  imp: { id: string },
  meta: ModuleMeta,
  headers: string[],
  chosen: Record<string, string | undefined>,
): Promise<{ ok: true } | { ok: false; mapping: Mapping; problems: MappingProblems }> {
  const fields = new Map(mappableFields(meta).map((f) => [f.id, f]));
  const mapping: Mapping = {};
  const problems: MappingProblems = { columns: {}, missing: [], nothingMapped: false };
  const used = new Set<string>();
  for (const h of headers) {
    const id = chosen[h] || null;
    mapping[h] = id;
    if (!id) continue;
    if (!fields.has(id)) problems.columns[h] = 'import:errors.unknownField';
    else if (used.has(id)) problems.columns[h] = 'import:errors.fieldTwice';
    used.add(id);
  }
  problems.missing = requiredFields(meta).filter((f) => !used.has(f.id));
  problems.nothingMapped = used.size === 0;
  if (Object.keys(problems.columns).length > 0 || problems.missing.length > 0 || problems.nothingMapped) return { ok: false, mapping, problems };
  await db
    .updateTable('imports')
    .set({ mapping: JSON.stringify(mapping) })
    .where('id', '=', imp.id)
    .where('status', '=', 'uploaded')
    .execute();
  return { ok: true };
}
