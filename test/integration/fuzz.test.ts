import { Hono } from 'hono';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendPortalPasswordReset } from '../../src/auth/password-reset.js';
import { sessionIdFromToken } from '../../src/auth/sessions.js';
import { addField } from '../../src/crm/field-admin.js';
import { removeField } from '../../src/crm/field-removal.js';
import { createImport } from '../../src/crm/import.js';
import { createLayout } from '../../src/crm/layout-admin.js';
import { loadModuleMeta, type ModuleMeta } from '../../src/crm/metadata.js';
import { createProfile } from '../../src/crm/profiles.js';
import { createRecord } from '../../src/crm/records.js';
import { issueInvitation } from '../../src/invitations/tokens.js';
import { saveTabs, tabForm, tabOptions } from '../../src/portals/tabs.js';
import { addWebTab } from '../../src/portals/web-tabs.js';
import { fileRequest } from '../../src/privacy/requests.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { dataTables, type Fingerprint, fingerprint } from '../support/fingerprint.js';
import { acme, seedStandardUser } from '../support/fixtures.js';
import {
  type Answer,
  answerProblems,
  type CheckedCase,
  drawParam,
  drawValue,
  encodePairs,
  type Finding,
  type FuzzValue,
  fillPath,
  mutatePairs,
  routeParams,
  routePrng,
  routeRegex,
  runCases,
} from '../support/fuzz.js';
import { localeText } from '../support/locale-strings.js';
import { crawlPortal, type HtmlForm, htmlForms, htmlLinks, submitForm } from '../support/portal-crawl.js';
import { addPortalUser, carla, HELP, type PortalWorld, seedPortalWorld } from '../support/portal-world.js';
import type { Prng } from '../support/prng.js';

// Every GET and POST route of the app, read from the app itself, and every
// form its staff and portal pages offer, sent mutated requests: odd types,
// huge and strange text, control characters, SQL and HTML metacharacters,
// ids that are not ids or belong to something else, and query parameters
// (sort, cursor, filters, search, language) the same way. Each answer must be
// below 500 and, when it is a page, in the visitor's language; no refusal
// (4xx) may change a data table. Replay a run with FUZZ_SEED=<seed>
// (and FUZZ_ONLY=<part of a route> to send one route's requests alone).

const SEED = Number(process.env.FUZZ_SEED ?? 20260501) >>> 0;
const ONLY = process.env.FUZZ_ONLY;
/** Requests per route; the routes' own forms and links add a few. */
const PER_ROUTE = Number(process.env.FUZZ_PER_ROUTE ?? 5);

const ORIGIN = 'http://porta.test';
/** Carla reads her portal in Spanish; Ana, the staff admin, has no preference (the organization's English). */
const CARLA_LANGUAGE = 'es';
/** A signed-out visitor whose browser chose French with the switcher. */
const VISITOR_LANGUAGE = 'fr';

/** Parameters routes read from the address (besides filters `f.<field>` found on the pages). */
const QUERY_KEYS = [
  ...['q', 'sort', 'dir', 'order', 'after', 'page', 'lang', 'cols', 'col', 'layout', 'clone', 'next', 'done', 'saved', 'deleted', 'from', 'field'],
  ...['type', 'record', 'user', 'find', 'status', 'subject', 'parent', 'count', 'slug', 'reason', 'signedOut', 'f.status', 'f.priority', 'filed'],
  ...['__search_contact', 'contact__id', '__search_account', 'portalInvite', 'portalAccess', 'autoInvite'],
];
/** Field names forms of this app use, added where a route has no form on the pages. */
const FORM_KEYS = ['name', 'email', 'password', 'current', 'lang', 'back', 'next', 'body', 'subject', 'status', 'code', 'layout', 'owner', 'ids', 'confirm'];

type Who = 'staff' | 'portal' | 'visitor';
type Route = { method: 'GET' | 'POST'; pattern: string; re: RegExp; who: Who };
/** What the pages offer, filed by route: forms, linked addresses (with their queries), and concrete paths of any method. */
type Seen = { forms: Map<string, { form: HtmlForm; page: string }[]>; urls: Map<string, string[]>; paths: Map<string, string[]> };

