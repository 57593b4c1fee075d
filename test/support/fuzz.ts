import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../src/paths.js';
import { changedTables, type Fingerprint } from './fingerprint.js';
import { localeText } from './locale-strings.js';
import { decodeEntities } from './portal-crawl.js';
import { type Prng, prng } from './prng.js';

// Seeded request fuzzing: values drawn from families of awkward input,
// mutations of real forms and addresses, and the checks every answer must
// pass. Everything random comes from a prng seeded per route, so a seed and a
// route name replay the same requests.

/** A value on the wire: `text` is percent-encoded when sent, `raw` is sent exactly as written (invalid UTF-8, lone surrogates, stray %). */
export type FuzzValue = { text: string } | { raw: string };
export type Drawn = { value: FuzzValue; label: string };

const HUGE = 100 * 1024;

const FAMILIES: Record<string, readonly (string | (() => string))[]> = {
  number: ['0', '-1', '-0', '3.14159', '-2.5e-7', '1e308', '-1e309', '9'.repeat(40), '-9223372036854775809', 'NaN', 'Infinity', '0x1F', '1_000', '1,5'],
  boolean: ['true', 'false', 'on', 'off', '1', '0', 'yes', 'null', 'undefined'],
  blank: ['', ' ', '\t', '\r\n', '\u00a0', '\u3000 \u3000'],
  huge: [() => 'A'.repeat(HUGE), () => 'é'.repeat(HUGE / 2), () => '😀'.repeat(HUGE / 4), () => '<b>'.repeat(HUGE / 3), () => "' OR 1=1--".repeat(HUGE / 10)],
  unicode: [
    '😀👩‍👩‍👧‍👦🏳️‍🌈',
    '\u202eevil.exe\u202c',
    'مرحبا بالعالم',
    'שלום עולם',
    'e\u0301\u0302\u0303\u0304\u0305',
    'Z\u0334\u0321\u031b\u031e\u034ea\u0337l\u0338g\u0335o',
    '\u200b\u200d\ufeff',
    '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
    'ǅ ß ẞ İ ı ﬁ',
    '\ufffd\uffff',
    '漢字かなカナ',
  ],
  control: ['\u0000', 'a\u0000b', '\u0007', '\u001b[31mred', '\u007f', 'tab\u0008back', '\u000b\u000c'],
  sql: [
    "' OR 1=1--",
    "'; DROP TABLE records; --",
    '" OR ""="',
    "1' UNION SELECT null, version()--",
    '\\',
    "%' AND '%'='",
    '_%',
    '$$; select 1; $$',
    "')) or true--",
    "E'\\x00'",
  ],
  html: [
    '<script>alert(1)</script>',
    '"><img src=x onerror=alert(1)>',
    "'><svg/onload=alert(1)>",
    '&amp;&lt;&#0;&#x0;',
    '{{constructor.constructor("x")()}}',
    '\u0024{7*7}',
    '<!--',
    ']]>',
  ],
  date: ['2026-02-30', '0000-00-00', '9999-12-31', '2026-13-01T25:61', '1970-01-01T00:00:00Z', '-001-01-01', '2026/01/01', '275760-09-13'],
  email: ['a@b', '@', 'ANA@ACME.EXAMPLE', () => `${'a'.repeat(300)}@example.com`, '"a b"@example.com', 'ü@例え.jp', 'x@acme.example', 'a@b@c'],
  address: ['//evil.example', '/\\evil.example', 'javascript:alert(1)', 'http://evil.example/', '/admin', '/p/acme-help/../../admin', '?x=1', '#top'],
  language: ['es', 'fr', 'pt-BR', 'en', 'xx', 'ES', 'pt', 'de-DE', 'zh-Hant-TW', 'en;q=0'],
  name: ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'prototype'],
};

/** Raw wire values: lone surrogates percent-encoded, overlong and truncated UTF-8, broken escapes. */
const RAW = ['%ED%A0%80', '%ED%BF%BF', 'a%ED%B0%80b', '%C0%AF', '%FF%FE', '%E2%82', '%', '%zz', '%u0041', '%00', '%25%00'];

const show = (s: string) => (s.length > 40 ? `${JSON.stringify(s.slice(0, 12))}…(${s.length} chars)` : JSON.stringify(s));

