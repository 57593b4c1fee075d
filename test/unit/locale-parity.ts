// Compares every locale folder with the English one. Used by locales.test.ts on the project's own
// locales/ folder and on small fake folders built by the tests themselves.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export type LocaleProblemKind =
  | 'folder' // a language folder is missing
  | 'namespace' // a namespace file is missing or extra
  | 'json' // a file is not a JSON object
  | 'missing' // a key of en is missing
  | 'extra' // a key that en does not have
  | 'value' // a value that is not a non-empty string
  | 'placeholders' // {{x}} placeholders differ from en's
  | 'copy'; // too many sentences left in English

export type LocaleProblem = { language: string; kind: LocaleProblemKind; message: string };

/** i18next plural suffixes (CLDR categories). */
const PLURAL = /^(.*)_(zero|one|two|few|many|other)$/;

/** Identical sentences allowed, as a share of the English values with more than 3 words. */
export const MAX_IDENTICAL_SHARE = 0.1;

/** `ns:a.b.c` → value, for every leaf of every namespace file of one language. */
export type FlatLocale = Map<string, unknown>;

export function flatten(value: unknown, prefix: string, into: FlatLocale = new Map()): FlatLocale {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix.endsWith(':') ? `${prefix}${k}` : `${prefix}.${k}`, into);
  } else {
    into.set(prefix, value);
  }
  return into;
}

/** The names inside {{…}}, sorted and without duplicates; `{{count, number}}` counts as `count`. */
export function placeholders(text: string): string[] {
  const names = [...text.matchAll(/\{\{\s*([^}]*?)\s*\}\}/g)].map((m) => (m[1] ?? '').split(',')[0]?.trim() ?? '');
  return [...new Set(names)].sort();
}

function wordCount(text: string): number {
  return text.trim().split(/\s+/).filter(Boolean).length;
}

function pluralCategories(language: string): Set<string> {
  try {
    return new Set(new Intl.PluralRules(language).resolvedOptions().pluralCategories);
  } catch {
    return new Set(['other']);
  }
}

function namespaces(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

/** Reads one language: its namespaces and flattened keys, reporting unreadable files. */
function readLanguage(folder: string, language: string, problems: LocaleProblem[]): { namespaces: string[]; keys: FlatLocale } | undefined {
  const dir = join(folder, language);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    problems.push({ language, kind: 'folder', message: `${language}: folder ${language}/ is missing` });
    return undefined;
  }
  const keys: FlatLocale = new Map();
  const names = namespaces(dir);
  for (const ns of names) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(join(dir, `${ns}.json`), 'utf8'));
    } catch (error) {
      problems.push({ language, kind: 'json', message: `${language}/${ns}.json: not valid JSON (${(error as Error).message})` });
      continue;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      problems.push({ language, kind: 'json', message: `${language}/${ns}.json: must hold a JSON object` });
      continue;
    }
    flatten(parsed, `${ns}:`, keys);
  }
  return { namespaces: names, keys };
}

/**
 * Every problem of every language compared with `reference` (en): namespace files, keys, values,
 * placeholders and untranslated sentences. Plural forms follow each language's CLDR categories:
 * a language may add a category en lacks (fr `_many`) and need not have one it lacks itself.
 */
export function compareLocales(folder: string, languages: readonly string[], reference = 'en'): LocaleProblem[] {
  const problems: LocaleProblem[] = [];
  const en = readLanguage(folder, reference, problems);
  if (!en) return problems;
  const pluralBases = new Set(
    [...en.keys.keys()]
      .map((k) => PLURAL.exec(k))
      .filter((m) => m && en.keys.has(`${m[1]}_other`))
      .map((m) => m?.[1] ?? ''),
  );
  const pluralOf = (key: string) => {
    const m = PLURAL.exec(key);
    return m && pluralBases.has(m[1] ?? '') ? { base: m[1] ?? '', category: m[2] ?? '' } : undefined;
  };

  for (const language of languages) {
    const locale = language === reference ? en : readLanguage(folder, language, problems);
    if (!locale) continue;

    if (language !== reference) {
      for (const ns of en.namespaces.filter((n) => !locale.namespaces.includes(n)))
        problems.push({ language, kind: 'namespace', message: `${language}: missing namespace file ${ns}.json` });
      for (const ns of locale.namespaces.filter((n) => !en.namespaces.includes(n)))
        problems.push({ language, kind: 'namespace', message: `${language}: extra namespace file ${ns}.json (not in ${reference})` });

      const categories = pluralCategories(language);
      for (const key of en.keys.keys()) {
        if (locale.keys.has(key)) continue;
        const plural = pluralOf(key);
        if (plural && !categories.has(plural.category)) continue; // e.g. _one for a language without "one"
        problems.push({ language, kind: 'missing', message: `${language}: missing key ${key}` });
      }
      for (const key of locale.keys.keys()) {
        if (en.keys.has(key)) continue;
        const plural = pluralOf(key);
        if (plural && categories.has(plural.category)) continue; // e.g. fr _many
        problems.push({ language, kind: 'extra', message: `${language}: extra key ${key} (not in ${reference})` });
      }
    }

    for (const [key, value] of locale.keys) {
      if (typeof value !== 'string') {
        problems.push({ language, kind: 'value', message: `${language}: ${key} must be a string, not ${JSON.stringify(value)}` });
        continue;
      }
      if (value.trim() === '') {
        problems.push({ language, kind: 'value', message: `${language}: ${key} is empty` });
        continue;
      }
      if (language === reference) continue;
      const plural = pluralOf(key);
      const english = en.keys.get(key) ?? (plural ? en.keys.get(`${plural.base}_other`) : undefined);
      if (typeof english !== 'string') continue;
      const expected = placeholders(english);
      const actual = placeholders(value);
      if (expected.join() !== actual.join())
        problems.push({
          language,
          kind: 'placeholders',
          message: `${language}: ${key} has placeholders [${actual.join(', ')}] but ${reference} has [${expected.join(', ')}]`,
        });
    }

    if (language !== reference) {
      const sentences = [...en.keys].filter(([key, v]) => typeof v === 'string' && wordCount(v) > 3 && typeof locale.keys.get(key) === 'string');
      const identical = sentences.filter(([key, v]) => locale.keys.get(key) === v).map(([key]) => key);
      if (sentences.length > 0 && identical.length / sentences.length >= MAX_IDENTICAL_SHARE)
        problems.push({
          language,
          kind: 'copy',
          message: `${language}: ${identical.length} of ${sentences.length} sentences are identical to ${reference} (${identical.join(', ')})`,
        });
    }
  }
  return problems;
}
