import type { Labels } from '../db/schema.js';
import { translator } from '../i18n/i18n.js';
import { LANGUAGES } from '../i18n/languages.js';
import { labelOf } from './metadata.js';

/** Form field name → locale key of the problem. */
export type FormErrors = Record<string, string>;
export type Outcome<T> = { ok: true; value: T } | { ok: false; errors: FormErrors };

export const LABEL_MAX = 80;
const API_NAME_MAX = 40;

/** "Fecha de cierre" → "fecha_de_cierre": lowercase a-z0-9_, unique among `taken`, never a reserved word. */
export function apiNameFrom(label: string, taken: ReadonlySet<string>, reserved: ReadonlySet<string>, fallback: string): string {
  let base = label
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, API_NAME_MAX)
    .replace(/_+$/, '');
  if (!base) base = fallback;
  if (/^[0-9]/.test(base)) base = `${fallback}_${base}`;
  let name = base;
  for (let n = 2; taken.has(name) || reserved.has(name); n++) name = `${base}_${n}`;
  return name;
}

/** The label names are made from: English when given, else the first language that has one. */
export function nameSource(labels: Labels): string {
  return labels.en ?? LANGUAGES.map((l) => labels[l]).find(Boolean) ?? '';
}

/** Trimmed labels of the supported languages; blanks dropped. */
export function cleanLabels(raw: Partial<Record<string, string | undefined>>): Labels {
  const out: Labels = {};
  for (const lang of LANGUAGES) {
    const v = raw[lang]?.replace(/\s+/g, ' ').trim();
    if (v) out[lang] = v;
  }
  return out;
}

export const sameText = (a: string, b: string) => a.normalize('NFC').toLocaleLowerCase() === b.normalize('NFC').toLocaleLowerCase();

export type Labelled = { label_key?: string | null; labelKey?: string | undefined; labels?: Labels | undefined };

/**
 * Checks labels given under `prefix.<lang>`: at least one, none too long, and
 * none equal to what a sibling is called in the same language.
 */
export function checkLabels(prefix: string, labels: Labels, siblings: Labelled[], errors: FormErrors, duplicateKey = 'settings:errors.labelDuplicate') {
  if (Object.keys(labels).length === 0) {
    errors[prefix] = 'settings:errors.labelRequired';
    return;
  }
  for (const lang of LANGUAGES) {
    const label = labels[lang];
    if (!label) continue;
    if (label.length > LABEL_MAX) errors[`${prefix}.${lang}`] = 'settings:errors.labelTooLong';
    else if (siblings.some((s) => sameText(labelOf(translator(lang), lang, s), label))) errors[`${prefix}.${lang}`] = duplicateKey;
  }
}

/** What a section called by a locale key reads in every language (to edit it like any other). */
export function keyedLabels(key: string): Labels {
  return Object.fromEntries(LANGUAGES.map((l) => [l, translator(l)(key)]));
}