let t: TestApp;
let w: PortalWorld;
let carlaId: string;
let tables: string[];
let routes: Route[];
const clients = {} as Record<Who, BrowserClient>;
const seen: Seen = { forms: new Map(), urls: new Map(), paths: new Map() };
let knownIds: string[] = [];
/** Names people gave things (portals, user types, records): shown as typed in every language. */
let typedNames: Set<string>;
/** Requests the walks that learnt the pages made. */
const walked = { portal: 0, staff: 0 };

const routeKey = (r: { method: string; pattern: string }) => `${r.method} ${r.pattern}`;
const whoFor = (pattern: string): Who =>
  !pattern.startsWith('/p/') ? 'staff' : /^\/p\/:slug\/(login|password|invite|two-factor)/.test(pattern) ? 'visitor' : 'portal';

/** The route a concrete address reaches: among the patterns matching it, the one with the most fixed text. */
function routeOf(method: string, path: string): Route | undefined {
  const fixed = (p: string) => p.replace(/:[A-Za-z]+|\*/g, '').length;
  return routes
    .filter((r) => r.method === method && r.re.test(path))
    .sort((a, b) => fixed(b.pattern) - fixed(a.pattern) || a.pattern.length - b.pattern.length)[0];
}

const remember = <T>(map: Map<string, T[]>, key: string, value: T, max: number) => {
  const list = map.get(key) ?? [];
  if (list.length < max) list.push(value);
  map.set(key, list);
};

/** Keeps a page's forms and links, each filed under the route it reaches (a few per route). */
function learn(body: string, page: string) {
  for (const form of htmlForms(body)) {
    const action = new URL(form.action || page, ORIGIN + page);
    if (action.origin !== ORIGIN) continue;
    const route = routeOf(form.method, action.pathname);
    if (!route) continue;
    remember(seen.forms, routeKey(route), { form: { ...form, action: action.pathname + action.search }, page }, 3);
    remember(seen.paths, route.pattern, action.pathname, 3);
  }
  for (const href of htmlLinks(body)) {
    const url = new URL(href, ORIGIN + page);
    if (url.origin !== ORIGIN) continue;
    const route = routeOf('GET', url.pathname);
    if (!route) continue;
    remember(seen.urls, routeKey(route), url.pathname + url.search, 3);
    remember(seen.paths, route.pattern, url.pathname, 3);
  }
}

/** A staff walk over links alone (nothing submitted), a couple of addresses per route, to learn forms and real ids. */
async function walkStaff(client: BrowserClient, max: number) {
  const queue = ['/admin', '/admin/m', '/admin/settings', '/admin/settings/portals', '/admin/profile', '/admin/outbox', '/admin/privacy/requests'];
  const visited = new Set<string>(queue);
  const perRoute = new Map<string, number>();
  let requests = 0;
  while (queue.length && requests < max) {
    const path = queue.shift() as string;
    const res = await client.get(path);
    requests++;
    const body = await res.text();
    if (!(res.headers.get('Content-Type') ?? '').includes('text/html')) continue;
    learn(body, path);
    for (const href of htmlLinks(body)) {
      const url = new URL(href, ORIGIN + path);
      const next = url.pathname + url.search;
      if (url.origin !== ORIGIN || !url.pathname.startsWith('/admin') || visited.has(next)) continue;
      const route = routeOf('GET', url.pathname);
      if (!route) continue;
      const n = perRoute.get(routeKey(route)) ?? 0;
      if (n >= 2) continue;
      perRoute.set(routeKey(route), n + 1);
      visited.add(next);
      queue.push(next);
    }
  }
  return requests;
}

async function signIn(who: 'staff' | 'portal') {
  // Fuzzed sign-ins from the same address trip the throttle; the fuzz's own sign-in is not what it tests.
  await t.db.deleteFrom('login_attempts').execute();
  const client = browserClient(t.app);
  const res =
    who === 'staff'
      ? await client.post('/admin/login', { email: acme.admin.email, password: acme.admin.password })
      : await client.post(`${HELP}/login`, { email: carla.email, password: carla.password });
  if (res.status !== 303) throw new Error(`${who} could not sign in: ${res.status}`);
  clients[who] = client;
}

