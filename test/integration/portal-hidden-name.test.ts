import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAccessContext } from '../../src/access/context.js';
import { loadModuleMeta, type ModuleMeta } from '../../src/crm/metadata.js';
import { addAttachment, addNote } from '../../src/crm/notes.js';
import { createRecord, type RecordData } from '../../src/crm/records.js';
import { saveCanvasDesign } from '../../src/portals/canvas.js';
import { saveFieldPermissions } from '../../src/portals/field-permissions.js';
import { portalList } from '../../src/portals/portal-list.js';
import { portalNav } from '../../src/portals/portal-nav.js';
import { saveTabs, tabForm, tabOptions } from '../../src/portals/tabs.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { brokenVisits, crawlPortal, htmlForms, submitForm, type Visit } from '../support/portal-crawl.js';
import { addPortalUser, HELP, type PortalWorld, seedPortalWorld } from '../support/portal-world.js';

// Hana's user type hides the name field of every module she sees (a contact's
// last name, a case's subject, a deal's name, a solution's title); those fields
// and every stored display name hold a marker. Walking everything she can
// reach, the marker is never sent to her: not in a heading, a title, her
// menu, a list, a card, a lookup, a form, an error page or a file's name.

/** In the hidden name fields and the stored display names of the records Hana reaches. */
const MARK = 'HIDDEN-MARKER-7f3a';
/** In the names of records outside her reach that her records' lookups point at. */
const AWAY = 'HIDDEN-MARKER-0b9e';
const hana = { email: 'hana@initech.example', password: 'Hana-Portal-2027' };

let t: TestApp;
let w: PortalWorld;
let ids: Record<'umbrella' | 'hana' | 'ivo' | 'widget' | 'hanaDeal' | 'ivoDeal' | 'hanaCase' | 'raisedCase' | 'hanaQuote' | 'awayQuote' | 'solution', string>;
let hanaUserId: string;
let visits: Visit[];
let pages: string[];
/** The address of every record in her scope before the walk (which ends by deleting what it may). */
let expected: string[];

const meta = async (name: string) => (await loadModuleMeta(t.db, name)) as ModuleMeta;

/** What a type shows per module: its visible fields (the rest is hidden). */
const VISIBLE: Record<string, string[]> = {
  contacts: ['first_name', 'email', 'phone', 'account'],
  cases: ['status', 'priority', 'description', 'contact', 'product'],
  deals: ['stage', 'amount', 'closing_date', 'contact', 'account'],
  quotes: ['subject', 'contact', 'deal', 'status', 'line_items', 'subtotal', 'total'],
  products: ['name', 'code', 'unit_price'],
  solutions: ['question', 'answer', 'product'],
};

