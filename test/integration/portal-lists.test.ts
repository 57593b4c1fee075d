import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { COUNT_CAP } from '../../src/access/engine.js';
import { loadModuleMeta, type ModuleMeta } from '../../src/crm/metadata.js';
import { createRecord } from '../../src/crm/records.js';
import { saveFieldPermissions } from '../../src/portals/field-permissions.js';
import { saveTabs, tabForm, tabOptions } from '../../src/portals/tabs.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { addPortalUser, carla, HELP, type PortalWorld, seedPortalWorld } from '../support/portal-world.js';

// Carla's Cases tab: search over what she sees, filters and order by visible
// fields only, pages that neither repeat nor skip, and a count that stays cheap.

let t: TestApp;
let w: PortalWorld;
let solutions: ModuleMeta;
let client: BrowserClient;
const subjects: string[] = [];

beforeAll(async () => {
  t = await startTestApp();
  w = await seedPortalWorld(t);
  await addPortalUser(t, w, { email: carla.email, recordId: w.records.carla, status: 'active', password: carla.password });
  solutions = (await loadModuleMeta(t.db, 'solutions')) as ModuleMeta;
  const tabs = tabForm((await tabOptions(t.db, w.helpTypeId)) ?? [], { contacts: {}, cases: {}, solutions: {} });
  expect(await saveTabs(t.db, w.staff, w.helpTypeId, tabs)).toEqual({ ok: true });
  const perms = async (meta: ModuleMeta, visible: string[]) => {
    const rows = meta.fields.map((f) => ({ fieldId: f.id, visible: visible.includes(f.api_name), readOnly: false }));
    expect((await saveFieldPermissions(t.db, w.staff, w.helpTypeId, meta.module.id, meta.defaultLayout?.id as string, rows)).ok).toBe(true);
  };
  // Description and priority stay hidden: they must never narrow or order her list.
  await perms(w.cases, ['subject', 'status', 'contact']);
  await perms(solutions, ['title', 'question']);
  const statuses = ['open', 'in_progress', 'waiting', 'closed'];
  for (let i = 0; i < 32; i++) {
    const subject = `Ticket ${String(i).padStart(2, '0')} ${i % 2 ? 'router' : 'billing'}`;
    subjects.push(subject);
    await createRecord(t.db, w.staff, w.cases, {
      data: { subject, status: statuses[i % 4] as string, priority: i % 3 ? 'low' : 'high', description: `zebra-${i}`, contact: w.records.carla },
      layoutId: w.cases.defaultLayout?.id as string,
      ownerId: w.adminId,
    });
  }
  // More public solutions than any page counts.
  await sql`
    insert into records (module_id, layout_id, owner_id, data, display_name, created_by_staff_id)
    select ${solutions.module.id}, ${solutions.defaultLayout?.id}, ${w.adminId},
           jsonb_build_object('title', 'Answer ' || n, 'question', 'How ' || n), 'Answer ' || n, ${w.adminId}
    from generate_series(1, ${COUNT_CAP + 5}) as n`.execute(t.db);
});
afterAll(() => t.close());
beforeEach(async () => {
  client = browserClient(t.app);
  expect((await client.post(`${HELP}/login`, { email: carla.email, password: carla.password })).status).toBe(303);
});

const page = async (query: string) => {
  const res = await client.get(`${HELP}/m/cases${query}`);
  return { status: res.status, html: await res.text() };
};
/** The subjects of the rows shown, in order. */
const shown = (html: string) => [...html.matchAll(/<th scope="row"><a href="[^"]+">([^<]+)<\/a>/g)].map((m) => m[1]);
const nextLink = (html: string) => /<a href="([^"]+)" rel="next">/.exec(html)?.[1]?.replaceAll('&amp;', '&');

