import { answerProblems, type CheckedCase, drawParam, encodePairs, type FuzzValue, fillPath, mutatePairs, routeParams, routePrng } from './fuzz.js';
import { answerOf, clients, expectedLanguage, knownIds, languages, ORIGIN, PER_ROUTE, type Route, routeKey, SEED, seen, typedNames } from './fuzz-world.js';
import { submitForm } from './portal-crawl.js';
import type { Prng } from './prng.js';

// The requests the route fuzz (test/integration/fuzz-routes.test.ts) sends to
// one route, drawn from FUZZ_SEED and the route alone so a replay sends them
// again: the page's own form as offered, then mutated addresses, fields,
// files, headers and queries.

/** Parameters routes read from the address (besides filters `f.<field>` found on the pages). */
export const QUERY_KEYS = [
  ...['q', 'sort', 'dir', 'order', 'after', 'page', 'lang', 'cols', 'col', 'layout', 'clone', 'next', 'done', 'saved', 'deleted', 'from', 'field'],
  ...['type', 'record', 'user', 'find', 'status', 'subject', 'parent', 'count', 'slug', 'reason', 'signedOut', 'f.status', 'f.priority', 'filed'],
  ...['__search_contact', 'contact__id', '__search_account', 'portalInvite', 'portalAccess', 'autoInvite'],
];
/** Field names forms of this app use, added where a route has no form on the pages. */
export const FORM_KEYS = [
  'name',
  'email',
  'password',
  'current',
  'lang',
  'back',
  'next',
  'body',
  'subject',
  'status',
  'code',
  'layout',
  'owner',
  'ids',
  'confirm',
];

/** A valid value for each parameter of a route: from an address the pages link to when there is one, else a plausible one. */
export function validParams(r: Prng, route: Route): Record<string, FuzzValue> {
  const names = routeParams(route.pattern);
  const samples = seen.paths.get(route.pattern) ?? [];
  const sample = samples.length ? r.pick(samples) : undefined;
  const captured = sample ? route.re.exec(sample)?.slice(1) : undefined;
  const out: Record<string, FuzzValue> = {};
  names.forEach((name, i) => {
    const got = captured?.[i];
    if (got !== undefined) out[name] = { text: decodeURIComponent(got) };
    else
      out[name] = {
        text:
          name === 'slug'
            ? 'acme-help'
            : name === 'module' || name === 'moduleApiName'
              ? r.pick(['cases', 'contacts'])
              : name === 'token'
                ? 'x'.repeat(32)
                : name === 'action'
                  ? r.pick(['deactivate', 'reactivate', 'resend', 'remove'])
                  : name === 'file'
                    ? 'logo.png'
                    : r.pick(knownIds),
      };
  });
  if (route.pattern.endsWith('*'))
    out['*'] = { raw: r.pick(['nosuch', 'm/cases/x/y/z', '..%2F..%2Fadmin', 'a'.repeat(300), '%ED%A0%80', '😀'.replace(/./gu, encodeURIComponent)]) };
  return out;
}

export const isUpload = (pattern: string) => /\/(attachments|logo|import)$/.test(pattern);