/**
 * Puts back what a successful fuzzed request (or the walk) may have taken from
 * the people the fuzz signs in as, and the records most routes start from;
 * true when it had to.
 */
async function keepWorld(who: Who): Promise<boolean> {
  const staff = await t.db
    .updateTable('staff_users')
    .set({ active: true, language: null, password_hash: adminHash })
    .where('id', '=', w.adminId)
    .where((eb) => eb.or([eb('active', '!=', true), eb('language', 'is not', null), eb('password_hash', '!=', adminHash)]))
    .executeTakeFirst();
  const portal = await t.db
    .updateTable('portal_users')
    .set({ status: 'active', language: CARLA_LANGUAGE, user_type_id: w.helpTypeId, portal_id: w.helpId, password_hash: carlaHash })
    .where('id', '=', carlaId)
    .where((eb) =>
      eb.or([
        eb('status', '!=', 'active'),
        eb('language', 'is distinct from', CARLA_LANGUAGE),
        eb('user_type_id', '!=', w.helpTypeId),
        eb('password_hash', 'is distinct from', carlaHash),
      ]),
    )
    .executeTakeFirst();
  const record = await t.db
    .updateTable('records')
    .set({ deleted_at: null })
    .where('id', 'in', [w.records.carla, w.records.carlaCase1, w.records.carlaCase2])
    .where('deleted_at', 'is not', null)
    .executeTakeFirst();
  const factors = await t.db.deleteFrom('two_factor').where('user_id', 'in', [w.adminId, carlaId]).where('enabled_at', 'is not', null).executeTakeFirst();
  let changed = [staff.numUpdatedRows, portal.numUpdatedRows, record.numUpdatedRows, factors.numDeletedRows].some((n) => n > 0n);
  if (changed) languages.clear();
  clients.visitor.cookies.set('porta_lang', VISITOR_LANGUAGE);
  clients.visitor.cookies.delete('porta_portal');
  const session = async (kind: 'staff' | 'portal', cookie: string) => {
    const token = clients[kind].cookies.get(cookie);
    const row = token
      ? await t.db.selectFrom('sessions').select(['two_factor_pending']).where('id', '=', sessionIdFromToken(token)).executeTakeFirst()
      : undefined;
    if (!row || row.two_factor_pending) {
      await signIn(kind);
      changed = true;
    }
  };
  if (who === 'staff') await session('staff', 'porta_session');
  if (who === 'portal') await session('portal', 'porta_portal');
  return changed;
}
let adminHash: string;
let carlaHash: string;

/** The stored language preferences of Ana and Carla, read again after anything that may have changed them. */
const languages = new Map<'staff' | 'portal', string | null>();

async function storedLanguage(who: 'staff' | 'portal'): Promise<string | null> {
  if (!languages.has(who)) {
    const row =
      who === 'staff'
        ? await t.db.selectFrom('staff_users').select('language').where('id', '=', w.adminId).executeTakeFirstOrThrow()
        : await t.db.selectFrom('portal_users').select('language').where('id', '=', carlaId).executeTakeFirstOrThrow();
    languages.set(who, row.language);
  }
  return languages.get(who) ?? null;
}

/** The language a page must be in for this client at this address (resolved as the browser would reach it). */
async function expectedLanguage(who: Who, sent: string, acceptLanguage: string | undefined): Promise<string> {
  const path = new URL(sent, ORIGIN).pathname;
  const fallback = () => {
    const cookie = clients[who].cookies.get('porta_lang');
    if (cookie && ['en', 'es', 'fr', 'pt-BR'].includes(cookie)) return cookie;
    const first = (acceptLanguage ?? '').split(',')[0]?.split(';')[0]?.trim().toLowerCase() ?? '';
    const primary = first.split('-')[0] ?? '';
    if (primary === 'pt') return 'pt-BR';
    if (['en', 'es', 'fr'].includes(primary)) return primary;
    return 'en';
  };
  if (who === 'staff') return (await storedLanguage('staff')) ?? fallback();
  if (who === 'portal' && (path === HELP || path.startsWith(`${HELP}/`))) return (await storedLanguage('portal')) ?? fallback();
  return fallback();
}