describe('searching her cases', () => {
  it('finds cases by the words of their visible fields, and says how many match', async () => {
    const { status, html } = await page('?q=printer');
    expect(status).toBe(200);
    expect(shown(html)).toEqual(['Printer jam']);
    expect(html).toContain('1 match');
    expect(shown((await page('?q=ticket+router')).html)).toHaveLength(16);
  });

  it('never finds a case by a hidden field, nor another customer’s case', async () => {
    const hidden = await page('?q=zebra-3');
    expect(shown(hidden.html)).toEqual([]);
    expect(hidden.html).toContain('Nothing matches this search.');
    expect(shown((await page('?q=Secret')).html)).toEqual([]);
    expect(shown((await page('?q=outage')).html)).toEqual([]);
  });

  it('takes wildcards literally', async () => {
    expect(shown((await page('?q=%25')).html)).toEqual([]);
    expect(shown((await page('?q=_')).html)).toEqual([]);
  });
});

describe('filters and order', () => {
  it('filters by a visible picklist with its values in her language', async () => {
    const { html } = await page('?f.status=waiting');
    expect(html).toContain('<option value="waiting" selected="">Waiting for Response</option>');
    const rows = shown(html);
    expect(rows).toContain('Invoice copy');
    expect(rows).toHaveLength(1 + 8);
    expect(rows).not.toContain('Printer jam');
  });

  it('refuses a filter or an order by a hidden field: 422, a message, and the list without it', async () => {
    for (const query of ['?f.priority=high', '?sort=description&dir=asc', '?order=priority.asc', '?f.nosuch=1']) {
      const { status, html } = await page(query);
      expect(status, query).toBe(422);
      expect(html).toContain('This list cannot be filtered or ordered by that field here, so it is shown without it.');
      expect(shown(html), query).toHaveLength(25);
    }
    expect((await page('')).html).not.toContain('f.priority');
  });

  it('orders by a visible column both ways, across pages that neither repeat nor skip', async () => {
    const all = ['Invoice copy', 'Printer jam', ...subjects];
    for (const dir of ['asc', 'desc'] as const) {
      const expected = [...all].sort((a, b) => (a < b ? -1 : 1));
      if (dir === 'desc') expected.reverse();
      const seen: string[] = [];
      let next: string | undefined = `${HELP}/m/cases?sort=subject&dir=${dir}`;
      while (next) {
        const html = await (await client.get(next)).text();
        seen.push(...(shown(html) as string[]));
        next = nextLink(html);
      }
      expect(seen).toEqual(expected);
    }
  });

  it('orders a picklist by its values’ order, and newest first by default', async () => {
    const byStatus = shown((await page('?order=status.asc')).html);
    expect(byStatus.slice(0, 9)).toContain('Printer jam');
    expect(byStatus.at(0)?.startsWith('Ticket') || byStatus.at(0) === 'Printer jam').toBe(true);
    const newest = shown((await page('')).html);
    expect(newest[0]).toBe(subjects.at(-1));
    const oldest = shown((await page('?order=created.asc')).html);
    expect(oldest.slice(0, 2)).toEqual(['Printer jam', 'Invoice copy']);
  });

  it('pages a filtered search with the filter kept', async () => {
    const first = await page('?q=ticket&f.status=open&order=subject.asc');
    expect(shown(first.html)).toEqual(subjects.filter((_, i) => i % 4 === 0));
    expect(nextLink(first.html)).toBeUndefined();
    expect(first.html).toContain('8 matches');
  });

  it('ignores a forged cursor rather than failing', async () => {
    const { status, html } = await page('?after=bm90LWEtY3Vyc29y');
    expect(status).toBe(200);
    expect(shown(html)).toHaveLength(25);
  });
});

describe('counting a large public module', () => {
  it('stops counting at the cap and says so', async () => {
    const html = await (await client.get(`${HELP}/m/solutions`)).text();
    expect(html).toContain(`More than ${COUNT_CAP.toLocaleString('en')} records`);
    const narrowed = await (await client.get(`${HELP}/m/solutions?q=Answer+1000`)).text();
    expect(narrowed).toContain('1 match');
  });
});