/** A value of a random family; `uuids` are real ids (of any type) to hand where an id belongs to something else. */
export function drawValue(r: Prng, uuids: readonly string[] = []): Drawn {
  const roll = r.int(100);
  if (roll < 8) {
    const raw = r.pick(RAW);
    return { value: { raw }, label: `raw(${raw})` };
  }
  if (roll < 18) {
    const id = uuids.length && r.chance(0.6) ? r.pick(uuids) : r.chance(0.5) ? r.uuid() : '00000000-0000-0000-0000-000000000000';
    const text = r.chance(0.2) ? id.toUpperCase() : id;
    return { value: { text }, label: `uuid(${text})` };
  }
  const family = r.pick(Object.keys(FAMILIES));
  // Huge values cost the most: drawn less often.
  if (family === 'huge' && r.chance(0.5)) return drawValue(r, uuids);
  const item = r.pick(FAMILIES[family] ?? ['']);
  const text = typeof item === 'function' ? item() : item;
  return { value: { text }, label: `${family}(${show(text)})` };
}

/** A path parameter that is not what the route expects: non-ids, ids of other things, very long ids. */
export function drawParam(r: Prng, uuids: readonly string[]): Drawn {
  const junk = [
    'abc',
    '1',
    '-1',
    '0',
    '1.5',
    '1e999',
    "' OR 1=1--",
    'null',
    'undefined',
    '..',
    'new',
    'index.html',
    '😀',
    'ÄÖÜ',
    '<b>',
    'a'.repeat(5000),
    '1'.repeat(36),
  ];
  const roll = r.int(10);
  if (roll < 3 && uuids.length) {
    const text = r.pick(uuids);
    return { value: { text }, label: `other-id(${text})` };
  }
  if (roll < 5) {
    const id = r.uuid();
    const text = r.pick([id, id.toUpperCase(), id.replace(/-/g, ''), `${id}0`, `{${id}}`]);
    return { value: { text }, label: `uuid-ish(${show(text)})` };
  }
  if (roll < 6) {
    const raw = r.pick(['%ED%A0%80', '%00', '%2F', '%2e%2e', '%', '%zz', '%C0%AF']);
    return { value: { raw }, label: `raw(${raw})` };
  }
  const text = r.pick(junk);
  return { value: { text }, label: `junk(${show(text)})` };
}

export const encodeValue = (v: FuzzValue): string => ('raw' in v ? v.raw : encodeURIComponent(v.text));

/** `k=v&…` as a browser encodes a form, raw values left as they are. */
export const encodePairs = (pairs: readonly (readonly [string, FuzzValue])[]): string =>
  pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeValue(v)}`).join('&');

export type Pairs = [string, FuzzValue][];

const UNKNOWN_FIELDS = [
  'zzz_unknown',
  '__proto__',
  'constructor',
  'id',
  'owner_id',
  'deleted_at',
  'is_admin',
  'profile_id',
  'portal_id',
  'record_id',
  'layout_id',
  'f.__proto__',
];

/**
 * Mutates a form's fields (or a query's parameters) one to three times:
 * a value replaced, a field left out, a field repeated (an array), an unknown
 * field added, everything dropped. `extraKeys` are names worth adding (the
 * parameters routes read).
 */
export function mutatePairs(r: Prng, base: readonly (readonly [string, string])[], opts: { uuids?: readonly string[]; extraKeys?: readonly string[] } = {}) {
  let pairs: Pairs = base.map(([k, v]) => [k, { text: v }]);
  const notes: string[] = [];
  const uuids = opts.uuids ?? [];
  const steps = 1 + r.int(3);
  for (let i = 0; i < steps; i++) {
    const op = r.int(10);
    if (op < 4 && pairs.length) {
      const at = r.int(pairs.length);
      const d = drawValue(r, uuids);
      const key = pairs[at]?.[0] ?? '';
      pairs[at] = [key, d.value];
      notes.push(`${key}=${d.label}`);
    } else if (op < 5 && pairs.length) {
      const at = r.int(pairs.length);
      notes.push(`without ${pairs[at]?.[0]}`);
      pairs.splice(at, 1);
    } else if (op < 6 && pairs.length) {
      const key = r.pick(pairs)[0];
      const d = drawValue(r, uuids);
      pairs.push([key, d.value]);
      notes.push(`${key}+=${d.label}`);
    } else if (op < 9) {
      const key = opts.extraKeys?.length && r.chance(0.6) ? r.pick(opts.extraKeys) : r.pick(UNKNOWN_FIELDS);
      const d = drawValue(r, uuids);
      pairs.push([key, d.value]);
      notes.push(`+${key}=${d.label}`);
    } else {
      pairs = [];
      notes.push('nothing sent');
    }
  }
  return { pairs, label: notes.join(', ') };
}

/** A route pattern (`/admin/m/:module/:id`) with its parameters filled in, each encoded. */
export function fillPath(pattern: string, values: Record<string, FuzzValue>): string {
  return pattern.replace(/:([A-Za-z]+)|\*/g, (whole, name: string | undefined) => {
    const v = name ? values[name] : values['*'];
    if (!v) return whole;
    return name ? encodeValue(v) : 'raw' in v ? v.raw : v.text;
  });
}

export const routeParams = (pattern: string) => [...pattern.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1] ?? '');

/** A regular expression matching the concrete paths of a route pattern, capturing its parameters. */
export function routeRegex(pattern: string): RegExp {
  const body = pattern
    .split(/(:[A-Za-z]+|\*)/)
    .map((part) => (part === '*' ? '(.*)' : part.startsWith(':') ? '([^/]+)' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`);
}

