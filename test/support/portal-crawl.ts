import type { BrowserClient } from './app.js';

// A signed-in portal user's walk through everything their pages offer: every
// link and redirect inside the portal, and every form submitted as a user
// pressing its button without typing. Forms that end something (a delete,
// the session, the password) wait for the end of the walk, so the walk keeps
// its session and its records while it runs.

const ORIGIN = 'http://porta.test';

export type FormControl = { name: string; value: string; file?: boolean };
export type HtmlForm = { method: 'GET' | 'POST'; action: string; multipart: boolean; controls: FormControl[] };

export type Visit = {
  kind: 'page' | 'fragment' | 'form' | 'probe';
  method: string;
  url: string;
  /** The page whose link, form or redirect led here. */
  via: string;
  status: number;
  headers: Headers;
  body: string;
};

export type CrawlReport = {
  visits: Visit[];
  /** Distinct addresses answered to a GET (full pages). */
  pages: string[];
  /** Distinct forms submitted: `METHOD action`. */
  forms: string[];
  /** Links and form actions on portal pages that lead to a local address outside the portal (static assets aside). */
  leaving: { via: string; target: string }[];
  /** After the other sessions ended, this one still reached the portal. */
  keptSessionUntilSignOut: boolean;
  /** After signing out, the portal asked for a sign-in again. */
  signedOut: boolean;
};

export type CrawlOptions = {
  client: BrowserClient;
  /** /p/:slug */
  base: string;
  start: string[];
  /** Also ask for every page as htmx does, for its fragment. */
  fragments?: boolean;
  maxRequests?: number;
};

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, ref: string) => {
    if (ref[0] === '#') return String.fromCodePoint(ref[1] === 'x' || ref[1] === 'X' ? Number.parseInt(ref.slice(2), 16) : Number(ref.slice(1)));
    return ENTITIES[ref.toLowerCase()] ?? whole;
  });
}