async function seedHiddenNames() {
  const staff = w.staff;
  const [accounts, contacts, deals, quotes, cases, products, solutions] = await Promise.all(
    ['accounts', 'contacts', 'deals', 'quotes', 'cases', 'products', 'solutions'].map(meta),
  );
  if (!accounts || !contacts || !deals || !quotes || !cases || !products || !solutions) throw new Error('a standard module is missing');
  const rec = async (m: ModuleMeta, data: RecordData) =>
    (await createRecord(t.db, staff, m, { data, layoutId: m.defaultLayout?.id ?? null, ownerId: w.adminId })).id;

  const saved = await saveCanvasDesign(t.db, staff, deals.module.id, deals.fields, {
    titleFieldId: deals.byName.get('name')?.id ?? null,
    subtitleFieldIds: [deals.byName.get('amount')?.id, deals.byName.get('closing_date')?.id].filter((id): id is string => Boolean(id)),
    badgeFieldId: deals.byName.get('stage')?.id ?? null,
  });
  expect(saved.ok).toBe(true);
  const tabs = tabForm((await tabOptions(t.db, w.helpTypeId)) ?? [], {
    contacts: { edit: true },
    cases: { create: true, edit: true, delete: true, notes: 'add', attachments: 'add' },
    deals: { viewMode: 'canvas' },
    quotes: {},
    products: {},
    solutions: {},
  });
  expect(await saveTabs(t.db, staff, w.helpTypeId, tabs)).toEqual({ ok: true });
  for (const m of [contacts, deals, quotes, cases, products, solutions]) {
    const visible = VISIBLE[m.module.api_name] ?? [];
    for (const layout of m.layouts) {
      const rows = m.fields.map((f) => ({ fieldId: f.id, visible: visible.includes(f.api_name), readOnly: false }));
      expect((await saveFieldPermissions(t.db, staff, w.helpTypeId, m.module.id, layout.id, rows)).ok).toBe(true);
    }
  }

  const umbrella = await rec(accounts, { name: `${AWAY} Umbrella` });
  const hanaId = await rec(contacts, { first_name: 'Hana', last_name: MARK, email: hana.email, phone: '+34 600 000 111', account: umbrella });
  const ivo = await rec(contacts, { first_name: 'Ivo', last_name: AWAY, email: 'ivo@elsewhere.example' });
  const widget = await rec(products, { name: 'Widget Pro', code: 'WP-1', unit_price: 40, active: true });
  const hanaDeal = await rec(deals, { name: `${MARK} deal`, stage: 'proposal', amount: 1200, closing_date: '2027-05-01', contact: hanaId, account: umbrella });
  const ivoDeal = await rec(deals, { name: `${AWAY} deal`, stage: 'negotiation', amount: 900, closing_date: '2027-06-01', contact: ivo });
  const hanaCase = await rec(cases, {
    subject: `${MARK} case`,
    status: 'open',
    priority: 'high',
    description: 'The widget squeaks.',
    contact: hanaId,
    product: widget,
  });
  // Raised by Hana through the portal, later moved by staff to another contact: still hers, its contact is not.
  const raisedCase = await rec(cases, { subject: `${MARK} raised by Hana`, status: 'waiting', contact: ivo });
  const line = { product: widget, quantity: 2, unit_price: 40, description: null, discount: null };
  const hanaQuote = await rec(quotes, { subject: 'Quote for Hana', status: 'draft', contact: hanaId, deal: hanaDeal, line_items: [line] });
  const awayQuote = await rec(quotes, { subject: 'Quote on a shared deal', status: 'draft', contact: hanaId, deal: ivoDeal, line_items: [line] });
  const solution = await rec(solutions, { title: `${MARK} answer`, question: 'Why does it squeak?', answer: 'Oil it.', product: widget });

  hanaUserId = await addPortalUser(t, w, { email: hana.email, recordId: hanaId, status: 'active', password: hana.password });
  await t.db.updateTable('records').set({ created_by_portal_user_id: hanaUserId }).where('id', '=', raisedCase).execute();
  await addNote(t.db, hanaCase, { kind: 'staff', id: w.adminId }, 'We are on it.', false);
  await addNote(t.db, hanaCase, { kind: 'staff', id: w.adminId }, `Staff only: ${MARK}`, true);
  await addAttachment(
    t.db,
    hanaCase,
    { kind: 'staff', id: w.adminId },
    { name: 'squeak.txt', type: 'text/plain', bytes: new TextEncoder().encode('eek') },
    false,
  );
  await addAttachment(
    t.db,
    hanaCase,
    { kind: 'staff', id: w.adminId },
    { name: `${MARK}.txt`, type: 'text/plain', bytes: new TextEncoder().encode('x') },
    true,
  );

  ids = { umbrella, hana: hanaId, ivo, widget, hanaDeal, ivoDeal, hanaCase, raisedCase, hanaQuote, awayQuote, solution };
  // A stored display name may hold hidden fields: it must never be what names a record to her.
  const reached = [hanaId, widget, hanaDeal, hanaCase, raisedCase, hanaQuote, awayQuote, solution];
  await t.db
    .updateTable('records')
    .set({ display_name: `${MARK} stored name` })
    .where('id', 'in', reached)
    .execute();
  await t.db
    .updateTable('records')
    .set({ display_name: `${AWAY} stored name` })
    .where('id', 'in', [umbrella, ivo, ivoDeal])
    .execute();
}

async function recordsInScope(): Promise<string[]> {
  const ctx = await loadAccessContext(t.db, { portalUserId: hanaUserId, portalId: w.helpId });
  const out: string[] = [];
  for (const { module } of (await portalNav(t.db, ctx)).modules) {
    for (const row of (await portalList(t.db, ctx, module.api_name, { href: () => '' }))?.rows ?? []) out.push(`${HELP}/m/${module.api_name}/${row.id}`);
  }
  return out;
}

async function signIn(): Promise<{ client: BrowserClient; landing: string }> {
  const client = browserClient(t.app);
  const page = await client.get(`${HELP}/login`);
  const form = htmlForms(await page.text()).find((f) => f.controls.some((c) => c.name === 'password'));
  if (!form) throw new Error('the sign-in page has no sign-in form');
  const filled = {
    ...form,
    controls: form.controls.map((c) => ({ ...c, value: c.name === 'email' ? hana.email : c.name === 'password' ? hana.password : c.value })),
  };
  const { res } = await submitForm(client, filled, `${HELP}/login`);
  expect(res.status).toBe(303);
  return { client, landing: res.headers.get('Location') ?? HELP };
}

