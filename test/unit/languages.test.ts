import { describe, expect, it } from 'vitest';
import { fromAcceptLanguage, isLanguage, LANGUAGES, matchLanguage, resolveLanguage } from '../../src/i18n/languages.js';

describe('LANGUAGES and isLanguage', () => {
  it('supports English, Spanish, French and Brazilian Portuguese', () => {
    expect([...LANGUAGES]).toEqual(['en', 'es', 'fr', 'pt-BR']);
  });

  it('accepts only the exact supported tags', () => {
    expect(isLanguage('pt-BR')).toBe(true);
    expect(isLanguage('pt-br')).toBe(false);
    expect(isLanguage('ES')).toBe(false);
    expect(isLanguage('de')).toBe(false);
    expect(isLanguage(undefined)).toBe(false);
    expect(isLanguage(42)).toBe(false);
  });
});

describe('matchLanguage', () => {
  it('maps a regional Spanish tag to es', () => {
    expect(matchLanguage('es-ES')).toBe('es');
    expect(matchLanguage('es_MX')).toBe('es');
  });

  it('maps a regional French tag to fr', () => {
    expect(matchLanguage('fr-CA')).toBe('fr');
  });

  it('maps any Portuguese to pt-BR', () => {
    expect(matchLanguage('pt')).toBe('pt-BR');
    expect(matchLanguage('pt-PT')).toBe('pt-BR');
  });

  it('is case-insensitive and returns the canonical spelling', () => {
    expect(matchLanguage('PT-br')).toBe('pt-BR');
    expect(matchLanguage('EN-us')).toBe('en');
    expect(matchLanguage(' es ')).toBe('es');
  });

  it('returns undefined for unsupported languages', () => {
    expect(matchLanguage('de')).toBeUndefined();
    expect(matchLanguage('de-DE')).toBeUndefined();
    expect(matchLanguage('english')).toBeUndefined();
  });

  it('returns undefined for nothing', () => {
    expect(matchLanguage('')).toBeUndefined();
    expect(matchLanguage(undefined)).toBeUndefined();
    expect(matchLanguage(null)).toBeUndefined();
  });
});

describe('fromAcceptLanguage', () => {
  it('picks the first supported language of a German browser', () => {
    expect(fromAcceptLanguage('de-DE,de;q=0.9,fr;q=0.8,en;q=0.7')).toBe('fr');
  });

  it('orders by q-value, not by position', () => {
    expect(fromAcceptLanguage('en;q=0.5, es;q=0.8')).toBe('es');
  });

  it('keeps header order between equal q-values', () => {
    expect(fromAcceptLanguage('fr, es')).toBe('fr');
    expect(fromAcceptLanguage('es;q=0.7, fr;q=0.7')).toBe('es');
  });

  it('treats a missing q as 1', () => {
    expect(fromAcceptLanguage('en;q=0.9, pt-BR')).toBe('pt-BR');
  });

  it('ignores the * wildcard', () => {
    expect(fromAcceptLanguage('*')).toBeUndefined();
    expect(fromAcceptLanguage('*, es;q=0.1')).toBe('es');
  });

  it('ignores languages the browser refuses with q=0', () => {
    expect(fromAcceptLanguage('es;q=0, fr;q=0.1')).toBe('fr');
    expect(fromAcceptLanguage('es;q=0')).toBeUndefined();
  });

  it('ignores a range whose q-value is not a number', () => {
    expect(fromAcceptLanguage('es;q=abc, fr;q=0.2')).toBe('fr');
  });

  it('tolerates spaces around tags and parameters', () => {
    expect(fromAcceptLanguage(' de ; q=0.9 ,  pt-PT ; q=0.8 ')).toBe('pt-BR');
  });

  it('returns undefined when nothing is supported or the header is absent', () => {
    expect(fromAcceptLanguage('de, ja;q=0.5')).toBeUndefined();
    expect(fromAcceptLanguage('')).toBeUndefined();
    expect(fromAcceptLanguage(undefined)).toBeUndefined();
    expect(fromAcceptLanguage(null)).toBeUndefined();
  });
});

describe('resolveLanguage', () => {
  const everything = { userPreference: 'fr', cookie: 'es', acceptLanguage: 'pt-BR', orgDefault: 'en' };

  it("uses the signed-in user's preference first", () => {
    expect(resolveLanguage(everything)).toBe('fr');
  });

  it('then the switcher cookie', () => {
    expect(resolveLanguage({ ...everything, userPreference: null })).toBe('es');
  });

  it('then Accept-Language', () => {
    expect(resolveLanguage({ ...everything, userPreference: null, cookie: null })).toBe('pt-BR');
  });

  it("then the organization's default", () => {
    expect(resolveLanguage({ userPreference: null, cookie: null, acceptLanguage: null, orgDefault: 'es' })).toBe('es');
  });

  it('then English', () => {
    expect(resolveLanguage({})).toBe('en');
  });

  it('skips an unsupported user preference', () => {
    expect(resolveLanguage({ ...everything, userPreference: 'de' })).toBe('es');
  });

  it('skips a cookie that is not an exact supported tag', () => {
    expect(resolveLanguage({ cookie: 'ES', acceptLanguage: 'fr' })).toBe('fr');
    expect(resolveLanguage({ cookie: 'klingon', acceptLanguage: 'fr' })).toBe('fr');
  });

  it('skips an Accept-Language with nothing supported', () => {
    expect(resolveLanguage({ acceptLanguage: 'de-DE, ja;q=0.8', orgDefault: 'fr' })).toBe('fr');
  });

  it('matches a regional organization default', () => {
    expect(resolveLanguage({ orgDefault: 'pt-PT' })).toBe('pt-BR');
  });

  it('falls back to English when every source is invalid', () => {
    expect(resolveLanguage({ userPreference: 'de', cookie: '', acceptLanguage: '*', orgDefault: 'xx' })).toBe('en');
  });
});
