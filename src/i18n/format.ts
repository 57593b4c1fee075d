import type { TimeFormat } from '../db/schema.js';
import type { Language } from './languages.js';

export type Formatters = {
  date(value: Date): string;
  /** A calendar date stored as YYYY-MM-DD: no time zone applies. */
  calendarDate(iso: string): string;
  dateTime(value: Date): string;
  /** A date and time followed by the zone it is shown in, e.g. "8 Dec 2026, 14:05 (Europe/Madrid)": for moments read by someone elsewhere. */
  dateTimeZoned(value: Date): string;
  time(value: Date): string;
  number(value: number, fractionDigits?: number): string;
  /** A decimal quantity with only the digits it needs, up to `maxFractionDigits`: 10 reads "10", 2.5 reads "2.5". */
  decimal(value: number, maxFractionDigits: number): string;
  currency(value: number, currency: string): string;
  percent(value: number): string;
  countryName(code: string): string;
  languageName(lang: string): string;
};

export type FormatPreferences = {
  language: Language;
  timeZone: string;
  timeFormat: TimeFormat;
};

const made = new Map<string, Formatters>();

/**
 * Every date, number and currency shown to a person goes through these, in their zone and format.
 * Building the Intl objects costs about a millisecond, so each combination is built once and kept
 * (a few languages × the zones in use × two time formats).
 */
export function createFormatters(prefs: FormatPreferences): Formatters {
  const key = `${prefs.language}|${prefs.timeZone}|${prefs.timeFormat}`;
  let fmt = made.get(key);
  if (!fmt) {
    fmt = buildFormatters(prefs);
    if (made.size < 5000) made.set(key, fmt);
  }
  return fmt;
}

function buildFormatters({ language, timeZone, timeFormat }: FormatPreferences): Formatters {
  const zone = isTimeZone(timeZone) ? timeZone : 'UTC';
  const hour12 = timeFormat === '12h';
  const date = new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeZone: zone });
  const calendar = new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeZone: 'UTC' });
  const dateTime = new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short', timeZone: zone, hour12 });
  const time = new Intl.DateTimeFormat(language, { timeStyle: 'short', timeZone: zone, hour12 });
  const percent = new Intl.NumberFormat(language, { style: 'percent', maximumFractionDigits: 2 });
  const regions = new Intl.DisplayNames([language], { type: 'region' });
  const languages = new Intl.DisplayNames([language], { type: 'language' });
  return {
    date: (v) => date.format(v),
    calendarDate: (iso) => {
      const d = new Date(`${iso}T00:00:00Z`);
      return Number.isNaN(d.getTime()) ? iso : calendar.format(d);
    },
    dateTime: (v) => dateTime.format(v),
    dateTimeZoned: (v) => `${dateTime.format(v)} (${zone})`,
    time: (v) => time.format(v),
    number: (v, digits) =>
      new Intl.NumberFormat(language, digits === undefined ? {} : { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(v),
    decimal: (v, max) => new Intl.NumberFormat(language, { minimumFractionDigits: 0, maximumFractionDigits: Math.min(Math.max(max, 0), 20) }).format(v),
    currency: (v, currency) => {
      try {
        return new Intl.NumberFormat(language, { style: 'currency', currency }).format(v);
      } catch {
        return `${new Intl.NumberFormat(language, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(v)} ${currency}`;
      }
    },
    percent: (v) => percent.format(v / 100),
    countryName: (code) => displayName(regions, code),
    languageName: (lang) => displayName(languages, lang),
  };
}

function displayName(names: Intl.DisplayNames, code: string): string {
  try {
    return names.of(code) ?? code;
  } catch {
    return code; // not a well-formed code
  }
}

const zones = new Set(Intl.supportedValuesOf('timeZone'));
zones.add('UTC');

/**
 * The zone's canonical name as Intl spells it (europe/madrid → Europe/Madrid,
 * America/Argentina/Buenos_Aires → America/Buenos_Aires), or undefined when unknown.
 */
export function canonicalTimeZone(value: string): string | undefined {
  if (zones.has(value)) return value;
  if (!/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/.test(value)) return undefined;
  try {
    return new Intl.DateTimeFormat('en', { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/** Any IANA zone Intl knows, including aliases missing from the canonical list. */
export function isTimeZone(value: string): boolean {
  return canonicalTimeZone(value) !== undefined;
}

/** The zones to offer in a select, plus `current` when it is a valid alias not in the list. */
export function timeZones(current?: string): string[] {
  const list = [...zones].sort();
  if (current && !zones.has(current) && isTimeZone(current)) list.unshift(current);
  return list;
}

/**
 * The zones as a select offers them: grouped by region (Europe, America…),
 * each named by what follows the region, so the list stays short to send.
 */
export function timeZoneOptions(current?: string): { value: string; label: string; group?: string }[] {
  return timeZones(current).map((zone) => {
    const cut = zone.indexOf('/');
    if (cut < 0) return { value: zone, label: zone.replace(/_/g, ' ') };
    return {
      value: zone,
      label: zone
        .slice(cut + 1)
        .replace(/_/g, ' ')
        .replace(/\//g, ' / '),
      group: zone.slice(0, cut),
    };
  });
}

const NOT_COUNTRIES = ['AC', 'CP', 'DG', 'EA', 'EU', 'EZ', 'IC', 'QO', 'TA', 'UN', 'XA', 'XB', 'ZZ'];

/** ISO 3166-1 alpha-2 codes (plus XK, Kosovo) that Intl can name. */
export const COUNTRY_CODES: readonly string[] = (() => {
  const names = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
  const codes: string[] = [];
  for (let a = 65; a <= 90; a++) {
    for (let b = 65; b <= 90; b++) {
      const code = String.fromCharCode(a, b);
      const name = names.of(code);
      // Unknown codes come back unnamed; retired codes (UK, DD, SU…) map to their
      // successor and would list a country twice; the rest are exceptional reservations.
      if (name && name !== code && new Intl.Locale(`und-${code}`).region === code && !NOT_COUNTRIES.includes(code)) codes.push(code);
    }
  }
  return codes;
})();

export function isCountry(code: string): boolean {
  return COUNTRY_CODES.includes(code);
}