/** A stable number for a name, to derive one generator per route from the run's seed. */
export function hashName(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return h >>> 0;
}

export const routePrng = (seed: number, route: string) => prng((seed ^ hashName(route)) >>> 0);

// --- what every answer must be ---------------------------------------------

export type Answer = { status: number; contentType: string; contentLanguage: string | null; location?: string | null; body: string };

type Tree = { [key: string]: string | Tree };

function flatten(tree: Tree, out: string[] = []): string[] {
  for (const v of Object.values(tree)) {
    if (typeof v === 'string') out.push(v);
    else flatten(v, out);
  }
  return out;
}

function localeValues(lang: string): string[] {
  const dir = join(projectRoot, 'locales', lang);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .flatMap((f) => flatten(JSON.parse(readFileSync(join(dir, f), 'utf8')) as Tree));
}

const englishOnly = new Map<string, Set<string>>();

/**
 * English sentences and labels that the language never uses: finding one in
 * a page of that language means a piece of it was left in English. Only
 * whole strings without placeholders, long enough not to be a name.
 */
function englishOnlyTexts(lang: string): Set<string> {
  let known = englishOnly.get(lang);
  if (known) return known;
  const theirs = new Set(localeValues(lang));
  known = new Set(localeValues('en').filter((s) => !s.includes('{{') && s.length >= 12 && /\s/.test(s) && !theirs.has(s)));
  englishOnly.set(lang, known);
  return known;
}

