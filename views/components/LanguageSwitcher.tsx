import type { ViewContext } from '../../src/http/env.js';
import { LANGUAGES } from '../../src/i18n/languages.js';

/** Each language's name in itself, built once: Intl.DisplayNames costs more than the rest of the footer. */
const NATIVE_NAMES: ReadonlyMap<string, string> = new Map(
  LANGUAGES.map((lang) => {
    const name = new Intl.DisplayNames([lang], { type: 'language' }).of(lang) ?? lang;
    return [lang, name.charAt(0).toLocaleUpperCase(lang) + name.slice(1)];
  }),
);
const nativeName = (lang: string) => NATIVE_NAMES.get(lang) ?? lang;

/** A plain form: works without JavaScript, remembers the choice in a cookie (and the profile when signed in). */
export function LanguageSwitcher({ view, action = '/lang' }: { view: ViewContext; action?: string | undefined }) {
  const { t, lang, path } = view;
  return (
    <form method="post" action={action} class="lang-switcher">
      <label for="lang-select">{t('common:language.label')}</label>
      <select id="lang-select" name="lang">
        {LANGUAGES.map((l) => (
          <option value={l} selected={l === lang} lang={l}>
            {nativeName(l)}
          </option>
        ))}
      </select>
      <input type="hidden" name="back" value={path} />
      <button type="submit" class="button secondary small">
        {t('common:language.apply')}
      </button>
    </form>
  );
}
