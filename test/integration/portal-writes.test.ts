import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { saveFieldPermissions } from '../../src/portals/field-permissions.js';
import { PREVIEW_PATH } from '../../src/portals/preview.js';
import { saveTabs, tabForm, tabOptions } from '../../src/portals/tabs.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme } from '../support/fixtures.js';
import { addPortalUser, carla, HELP, type PortalWorld, seedPortalWorld } from '../support/portal-world.js';

// Carla, a contact of Acme Help, may edit her own contact and create and edit
// her cases; the write path asks the engine for every one of them.

let t: TestApp;
let w: PortalWorld;
let carlaId: string;
let client: BrowserClient;

const layoutOf = (meta: PortalWorld['cases']) => meta.defaultLayout?.id as string;

beforeAll(async () => {
  t = await startTestApp();
  w = await seedPortalWorld(t);
  carlaId = await addPortalUser(t, w, { email: carla.email, recordId: w.records.carla, status: 'active', password: carla.password });
  const tabs = tabForm((await tabOptions(t.db, w.helpTypeId)) ?? [], {
    // The configurator never lets a base tab delete (R_U can never be deleted).
    contacts: { edit: true },
    cases: { create: true, edit: true, delete: true, notes: 'add', attachments: 'add' },
  });
  expect(await saveTabs(t.db, w.staff, w.helpTypeId, tabs)).toEqual({ ok: true });
  const perms = async (meta: PortalWorld['cases'], visible: string[], readOnly: string[]) => {
    const rows = meta.fields.map((f) => ({ fieldId: f.id, visible: visible.includes(f.api_name), readOnly: readOnly.includes(f.api_name) }));
    expect((await saveFieldPermissions(t.db, w.staff, w.helpTypeId, meta.module.id, layoutOf(meta), rows)).ok).toBe(true);
  };
  await perms(w.contacts, ['first_name', 'last_name', 'email', 'phone'], ['email']);
  await perms(w.cases, ['subject', 'status', 'priority', 'contact'], ['status']);
});
afterAll(() => t.close());
beforeEach(async () => {
  client = browserClient(t.app);
  expect((await client.post(`${HELP}/login`, { email: carla.email, password: carla.password })).status).toBe(303);
});

const caseCount = async () =>
  Number((await sql<{ n: string }>`select count(*) as n from records where module_id = ${w.cases.module.id}`.execute(t.db)).rows[0]?.n);
const recordOf = (id: string) => t.db.selectFrom('records').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const newCase = (form: Record<string, string>) => client.post(`${HELP}/m/cases`, { __layout: layoutOf(w.cases), ...form });

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