async function answerOf(res: Response): Promise<Answer> {
  return {
    status: res.status,
    contentType: res.headers.get('Content-Type') ?? '',
    contentLanguage: res.headers.get('Content-Language'),
    location: res.headers.get('Location'),
    body: await res.text(),
  };
}

/** A valid value for each parameter of a route: from an address the pages link to when there is one, else a plausible one. */
function validParams(r: Prng, route: Route): Record<string, FuzzValue> {
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

const isUpload = (pattern: string) => /\/(attachments|logo|import)$/.test(pattern);

/** The requests sent to one route: the first as its page offers it, the others mutated in addresses, fields and query. */
function casesFor(route: Route): CheckedCase[] {
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

/** Ids of the things the world has one of, so routes about them have a real one to start from. */
type Extras = Record<
  'lead' | 'bruno' | 'profile' | 'webTab' | 'importId' | 'batch' | 'email' | 'resetToken' | 'inviteToken' | 'privacy' | 'layout' | 'field',
  string
>;

/** More of a world than the portal fixture: tabs that write, a data-privacy request, a lead, a second staff user, an import… */
async function enrichWorld(): Promise<Extras> {
  const staff = w.staff;
  const type = w.helpTypeId;
  const tabs = tabForm((await tabOptions(t.db, type)) ?? [], {
    contacts: { edit: true },
    cases: { create: true, edit: true, delete: true, notes: 'add', attachments: 'add' },
  });
  if (!(await saveTabs(t.db, staff, type, tabs)).ok) throw new Error('tabs not saved');
  await t.db.updateTable('org').set({ gdpr_enabled: true }).execute();
  const leads = (await loadModuleMeta(t.db, 'leads')) as ModuleMeta;
  const lead = await createRecord(t.db, staff, leads, {
    data: { first_name: 'Lena', last_name: 'Lead', email: 'lena@lead.example', company: 'Lead Co' },
    layoutId: leads.defaultLayout?.id as string,
    ownerId: w.adminId,
  });
  const bruno = await seedStandardUser(t.db);
  const profile = await createProfile(t.db, staff, { name: 'Fuzz reviewers' });
  if (!profile.ok) throw new Error('profile not created');
  if (!(await addWebTab(t.db, staff, type, { name: 'Status page', url: 'https://status.example/' })).ok) throw new Error('web tab not added');
  const webTab = await t.db.selectFrom('web_tabs').select('id').where('user_type_id', '=', type).executeTakeFirstOrThrow();
  const imported = await createImport(t.db, w.adminId, w.contacts, {
    filename: 'contacts.csv',
    content: Buffer.from('first_name,last_name,email\nIvo,Import,ivo@import.example\n'),
  });
  if (!imported.ok) throw new Error('import not created');
  const batch = await t.db
    .insertInto('invitation_batches')
    .values({ portal_id: w.partnersId, user_type_id: w.partnersTypeId, created_by: w.adminId, dry_run: true, total: 0 })
    .returning('id')
    .executeTakeFirstOrThrow();
  await sendPortalPasswordReset(t.db, t.boss, { portalId: w.helpId, email: carla.email }, { baseUrl: ORIGIN });
  const email = await t.db.selectFrom('email_outbox').select(['id', 'text']).executeTakeFirstOrThrow();
  const resetToken = /password\/reset\/([a-z2-7]{32})/.exec(email.text)?.[1] ?? '';
  const erin = await addPortalUser(t, w, { email: 'erin@partner.example', recordId: w.records.erin, status: 'invited' });
  const { token: inviteToken } = await issueInvitation(t.db, erin, w.adminId);
  const filed = await fileRequest(
    t.db,
    { boss: t.boss, baseUrl: ORIGIN },
    { recordId: w.records.carla, kind: 'export', details: '', requester: { kind: 'portal', id: carlaId, language: CARLA_LANGUAGE } },
  );
  if (!filed.ok) throw new Error(`privacy request not filed: ${filed.problem}`);
  const layout = await createLayout(t.db, leads, { labels: { en: 'Fuzz layout' } });
  if (!layout.ok) throw new Error('layout not created');
  const field = await addField(t.db, leads, { type: 'text', labels: { en: 'Fuzz field' }, required: false, values: [] });
  if (!field.ok) throw new Error('field not added');
  const removed = await removeField(t.db, (await loadModuleMeta(t.db, 'leads')) as ModuleMeta, field.value);
  if (!removed.ok) throw new Error('field not removed');
  await t.db.updateTable('records').set({ deleted_at: new Date() }).where('id', '=', w.records.fred).execute();
  return {
    lead: lead.id,
    bruno: bruno.id,
    profile: profile.profile.id,
    webTab: webTab.id,
    importId: imported.id,
    batch: batch.id,
    email: email.id,
    resetToken,
    inviteToken,
    privacy: filed.request.id,
    layout: layout.value.id,
    field: field.value.id,
  };
}

/** Addresses the pages do not link to (tokens, staff-only objects, preview pages), built from the world's ids. */
function samplePaths(x: Extras): string[] {
  const r = w.records;
  const caseAt = (base: string) => [
    `${base}/m/cases`,
    `${base}/m/cases/new`,
    `${base}/m/cases/suggest`,
    `${base}/m/cases/lookup/contact`,
    `${base}/tabs/${x.webTab}`,
    ...['', '/edit', '/delete', '/notes', '/attachments', '/close', '/reopen', `/files/${w.carlaFile}`].map((end) => `${base}/m/cases/${r.carlaCase1}${end}`),
  ];
  const privacy = `/admin/privacy/requests/${x.privacy}`;
  const imports = `/admin/m/contacts/import/${x.importId}`;
  const batch = `/admin/settings/portals/${w.partnersId}/invite/batches/${x.batch}`;
  const partners = `/admin/settings/portals/${w.partnersId}`;
  return [
    ...caseAt(HELP),
    ...caseAt(`/admin/settings/portals/preview/type/${w.helpTypeId}/${r.carla}`),
    ...caseAt(`/admin/settings/portals/preview/user/${carlaId}`),
    `/admin/settings/portals/preview/type/${w.helpTypeId}/${r.carla}`,
    `/admin/settings/portals/preview/user/${carlaId}`,
    `${HELP}/privacy`,
    `${HELP}/privacy/requests/${x.privacy}`,
    `${HELP}/privacy/requests/${x.privacy}/archive`,
    `${HELP}/password/reset/${x.resetToken}`,
    `${HELP}/invite/${x.inviteToken}`,
    `/admin/m/leads/${x.lead}/convert`,
    ...['', '/mapping', '/report', '/start', '/progress'].map((end) => imports + end),
    `/admin/outbox/${x.email}`,
    `/admin/outbox/${x.email}/html`,
    ...['', '/accept', '/reject', '/extend', '/complete', '/rectify', '/archive'].map((end) => privacy + end),
    ...['', '/progress', '/failed', '/outcomes.csv'].map((end) => batch + end),
    `/admin/settings/profiles/${x.profile}/delete`,
    ...['/profile', '/deactivate', '/reactivate'].map((end) => `/admin/settings/users/${x.bruno}${end}`),
    ...['/restore', '/purge'].map((end) => `/admin/settings/modules/leads/fields/${x.field}${end}`),
    ...['/default', '/delete'].map((end) => `/admin/settings/modules/leads/layouts/${x.layout}${end}`),
    `/admin/settings/portals/types/${w.helpTypeId}/web-tabs/${x.webTab}/remove`,
    `/admin/m/cases/${r.carlaCase1}/attachments/${w.carlaFile}`,
    `/admin/m/contacts/${r.fred}/restore`,
    `/admin/m/contacts/${r.fred}/purge`,
    `/admin/m/contacts/${r.erin}/portal-invitation`,
    `${partners}/types/${w.partnersTypeId}/delete`,
    `${partners}/types/${w.partnersTypeId}/auto-invite`,
    `${partners}/invitation-email/reset`,
  ];
}

/** Files a concrete path under every route (of either method) it is the best match for. */
function fileSample(path: string) {
  for (const method of ['GET', 'POST'] as const) {
    const route = routeOf(method, path);
    if (route) remember(seen.paths, route.pattern, path, 4);
  }
}

/** Routes whose success ends something the later requests need (a session, a record, a user): sent last. */
const endsSomething = (pattern: string) => /\/(delete|purge|remove|deactivate|logout|end|password|disable|reset|bulk|:action|restore)(\/|$)/.test(pattern);

beforeAll(async () => {
  t = await startTestApp();
  w = await seedPortalWorld(t);
  carlaId = await addPortalUser(t, w, { email: carla.email, recordId: w.records.carla, status: 'active', password: carla.password, language: CARLA_LANGUAGE });
  const extras = await enrichWorld();
  await addPortalUser(t, w, { email: 'dora@initech.example', recordId: w.records.dora, status: 'active', password: carla.password, portal: 'partners' });
  adminHash = (await t.db.selectFrom('staff_users').select('password_hash').where('id', '=', w.adminId).executeTakeFirstOrThrow()).password_hash;
  carlaHash = (await t.db.selectFrom('portal_users').select('password_hash').where('id', '=', carlaId).executeTakeFirstOrThrow()).password_hash ?? '';
  tables = await dataTables(t.db);
  const unique = new Map<string, Route>();
  for (const r of t.app.routes) {
    if (r.method !== 'GET' && r.method !== 'POST') continue;
    const route: Route = { method: r.method, pattern: r.path, re: routeRegex(r.path), who: whoFor(r.path) };
    unique.set(routeKey(route), route);
  }
  routes = [...unique.values()];
  clients.visitor = browserClient(t.app);
  clients.visitor.cookies.set('porta_lang', VISITOR_LANGUAGE);
  await signIn('staff');
  // The portal is learnt by walking it as Carla, forms submitted and all; the walk ends her sessions, so she signs in again after.
  const walker = browserClient(t.app);
  expect((await walker.post(`${HELP}/login`, { email: carla.email, password: carla.password })).status).toBe(303);
  const walk = await crawlPortal({ client: walker, base: HELP, start: [HELP, `${HELP}/profile`], maxRequests: 400 });
  walked.portal = walk.visits.length;
  for (const v of walk.visits) if ((v.headers.get('Content-Type') ?? '').includes('text/html')) learn(v.body, v.url.replace(/\?.*$/, ''));
  const visitorPages = [`${HELP}/login`, `${HELP}/password/forgot`];
  for (const p of visitorPages) learn(await (await clients.visitor.get(p)).text(), p);
  walked.staff = await walkStaff(clients.staff, 220);
  await signIn('portal');
  for (const path of samplePaths(extras)) fileSample(path);
  // In an order a replay meets again (ids themselves are new each run): by kind, then by what names the row.
  const ids = await sql<{ id: string }>`
    select id from (
      select id::text, 1 as kind, display_name as name from records
      union all select id::text, 2, slug from portals
      union all select id::text, 3, name from portal_user_types
      union all select id::text, 4, email from portal_users
      union all select id::text, 5, api_name from fields where module_id in (select id from modules where api_name = 'cases')
      union all select id::text, 6, api_name from layouts
      union all select id::text, 7, api_name from profiles
      union all select id::text, 8, email from staff_users
    ) as known order by kind, name`.execute(t.db);
  knownIds = ids.rows.map((row) => row.id);
  const names = await sql<{ name: string }>`
    select name from portals union select name from portal_user_types union select display_name from records`.execute(t.db);
  typedNames = new Set(names.rows.map((row) => row.name));
}, 120_000);
afterAll(() => t?.close());

describe('what the fuzz found, pinned', () => {
  it('saves a standard module sent without a sharing level as it was, instead of answering 500', async () => {
    await keepWorld('staff');
    const before = await fingerprint(t.db, tables);
    const res = await clients.staff.post('/admin/settings/modules/leads', { zzz_unknown: '2026-02-30' });
    expect(res.status).toBe(303);
    expect(await fingerprint(t.db, tables)).toEqual(before);
  });

  it('answers a staff lookup asked for its field alone with no suggestions, instead of 500', async () => {
    await keepWorld('staff');
    const account = w.contacts.fields.find((f) => f.api_name === 'account');
    for (const query of [`field=${account?.id}`, `field=${account?.id}&field=%2F%2Fevil.example`]) {
      const res = await clients.staff.get(`/admin/m/contacts/lookup?${query}`, { 'HX-Request': 'true' });
      expect(res.status, query).toBe(200);
      expect(await res.text()).toBe('');
    }
  });

  it('refuses a portal form whose filter-by lookup names something that is not an id with a 422, instead of 500, writing nothing', async () => {
    await keepWorld('portal');
    const page = `${HELP}/m/cases/${w.records.carlaCase1}/edit`;
    const form = htmlForms(await (await clients.portal.get(page)).text()).find((f) => f.action === page);
    if (!form) throw new Error(`no form on ${page}`);
    expect(form.controls.map((c) => c.name)).toContain('contact__id');
    const before = await fingerprint(t.db, tables);
    for (const id of ['\t', 'not-an-id', `${w.records.carla}x`]) {
      const sent = { ...form, controls: form.controls.map((c) => (c.name === 'contact__id' ? { ...c, value: id } : c)) };
      const { res } = await submitForm(clients.portal, sent, page);
      expect(res.status, JSON.stringify(id)).toBe(422);
    }
    expect(await fingerprint(t.db, tables)).toEqual(before);
  });

  it('refuses a control character in a portal address in the signed-in user’s language, not the organization’s', async () => {
    await keepWorld('portal');
    const res = await clients.portal.get(`${HELP}/m/cases?q=a%00b`);
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain(`<html lang="${CARLA_LANGUAGE}"`);
    expect(html).toContain(localeText(CARLA_LANGUAGE, 'errors:badInput.title'));
  });
});

describe(`fuzzing every route and form (FUZZ_SEED=${SEED})`, () => {
  it('reads every GET and POST route from the app and learns forms from the staff and portal pages', () => {
    expect(routes.length).toBeGreaterThan(200);
    for (const key of ['POST /admin/m/:module', 'GET /p/:slug/m/:module', 'POST /p/:slug/login', 'GET /admin/m/:module/:id'])
      expect(routes.map(routeKey)).toContain(key);
    const formRoutes = [...seen.forms.keys()];
    expect(formRoutes.filter((k) => k.includes('/p/:slug')).length).toBeGreaterThan(8);
    expect(formRoutes.filter((k) => k.includes('/admin')).length).toBeGreaterThan(40);
  });

  it(`answers every mutated request below 500, in the visitor's language, and writes nothing when it refuses (replay: FUZZ_SEED=${SEED})`, {
    timeout: 240_000,
  }, async () => {
    const started = performance.now();
    // The portal first, while its world is whole; within each side, what ends sessions or records last.
    const order = (r: Route) => (r.who === 'staff' ? 2 : 0) + (endsSomething(r.pattern) ? 1 : 0);
    const chosen = routes.filter((r) => !ONLY || routeKey(r).includes(ONLY)).sort((a, b) => order(a) - order(b));
    const findings: Finding[] = [];
    const statuses = new Map<number, number>();
    const reached = new Set<string>();
    let sent = 0;
    let last: Fingerprint | undefined;
    let fpTime = 0;
    let fpCount = 0;
    const fingerprintNow = async () => {
      const s0 = performance.now();
      const f = await fingerprint(t.db, tables);
      fpTime += performance.now() - s0;
      fpCount++;
      return f;
    };
    for (const route of chosen) {
      const changed = await keepWorld(route.who);
      const result = await runCases(casesFor(route), fingerprintNow, changed ? undefined : last);
      last = result.end;
      findings.push(...result.findings);
      sent += result.statuses.length;
      for (const s of result.statuses) statuses.set(s, (statuses.get(s) ?? 0) + 1);
      if (result.statuses.some((s) => s < 400)) reached.add(routeKey(route));
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const byStatus = JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])));
    console.info(
      `FUZZ_SEED=${SEED}: ${sent} requests to ${chosen.length} routes in ${seconds}s (${fpCount} fingerprints, ${(fpTime / 1000).toFixed(1)}s), ` +
        `after walks of ${walked.portal} portal and ${walked.staff} staff requests; ${reached.size} routes answered below 400 at least once; statuses ${byStatus}`,
    );
    const report = findings.map((f) => `${f.problem} — ${f.label}`);
    expect(report, `replay with FUZZ_SEED=${SEED}`).toEqual([]);
    if (!ONLY) expect(reached.size, 'routes that answered below 400 at least once: is the world signed out?').toBeGreaterThan(routes.length / 2);
  });
});