/** The visible text pieces and the labels (aria-label, placeholder, title, alt) of a page. */
function textPieces(html: string): string[] {
  const withoutCode = html.replace(/<script\b[\s\S]*?<\/script>|<style\b[\s\S]*?<\/style>/g, '');
  const texts = withoutCode.split(/<[^>]*>/).map((s) => decodeEntities(s).trim());
  const labels = [...withoutCode.matchAll(/\s(?:aria-label|placeholder|title|alt)="([^"]*)"/g)].map((m) => decodeEntities(m[1] ?? '').trim());
  return [...texts, ...labels].filter(Boolean);
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/**
 * What is wrong with an answer for a visitor whose pages must be in `lang`:
 * a server error; a redirect off the site (answers are read as from
 * http://porta.test); an HTML page whose <html lang> is another language, that
 * lacks the layout's skip link in that language, or that shows English text
 * the language has its own words for; an htmx fragment whose
 * Content-Language is another; a plain-text refusal left in English.
 * `data` are texts people typed (names of portals, user types, records): shown
 * as typed, whatever the page's language.
 */
export function answerProblems(answer: Answer, lang: string, opts: { data?: ReadonlySet<string> } = {}): string[] {
  const problems: string[] = [];
  if (answer.status >= 500) problems.push(`answered ${answer.status}`);
  if (answer.location && answer.status >= 300 && answer.status < 400) {
    const to = new URL(answer.location, 'http://porta.test/');
    if (to.origin !== 'http://porta.test') problems.push(`redirects to another site: ${show(answer.location)}`);
  }
  const type = answer.contentType;
  if (type.includes('text/html')) {
    if (answer.body.startsWith('<!DOCTYPE html>')) {
      const said = /<html lang="([^"]*)"/.exec(answer.body)?.[1];
      if (said !== lang) problems.push(`a page in ${said ?? 'no language'}, not ${lang}`);
      const skip = localeText(lang, 'common:skipToContent');
      if (!answer.body.includes(escapeHtml(skip))) problems.push(`no "${skip}" (the layout in ${lang})`);
    } else if (answer.contentLanguage && answer.contentLanguage !== lang) {
      problems.push(`a fragment in ${answer.contentLanguage}, not ${lang}`);
    }
    if (lang !== 'en') {
      const english = englishOnlyTexts(lang);
      const left = textPieces(answer.body).filter((s) => english.has(s) && !opts.data?.has(s));
      if (left.length) problems.push(`English text in a ${lang} page: ${left.slice(0, 3).map(show).join(', ')}`);
    }
  } else if (type.includes('text/plain') && lang !== 'en' && englishOnlyTexts(lang).has(answer.body.trim())) {
    problems.push(`a ${lang} visitor's answer in English: ${show(answer.body.trim())}`);
  }
  return problems;
}

// --- nothing written on a refusal --------------------------------------------

/** `mayWrite`: a success of this request may change data (a POST); a run of refusals is closed by a fingerprint after it. */
export type FuzzCase = { label: string; send: () => Promise<Answer>; mayWrite?: boolean };
export type CheckedCase = FuzzCase & { check: (answer: Answer) => Promise<string[]> | string[] };
export type Finding = { label: string; problem: string };

const refused = (status: number) => status >= 400 && status < 500;

/**
 * Sends the cases of one route in order and reports every answer's problems,
 * and every refusal (4xx) that changed a data table. One fingerprint covers a
 * run of refusals; only when the data changed across a run are its refusals
 * sent again one by one, each between two fingerprints, to name the culprit.
 */
export async function runCases(
  cases: readonly CheckedCase[],
  takeFingerprint: () => Promise<Fingerprint>,
  /** The data as they are now, when the caller knows it (the end of the previous route's cases). */
  start?: Fingerprint,
): Promise<{ findings: Finding[]; statuses: number[]; end: Fingerprint }> {
  const findings: Finding[] = [];
  const statuses: number[] = [];
  let before = start ?? (await takeFingerprint());
  let run: CheckedCase[] = [];
  const isolate = async (suspects: CheckedCase[]) => {
    let named = 0;
    for (const c of suspects) {
      const start = await takeFingerprint();
      const answer = await c.send();
      if (!refused(answer.status)) continue;
      const changed = changedTables(start, await takeFingerprint());
      if (changed.length) {
        named++;
        findings.push({ label: c.label, problem: `answered ${answer.status} and changed ${changed.join(', ')}` });
      }
    }
    return named;
  };
  // A stretch with a success in it may have changed data legitimately: a change is then only a reason to replay its refusals alone.
  let withSuccess = false;
  const closeRun = async () => {
    const now = await takeFingerprint();
    const changed = changedTables(before, now);
    if (run.length && changed.length) {
      const named = await isolate(run);
      if (!named && !withSuccess) {
        findings.push({ label: run.map((c) => c.label).join(' | '), problem: `these refusals together changed ${changed.join(', ')} (not again one by one)` });
      }
      before = await takeFingerprint();
    } else before = now;
    run = [];
    withSuccess = false;
  };
  for (const c of cases) {
    const answer = await c.send();
    statuses.push(answer.status);
    for (const problem of await c.check(answer)) findings.push({ label: c.label, problem });
    if (refused(answer.status)) run.push(c);
    else {
      withSuccess = true;
      // A read that succeeded rarely writes: the stretch goes on, and a change it made only costs a replay.
      if (c.mayWrite !== false) await closeRun();
    }
  }
  if (run.length || withSuccess) await closeRun();
  return { findings, statuses, end: before };
}
