import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { REOPEN_DAYS } from '../../src/cases/status.js';
import { addNote } from '../../src/crm/notes.js';
import { saveFieldPermissions } from '../../src/portals/field-permissions.js';
import { saveTabs, tabForm, tabOptions } from '../../src/portals/tabs.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme } from '../support/fixtures.js';
import { addPortalUser, carla, HELP, type PortalWorld, seedPortalWorld } from '../support/portal-world.js';

// Carla follows her cases: how many are in each status, a reply that puts a
// case waiting for her back In Progress, closing and reopening within the window.

let t: TestApp;
let w: PortalWorld;
let carlaId: string;
let client: BrowserClient;

beforeAll(async () => {
  t = await startTestApp();
  w = await seedPortalWorld(t);
  carlaId = await addPortalUser(t, w, { email: carla.email, recordId: w.records.carla, status: 'active', password: carla.password });
  const tabs = tabForm((await tabOptions(t.db, w.helpTypeId)) ?? [], { contacts: {}, cases: { create: true, notes: 'add', attachments: 'add' } });
  expect(await saveTabs(t.db, w.staff, w.helpTypeId, tabs)).toEqual({ ok: true });
  const rows = w.cases.fields.map((f) => ({
    fieldId: f.id,
    visible: ['subject', 'status', 'contact'].includes(f.api_name),
    readOnly: f.api_name === 'status',
  }));
  expect((await saveFieldPermissions(t.db, w.staff, w.helpTypeId, w.cases.module.id, w.cases.defaultLayout?.id as string, rows)).ok).toBe(true);
});
afterAll(() => t.close());
beforeEach(async () => {
  client = browserClient(t.app);
  expect((await client.post(`${HELP}/login`, { email: carla.email, password: carla.password })).status).toBe(303);
});

const statusOf = async (id: string) =>
  ((await t.db.selectFrom('records').select('data').where('id', '=', id).executeTakeFirstOrThrow()).data as { status: string }).status;
const statusChanges = (id: string) =>
  t.db
    .selectFrom('record_changes')
    .select(['actor_kind', 'actor_id', 'changes'])
    .where('record_id', '=', id)
    .where(sql<boolean>`changes @> ${JSON.stringify([{ field: w.cases.byName.get('status')?.id }])}::jsonb`)
    .orderBy('at')
    .orderBy('id')
    .execute();
const casePage = (id: string) => `${HELP}/m/cases/${id}`;

