import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModuleMeta, type ModuleMeta } from '../../src/crm/metadata.js';
import { type Actor, createRecord, type RecordData } from '../../src/crm/records.js';
import { SEARCH_MAX } from '../../src/portals/explain.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme, bruno, seedAcme, seedStandardUser } from '../support/fixtures.js';
import { decodeEntities, type HtmlForm, htmlForms, htmlLinks, submitForm } from '../support/portal-crawl.js';
import { countStatements } from '../support/statements.js';

// Explain access by name: the portal user and the record are found by typing
// part of a name, never by pasting an id; and the preview chooser opens on the
// portal the admin came from.

const BASE = '/admin/settings/portals/explain';
const PREVIEW = '/admin/settings/portals/preview';
/** More look-alike users and cases than a search lists. */
const CROWD = SEARCH_MAX + 5;

let t: TestApp;
let ana: BrowserClient;
let staff: Actor;
let staffId: string;
let contacts: ModuleMeta;
let cases: ModuleMeta;
let accounts: ModuleMeta;
const ids = {} as Record<string, string>;
const id = (name: string) => ids[name] as string;
const layout = (meta: ModuleMeta) => meta.defaultLayout?.id as string;

async function rec(meta: ModuleMeta, data: RecordData) {
  return (await createRecord(t.db, staff, meta, { data, layoutId: layout(meta), ownerId: staffId })).id;
}

/** What a reader sees: the page's text without markup, one space between words. */
const textOf = (html: string) =>
  decodeEntities(html.replace(/<(script|style)[\s\S]*?<\/\1>/g, ' ').replace(/<[^>]+>/g, ' '))
    .replace(/\s+/g, ' ')
    .trim();
/** The links of the list of matches (each result is one link). */
const matchLinks = (html: string) => {
  const list = html.match(/<ul class="search-results"[^>]*>([\s\S]*?)<\/ul>/)?.[1] ?? '';
  return [...list.matchAll(/<a\b[^>]*href="([^"]*)"[^>]*>([\s\S]*?)<\/a>/g)].map((m) => ({ href: decodeEntities(m[1] ?? ''), text: textOf(m[2] ?? '') }));
};
/** The form that holds the named field, with that field set to `value`. */
function formWith(html: string, field: string, value: string): HtmlForm {
  const form = htmlForms(html).find((f) => f.controls.some((c) => c.name === field));
  if (!form) throw new Error(`no form with a field named ${field}`);
  return { ...form, controls: form.controls.map((c) => (c.name === field ? { ...c, value } : c)) };
}
/** The options of a select, in order, and which one is selected. */
const optionsOf = (html: string, name: string) => {
  const select = html.match(new RegExp(`<select[^>]*name="${name}"[^>]*>([\\s\\S]*?)</select>`))?.[1] ?? '';
  return [...select.matchAll(/<option value="([^"]*)"( selected="")?/g)].map((m) => ({ value: m[1] ?? '', selected: Boolean(m[2]) }));
};

/**
 * Whether a page's statements stay the same however many rows match: the
 * statements sent for a search with few matches and one with many.
 */
function perRowStatements(few: string[], many: string[]): string[] {
  return many.length > few.length ? many.slice(few.length) : [];
}

