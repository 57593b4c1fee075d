import { describe, expect, it } from 'vitest';
import { COUNTRY_CODES, canonicalTimeZone, createFormatters, isCountry, isTimeZone, timeZones } from '../../src/i18n/format.js';

// Intl output as produced by Node 24 (ICU 77). Non-breaking spaces are spelled out.
const NBSP = '\u00a0';
const NNBSP = '\u202f';

const lunchInMadrid = new Date('2026-03-05T13:30:00Z'); // 14:30 in Madrid (CET, UTC+1)
const lateEveningUtc = new Date('2026-03-05T23:30:00Z'); // already 6 March in Tokyo

const englishMadrid24 = createFormatters({ language: 'en', timeZone: 'Europe/Madrid', timeFormat: '24h' });
const englishMadrid12 = createFormatters({ language: 'en', timeZone: 'Europe/Madrid', timeFormat: '12h' });
const spanishMadrid24 = createFormatters({ language: 'es', timeZone: 'Europe/Madrid', timeFormat: '24h' });
const spanishMadrid12 = createFormatters({ language: 'es', timeZone: 'Europe/Madrid', timeFormat: '12h' });
const frenchParis = createFormatters({ language: 'fr', timeZone: 'Europe/Paris', timeFormat: '24h' });
const brazilianSaoPaulo = createFormatters({ language: 'pt-BR', timeZone: 'America/Sao_Paulo', timeFormat: '24h' });

describe('createFormatters: dates and times', () => {
  it('shows a date and time in the 24-hour clock of the given zone', () => {
    expect(englishMadrid24.dateTime(lunchInMadrid)).toBe('Mar 5, 2026, 14:30');
  });

  it('shows a date and time in the 12-hour clock with PM', () => {
    const text = englishMadrid12.dateTime(lunchInMadrid);
    expect(text).toBe('Mar 5, 2026, 2:30 PM');
    expect(text).toContain('2:30');
    expect(text).not.toContain('14:30');
  });

  it('shows Spanish dates with the Spanish afternoon marker in 12-hour mode', () => {
    expect(spanishMadrid24.dateTime(lunchInMadrid)).toBe('5 mar 2026, 14:30');
    expect(spanishMadrid12.dateTime(lunchInMadrid)).toBe(`5 mar 2026, 2:30 p.${NBSP}m.`);
  });

  it('shows the time alone', () => {
    expect(englishMadrid24.time(lunchInMadrid)).toBe('14:30');
    expect(englishMadrid12.time(lunchInMadrid)).toBe('2:30 PM');
  });

  it('shows the date alone, localized', () => {
    expect(englishMadrid24.date(lunchInMadrid)).toBe('Mar 5, 2026');
    expect(frenchParis.date(lunchInMadrid)).toBe('5 mars 2026');
    expect(brazilianSaoPaulo.date(lunchInMadrid)).toBe('5 de mar. de 2026');
  });

  it('uses the zone to decide the calendar day', () => {
    const tokyo = createFormatters({ language: 'en', timeZone: 'Asia/Tokyo', timeFormat: '24h' });
    expect(tokyo.date(lateEveningUtc)).toBe('Mar 6, 2026');
    expect(englishMadrid24.date(lateEveningUtc)).toBe('Mar 6, 2026');
    const newYork = createFormatters({ language: 'en', timeZone: 'America/New_York', timeFormat: '24h' });
    expect(newYork.dateTime(lateEveningUtc)).toBe('Mar 5, 2026, 18:30');
  });

  it('falls back to UTC for an unknown time zone instead of throwing', () => {
    const mars = createFormatters({ language: 'en', timeZone: 'Mars/Olympus_Mons', timeFormat: '24h' });
    expect(mars.dateTime(lunchInMadrid)).toBe('Mar 5, 2026, 13:30');
  });
});

describe('createFormatters: numbers and money', () => {
  it('groups thousands the English way', () => {
    expect(englishMadrid24.number(1234.5)).toBe('1,234.5');
  });

  it('uses a decimal comma in Spanish (no grouping under 10 000)', () => {
    expect(spanishMadrid24.number(1234.5)).toBe('1234,5');
    expect(spanishMadrid24.number(12345.5)).toBe('12.345,5');
  });

  it('groups with a narrow no-break space in French', () => {
    expect(frenchParis.number(1234.5)).toBe(`1${NNBSP}234,5`);
  });

  it('groups with dots in Brazilian Portuguese', () => {
    expect(brazilianSaoPaulo.number(1234.5)).toBe('1.234,5');
  });

  it('pads to the requested number of decimals', () => {
    expect(englishMadrid24.number(1234.5, 2)).toBe('1,234.50');
    expect(englishMadrid24.number(2.345, 0)).toBe('2');
  });

  it('formats euros for each language', () => {
    expect(englishMadrid24.currency(1234.5, 'EUR')).toBe('€1,234.50');
    expect(frenchParis.currency(1234.5, 'EUR')).toBe(`1${NNBSP}234,50${NBSP}€`);
    expect(spanishMadrid24.currency(1234.5, 'EUR')).toBe(`1234,50${NBSP}€`);
    expect(brazilianSaoPaulo.currency(1234.5, 'EUR')).toBe(`€${NBSP}1.234,50`);
  });

  it('names foreign currencies unambiguously', () => {
    expect(brazilianSaoPaulo.currency(1234.5, 'USD')).toBe(`US$${NBSP}1.234,50`);
  });

  it('takes percentages as 0–100 values', () => {
    expect(englishMadrid24.percent(12.5)).toBe('12.5%');
    expect(frenchParis.percent(12.5)).toBe(`12,5${NBSP}%`);
  });
});