describe('cloning, deleting and notes', () => {
  it('clones a case: the form starts from its visible, writable fields only, and saves a new record', async () => {
    const form = await (await client.get(`${HELP}/m/cases/new?clone=${w.records.carlaCase1}`)).text();
    expect(form).toContain('value="Printer jam"');
    expect(form).not.toContain('Secret staff analysis');
    const before = await caseCount();
    expect((await newCase({ subject: 'Printer jam (again)' })).status).toBe(303);
    expect(await caseCount()).toBe(before + 1);
    expect((await client.get(`${HELP}/m/cases/new?clone=${w.records.doraCase}`)).status).toBe(404);
  });

  it('deletes a case after a confirmation step: it goes to the recycle bin; her own contact can never be deleted', async () => {
    const created = await newCase({ subject: 'Delete me' });
    const id = /\/m\/cases\/([0-9a-f-]{36})/.exec(created.headers.get('Location') ?? '')?.[1] as string;
    const record = await (await client.get(`${HELP}/m/cases/${id}`)).text();
    expect(record).toContain(`href="${HELP}/m/cases/${id}/delete"`);
    const confirm = await (await client.get(`${HELP}/m/cases/${id}/delete`)).text();
    expect(confirm).toContain(`action="${HELP}/m/cases/${id}/delete"`);
    const res = await client.post(`${HELP}/m/cases/${id}/delete`, {});
    expect(res.headers.get('Location')).toBe(`${HELP}/m/cases?deleted=1`);
    expect((await recordOf(id)).deleted_at).toBeInstanceOf(Date);
    expect((await client.get(`${HELP}/m/cases/${id}`)).status).toBe(404);

    const own = await (await client.get(`${HELP}/m/contacts/${w.records.carla}`)).text();
    expect(own).not.toContain('/delete"');
    expect((await client.get(`${HELP}/m/contacts/${w.records.carla}/delete`)).status).toBe(404);
    expect((await client.post(`${HELP}/m/contacts/${w.records.carla}/delete`, {})).status).toBe(403);
    expect((await recordOf(w.records.carla)).deleted_at).toBeNull();
    expect((await client.post(`${HELP}/m/cases/${w.records.doraCase}/delete`, {})).status).toBe(404);
    expect((await recordOf(w.records.doraCase)).deleted_at).toBeNull();
  });

  it('adds a note as herself, never internal; an empty one is refused next to the field', async () => {
    const empty = await client.post(`${HELP}/m/cases/${w.records.carlaCase2}/notes`, { body: '   ' });
    expect(empty.status).toBe(422);
    expect(await empty.text()).toContain('id="note-body-error"');
    const res = await client.post(`${HELP}/m/cases/${w.records.carlaCase2}/notes`, { body: 'The copy never arrived.' });
    expect(res.headers.get('Location')).toBe(`${HELP}/m/cases/${w.records.carlaCase2}?noted=1#notes`);
    const notes = await t.db
      .selectFrom('notes')
      .select(['body', 'author_kind', 'author_id', 'internal'])
      .where('record_id', '=', w.records.carlaCase2)
      .execute();
    expect(notes).toEqual([{ body: 'The copy never arrived.', author_kind: 'portal', author_id: carlaId, internal: false }]);
    const page = await (await client.get(`${HELP}/m/cases/${w.records.carlaCase2}`)).text();
    expect(page).toContain('The copy never arrived.');
    expect(page).toMatch(/<li class="entry entry-you"><p class="multiline">[^<]*<\/p><p class="muted">You · /);
    expect((await client.post(`${HELP}/m/cases/${w.records.doraCase}/notes`, { body: 'Hi' })).status).toBe(404);
  });
});