beforeAll(async () => {
  t = await startTestApp();
  staffId = (await seedAcme(t.db)).admin.id;
  await seedStandardUser(t.db);
  staff = { kind: 'staff', id: staffId };
  ana = browserClient(t.app);
  await ana.post('/admin/login', { email: acme.admin.email, password: acme.admin.password });
  contacts = (await loadModuleMeta(t.db, 'contacts')) as ModuleMeta;
  cases = (await loadModuleMeta(t.db, 'cases')) as ModuleMeta;
  accounts = (await loadModuleMeta(t.db, 'accounts')) as ModuleMeta;

  const portal = async (name: string, slug: string) => {
    const p = await t.db.insertInto('portals').values({ name, slug }).returning('id').executeTakeFirstOrThrow();
    const type = await t.db
      .insertInto('portal_user_types')
      .values({ portal_id: p.id, name: `${name} customers`, base_module_id: contacts.module.id, is_default: true })
      .returning('id')
      .executeTakeFirstOrThrow();
    await t.db
      .insertInto('portal_type_tabs')
      .values([
        { user_type_id: type.id, module_id: contacts.module.id, kind: 'base', layout_ids: [layout(contacts)] },
        {
          user_type_id: type.id,
          module_id: cases.module.id,
          kind: 'related',
          filter_field_id: cases.byName.get('contact')?.id ?? null,
          layout_ids: [layout(cases)],
        },
      ])
      .execute();
    return { portalId: p.id, typeId: type.id };
  };
  const care = await portal('Acme Care', 'acme-care');
  const zeta = await portal('Zeta Partners', 'zeta-partners');
  Object.assign(ids, { care: care.portalId, careType: care.typeId, zeta: zeta.portalId, zetaType: zeta.typeId });

  const user = async (key: string, contact: string, email: string, at: { portalId: string; typeId: string }) => {
    ids[key] = randomUUID();
    await t.db
      .insertInto('portal_users')
      .values({ id: id(key), portal_id: at.portalId, user_type_id: at.typeId, record_id: contact, email, status: 'active', invited_by: staffId })
      .execute();
  };
  ids.carla = await rec(contacts, { first_name: 'Carla', last_name: 'Núñez' });
  ids.dora = await rec(contacts, { first_name: 'Dora', last_name: 'Ortiz' });
  ids.yann = await rec(contacts, { first_name: 'Yann', last_name: 'Zetterberg' });
  await user('alicePortal', id('carla'), 'carla@globex.example', care);
  await user('doraPortal', id('dora'), 'dora@initech.example', care);
  await user('yannPortal', id('yann'), 'yann@zeta.example', zeta);
  for (let i = 0; i < CROWD; i++) {
    const contact = await rec(contacts, { first_name: 'Tess', last_name: `Quill ${String(i).padStart(2, '0')}` });
    await user(`tess${i}`, contact, `tess${i}@crowd.example`, care);
    await rec(cases, { subject: `Quasar fault ${String(i).padStart(2, '0')}`, status: 'open', contact: id('carla') });
  }
  ids.case1 = await rec(cases, { subject: 'Printer jam', status: 'open', contact: id('carla') });
  ids.account = await rec(accounts, { name: 'Printerworks Ltd' });
});
afterAll(() => t.close());

describe('finding the portal user by name or email', () => {
  it('lists the users whose name or email contains the text, each a link to the next step', async () => {
    const byName = matchLinks(await (await ana.get(`${BASE}?q=nú`)).text());
    expect(byName.map((l) => l.text)).toEqual(['Carla Núñez <carla@globex.example>']);
    expect(byName[0]?.href).toBe(`${BASE}?q=n%C3%BA&user=${id('alicePortal')}`);
    const byEmail = matchLinks(await (await ana.get(`${BASE}?q=INITECH`)).text());
    expect(byEmail.map((l) => l.text)).toEqual(['Dora Ortiz <dora@initech.example>']);
    expect(textOf(await (await ana.get(`${BASE}?q=nobody-here`)).text())).toContain('No portal user matches «nobody-here».');
  });

  it(`lists at most ${SEARCH_MAX} users, by name, and says there are more`, async () => {
    const html = await (await ana.get(`${BASE}?q=quill`)).text();
    const links = matchLinks(html);
    expect(links).toHaveLength(SEARCH_MAX);
    expect(links[0]?.text).toBe('Tess Quill 00 <tess0@crowd.example>');
    expect(links.at(-1)?.text).toBe(`Tess Quill ${SEARCH_MAX - 1} <tess${SEARCH_MAX - 1}@crowd.example>`);
    expect(textOf(html)).toContain(`Only the first ${SEARCH_MAX} matches are listed.`);
  });

  it('answers the suggestions alone to htmx as one types, the same matches as the page', async () => {
    const res = await ana.get(`${BASE}/suggest/users?q=quill`, { 'HX-Request': 'true' });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).not.toContain('<html');
    expect(matchLinks(html)).toEqual(matchLinks(await (await ana.get(`${BASE}?q=quill`)).text()));
    const page = await (await ana.get(BASE)).text();
    // The search box asks for those suggestions, shown in a live region.
    expect(page).toMatch(
      /<input[^>]*name="q"[^>]*hx-get="\/admin\/settings\/portals\/explain\/suggest\/users"[^>]*hx-trigger="keyup changed delay:300ms, search"/,
    );
    expect(page).toContain('<div id="user-matches" aria-live="polite">');
  });
});