describe('createFormatters: names', () => {
  it('names countries in the reader’s language', () => {
    expect(englishMadrid24.countryName('ES')).toBe('Spain');
    expect(spanishMadrid24.countryName('ES')).toBe('España');
    expect(frenchParis.countryName('ES')).toBe('Espagne');
    expect(brazilianSaoPaulo.countryName('BR')).toBe('Brasil');
  });

  it('names languages in the reader’s language', () => {
    expect(englishMadrid24.languageName('es')).toBe('Spanish');
    expect(spanishMadrid24.languageName('es')).toBe('español');
    expect(englishMadrid24.languageName('pt-BR')).toBe('Brazilian Portuguese');
    expect(frenchParis.languageName('fr')).toBe('français');
  });
});

describe('isTimeZone and timeZones', () => {
  it('accepts IANA zones and UTC', () => {
    expect(isTimeZone('Europe/Madrid')).toBe(true);
    expect(isTimeZone('America/Sao_Paulo')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
  });

  it('accepts current IANA names that ICU lists under their old alias', () => {
    expect(isTimeZone('Asia/Kolkata')).toBe(true);
    expect(isTimeZone('Europe/Kyiv')).toBe(true);
    expect(isTimeZone('America/Argentina/Buenos_Aires')).toBe(true);
  });

  it('refuses made-up zones, offsets and empty values', () => {
    expect(isTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isTimeZone('Europe/Atlantis')).toBe(false);
    expect(isTimeZone('+02:00')).toBe(false);
    expect(isTimeZone('Europe/Madrid ')).toBe(false);
    expect(isTimeZone('')).toBe(false);
  });

  it('formats in an aliased zone instead of falling back to UTC', () => {
    const kolkata = createFormatters({ language: 'en', timeZone: 'Asia/Kolkata', timeFormat: '24h' });
    expect(kolkata.dateTime(lunchInMadrid)).toBe('Mar 5, 2026, 19:00');
  });

  it('lists zones sorted, including UTC, without duplicates', () => {
    const zones = timeZones();
    expect(zones).toContain('UTC');
    expect(zones).toContain('Europe/Madrid');
    expect(zones).toEqual([...zones].sort());
    expect(new Set(zones).size).toBe(zones.length);
  });

  it('puts a valid alias the form already holds first, so the select can show it', () => {
    const zones = timeZones('Asia/Kolkata');
    expect(zones[0]).toBe('Asia/Kolkata');
    expect(zones.slice(1)).toEqual(timeZones());
  });

  it('does not add a listed zone twice or add an invalid one', () => {
    expect(timeZones('Europe/Madrid')).toEqual(timeZones());
    expect(timeZones('Mars/Olympus_Mons')).toEqual(timeZones());
  });
});

describe('COUNTRY_CODES and isCountry', () => {
  it('contains the countries Porta is sold in', () => {
    for (const code of ['ES', 'BR', 'FR', 'US', 'GB', 'PT', 'MX']) expect(COUNTRY_CODES).toContain(code);
  });

  it('leaves out reserved and supranational codes', () => {
    for (const code of ['ZZ', 'EU', 'EZ', 'UN', 'QO', 'XA', 'XB', 'AA']) expect(COUNTRY_CODES).not.toContain(code);
  });

  it('holds only two upper-case letters per code, each once', () => {
    for (const code of COUNTRY_CODES) expect(code).toMatch(/^[A-Z]{2}$/);
    expect(new Set(COUNTRY_CODES).size).toBe(COUNTRY_CODES.length);
  });

  it('has roughly the number of ISO 3166-1 countries', () => {
    expect(COUNTRY_CODES.length).toBeGreaterThanOrEqual(245);
  });

  it('isCountry accepts listed upper-case codes only', () => {
    expect(isCountry('ES')).toBe(true);
    expect(isCountry('es')).toBe(false);
    expect(isCountry('ZZ')).toBe(false);
    expect(isCountry('EU')).toBe(false);
    expect(isCountry('ESP')).toBe(false);
    expect(isCountry('')).toBe(false);
  });
});

describe('fixes for retired codes, odd input and zone spelling', () => {
  it('lists each country once: no retired codes such as UK, DD, SU, YU', () => {
    for (const retired of ['UK', 'DD', 'SU', 'YU', 'CS', 'ZR', 'FX', 'AC', 'EA', 'IC', 'TA']) expect(COUNTRY_CODES, retired).not.toContain(retired);
    const en = createFormatters({ language: 'en', timeZone: 'UTC', timeFormat: '24h' });
    const names = COUNTRY_CODES.map((c) => en.countryName(c));
    expect(new Set(names).size).toBe(names.length);
    expect(isCountry('DD')).toBe(false);
  });

  it('does not throw on a malformed country code', () => {
    const en = createFormatters({ language: 'en', timeZone: 'UTC', timeFormat: '24h' });
    expect(en.countryName('zz1')).toBe('zz1');
  });

  it('spells a zone the canonical way', () => {
    expect(canonicalTimeZone('europe/madrid')).toBe('Europe/Madrid');
    expect(canonicalTimeZone('America/Argentina/Buenos_Aires')).toBe('America/Buenos_Aires');
    expect(canonicalTimeZone('Mars/Olympus')).toBeUndefined();
  });
});