describe('attaching files', () => {
  const upload = (name: string, bytes: Uint8Array<ArrayBuffer>, type = 'application/pdf') => {
    const form = new FormData();
    form.append('file', new File([bytes], name, { type }));
    return client.request(`${HELP}/m/cases/${w.records.carlaCase2}/attachments`, { method: 'POST', body: form });
  };
  const files = () =>
    t.db
      .selectFrom('attachments')
      .select(['filename', 'content_type', 'author_kind', 'author_id', 'internal'])
      .where('record_id', '=', w.records.carlaCase2)
      .execute();

  it('attaches a PDF as herself, stored with the type its content has, and she can download it', async () => {
    const pdf = new TextEncoder().encode('%PDF-1.7\n1 0 obj\n<<>>\nendobj\n');
    const res = await upload('receipt.pdf', pdf, 'application/x-whatever');
    expect(res.headers.get('Location')).toBe(`${HELP}/m/cases/${w.records.carlaCase2}?attached=1#attachments`);
    expect(await files()).toEqual([{ filename: 'receipt.pdf', content_type: 'application/pdf', author_kind: 'portal', author_id: carlaId, internal: false }]);
    const page = await (await client.get(`${HELP}/m/cases/${w.records.carlaCase2}?attached=1`)).text();
    expect(page).toContain('Your file is attached.');
    const link = new RegExp(`href="(${HELP}/m/cases/${w.records.carlaCase2}/files/[0-9a-f-]{36})"`).exec(page)?.[1] as string;
    const download = await client.get(link);
    expect(download.status).toBe(200);
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(pdf);
  });

  it('refuses, with a message and nothing stored, a file over the limit, one whose content is not what its name says, and a kind it does not take', async () => {
    const before = (await files()).length;
    const big = new Uint8Array(10 * 1024 * 1024 + 1);
    big.set(new TextEncoder().encode('%PDF-'));
    const tooLarge = await upload('scan.pdf', big);
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.text()).toContain('This file is larger than 10 MB.');
    const fake = await upload('invoice.pdf', new TextEncoder().encode('MZ this is a program'));
    expect(fake.status).toBe(422);
    expect(await fake.text()).toContain('This file’s content is not what its name says.');
    const program = await upload('tool.exe', new TextEncoder().encode('MZ'));
    expect(program.status).toBe(422);
    expect(await program.text()).toContain('Files of this kind cannot be attached here.');
    expect((await files()).length).toBe(before);
  });

  it('shows staff her note and her file on the case in the CRM, marked as from the portal', async () => {
    const ana = browserClient(t.app);
    await ana.post('/admin/login', { email: acme.admin.email, password: acme.admin.password });
    const html = await (await ana.get(`/admin/m/cases/${w.records.carlaCase2}`)).text();
    expect(html).toContain('The copy never arrived.');
    expect(html).toMatch(new RegExp(`class="notes"[\\s\\S]*The copy never arrived\\.[\\s\\S]*${carla.email} \\(Portal user\\)`));
    expect(html).toMatch(new RegExp(`receipt\\.pdf</a> <span class="hint">\\([^)]*\\) · ${carla.email} \\(Portal user\\)`));
  });

  it('refuses a body over the upload ceiling before reading it, leading back to the portal, never to the staff side', async () => {
    const form = new FormData();
    form.append('file', new File([new Uint8Array(27 * 1024 * 1024)], 'huge.pdf'));
    const res = await client.request(`${HELP}/m/cases/${w.records.carlaCase2}/attachments`, { method: 'POST', body: form });
    expect(res.status).toBe(413);
    const html = await res.text();
    expect(html).toContain(`<a href="${HELP}">Back to the portal’s home page</a>`);
    expect(html).not.toContain('href="/admin');
  });

  it('refuses an upload on a record outside her scope', async () => {
    const form = new FormData();
    form.append('file', new File([new TextEncoder().encode('%PDF-1.7')], 'x.pdf'));
    const res = await client.request(`${HELP}/m/cases/${w.records.doraCase}/attachments`, { method: 'POST', body: form });
    expect(res.status).toBe(404);
  });
});

describe('names built from visible fields only', () => {
  it('titles her own record and her account menu with the visible name fields, not the stored display name', async () => {
    const rows = (visible: string[]) => w.contacts.fields.map((f) => ({ fieldId: f.id, visible: visible.includes(f.api_name), readOnly: false }));
    const save = (visible: string[]) => saveFieldPermissions(t.db, w.staff, w.helpTypeId, w.contacts.module.id, layoutOf(w.contacts), rows(visible));
    expect((await save(['first_name', 'email', 'phone'])).ok).toBe(true);
    try {
      const html = await (await client.get(`${HELP}/m/contacts/${w.records.carla}`)).text();
      expect(html).toContain('<h1 id="record-title">Carla</h1>');
      // Nowhere on her pages: not in the heading, the title or the account menu.
      expect(html).not.toContain('Núñez');
      // Nor where her cases name their contact.
      const cases = await (await client.get(`${HELP}/m/cases`)).text();
      expect(cases).toContain(`<a href="${HELP}/m/contacts/${w.records.carla}">Carla</a>`);
      expect(cases).not.toContain('Núñez');
      expect(await (await client.get(`${HELP}/m/cases/${w.records.carlaCase1}`)).text()).not.toContain('Núñez');
      expect(html).toContain('<title>Carla · Acme Help · Acme Iberia</title>');
      expect((await save(['email', 'phone'])).ok).toBe(true);
      const neutral = await (await client.get(`${HELP}/m/contacts/${w.records.carla}`)).text();
      expect(neutral).toContain('<h1 id="record-title">Contact</h1>');
      expect(neutral).not.toContain('Carla');
      // The account menu falls back to her own address.
      expect(neutral).toContain(carla.email);
    } finally {
      const restore = w.contacts.fields.map((f) => ({
        fieldId: f.id,
        visible: ['first_name', 'last_name', 'email', 'phone'].includes(f.api_name),
        readOnly: f.api_name === 'email',
      }));
      expect((await saveFieldPermissions(t.db, w.staff, w.helpTypeId, w.contacts.module.id, layoutOf(w.contacts), restore)).ok).toBe(true);
    }
  });
});

