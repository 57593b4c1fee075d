import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../src/paths.js';

type Tree = { [key: string]: string | Tree };

const files = new Map<string, Tree>();

function namespace(lang: string, ns: string): Tree {
  const path = join(projectRoot, 'locales', lang, `${ns}.json`);
  let tree = files.get(path);
  if (!tree) {
    tree = JSON.parse(readFileSync(path, 'utf8')) as Tree;
    files.set(path, tree);
  }
  return tree;
}

function lookup(tree: Tree, path: string[]): string | undefined {
  let node: string | Tree | undefined = tree;
  for (const part of path) node = typeof node === 'object' ? node[part] : undefined;
  return typeof node === 'string' ? node : undefined;
}

/**
 * The text a page shows for `ns:key` in one language, read straight from
 * locales/<lang>/<ns>.json: no fallback to English, so a key missing in that
 * language fails the test instead of passing with English text. Plurals
 * follow `count` (key_one, key_other); `{{name}}` takes the values given.
 */
export function localeText(lang: string, key: string, values: Record<string, string | number> = {}): string {
  const [ns, rest] = key.split(':') as [string, string];
  const path = rest.split('.');
  const tree = namespace(lang, ns);
  let text: string | undefined;
  if (typeof values.count === 'number') {
    const form = new Intl.PluralRules(lang).select(values.count);
    const last = path.length - 1;
    text = lookup(tree, [...path.slice(0, last), `${path[last]}_${form}`]) ?? lookup(tree, [...path.slice(0, last), `${path[last]}_other`]);
  }
  text ??= lookup(tree, path);
  if (text === undefined) throw new Error(`no "${key}" in locales/${lang}`);
  return text.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name: string) => {
    if (!(name in values)) throw new Error(`"${key}" in locales/${lang} needs {{${name}}}`);
    return String(values[name]);
  });
}

/** A translator fixed to one language, as the pages of that language are drawn. */
export const localeTexts = (lang: string) => (key: string, values?: Record<string, string | number>) => localeText(lang, key, values);