/** Addresses no link leads to, and forms no page draws: refusals and "not found" must not name anything either. */
async function probe(client: BrowserClient): Promise<Visit[]> {
  const none = '00000000-0000-4000-8000-000000000000';
  const gets = [
    `${HELP}/m/contacts/${ids.ivo}`,
    `${HELP}/m/deals/${ids.ivoDeal}`,
    `${HELP}/m/accounts/${ids.umbrella}`,
    `${HELP}/m/contacts/${ids.hana}/delete`,
    `${HELP}/m/cases/${ids.hanaCase}/files/${none}`,
    `${HELP}/m/cases/${none}`,
    `${HELP}/m/nosuch`,
    `${HELP}/nosuch`,
  ];
  const posts: [string, Record<string, string>][] = [
    [`${HELP}/m/cases/${ids.hanaCase}/edit`, { subject: 'a hidden field' }],
    [`${HELP}/m/contacts/${ids.hana}/edit`, { last_name: 'a hidden field' }],
    [`${HELP}/m/cases`, { description: 'for someone else', contact__id: ids.ivo, contact: 'Ivo' }],
    [`${HELP}/m/deals/${ids.ivoDeal}/edit`, { stage: 'closed_won' }],
  ];
  const out: Visit[] = [];
  const keep = async (method: string, url: string, res: Response) =>
    out.push({ kind: 'probe', method, url, via: '(probe)', status: res.status, headers: res.headers, body: await res.text() });
  for (const url of gets) {
    await keep('GET', url, await client.get(url));
    await keep('GET', url, await client.get(url, { 'HX-Request': 'true' }));
  }
  for (const [url, form] of posts) await keep('POST', url, await client.post(url, form));
  return out;
}

beforeAll(async () => {
  t = await startTestApp();
  w = await seedPortalWorld(t);
  await seedHiddenNames();
  expected = await recordsInScope();
  const probing = await signIn();
  const probes = await probe(probing.client);
  const { client, landing } = await signIn();
  const started = performance.now();
  const report = await crawlPortal({ client, base: HELP, start: [landing, HELP, `${HELP}/profile`], fragments: true });
  console.info(
    `${hana.email}: ${report.pages.length} pages, ${report.forms.length} forms, ${report.visits.filter((v) => v.kind === 'fragment').length} fragments, ${probes.length} probes in ${((performance.now() - started) / 1000).toFixed(1)}s`,
  );
  visits = [...probes, ...report.visits];
  pages = report.pages;
}, 120_000);
afterAll(() => t.close());

/** Where a text was sent: each answer holding it, with a little of what surrounds it. */
function leaksOf(text: string): string[] {
  const out: string[] = [];
  for (const v of visits) {
    const headers = [...v.headers].map(([k, value]) => `${k}: ${value}`).join('\n');
    for (const [part, content] of [
      ['headers', headers],
      ['body', v.body],
    ] as const) {
      const at = content.indexOf(text);
      if (at >= 0)
        out.push(`${v.kind} ${v.method} ${v.url} → ${v.status}, ${part}: …${content.slice(Math.max(0, at - 80), at + text.length + 20).replace(/\s+/g, ' ')}…`);
    }
  }
  return out;
}

describe('a user type hiding the name fields', () => {
  it('is walked whole: every record, fragment and file she can reach, and no link to an address that does not exist', async () => {
    expect(expected).toEqual(
      expect.arrayContaining([`${HELP}/m/cases/${ids.raisedCase}`, `${HELP}/m/solutions/${ids.solution}`, `${HELP}/m/quotes/${ids.awayQuote}`]),
    );
    const reached = new Set(pages.map((p) => p.replace(/\?.*$/, '')));
    expect(expected.filter((href) => !reached.has(href))).toEqual([]);
    expect(pages.some((p) => p.includes(`/m/cases/${ids.hanaCase}/files/`))).toBe(true);
    expect(visits.filter((v) => v.kind === 'fragment').length).toBeGreaterThan(10);
    expect(brokenVisits(visits)).toEqual([]);
  });

  it('never sends a hidden name field or the stored display name of a record she reaches', () => {
    expect(leaksOf(MARK)).toEqual([]);
  });

  it('names a lookup’s target outside her reach without its hidden fields or stored display name', () => {
    expect(leaksOf(AWAY)).toEqual([]);
  });
});