describe('the preview of the same type', () => {
  it('shows the same buttons and the same form, disabled', async () => {
    const ana = browserClient(t.app);
    await ana.post('/admin/login', { email: acme.admin.email, password: acme.admin.password });
    const base = `${PREVIEW_PATH}/type/${w.helpTypeId}/${w.records.carla}`;
    const list = await (await ana.get(`${base}/m/cases`)).text();
    expect(list).toContain(`href="${base}/m/cases/new"`);
    const record = await (await ana.get(`${base}/m/cases/${w.records.carlaCase1}`)).text();
    expect(record).toContain(`href="${base}/m/cases/${w.records.carlaCase1}/edit"`);
    const form = await (await ana.get(`${base}/m/cases/new`)).text();
    expect(form).toContain('name="subject"');
    expect(form).toMatch(/<fieldset class="plain" disabled/);
    expect(form).toContain('nothing is saved');
  });
});

describe('her account', () => {
  const gina = { email: 'gina@secure.example', password: 'Gina-Secure-2027' };
  let ginaId: string;
  const signedIn = async (password = gina.password) => {
    const browser = browserClient(t.app);
    const res = await browser.post(`${HELP}/login`, { email: gina.email, password });
    return { browser, ok: res.status === 303 && (res.headers.get('Location') ?? '').startsWith(HELP) && !res.headers.get('Location')?.includes('/login') };
  };
  const sessions = () => t.db.selectFrom('sessions').select('id').where('user_id', '=', ginaId).execute();

  beforeAll(async () => {
    ginaId = await addPortalUser(t, w, { email: gina.email, recordId: w.records.gina, status: 'active', password: gina.password });
  });

  it('links "My details" to her own record from the account menu', async () => {
    const html = await (await client.get(`${HELP}/m/cases`)).text();
    expect(html).toContain(`<a href="${HELP}/m/contacts/${w.records.carla}">My details</a>`);
  });

  it('changes her password with the current one, ending her other sessions', async () => {
    const here = await signedIn();
    const elsewhere = await signedIn();
    expect((await sessions()).length).toBe(2);
    const wrong = await here.browser.post(`${HELP}/profile/password`, {
      currentPassword: 'not-it',
      password: 'Gina-New-Secret-28',
      passwordConfirm: 'Gina-New-Secret-28',
    });
    expect(wrong.status).toBe(422);
    expect(await wrong.text()).toContain('This is not your current password.');
    const mismatch = await here.browser.post(`${HELP}/profile/password`, {
      currentPassword: gina.password,
      password: 'Gina-New-Secret-28',
      passwordConfirm: 'other',
    });
    expect(mismatch.status).toBe(422);
    expect((await sessions()).length).toBe(2);

    const ok = await here.browser.post(`${HELP}/profile/password`, {
      currentPassword: gina.password,
      password: 'Gina-New-Secret-28',
      passwordConfirm: 'Gina-New-Secret-28',
    });
    expect(ok.headers.get('Location')).toBe(`${HELP}/profile?password=changed`);
    expect(await (await here.browser.get(`${HELP}/profile?password=changed`)).text()).toContain('Your password is changed.');
    expect((await elsewhere.browser.get(`${HELP}/m/cases`)).status).toBe(303);
    expect((await sessions()).length).toBe(1);
    expect((await signedIn()).ok).toBe(false);
    expect((await signedIn('Gina-New-Secret-28')).ok).toBe(true);
    gina.password = 'Gina-New-Secret-28';
  });

  it('signs out everywhere else, keeping this session', async () => {
    const here = await signedIn();
    await signedIn();
    expect((await sessions()).length).toBeGreaterThanOrEqual(2);
    const res = await here.browser.post(`${HELP}/profile/sessions/end`, {});
    expect(res.headers.get('Location')).toBe(`${HELP}/profile?sessions=ended`);
    expect((await sessions()).length).toBe(1);
    expect((await here.browser.get(`${HELP}/m/cases`)).status).toBe(200);
  });
});