function attributes(tag: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of tag.matchAll(/([^\s=/>"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g)) {
    out.set((m[1] ?? '').toLowerCase(), decodeEntities(m[2] ?? m[3] ?? m[4] ?? ''));
  }
  return out;
}

/** Every address a page links to: anchors, and htmx GETs. */
export function htmlLinks(html: string): string[] {
  return [...html.matchAll(/<a\b([^>]*)>|\shx-get="([^"]*)"/g)]
    .map((m) => (m[1] !== undefined ? attributes(m[1]).get('href') : decodeEntities(m[2] ?? '')))
    .filter((h): h is string => Boolean(h));
}

function selectValues(attrs: Map<string, string>, inner: string): string[] {
  const options = [...inner.matchAll(/<option\b([^>]*)>([\s\S]*?)(?=<option\b|<\/select>|$)/g)].map((m) => {
    const a = attributes(m[1] ?? '');
    return { value: a.get('value') ?? decodeEntities((m[2] ?? '').replace(/<[^>]+>/g, '')).trim(), selected: a.has('selected'), disabled: a.has('disabled') };
  });
  const chosen = options.filter((o) => o.selected && !o.disabled);
  if (attrs.has('multiple')) return chosen.map((o) => o.value);
  const one = chosen.at(-1) ?? options.find((o) => !o.disabled);
  return one ? [one.value] : [];
}

/** The forms of a page with what pressing their button unchanged would send. */
export function htmlForms(html: string): HtmlForm[] {
  return [...html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)].map((m) => {
    const attrs = attributes(m[1] ?? '');
    const inner = m[2] ?? '';
    const allDisabled = /<fieldset\b[^>]*\sdisabled[\s=>]/.test(inner);
    const controls: FormControl[] = [];
    // The first submit button is the one pressed: its name and value are sent when it has a name.
    let pressed: FormControl | 'unnamed' | undefined;
    for (const c of inner.matchAll(/<input\b([^>]*)>|<select\b([^>]*)>([\s\S]*?)<\/select>|<textarea\b([^>]*)>([\s\S]*?)<\/textarea>|<button\b([^>]*)>/g)) {
      const tag = attributes(c[1] ?? c[2] ?? c[4] ?? c[6] ?? '');
      const name = tag.get('name');
      const type = (tag.get('type') ?? (c[6] !== undefined ? 'submit' : 'text')).toLowerCase();
      const disabled = tag.has('disabled') || allDisabled;
      if ((c[1] !== undefined || c[6] !== undefined) && type === 'submit') {
        if (!pressed && !disabled) pressed = name ? { name, value: tag.get('value') ?? '' } : 'unnamed';
        continue;
      }
      if (!name || disabled || c[6] !== undefined || ['button', 'reset', 'image'].includes(type)) continue;
      if (c[1] !== undefined) {
        if ((type === 'checkbox' || type === 'radio') && !tag.has('checked')) continue;
        if (type === 'file') controls.push({ name, value: '', file: true });
        else controls.push({ name, value: tag.get('value') ?? (type === 'checkbox' || type === 'radio' ? 'on' : '') });
      } else if (c[2] !== undefined) {
        for (const value of selectValues(tag, c[3] ?? '')) controls.push({ name, value });
      } else {
        // A newline right after <textarea> is not part of its value.
        controls.push({ name, value: decodeEntities(c[5] ?? '').replace(/^\r?\n/, '') });
      }
    }
    if (pressed && pressed !== 'unnamed') controls.push(pressed);
    return {
      method: (attrs.get('method') ?? 'get').toUpperCase() === 'POST' ? 'POST' : 'GET',
      action: attrs.get('action') ?? '',
      multipart: (attrs.get('enctype') ?? '').toLowerCase() === 'multipart/form-data',
      controls,
    };
  });
}

/** Sends a form the way a browser does, its action resolved against the page it was on. */
export async function submitForm(client: BrowserClient, form: HtmlForm, page: string): Promise<{ url: string; res: Response }> {
  const target = new URL(form.action || page, ORIGIN + page);
  if (form.method === 'GET') {
    target.search = new URLSearchParams(form.controls.map((c) => [c.name, c.value])).toString();
    const url = target.pathname + target.search;
    return { url, res: await client.get(url) };
  }
  const url = target.pathname + target.search;
  if (form.multipart) {
    const body = new FormData();
    for (const c of form.controls) {
      if (c.file) body.append(c.name, new File([], '', { type: 'application/octet-stream' }), '');
      else body.append(c.name, c.value);
    }
    return { url, res: await client.request(url, { method: 'POST', body }) };
  }
  const body = new URLSearchParams(form.controls.map((c) => [c.name, c.value]));
  return { url, res: await client.request(url, { method: 'POST', body, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }) };
}

/** What a form ends, in the order the walk may do it at the end; undefined for a form that ends nothing. */
export function destructiveRank(form: HtmlForm, base: string): number | undefined {
  const path = new URL(form.action || '/', ORIGIN).pathname;
  if (form.method !== 'POST') return undefined;
  if (path.endsWith('/delete')) return 0;
  if (path === `${base}/profile/password`) return 1;
  if (path === `${base}/profile/two-factor/disable`) return 2;
  if (path === `${base}/profile/sessions/end`) return 3;
  if (path === `${base}/logout`) return 4;
  return undefined;
}

const withoutHash = (url: URL) => url.pathname + url.search;

/**
 * Walks the portal breadth-first from `start` and answers everything it saw;
 * the caller decides what is wrong with it (statuses, leaked text…).
 */
export async function crawlPortal(opts: CrawlOptions): Promise<CrawlReport> {
  const { client, base } = opts;
  const max = opts.maxRequests ?? 3000;
  const inPortal = (path: string) => path === base || path.startsWith(`${base}/`);
  const visits: Visit[] = [];
  const seenPages = new Set<string>();
  const seenForms = new Map<string, { form: HtmlForm; page: string }>();
  const submittedKeys = new Set<string>();
  const submitted: string[] = [];
  const leaving: CrawlReport['leaving'] = [];
  const queue: { url: string; via: string }[] = opts.start.map((url) => ({ url, via: '(start)' }));
  for (const { url } of queue) seenPages.add(url);
  const deferred: { form: HtmlForm; page: string; rank: number }[] = [];

  const record = async (kind: Visit['kind'], method: string, url: string, via: string, res: Response) => {
    if (visits.length >= max) throw new Error(`the walk passed ${max} requests: is a link growing without end?`);
    const visit: Visit = { kind, method, url, via, status: res.status, headers: res.headers, body: await res.text() };
    visits.push(visit);
    return visit;
  };
  const follow = (visit: Visit) => {
    const location = visit.headers.get('Location');
    if (visit.status >= 300 && visit.status < 400 && location) look(location, visit.url);
  };
  const look = (href: string, page: string) => {
    const trimmed = href.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const url = new URL(trimmed, ORIGIN + page);
    if (url.origin !== ORIGIN) return;
    if (!inPortal(url.pathname)) {
      if (!url.pathname.startsWith('/static/')) leaving.push({ via: page, target: withoutHash(url) });
      return;
    }
    const path = withoutHash(url);
    if (!seenPages.has(path)) {
      seenPages.add(path);
      queue.push({ url: path, via: page });
    }
  };
  const read = (visit: Visit) => {
    if (!(visit.headers.get('Content-Type') ?? '').includes('text/html')) return;
    for (const href of htmlLinks(visit.body)) look(href, visit.url);
    for (const form of htmlForms(visit.body)) {
      const action = new URL(form.action || visit.url, ORIGIN + visit.url);
      if (action.origin === ORIGIN && !inPortal(action.pathname)) leaving.push({ via: visit.url, target: withoutHash(action) });
      const key = `${form.method} ${withoutHash(action)} ${form.controls.map((c) => c.name).join(',')}`;
      if (!seenForms.has(key)) seenForms.set(key, { form: { ...form, action: withoutHash(action) }, page: visit.url });
    }
  };
  const submit = async (form: HtmlForm, page: string) => {
    const { url, res } = await submitForm(client, form, page);
    submitted.push(`${form.method} ${url}`);
    const visit = await record(form.method === 'GET' ? 'page' : 'form', form.method, url, page, res);
    read(visit);
    follow(visit);
    return visit;
  };
  const drain = async () => {
    for (;;) {
      const next = queue.shift();
      if (next) {
        const page = await record('page', 'GET', next.url, next.via, await client.get(next.url));
        read(page);
        follow(page);
        if (opts.fragments && page.status === 200 && (page.headers.get('Content-Type') ?? '').includes('text/html')) {
          read(await record('fragment', 'GET', next.url, next.via, await client.get(next.url, { 'HX-Request': 'true' })));
        }
        continue;
      }
      const form = [...seenForms.entries()].find(([key]) => !submittedKeys.has(key));
      if (!form) return;
      const [key, { form: f, page }] = form;
      submittedKeys.add(key);
      const rank = destructiveRank(f, base);
      if (rank === undefined) await submit(f, page);
      else deferred.push({ form: f, page, rank });
    }
  };
  await drain();

  // The end: what ends records first, then other sessions, then this one.
  let keptSessionUntilSignOut = true;
  let signedOutNow = false;
  for (;;) {
    deferred.sort((a, b) => a.rank - b.rank);
    const due = deferred.shift();
    if (!due) break;
    const { form, page, rank } = due;
    if (rank === 4) {
      const home = await client.get(base);
      keptSessionUntilSignOut = !(home.headers.get('Location') ?? '').startsWith(`${base}/login`);
      await home.text();
    }
    await submit(form, page);
    // Pages reached after a delete are walked too; after signing out there is nothing left to walk.
    if (rank < 4) await drain();
    else {
      signedOutNow = true;
      queue.length = 0;
    }
  }
  const after = await client.get(base);
  await after.text();
  const signedOut = signedOutNow && after.status === 303 && (after.headers.get('Location') ?? '').startsWith(`${base}/login`);

  return {
    visits,
    pages: [...new Set(visits.filter((v) => v.kind === 'page' && v.method === 'GET').map((v) => v.url))],
    forms: [...new Set(submitted)],
    leaving,
    keptSessionUntilSignOut,
    signedOut,
  };
}

/** GET and form answers that say the address has no route: 404 and 405. */
export function brokenVisits(visits: Visit[]): string[] {
  return visits.filter((v) => v.kind !== 'probe' && (v.status === 404 || v.status === 405)).map((v) => `${v.method} ${v.url} → ${v.status} (from ${v.via})`);
}