describe('finding the record by name', () => {
  it('lists the records of the user’s portal modules whose name contains the text, each a link to the explanation', async () => {
    const html = await (await ana.get(`${BASE}?user=${id('alicePortal')}&rq=printer`)).text();
    expect(textOf(html)).toContain('Portal user: Carla Núñez <carla@globex.example> · Acme Care · Acme Care customers');
    expect(matchLinks(html)).toEqual([{ href: `${BASE}?user=${id('alicePortal')}&record=${id('case1')}`, text: 'Printer jam' }]);
    // The account is in a module the portal does not show: found only when searching every module.
    const everywhere = await (await ana.get(`${BASE}?user=${id('alicePortal')}&rq=printer&all=1`)).text();
    expect(matchLinks(everywhere).map((l) => l.text)).toEqual(['Printer jam', 'Printerworks Ltd']);
    expect(textOf(everywhere)).toContain('Printerworks Ltd · Account');
  });

  it(`lists at most ${SEARCH_MAX} records and says there are more`, async () => {
    const html = await (await ana.get(`${BASE}?user=${id('alicePortal')}&rq=quasar`)).text();
    const links = matchLinks(html);
    expect(links).toHaveLength(SEARCH_MAX);
    expect(links[0]?.text).toBe('Quasar fault 00');
    expect(textOf(html)).toContain(`Only the first ${SEARCH_MAX} matches are listed.`);
    const suggested = await (await ana.get(`${BASE}/suggest/records?user=${id('alicePortal')}&rq=quasar`, { 'HX-Request': 'true' })).text();
    expect(matchLinks(suggested)).toEqual(links);
  });

  it('says when nothing matches, and answers 404 for a user that does not exist', async () => {
    const none = await (await ana.get(`${BASE}?user=${id('alicePortal')}&rq=zzz-nothing`)).text();
    expect(textOf(none)).toContain("No record in the modules of this user's portal matches «zzz-nothing».");
    const unknown = await ana.get(`${BASE}?user=${randomUUID()}&rq=printer`);
    expect(unknown.status).toBe(404);
    expect(matchLinks(await unknown.text())).toEqual([]);
  });
});

describe('the explanation without typing an id', () => {
  it('follows the search forms and their results from the empty page to the explanation', async () => {
    const start = await (await ana.get(BASE)).text();
    const users = await submitForm(ana, formWith(start, 'q', 'carla'), BASE);
    expect(users.res.status).toBe(200);
    const carla = matchLinks(await users.res.text()).find((l) => l.text.startsWith('Carla Núñez'));
    expect(carla).toBeDefined();
    const step = await ana.get(carla?.href as string);
    const stepHtml = await step.text();
    expect(htmlLinks(stepHtml)).toContain(`${BASE}/suggest/records`);
    const records = await submitForm(ana, formWith(stepHtml, 'rq', 'jam'), carla?.href as string);
    const jam = matchLinks(await records.res.text()).find((l) => l.text === 'Printer jam');
    expect(jam).toBeDefined();
    const explained = await ana.get(jam?.href as string);
    expect(explained.status).toBe(200);
    expect(textOf(await explained.text())).toContain('Carla Núñez can see «Printer jam»');
    // Nowhere on the way was an id typed: the first form sends none, the second only the one its page got from the link.
    expect(users.url).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}/);
    expect(new URL(records.url, 'http://porta.test').searchParams.get('user')).toBe(
      new URL(carla?.href as string, 'http://porta.test').searchParams.get('user'),
    );
  });

  it('keeps the record page’s entry, whose links lead to the same explanation', async () => {
    const res = await ana.get(`${BASE}/record/${id('case1')}`);
    expect(res.status).toBe(200);
    expect(htmlLinks(await res.text())).toContain(`${BASE}?user=${id('alicePortal')}&record=${id('case1')}`);
  });
});