describe('her cases by status', () => {
  it('counts her cases in each status, each a link filtering the list, with status badges', async () => {
    const html = await (await client.get(`${HELP}/m/cases`)).text();
    expect(html).toContain('<nav class="status-counts" aria-label="Cases by status">');
    expect(html).toMatch(
      /href="\/p\/acme-help\/m\/cases\?f\.status=open" class="status-count status-open"><span class="status-label">Open<\/span> <span class="status-number">1<\/span>/,
    );
    expect(html).toMatch(/status-waiting"><span class="status-label">Waiting for Response<\/span> <span class="status-number">1<\/span>/);
    expect(html).toMatch(/status-closed"><span class="status-label">Closed<\/span> <span class="status-number">0<\/span>/);
    expect(html).toContain('<span class="badge status-waiting">Waiting for Response</span>');
    const filtered = await (await client.get(`${HELP}/m/cases?f.status=waiting`)).text();
    expect(filtered).toContain('aria-current="true" class="status-count status-waiting"');
    expect(filtered).toContain('Invoice copy');
    expect(filtered).not.toContain('Printer jam</a>');
  });
});

describe('the conversation on a case', () => {
  it('shows staff replies and hers in time order with who wrote and when, files among them; internal notes never', async () => {
    const id = w.records.carlaCase1;
    const staff = { kind: 'staff' as const, id: w.adminId };
    await addNote(t.db, id, staff, 'Staff only: check the ledger.', true);
    await addNote(t.db, id, staff, 'Could you send the invoice number?', false);
    expect((await client.post(`${casePage(id)}/notes`, { body: 'It is 2027-118.' })).status).toBe(303);
    const form = new FormData();
    form.append('file', new File([new TextEncoder().encode('%PDF-1.7 invoice')], 'invoice.pdf'));
    expect((await client.request(`${casePage(id)}/attachments`, { method: 'POST', body: form })).status).toBe(303);
    const html = await (await client.get(casePage(id))).text();
    expect(html).toContain('<h2 id="notes-title">Conversation</h2>');
    expect(html).not.toContain('check the ledger');
    const entries = [...html.matchAll(/<li class="entry entry-(\w+)">([\s\S]*?)<\/li>/g)].map((m) => [
      m[1],
      m[2]
        ?.replace(/<[^>]+>/g, ' ')
        .replace(/\s+/g, ' ')
        .trim(),
    ]);
    // The manual staff attached when the case was opened comes first.
    expect(entries.map(([kind]) => kind)).toEqual(['staff', 'staff', 'you', 'you']);
    expect(entries[0]?.[1]).toMatch(/^manual\.txt \(1 KB\) Ana Admin \(Acme Iberia\) · \S/);
    expect(entries[1]?.[1]).toMatch(/^Could you send the invoice number\? Ana Admin \(Acme Iberia\) · \S/);
    expect(entries[2]?.[1]).toMatch(/^It is 2027-118\. You · /);
    expect(entries[3]?.[1]).toMatch(/^invoice\.pdf \(1 KB\) You · \S/);
    // Times in her time zone (the organization's: Europe/Madrid).
    expect(html).toMatch(/<time datetime="[^"]+Z">[^<]+<\/time>/);
  });
});

describe('status rules', () => {
  it('puts a case waiting for her back In Progress when she replies, in the history as her change', async () => {
    expect(await statusOf(w.records.carlaCase2)).toBe('waiting');
    expect((await client.post(`${casePage(w.records.carlaCase2)}/notes`, { body: 'Here is the invoice number: 2027-118.' })).status).toBe(303);
    expect(await statusOf(w.records.carlaCase2)).toBe('in_progress');
    // After the status staff created it with, her reply's change.
    expect((await statusChanges(w.records.carlaCase2)).slice(1)).toEqual([
      { actor_kind: 'portal', actor_id: carlaId, changes: [{ field: w.cases.byName.get('status')?.id, old: 'waiting', new: 'in_progress' }] },
    ]);
    // A reply to a case that is not waiting for her leaves its status alone.
    expect((await client.post(`${casePage(w.records.carlaCase1)}/notes`, { body: 'Any news?' })).status).toBe(303);
    expect(await statusOf(w.records.carlaCase1)).toBe('open');
  });

  it('lets her close her case, then reopen it within the window', async () => {
    const id = w.records.carlaCase1;
    const open = await (await client.get(casePage(id))).text();
    expect(open).toContain(`<form method="post" action="${casePage(id)}/close" class="inline-form">`);
    expect(open).not.toContain('/reopen"');
    const closed = await client.post(`${casePage(id)}/close`, {});
    expect(closed.headers.get('Location')).toBe(`${casePage(id)}?closed=1`);
    expect(await statusOf(id)).toBe('closed');
    const page = await (await client.get(`${casePage(id)}?closed=1`)).text();
    expect(page).toContain(`The case is closed. You can reopen it within ${REOPEN_DAYS} days.`);
    expect(page).toContain(`action="${casePage(id)}/reopen"`);
    expect((await client.post(`${casePage(id)}/reopen`, {})).headers.get('Location')).toBe(`${casePage(id)}?reopened=1`);
    expect(await statusOf(id)).toBe('open');
    // Reopening what is open changes nothing, and says so.
    expect((await client.post(`${casePage(id)}/reopen`, {})).headers.get('Location')).toBe(`${casePage(id)}?statusUnchanged=1`);
    const trail = await t.db
      .selectFrom('audit_log')
      .select('action')
      .where('target_id', '=', id)
      .where('action', 'like', 'portal.case_%')
      .orderBy('at')
      .execute();
    expect(trail.map((a) => a.action)).toEqual(['portal.case_closed', 'portal.case_reopened']);
  });

  it('no longer offers to reopen a case closed longer ago than the window', async () => {
    const id = w.records.carlaCase1;
    expect((await client.post(`${casePage(id)}/close`, {})).status).toBe(303);
    await sql`update record_changes set at = now() - make_interval(days => ${REOPEN_DAYS + 1}) where record_id = ${id}`.execute(t.db);
    expect(await (await client.get(casePage(id))).text()).not.toContain('/reopen"');
    expect((await client.post(`${casePage(id)}/reopen`, {})).headers.get('Location')).toBe(`${casePage(id)}?statusUnchanged=1`);
    expect(await statusOf(id)).toBe('closed');
  });

  it('follows the window the admin sets for the portal: 0 days means a closed case stays closed', async () => {
    const ana = browserClient(t.app);
    expect((await ana.post('/admin/login', { email: acme.admin.email, password: acme.admin.password })).status).toBe(303);
    const settings = `/admin/settings/portals/${w.helpId}`;
    expect(await (await ana.get(settings)).text()).toContain('name="reopenDays" type="number" value="30"');
    for (const bad of ['400', '-1', 'two', '1.5']) {
      const refused = await ana.post(settings, { reopenDays: bad });
      expect(refused.status, bad).toBe(422);
      expect(await refused.text()).toContain('Enter a whole number of days from 0 to 365.');
    }
    expect((await t.db.selectFrom('portals').select('reopen_days').where('id', '=', w.helpId).executeTakeFirstOrThrow()).reopen_days).toBe(30);
    // Saved, the step leads on to the portal's first user type.
    expect((await ana.post(settings, { reopenDays: '0' })).headers.get('Location')).toMatch(new RegExp(`^${settings}/types/[0-9a-f-]{36}\\?done=portalSaved$`));
    try {
      const id = w.records.carlaCase2;
      expect((await client.post(`${casePage(id)}/close`, {})).status).toBe(303);
      const page = await (await client.get(`${casePage(id)}?closed=1`)).text();
      expect(page).toContain('The case is closed.');
      expect(page).not.toContain('/reopen"');
      expect((await client.post(`${casePage(id)}/reopen`, {})).headers.get('Location')).toBe(`${casePage(id)}?statusUnchanged=1`);
    } finally {
      expect((await ana.post(settings, { reopenDays: '30' })).status).toBe(303);
    }
  });

  it('answers 404 for a case outside her scope, changing nothing', async () => {
    const res = await client.post(`${casePage(w.records.doraCase)}/close`, {});
    expect(res.status).toBe(404);
    expect(await statusOf(w.records.doraCase)).toBe('open');
  });
});
