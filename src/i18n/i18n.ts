import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import i18next, { type i18n, type Resource, type TFunction } from 'i18next';
import { projectRoot } from '../paths.js';
import { LANGUAGES, type Language } from './languages.js';

export type T = TFunction;

export function loadResources(folder = join(projectRoot, 'locales')): Resource {
  const resources: Resource = {};
  for (const lang of LANGUAGES) {
    const dir = join(folder, lang);
    resources[lang] = {};
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
      resources[lang][file.replace(/\.json$/, '')] = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    }
  }
  return resources;
}

let instance: i18n | undefined;

/** One i18next instance for the process, loaded synchronously from locales/. */
export function getI18n(): i18n {
  if (instance) return instance;
  const resources = loadResources();
  const inst = i18next.createInstance();
  void inst.init({
    resources,
    lng: 'en',
    fallbackLng: 'en',
    supportedLngs: [...LANGUAGES],
    load: 'currentOnly',
    ns: Object.keys(resources.en ?? {}),
    defaultNS: 'common',
    initAsync: false,
    interpolation: { escapeValue: false }, // hono/jsx escapes on output
    returnNull: false,
  });
  instance = inst;
  return inst;
}

const translators = new Map<Language, T>();

/**
 * The language's translate function, one per process and language. A key
 * asked for without options is looked up once: pages ask for the same labels
 * on every row. Only keys that exist are kept, so the cache is bounded by the
 * locale files whatever keys requests lead to.
 */
export function translator(lang: Language): T {
  const known = translators.get(lang);
  if (known) return known;
  const fixed = getI18n().getFixedT(lang);
  const plain = new Map<string, string>();
  const t = ((...args: unknown[]) => {
    const key = args[0];
    if (args.length !== 1 || typeof key !== 'string') return (fixed as unknown as (...a: unknown[]) => unknown)(...args);
    const hit = plain.get(key);
    if (hit !== undefined) return hit;
    const value = fixed(key);
    if (typeof value === 'string' && getI18n().exists(key, { lng: lang })) plain.set(key, value);
    return value;
  }) as unknown as T;
  translators.set(lang, t);
  return t;
}