describe('statements per search', () => {
  const statementsOf = async (url: string) => (await countStatements(async () => (await ana.get(url)).text())).statements;

  it('sends the same statements however many users or records match, and only a few', async () => {
    for (const [few, many] of [
      [`${BASE}?q=nú`, `${BASE}?q=quill`],
      [`${BASE}/suggest/users?q=nú`, `${BASE}/suggest/users?q=quill`],
      [`${BASE}?user=${id('alicePortal')}&rq=jam`, `${BASE}?user=${id('alicePortal')}&rq=quasar`],
      [`${BASE}/suggest/records?user=${id('alicePortal')}&rq=jam`, `${BASE}/suggest/records?user=${id('alicePortal')}&rq=quasar`],
    ] as const) {
      const [a, b] = [await statementsOf(few), await statementsOf(many)];
      expect(perRowStatements(a, b), many).toEqual([]);
      expect(b.length, many).toBeLessThanOrEqual(8);
    }
    // A suggestion answers with the session's statements and the one search.
    const suggestion = await statementsOf(`${BASE}/suggest/records?user=${id('alicePortal')}&rq=quasar`);
    expect(suggestion.filter((s) => /"records" as "r"/.test(s))).toHaveLength(1);
  });

  it('the check catches a statement per row', async () => {
    // A deliberately bad page: one request (and so its statements) per record shown.
    const contactIds = (await t.db.selectFrom('portal_users').select('record_id').limit(3).execute()).map((u) => u.record_id);
    const perRecord = async (n: number) =>
      (
        await countStatements(async () => {
          for (const contactId of contactIds.slice(0, n)) await (await ana.get(`/admin/m/contacts/${contactId}`)).text();
        })
      ).statements;
    expect(perRowStatements(await perRecord(1), await perRecord(3)).length).toBeGreaterThan(0);
  });
});

describe('who may search', () => {
  it('refuses staff who are not administrators', async () => {
    const brunoClient = browserClient(t.app);
    expect((await brunoClient.post('/admin/login', { email: bruno.email, password: bruno.password })).status).toBe(303);
    for (const path of [
      `${BASE}?q=carla`,
      `${BASE}?user=${id('alicePortal')}&rq=printer`,
      `${BASE}/suggest/users?q=carla`,
      `${BASE}/suggest/records?rq=printer&all=1`,
    ])
      expect((await brunoClient.get(path)).status, path).toBe(403);
  });
});

describe('the preview chooser opened from a portal', () => {
  it('lists the types and users of the portal named in the link first, and preselects them', async () => {
    const plain = await (await ana.get(PREVIEW)).text();
    expect(optionsOf(plain, 'type')[0]?.value).toBe(id('careType'));
    const from = await (await ana.get(`${PREVIEW}?portal=${id('zeta')}`)).text();
    expect(optionsOf(from, 'type')[0]).toEqual({ value: id('zetaType'), selected: true });
    expect(optionsOf(from, 'user')[0]).toEqual({ value: id('yannPortal'), selected: true });
    expect(optionsOf(from, 'user').filter((o) => o.selected)).toHaveLength(1);
  });

  it('takes the portal from the type chosen on the portal’s pages, and the type page’s link names the portal', async () => {
    const from = await (await ana.get(`${PREVIEW}?type=${id('zetaType')}`)).text();
    expect(optionsOf(from, 'user')[0]).toEqual({ value: id('yannPortal'), selected: true });
    const typePage = await (await ana.get(`/admin/settings/portals/${id('zeta')}/types/${id('zetaType')}`)).text();
    expect(htmlLinks(typePage)).toContain(`${PREVIEW}?portal=${id('zeta')}&type=${id('zetaType')}`);
  });
});
