import type { Field, FieldType } from '../db/schema.js';
import { isEmail, isUuid } from '../http/input.js';

/** A value as stored in records.data (JSON). */
export type StoredValue = string | number | boolean | string[] | SubformRow[] | null;
export type SubformRow = Record<string, StoredValue>;

/** A submitted value: one string, several (multi-select), or subform rows of strings. */
export type RawValue = string | string[] | Record<string, string | string[]>[] | undefined;

export type Parsed = { ok: true; value: StoredValue } | { ok: false; error: string };

const PHONE = /^\+?[0-9()\s./-]{3,40}(\s*(x|ext\.?)\s*\d{1,6})?$/i;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

export const TEXT_MAX = 255;
export const TEXTAREA_MAX = 32_000;

const ok = (value: StoredValue): Parsed => ({ ok: true, value });
const fail = (error: string): Parsed => ({ ok: false, error });

function isEmpty(raw: RawValue): boolean {
  if (raw === undefined) return true;
  if (typeof raw === 'string') return raw.trim() === '';
  return raw.length === 0;
}

/** Accepts 1234.5, 1234,5, 1,234.50 and 1.234,50; returns undefined when it is not a number. */
export function parseDecimal(text: string): number | undefined {
  let s = text.trim().replace(/[\s\u00a0\u202f']/g, '');
  if (!/^[-+]?[0-9.,]+$/.test(s)) return undefined;
  const lastDot = s.lastIndexOf('.');
  const lastComma = s.lastIndexOf(',');
  if (lastDot >= 0 && lastComma >= 0) {
    const decimal = lastDot > lastComma ? '.' : ',';
    const group = decimal === '.' ? ',' : '.';
    s = s.split(group).join('').replace(decimal, '.');
  } else if (lastComma >= 0) {
    // "1,5" is a decimal comma; "1,234" and "1,234,567" are thousands separators.
    const parts = s.split(',');
    const decimalComma = parts.length === 2 && (parts[1]?.length ?? 0) !== 3;
    s = parts.join(decimalComma ? '.' : '');
  }
  if (!/^[-+]?(\d+(\.\d*)?|\.\d+)$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}

function validDate(y: number, m: number, d: number): boolean {
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d && y >= 1000 && y <= 9999;
}

/** Wall-clock time in a zone → the UTC instant (the zone's offset at that moment). */
export function zonedToUtc(y: number, mo: number, d: number, h: number, mi: number, s: number, timeZone: string): Date {
  const guess = Date.UTC(y, mo - 1, d, h, mi, s);
  const offset = (at: number) => {
    const parts = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    }).formatToParts(new Date(at));
    const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
    return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - at;
  };
  const first = guess - offset(guess);
  return new Date(guess - offset(first));
}

/** The value for an <input type="datetime-local"> in a zone. */
export function utcToZonedInput(iso: string, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).formatToParts(new Date(iso));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '00';
  return `${get('year')}-${get('month')}-${get('day')}T${get('hour')}:${get('minute')}`;
}

export type ParseContext = { timeZone: string; children?: Field[] };

/**
 * Turns what a form (or a CSV cell) submitted for a field into the stored value,
 * or the locale key of the problem. Required-ness is checked here too.
 */