describe('the checker', () => {
  /** A careless app: a 500 on a quote, a write before a 400, a page in English for a Spanish reader. */
  function carelessApp() {
    const app = new Hono();
    app.get('/search', (c) => ((c.req.query('q') ?? '').includes("'") ? c.text('boom', 500) : c.text('ok')));
    app.post('/note', async (c) => {
      const form = await c.req.parseBody();
      if (typeof form.body === 'string' && form.body.length > 0) return c.text('saved');
      await t.db.updateTable('org').set({ name: sql<string>`name || '!'` }).execute();
      return c.text('refused', 400);
    });
    app.get('/page', (c) =>
      c.html(
        `<!DOCTYPE html><html lang="en"><body><a class="skip-link" href="#main">${localeText('en', 'common:skipToContent')}</a><p>${localeText('en', 'errors:forbidden')}</p></body></html>`,
      ),
    );
    return app;
  }

  it('reports a 500, a write on a 400 (naming the request) and a page in the wrong language, from mutated requests', async () => {
    const app = carelessApp();
    const r = routePrng(SEED, 'checker');
    const cases: CheckedCase[] = [
      ...[`' OR 1=1--`, 'fine'].map((q) => ({
        label: `GET /search?q=${q}`,
        send: async () => answerOf(await app.request(`/search?${encodePairs([['q', { text: q }]])}`)),
        check: (a: Answer) => answerProblems(a, 'en'),
      })),
      ...[1, 2, 3].map((n) => {
        const body = n === 2 ? [] : mutatePairs(r, [['body', 'hello']]).pairs.filter(([k]) => k !== 'body');
        return {
          label: `POST /note #${n}`,
          send: async () =>
            answerOf(
              await app.request('/note', {
                method: 'POST',
                body: encodePairs(n === 1 ? [['body', drawValue(r).value]] : body),
                headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
              }),
            ),
          check: (a: Answer) => answerProblems(a, 'en'),
        };
      }),
      { label: 'GET /page', send: async () => answerOf(await app.request('/page')), check: (a: Answer) => answerProblems(a, 'es') },
    ];
    const { findings } = await runCases(cases, () => fingerprint(t.db, tables));
    const problems = findings.map((f) => `${f.label}: ${f.problem}`);
    expect(problems).toContain(`GET /search?q=' OR 1=1--: answered 500`);
    expect(problems.some((p) => p.startsWith('POST /note #2: answered 400 and changed org'))).toBe(true);
    expect(problems).toContain('GET /page: a page in en, not es');
    expect(problems).toContain(`GET /page: no "${localeText('es', 'common:skipToContent')}" (the layout in es)`);
    expect(problems.some((p) => p.startsWith('GET /page: English text in a es page'))).toBe(true);
    expect(problems.filter((p) => p.startsWith('GET /search?q=fine'))).toEqual([]);
  });
});