/** The requests sent to one route: the first as its page offers it, the others mutated in addresses, fields and query. */
export function casesFor(route: Route): CheckedCase[] {
  const r = routePrng(SEED, routeKey(route));
  const forms = seen.forms.get(routeKey(route)) ?? [];
  const links = seen.urls.get(routeKey(route)) ?? [];
  const filterKeys = [...new Set([...seen.urls.values()].flat().flatMap((u) => [...new URL(u, ORIGIN).searchParams.keys()]))];
  const count = PER_ROUTE + (forms.length || links.length ? 2 : 0);
  const cases: CheckedCase[] = [];
  for (let i = 0; i < count; i++) {
    const params = validParams(r, route);
    const notes: string[] = [];
    const names = Object.keys(params);
    if (i > 0 && names.length && r.chance(0.45)) {
      const name = r.pick(names);
      const d = drawParam(r, knownIds);
      params[name] = d.value;
      notes.push(`:${name}=${d.label}`);
    }
    const path = fillPath(route.pattern, params);
    const link = links.length ? new URL(r.pick(links), ORIGIN) : undefined;
    const form = forms.length ? r.pick(forms) : undefined;
    // The first request is the page's own form as a browser sends it, headers and all.
    const asOffered = i === 0 && form !== undefined;
    const headers: Record<string, string> = {};
    if (!asOffered && r.chance(0.15)) {
      headers['HX-Request'] = 'true';
      notes.push('htmx');
    }
    let acceptLanguage: string | undefined;
    if (!asOffered && r.chance(0.1)) {
      acceptLanguage = r.pick(['es-ES,es;q=0.9', 'fr-CA', 'pt', 'de', '*', 'xx-YY;q=abc', 'en-US,en;q=0.5']);
      headers['Accept-Language'] = acceptLanguage;
      notes.push(`Accept-Language ${acceptLanguage}`);
    }
    let send: () => Promise<Response>;
    let sentPath = path;
    if (asOffered) {
      notes.push(`the form of ${form.page} as offered`);
      send = async () => (await submitForm(clients[route.who], form.form, form.page)).res;
      sentPath = new URL(form.form.action || form.page, ORIGIN).pathname;
    } else {
      const queryBase: [string, string][] = link ? [...link.searchParams] : [];
      const mutateQuery = route.method === 'GET' || r.chance(0.15);
      const query = mutateQuery ? mutatePairs(r, queryBase, { uuids: knownIds, extraKeys: [...QUERY_KEYS, ...filterKeys] }) : undefined;
      if (query) notes.push(`query ${query.label}`);
      sentPath = query?.pairs.length ? `${path}?${encodePairs(query.pairs)}` : path;
      if (route.method === 'GET') send = () => clients[route.who].request(sentPath, { method: 'GET', headers });
      else {
        const controls: [string, string][] = form ? form.form.controls.filter((c) => !c.file).map((c) => [c.name, c.value]) : [];
        const body = mutatePairs(r, controls, { uuids: knownIds, extraKeys: form ? FORM_KEYS : [...FORM_KEYS, ...QUERY_KEYS] });
        notes.push(`fields ${body.label}`);
        const multipart = form?.form.multipart ?? isUpload(route.pattern);
        const fileName = r.pick(['notes.txt', '../../etc/passwd', '\u202etxt.exe', 'a'.repeat(400), '', 'x.csv', 'logo.png']);
        const fileBytes = r.pick(['', 'hello', 'name,email\n"a,b",c\n', '\x89PNG\r\n\x1a\n', '\u0000\u0001'.repeat(512)]);
        const fileField = form?.form.controls.find((c) => c.file)?.name ?? r.pick(['file', 'logo', 'csv']);
        if (multipart) notes.push(`file ${JSON.stringify(fileName.slice(0, 20))} (${fileBytes.length} bytes)`);
        send = () => {
          if (multipart) {
            const data = new FormData();
            for (const [k, v] of body.pairs) data.append(k, 'raw' in v ? '\ufffd' : v.text);
            data.append(fileField, new File([fileBytes], fileName, { type: r.pick(['text/plain', 'image/png', 'application/octet-stream', 'text/csv']) }));
            return clients[route.who].request(sentPath, { method: 'POST', body: data, headers });
          }
          return clients[route.who].request(sentPath, {
            method: 'POST',
            body: encodePairs(body.pairs),
            headers: { ...headers, 'Content-Type': 'application/x-www-form-urlencoded' },
          });
        };
      }
    }
    const label = `${routeKey(route)} #${i} ${sentPath.length > 160 ? `${sentPath.slice(0, 160)}…` : sentPath} [${notes.join('; ')}]`;
    cases.push({
      label,
      mayWrite: route.method === 'POST',
      send: async () => {
        const answer = await answerOf(await send());
        // A saved form may have been someone's language.
        if (route.method === 'POST' && answer.status < 400) languages.clear();
        return answer;
      },
      check: async (answer) => {
        // The email itself, as its recipient reads it: in their language, not the reader's.
        if (route.pattern === '/admin/outbox/:id/html') return answerProblems({ ...answer, contentType: 'message/rfc822' }, 'en');
        return answerProblems(answer, await expectedLanguage(route.who, sentPath, acceptLanguage), { data: typedNames });
      },
    });
  }
  return cases;
}

/** Routes whose success ends something the later requests need (a session, a record, a user): sent last. */
export const endsSomething = (pattern: string) =>
  /\/(delete|purge|remove|deactivate|logout|end|password|disable|reset|bulk|:action|restore)(\/|$)/.test(pattern);
