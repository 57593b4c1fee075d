export const LANGUAGES = ['en', 'es', 'fr', 'pt-BR'] as const;
export type Language = (typeof LANGUAGES)[number];

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** Maps a BCP 47 tag (es-ES, pt, fr-CA, PT-br…) to a supported language, or undefined. */
export function matchLanguage(tag: string | undefined | null): Language | undefined {
  if (!tag) return undefined;
  const lower = tag.trim().toLowerCase();
  const exact = LANGUAGES.find((l) => l.toLowerCase() === lower);
  if (exact) return exact;
  const primary = lower.split(/[-_]/)[0];
  if (primary === 'pt') return 'pt-BR';
  return LANGUAGES.find((l) => l === primary);
}

/** Parses Accept-Language and returns the best supported language by q-value. */
export function fromAcceptLanguage(header: string | undefined | null): Language | undefined {
  if (!header) return undefined;
  const ranges = header
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      const quality = q ? Number(q.slice(2)) : 1;
      return { tag: tag.trim(), quality: Number.isFinite(quality) ? quality : 0, index };
    })
    .filter((r) => r.tag && r.tag !== '*' && r.quality > 0)
    .sort((a, b) => b.quality - a.quality || a.index - b.index);
  for (const r of ranges) {
    const lang = matchLanguage(r.tag);
    if (lang) return lang;
  }
  return undefined;
}

export type LanguageSources = {
  userPreference?: string | null;
  cookie?: string | null;
  acceptLanguage?: string | null;
  orgDefault?: string | null;
};

/** User preference, then the switcher's cookie, then Accept-Language, then the organization's default. */
export function resolveLanguage(s: LanguageSources): Language {
  return (
    (isLanguage(s.userPreference) ? s.userPreference : undefined) ??
    (isLanguage(s.cookie) ? s.cookie : undefined) ??
    fromAcceptLanguage(s.acceptLanguage) ??
    matchLanguage(s.orgDefault) ??
    'en'
  );
}
