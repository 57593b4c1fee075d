import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { saveFieldPermissions } from '../../src/portals/field-permissions.js';
import { carla, HELP } from '../support/portal-world.js';
import { carlaId, caseCount, client, layoutOf, newCase, recordOf, setUpPortalWrites, signInCarla, t, w } from '../support/portal-writes-world.js';

// Carla, a contact of Acme Help, may edit her own contact and create and edit
// her cases; the write path asks the engine for every one of them. Here:
// creating a case and editing her contact and her cases.

beforeAll(setUpPortalWrites);
afterAll(() => t.close());
beforeEach(signInCarla);

describe('creating a case from the portal', () => {
  it('draws the form with the visible fields only, the read-only status as text', async () => {
    const list = await (await client.get(`${HELP}/m/cases`)).text();
    expect(list).toContain(`href="${HELP}/m/cases/new"`);
    const res = await client.get(`${HELP}/m/cases/new`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('name="subject"');
    expect(html).toContain('name="priority"');
    expect(html).not.toContain('name="status"');
    expect(html).toMatch(/data-field="status"[\s\S]*read-only/);
    expect(html).not.toContain('name="description"');
    expect(html).toContain(`action="${HELP}/m/cases"`);
  });

  it('saves it linked to her own contact, owned by the staff user who invited her, and audited', async () => {
    const res = await newCase({ subject: 'Broken screen', priority: 'high' });
    expect(res.status).toBe(303);
    const id = /\/m\/cases\/([0-9a-f-]{36})\?created=1$/.exec(res.headers.get('Location') ?? '')?.[1] as string;
    const row = await recordOf(id);
    expect(row.data).toMatchObject({ subject: 'Broken screen', priority: 'high', status: 'open', contact: w.records.carla });
    expect(row.owner_id).toBe(w.adminId);
    expect(row.created_by_portal_user_id).toBe(carlaId);
    const trail = await t.db
      .selectFrom('audit_log')
      .select(['actor_kind', 'actor_id'])
      .where('action', '=', 'portal.record_created')
      .where('target_id', '=', id)
      .execute();
    expect(trail).toEqual([{ actor_kind: 'portal', actor_id: carlaId }]);
    const page = await (await client.get(res.headers.get('Location') ?? '')).text();
    expect(page).toContain('Saved. Staff see it in the CRM now.');
    expect(await (await client.get(`${HELP}/m/cases`)).text()).toContain('Broken screen');
  });

  it('keeps the form with a message next to the field when a required field is empty, and writes nothing', async () => {
    const before = await caseCount();
    const res = await newCase({ subject: '  ', priority: 'low' });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('id="f-subject-error"');
    expect(html).toContain('<option value="low" selected="">');
    expect(await caseCount()).toBe(before);
  });

  it('refuses a crafted form naming a read-only or a hidden field, with 422 and nothing written', async () => {
    const before = await caseCount();
    const readOnly = await newCase({ subject: 'Sneaky', status: 'closed' });
    expect(readOnly.status).toBe(422);
    expect(await readOnly.text()).toContain('This form changes a read-only field, so nothing was saved.');
    const hidden = await newCase({ subject: 'Sneaky', description: 'staff analysis' });
    expect(hidden.status).toBe(422);
    expect(await hidden.text()).toContain('This form names a field you cannot see here, so nothing was saved.');
    expect(await caseCount()).toBe(before);
  });

  it('refuses a contact outside the records she stands for', async () => {
    const before = await caseCount();
    const res = await newCase({ subject: 'Not mine', contact__id: w.records.dora });
    expect(res.status).toBe(422);
    expect(await res.text()).not.toContain('Ortiz');
    expect(await caseCount()).toBe(before);
    // A typed name is never looked up: it could confirm a hidden one. With no id chosen, the lookup is her own record.
    const typed = await newCase({ subject: 'Typed name', contact: 'Dora Ortiz' });
    expect(typed.status).toBe(303);
    const id = /\/m\/cases\/([0-9a-f-]{36})/.exec(typed.headers.get('Location') ?? '')?.[1] as string;
    expect((await recordOf(id)).data).toMatchObject({ contact: w.records.carla });
  });

  it('answers 404 for a form she would not get: new contacts, another portal’s module', async () => {
    expect((await client.get(`${HELP}/m/contacts/new`)).status).toBe(404);
    expect((await client.post(`${HELP}/m/contacts`, { last_name: 'Nobody' })).status).toBe(403);
    expect((await client.get(`${HELP}/m/deals/new`)).status).toBe(404);
  });
});

describe('editing from the portal', () => {
  it('edits her own phone number; the read-only email stays as it was', async () => {
    const form = await (await client.get(`${HELP}/m/contacts/${w.records.carla}/edit`)).text();
    expect(form).toContain('name="phone"');
    expect(form).not.toContain('name="email"');
    const version = /name="__version" value="(\d+)"/.exec(form)?.[1] as string;
    const res = await client.post(`${HELP}/m/contacts/${w.records.carla}/edit`, {
      __version: version,
      first_name: 'Carla',
      last_name: 'Núñez',
      phone: '+34 600 000 111',
    });
    expect(res.status).toBe(303);
    const row = await recordOf(w.records.carla);
    expect(row.data).toMatchObject({ phone: '+34 600 000 111', email: carla.email });
    const change = await t.db
      .selectFrom('record_changes')
      .select(['actor_kind', 'actor_id'])
      .where('record_id', '=', w.records.carla)
      .where('action', '=', 'update')
      .execute();
    expect(change).toContainEqual({ actor_kind: 'portal', actor_id: carlaId });
  });

  it('refuses a read-only field on edit (422) and a stale form (409), changing nothing', async () => {
    const before = await recordOf(w.records.carla);
    const crafted = await client.post(`${HELP}/m/contacts/${w.records.carla}/edit`, {
      __version: String(before.version),
      last_name: 'Núñez',
      email: 'x@evil.example',
    });
    expect(crafted.status).toBe(422);
    const stale = await client.post(`${HELP}/m/contacts/${w.records.carla}/edit`, {
      __version: String(before.version - 1),
      last_name: 'Old',
      phone: '+34 600 000 222',
    });
    expect(stale.status).toBe(409);
    expect(await stale.text()).toContain('Someone else saved this record');
    const after = await recordOf(w.records.carla);
    expect([after.version, after.data]).toEqual([before.version, before.data]);
  });

  it('draws a refused edit again with the visible fields only, never the record’s hidden values', async () => {
    await t.db.updateTable('records').set({ data: sql`data || '{"mobile": "HIDDEN-MOBILE-555"}'::jsonb` }).where('id', '=', w.records.carla).execute();
    const { version } = await recordOf(w.records.carla);
    const res = await client.post(`${HELP}/m/contacts/${w.records.carla}/edit`, { __version: String(version), last_name: '', phone: '+34 600 000 333' });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('id="f-last_name-error"');
    expect(html).not.toContain('HIDDEN-MOBILE-555');
  });

  it('keeps a case’s stored contact on an edit whose form does not offer it, even one she does not stand for', async () => {
    const created = await newCase({ subject: 'Moved by staff' });
    const id = /\/m\/cases\/([0-9a-f-]{36})/.exec(created.headers.get('Location') ?? '')?.[1] as string;
    // Staff point it at Dora; Carla still reaches it, as its creator.
    await t.db
      .updateTable('records')
      .set({ data: sql`data || ${JSON.stringify({ contact: w.records.dora })}::jsonb` })
      .where('id', '=', id)
      .execute();
    const rows = w.cases.fields.map((f) => ({
      fieldId: f.id,
      visible: ['subject', 'status', 'priority'].includes(f.api_name),
      readOnly: f.api_name === 'status',
    }));
    expect((await saveFieldPermissions(t.db, w.staff, w.helpTypeId, w.cases.module.id, layoutOf(w.cases), rows)).ok).toBe(true);
    try {
      const { version } = await recordOf(id);
      const res = await client.post(`${HELP}/m/cases/${id}/edit`, { __version: String(version), subject: 'Moved by staff (seen)' });
      expect(res.status).toBe(303);
      expect((await recordOf(id)).data).toMatchObject({ subject: 'Moved by staff (seen)', contact: w.records.dora });
    } finally {
      const restore = w.cases.fields.map((f) => ({
        fieldId: f.id,
        visible: ['subject', 'status', 'priority', 'contact'].includes(f.api_name),
        readOnly: f.api_name === 'status',
      }));
      expect((await saveFieldPermissions(t.db, w.staff, w.helpTypeId, w.cases.module.id, layoutOf(w.cases), restore)).ok).toBe(true);
    }
  });

  it('answers 404 for a record outside her scope, as for one that does not exist', async () => {
    expect((await client.get(`${HELP}/m/cases/${w.records.doraCase}/edit`)).status).toBe(404);
    const res = await client.post(`${HELP}/m/cases/${w.records.doraCase}/edit`, { __version: '1', subject: 'Mine now' });
    expect(res.status).toBe(404);
    expect(((await recordOf(w.records.doraCase)).data as { subject: string }).subject).toBe('Dora’s outage');
  });
});