export function parseFieldValue(field: Field, raw: RawValue, ctx: ParseContext): Parsed {
  if (field.type === 'boolean') {
    const v = typeof raw === 'string' ? raw.trim().toLowerCase() : Array.isArray(raw) ? String(raw.at(-1) ?? '') : '';
    const value = ['on', 'true', '1', 'yes', 'y', 'sí', 'si', 'oui', 'sim', 'x'].includes(v);
    if (field.required && !value) return fail('errors:required');
    return ok(value);
  }
  if (field.type === 'subform') return parseSubform(field, raw, ctx);
  if (isEmpty(raw)) return field.required ? fail('errors:required') : ok(field.type === 'multiselect' ? [] : null);
  const text = typeof raw === 'string' ? raw.trim() : '';
  switch (field.type as FieldType) {
    case 'text':
      return text.length > TEXT_MAX ? fail('errors:tooLong') : ok(text);
    case 'textarea': {
      const body = typeof raw === 'string' ? raw.replace(/\r\n/g, '\n').trim() : '';
      return body.length > TEXTAREA_MAX ? fail('errors:tooLong') : ok(body);
    }
    case 'email':
      return isEmail(text.toLowerCase()) ? ok(text.toLowerCase()) : fail('errors:email');
    case 'phone':
      return PHONE.test(text) ? ok(text) : fail('crm:errors.phone');
    case 'url': {
      const url = /^[a-z][a-z0-9+.-]*:/i.test(text) ? text : `https://${text}`;
      return /^https?:\/\//i.test(url) && URL.canParse(url) && new URL(url).hostname.includes('.') && url.length <= 2000 ? ok(url) : fail('crm:errors.url');
    }
    case 'number': {
      // A whole number may carry thousands separators of any language: 1,200 · 1.200 · 1 200.
      const grouped = text.replace(/[\s\u00a0\u202f']/g, '');
      const n = /^[-+]?\d{1,3}([.,]\d{3})+$/.test(grouped) ? Number(grouped.replace(/[.,]/g, '')) : parseDecimal(text);
      return n !== undefined && Number.isSafeInteger(n) ? ok(n) : fail('crm:errors.number');
    }
    case 'decimal':
    case 'currency': {
      const n = parseDecimal(text);
      if (n === undefined) return fail('crm:errors.decimal');
      if (Math.abs(n) >= 1e15) return fail('crm:errors.tooLarge');
      const scale = field.options.scale ?? 2;
      return ok(Math.round(n * 10 ** scale) / 10 ** scale);
    }
    case 'percent': {
      const n = parseDecimal(text.replace(/%$/, ''));
      if (n === undefined) return fail('crm:errors.decimal');
      return n < 0 || n > 100 ? fail('crm:errors.percent') : ok(Math.round(n * 100) / 100);
    }
    case 'date': {
      const m = DATE.exec(text);
      return m && validDate(Number(m[1]), Number(m[2]), Number(m[3])) ? ok(text) : fail('crm:errors.date');
    }
    case 'datetime': {
      const m = DATETIME.exec(text);
      if (!m || !validDate(Number(m[1]), Number(m[2]), Number(m[3])) || Number(m[4]) > 23 || Number(m[5]) > 59) return fail('crm:errors.datetime');
      return ok(zonedToUtc(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0), ctx.timeZone).toISOString());
    }
    case 'picklist':
      return field.options.values?.some((v) => v.value === text) ? ok(text) : fail('errors:choose');
    case 'multiselect': {
      const values = [...new Set((Array.isArray(raw) ? raw : [raw]).filter((v): v is string => typeof v === 'string' && v !== ''))];
      if (values.some((v) => !field.options.values?.some((o) => o.value === v))) return fail('errors:choose');
      if (field.required && values.length === 0) return fail('errors:required');
      return ok(values);
    }
    case 'lookup':
      // Existence and visibility are checked by the record service, in one query for the whole form.
      return isUuid(text) ? ok(text.toLowerCase()) : fail('crm:errors.lookup');
    default:
      return fail('errors:choose');
  }
}

function parseSubform(field: Field, raw: RawValue, ctx: ParseContext): Parsed {
  const rows = Array.isArray(raw) ? raw.filter((r): r is Record<string, string | string[]> => typeof r === 'object' && r !== null) : [];
  const children = ctx.children ?? [];
  const parsed: SubformRow[] = [];
  for (const row of rows) {
    // A row left entirely blank is ignored (the form always offers an empty one).
    if (children.every((c) => isEmpty(row[c.api_name] as RawValue))) continue;
    const out: SubformRow = {};
    for (const child of children) {
      const r = parseFieldValue(child, row[child.api_name] as RawValue, { timeZone: ctx.timeZone });
      if (!r.ok) return fail('crm:errors.subformRow');
      out[child.api_name] = r.value;
    }
    parsed.push(out);
  }
  if (field.required && parsed.length === 0) return fail('errors:required');
  if (parsed.length > 200) return fail('crm:errors.tooManyRows');
  return ok(parsed);
}

/** Lookup ids a value holds: the field's own, and product lookups inside subform rows. */
export function lookupIds(field: Field, value: StoredValue, children: Field[] = []): string[] {
  if (field.type === 'lookup') return typeof value === 'string' ? [value] : [];
  if (field.type === 'subform' && Array.isArray(value)) {
    const lookups = children.filter((c) => c.type === 'lookup');
    return (value as SubformRow[]).flatMap((row) => lookups.map((c) => row[c.api_name]).filter((v): v is string => typeof v === 'string'));
  }
  return [];
}

/** Line totals for quote-like subforms: quantity × unit price less discount. */
export function lineItemsTotals(rows: SubformRow[]): { subtotal: number } {
  let subtotal = 0;
  for (const row of rows) {
    const qty = typeof row.quantity === 'number' ? row.quantity : 0;
    const price = typeof row.unit_price === 'number' ? row.unit_price : 0;
    const discount = typeof row.discount === 'number' ? row.discount : 0;
    subtotal += qty * price * (1 - discount / 100);
  }
  return { subtotal: Math.round(subtotal * 100) / 100 };
}

/** Text that full-text search should find a record by. */
export function searchableText(field: Field, value: StoredValue): string {
  if (['text', 'email', 'phone', 'url'].includes(field.type) && typeof value === 'string') return value;
  return '';
}
