import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LANGUAGES } from '../../src/i18n/languages.js';
import { projectRoot } from '../../src/paths.js';
import { compareLocales, flatten, type LocaleProblem, type LocaleProblemKind, placeholders } from './locale-parity.js';

type Files = Record<string, Record<string, unknown>>; // language → namespace → content

const english: Files['en'] = {
  common: {
    save: 'Save',
    greeting: 'Hello {{name}}, welcome back to Porta.',
    nav: { home: 'Home', contacts: 'Your contacts and accounts' },
    retry_one: 'Try again in {{count}} minute.',
    retry_other: 'Try again in {{count}} minutes.',
  },
  errors: { required: 'This field is required.' },
};

const french: Files['fr'] = {
  common: {
    save: 'Enregistrer',
    greeting: 'Bonjour {{name}}, bon retour sur Porta.',
    nav: { home: 'Accueil', contacts: 'Vos contacts et comptes' },
    retry_one: 'Réessayez dans {{count}} minute.',
    retry_other: 'Réessayez dans {{count}} minutes.',
  },
  errors: { required: 'Ce champ est obligatoire.' },
};

const folders: string[] = [];

/** Writes locales/<lang>/<ns>.json files into a fresh temporary folder. Strings are written verbatim. */
function fakeLocales(files: Record<string, Record<string, unknown> | null>): string {
  const root = mkdtempSync(join(tmpdir(), 'porta-locales-'));
  folders.push(root);
  for (const [language, namespaces] of Object.entries(files)) {
    mkdirSync(join(root, language));
    for (const [ns, content] of Object.entries(namespaces ?? {}))
      writeFileSync(join(root, language, `${ns}.json`), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
  return root;
}

afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

const messages = (problems: LocaleProblem[], ...kinds: LocaleProblemKind[]) =>
  problems.filter((p) => kinds.length === 0 || kinds.includes(p.kind)).map((p) => p.message);

/** A deep copy of `french` with `change` applied to its common namespace. */
function frenchWith(change: (common: Record<string, unknown>) => void): Files['fr'] {
  const copy = structuredClone(french);
  change(copy.common as Record<string, unknown>);
  return copy;
}

describe('flatten and placeholders', () => {
  it('flattens nested keys under their namespace', () => {
    expect([...flatten(english.common, 'common:')]).toEqual([
      ['common:save', 'Save'],
      ['common:greeting', 'Hello {{name}}, welcome back to Porta.'],
      ['common:nav.home', 'Home'],
      ['common:nav.contacts', 'Your contacts and accounts'],
      ['common:retry_one', 'Try again in {{count}} minute.'],
      ['common:retry_other', 'Try again in {{count}} minutes.'],
    ]);
  });

  it('finds placeholder names, sorted, once each, ignoring formats', () => {
    expect(placeholders('{{orgName}} invited {{ name }} to {{orgName}} on {{date, datetime}}')).toEqual(['date', 'name', 'orgName']);
    expect(placeholders('No placeholders here')).toEqual([]);
  });
});

describe('compareLocales on a fake locales folder', () => {
  it('reports nothing for a complete translation', () => {
    expect(compareLocales(fakeLocales({ en: english, fr: french }), ['en', 'fr'])).toEqual([]);
  });

  it('reports a missing key', () => {
    const folder = fakeLocales({ en: english, fr: frenchWith((c) => delete (c.nav as Record<string, unknown>).contacts) });
    expect(messages(compareLocales(folder, ['en', 'fr']))).toEqual(['fr: missing key common:nav.contacts']);
  });

  it('reports an extra key', () => {
    const folder = fakeLocales({ en: english, fr: frenchWith((c) => (c.cancel = 'Annuler')) });
    expect(messages(compareLocales(folder, ['en', 'fr']))).toEqual(['fr: extra key common:cancel (not in en)']);
  });

  it('reports every missing key of an empty language folder', () => {
    const folder = fakeLocales({ en: english, fr: null });
    expect(messages(compareLocales(folder, ['en', 'fr']), 'missing')).toEqual([
      'fr: missing key common:save',
      'fr: missing key common:greeting',
      'fr: missing key common:nav.home',
      'fr: missing key common:nav.contacts',
      'fr: missing key common:retry_one',
      'fr: missing key common:retry_other',
      'fr: missing key errors:required',
    ]);
    expect(messages(compareLocales(folder, ['en', 'fr']), 'namespace')).toEqual([
      'fr: missing namespace file common.json',
      'fr: missing namespace file errors.json',
    ]);
  });

  it('reports a language folder that does not exist', () => {
    const folder = fakeLocales({ en: english, fr: french });
    expect(messages(compareLocales(folder, ['en', 'fr', 'es']))).toEqual(['es: folder es/ is missing']);
  });

  it('reports a missing and an extra namespace file', () => {
    const { errors: _dropped, ...withoutErrors } = french;
    const folder = fakeLocales({ en: english, fr: { ...withoutErrors, billing: { invoice: 'Facture' } } });
    expect(messages(compareLocales(folder, ['en', 'fr']), 'namespace')).toEqual([
      'fr: missing namespace file errors.json',
      'fr: extra namespace file billing.json (not in en)',
    ]);
  });

  it('reports a file that is not valid JSON', () => {
    const folder = fakeLocales({ en: english, fr: { ...french, errors: '{ "required": ' } });
    const problems = compareLocales(folder, ['en', 'fr']);
    expect(messages(problems, 'json')).toHaveLength(1);
    expect(messages(problems, 'json')[0]).toMatch(/^fr\/errors\.json: not valid JSON/);
  });

  it('reports empty and non-string values, in English too', () => {
    const folder = fakeLocales({
      en: { ...english, errors: { required: '   ' } },
      fr: frenchWith((c) => {
        c.save = '';
        c.greeting = ['Bonjour'];
        (c.nav as Record<string, unknown>).home = 3;
      }),
    });
    expect(messages(compareLocales(folder, ['en', 'fr']), 'value')).toEqual([
      'en: errors:required is empty',
      'fr: common:save is empty',
      'fr: common:greeting must be a string, not ["Bonjour"]',
      'fr: common:nav.home must be a string, not 3',
    ]);
  });

  it('reports a renamed or dropped placeholder', () => {
    const folder = fakeLocales({
      en: english,
      fr: frenchWith((c) => {
        c.greeting = 'Bonjour {{nom}}, bon retour sur Porta.';
        c.retry_other = 'Réessayez dans quelques minutes.';
      }),
    });
    expect(messages(compareLocales(folder, ['en', 'fr']))).toEqual([
      'fr: common:greeting has placeholders [nom] but en has [name]',
      'fr: common:retry_other has placeholders [] but en has [count]',
    ]);
  });

  it('accepts placeholders in a different order', () => {
    const folder = fakeLocales({
      en: { common: { invited: '{{inviter}} invited you to {{orgName}} today.' } },
      fr: { common: { invited: 'Vous êtes invité sur {{orgName}} par {{inviter}}.' } },
    });
    expect(compareLocales(folder, ['en', 'fr'])).toEqual([]);
  });

  it('accepts a plural category the language has and English lacks (fr _many)', () => {
    const folder = fakeLocales({ en: english, fr: frenchWith((c) => (c.retry_many = 'Réessayez dans {{count}} de minutes.')) });
    expect(compareLocales(folder, ['en', 'fr'])).toEqual([]);
  });

  it('checks the placeholders of an added plural category against English _other', () => {
    const folder = fakeLocales({ en: english, fr: frenchWith((c) => (c.retry_many = 'Réessayez plus tard.')) });
    expect(messages(compareLocales(folder, ['en', 'fr']))).toEqual(['fr: common:retry_many has placeholders [] but en has [count]']);
  });

  it('refuses a plural category the language does not have (fr _few)', () => {
    const folder = fakeLocales({ en: english, fr: frenchWith((c) => (c.retry_few = 'Réessayez dans {{count}} minutes.')) });
    expect(messages(compareLocales(folder, ['en', 'fr']))).toEqual(['fr: extra key common:retry_few (not in en)']);
  });

  it('still requires the plural categories the language shares with English', () => {
    const folder = fakeLocales({ en: english, fr: frenchWith((c) => delete c.retry_one) });
    expect(messages(compareLocales(folder, ['en', 'fr']))).toEqual(['fr: missing key common:retry_one']);
  });

  it('does not require _one from a language without that category (Japanese)', () => {
    const folder = fakeLocales({
      en: english,
      ja: {
        common: {
          save: '保存',
          greeting: 'こんにちは {{name}} さん、Porta へようこそ。',
          nav: { home: 'ホーム', contacts: '連絡先と取引先' },
          retry_other: '{{count}} 分後にもう一度お試しください。',
        },
        errors: { required: 'この項目は必須です。' },
      },
    });
    expect(compareLocales(folder, ['en', 'ja'])).toEqual([]);
  });

  it('reports a translation that is English copied over', () => {
    const folder = fakeLocales({ en: english, fr: english });
    expect(messages(compareLocales(folder, ['en', 'fr']), 'copy')).toEqual([
      'fr: 5 of 5 sentences are identical to en (common:greeting, common:nav.contacts, common:retry_one, common:retry_other, errors:required)',
    ]);
  });

  it('ignores short labels that may rightly equal English', () => {
    const folder = fakeLocales({ en: english, fr: frenchWith((c) => (c.save = 'Save')) });
    expect(compareLocales(folder, ['en', 'fr'])).toEqual([]);
  });

  describe('with ten English sentences', () => {
    const sentences = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`s${i}`, `This is English sentence number ${i}.`]));
    const translated = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`s${i}`, `Ceci est la phrase numéro ${i}.`]));

    it('refuses 1 identical sentence in 10 (10% is not fewer than 10%)', () => {
      const ten = (o: Record<string, string>) => Object.fromEntries(Object.entries(o).slice(0, 10));
      const folder = fakeLocales({ en: { common: ten(sentences) }, fr: { common: { ...ten(translated), s3: sentences.s3 } } });
      expect(messages(compareLocales(folder, ['en', 'fr']))).toEqual(['fr: 1 of 10 sentences are identical to en (common:s3)']);
    });

    it('accepts 1 identical sentence in 11', () => {
      const folder = fakeLocales({ en: { common: sentences }, fr: { common: { ...translated, s3: sentences.s3 } } });
      expect(compareLocales(folder, ['en', 'fr'])).toEqual([]);
    });
  });

  it('reports problems for each language separately', () => {
    const folder = fakeLocales({
      en: english,
      fr: frenchWith((c) => delete c.save),
      es: { ...french, errors: { required: 'Este campo es obligatorio.', extra: 'Otro' } },
    });
    expect(compareLocales(folder, ['en', 'es', 'fr'])).toEqual([
      { language: 'es', kind: 'extra', message: 'es: extra key errors:extra (not in en)' },
      { language: 'fr', kind: 'missing', message: 'fr: missing key common:save' },
    ]);
  });
});

describe("the project's locales/ folder", () => {
  const folder = join(projectRoot, 'locales');
  const problems = () => compareLocales(folder, LANGUAGES);

  it('lives inside the project', () => {
    expect(relative(projectRoot, folder)).toBe('locales');
    expect(existsSync(join(projectRoot, 'package.json'))).toBe(true);
  });

  it('has an English namespace for every part of the app', () => {
    const files = readdirSync(join(folder, 'en')).sort();
    for (const ns of ['common.json', 'errors.json', 'auth.json', 'setup.json', 'admin.json', 'email.json']) expect(files).toContain(ns);
  });

  it('has a folder and the same namespace files for every language', () => {
    expect(messages(problems(), 'folder', 'namespace', 'json')).toEqual([]);
  });

  it('has every English key in every language, and no others', () => {
    expect(messages(problems(), 'missing', 'extra')).toEqual([]);
  });

  it('has only non-empty string values', () => {
    expect(messages(problems(), 'value')).toEqual([]);
  });

  it('uses the same placeholders as English in every translation', () => {
    expect(messages(problems(), 'placeholders')).toEqual([]);
  });

  it('has es, fr and pt-BR actually translated, not copied from English', () => {
    expect(messages(problems(), 'copy')).toEqual([]);
  });
});
