import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { browserClient } from '../support/app.js';
import { acme } from '../support/fixtures.js';
import { carla, HELP } from '../support/portal-world.js';
import { carlaId, caseCount, client, newCase, recordOf, setUpPortalWrites, signInCarla, t, w } from '../support/portal-writes-world.js';

// Carla, a contact of Acme Help, may edit her own contact and create and edit
// her cases; the write path asks the engine for every one of them. Here:
// cloning and deleting cases, and the notes and files she adds to one (the
// staff side is shown both, so the two describes share this file).

beforeAll(setUpPortalWrites);
afterAll(() => t.close());
beforeEach(signInCarla);

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
