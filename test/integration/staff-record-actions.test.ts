import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { profileId } from '../../src/auth/staff.js';
import { loadModuleMeta } from '../../src/crm/metadata.js';
import { createRecord } from '../../src/crm/records.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme, bruno, seedAcme, seedStandardUser } from '../support/fixtures.js';
import { localeText } from '../support/locale-strings.js';
import { countStatements } from '../support/statements.js';

// What a staff user may do on a record page is one answer: Bruno, whose
// profile only lets him view accounts, reads Ana's account (the module is
// shared read/write/delete) but may not change it — no note, no file, no edit,
// no delete, no status or owner — and the page offers him none of them.
// A form on the page that comes back with a problem shows the page again,
// with what was typed and a message; the page's cost does not grow with the
// modules and records that point at it.

let t: TestApp;
let ana: BrowserClient;
let bob: BrowserClient;
let anaId: string;
let globexId: string;

const accountUrl = () => `/admin/m/accounts/${globexId}`;

beforeAll(async () => {
  t = await startTestApp();
  anaId = (await seedAcme(t.db)).admin.id;
  await seedStandardUser(t.db);
  const accounts = await t.db.selectFrom('modules').select('id').where('api_name', '=', 'accounts').executeTakeFirstOrThrow();
  await t.db.updateTable('modules').set({ sharing: 'public_full' }).where('id', '=', accounts.id).execute();
  await t.db
    .updateTable('profile_permissions')
    .set({ can_view: true, can_create: false, can_edit: false, can_delete: false })
    .where('profile_id', '=', await profileId(t.db, 'standard'))
    .where('module_id', '=', accounts.id)
    .execute();
  ana = browserClient(t.app);
  expect((await ana.post('/admin/login', { email: acme.admin.email, password: acme.admin.password })).status).toBe(303);
  const created = await ana.post('/admin/m/accounts', { name: 'Globex Iberia' });
  expect(created.status).toBe(303);
  globexId = /\/([0-9a-f-]{36})\?/.exec(created.headers.get('Location') ?? '')?.[1] ?? '';
  expect((await ana.post(`${accountUrl()}/notes`, { body: 'Met at the fair.' })).status).toBe(303);
  bob = browserClient(t.app);
  expect((await bob.post('/admin/login', { email: bruno.email, password: bruno.password })).status).toBe(303);
});
afterAll(() => t.close());

/** Everything a refused action could have changed. */
async function accountState() {
  const [record, notes, attachments, changes] = await Promise.all([
    t.db.selectFrom('records').select(['version', 'owner_id', 'state', 'deleted_at', 'display_name']).where('id', '=', globexId).executeTakeFirstOrThrow(),
    t.db.selectFrom('notes').select(['body', 'internal']).where('record_id', '=', globexId).orderBy('created_at').execute(),
    t.db.selectFrom('attachments').select(['filename']).where('record_id', '=', globexId).execute(),
    t.db.selectFrom('record_changes').select(['action']).where('record_id', '=', globexId).execute(),
  ]);
  return { record, notes, attachments, changes: changes.length };
}

function fileForm(name: string, content: string, extra: Record<string, string> = {}) {
  const form = new FormData();
  form.append('file', new File([new TextEncoder().encode(content)], name, { type: 'text/plain' }));
  for (const [k, v] of Object.entries(extra)) form.append(k, v);
  return form;
}

describe('a staff user whose profile only allows viewing the module', () => {
  it('sees the record without the forms to change it', async () => {
    const res = await bob.get(accountUrl());
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Globex Iberia');
    expect(html).toContain('Met at the fair.');
    for (const action of ['/notes"', '/attachments"', '/state"', '/owner"', '/delete"', '/edit"'])
      expect(html, action).not.toContain(`${accountUrl()}${action}`);
    expect(html).not.toContain('id="note-body"');
    expect(html).not.toContain('id="attachment-file"');
  });

  it('is refused a note, and nothing is written', async () => {
    const before = await accountState();
    const res = await bob.post(`${accountUrl()}/notes`, { body: 'Bruno was here', visibility: 'customer' });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain(localeText('en', 'errors:forbiddenTitle'));
    expect(await accountState()).toEqual(before);
  });

  it('is refused a file, and nothing is written', async () => {
    const before = await accountState();
    const res = await bob.request(`${accountUrl()}/attachments`, { method: 'POST', body: fileForm('bruno.txt', 'not allowed') });
    expect(res.status).toBe(403);
    expect(await accountState()).toEqual(before);
  });

  it('is refused the edit form and an edit, and nothing is written', async () => {
    const before = await accountState();
    expect((await bob.get(`${accountUrl()}/edit`)).status).toBe(403);
    const res = await bob.post(accountUrl(), { name: 'Globex Renamed', __version: String(before.record.version) });
    expect(res.status).toBe(403);
    expect(await accountState()).toEqual(before);
  });

  it('is refused a delete, and the record stays out of the recycle bin', async () => {
    const before = await accountState();
    expect((await bob.post(`${accountUrl()}/delete`, {})).status).toBe(403);
    expect(await accountState()).toEqual(before);
    expect(before.record.deleted_at).toBeNull();
  });

  it('is refused a new owner and a new status, and nothing is written', async () => {
    const before = await accountState();
    const bobId = (await t.db.selectFrom('staff_users').select('id').where('email', '=', bruno.email).executeTakeFirstOrThrow()).id;
    expect((await bob.post(`${accountUrl()}/owner`, { owner: bobId })).status).toBe(403);
    expect((await bob.post(`${accountUrl()}/state`, { state: 'under_review' })).status).toBe(403);
    expect(await accountState()).toEqual(before);
    expect(before.record.owner_id).toBe(anaId);
  });
});

describe('a staff form on the record page that comes back with a problem', () => {
  it('an empty note answers 422 with the page, the form, the choice made and a message', async () => {
    const before = await accountState();
    const res = await ana.post(`${accountUrl()}/notes`, { body: '   ', visibility: 'customer' });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('Globex Iberia');
    expect(html).toContain('Met at the fair.');
    expect(html).toContain(localeText('en', 'crm:notes.errors.empty'));
    expect(html).toMatch(/<textarea id="note-body" name="body"[^>]*aria-invalid="true"[^>]*> {3}<\/textarea>/);
    expect(html).toContain('<input type="radio" id="note-customer" name="visibility" value="customer" checked=""/>');
    expect(await accountState()).toEqual(before);
  });

  it('a note too long answers 422 with what was typed, in the user’s language', async () => {
    const before = await accountState();
    const typed = `Long story ${'x'.repeat(10_000)}`;
    const res = await ana.post(`${accountUrl()}/notes`, { body: typed }, { 'Accept-Language': 'es' });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain(typed);
    expect(html).toContain(localeText('es', 'crm:notes.errors.too_long'));
    expect(await accountState()).toEqual(before);
  });

  it('an upload without a file answers 422 with the page, the choice made and a message', async () => {
    const before = await accountState();
    const res = await ana.request(`${accountUrl()}/attachments`, { method: 'POST', body: fileForm('', '', { visibility: 'customer' }) });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('Globex Iberia');
    expect(html).toContain(localeText('en', 'crm:attachments.errors.missing'));
    expect(html).toContain('id="attachment-file" name="file" type="file" required="" aria-invalid="true"');
    expect(html).toContain('<input type="radio" id="attachment-customer" name="visibility" value="customer" checked=""/>');
    expect(await accountState()).toEqual(before);
  });

  it('an unknown status or owner answers 422 with the page and a message, and changes nothing', async () => {
    const before = await accountState();
    const state = await ana.post(`${accountUrl()}/state`, { state: 'archived' });
    expect(state.status).toBe(422);
    const stateHtml = await state.text();
    expect(stateHtml).toContain('Globex Iberia');
    expect(stateHtml).toContain(localeText('en', 'errors:choose'));
    for (const owner of ['not-a-person', randomUUID()]) {
      const res = await ana.post(`${accountUrl()}/owner`, { owner });
      expect(res.status, owner).toBe(422);
      expect(await res.text()).toContain(localeText('en', 'crm:errors.owner'));
    }
    expect(await accountState()).toEqual(before);
  });
});

describe('the record page', () => {
  /** Statements one record page costs, once what the process keeps is warm. */
  async function statementsOf(path: string) {
    expect((await ana.get(path)).status).toBe(200);
    const { result, statements } = await countStatements(() => ana.get(path));
    expect(result.status).toBe(200);
    return { n: statements.length, html: await result.text() };
  }

  it('costs the same with one related module and row as with many of each', async () => {
    const contacts = await loadModuleMeta(t.db, 'contacts');
    const accountField = contacts?.fields.find((f) => f.type === 'lookup' && f.api_name === 'account');
    expect(accountField, 'contacts point at accounts').toBeDefined();
    const small = await ana.post('/admin/m/accounts', { name: 'Initech Small' });
    const smallId = /\/([0-9a-f-]{36})\?/.exec(small.headers.get('Location') ?? '')?.[1] ?? '';
    await createRecord(t.db, { kind: 'staff', id: anaId }, contacts as NonNullable<typeof contacts>, {
      data: { last_name: 'Solo', account: smallId },
      layoutId: null,
      ownerId: anaId,
    });
    const one = await statementsOf(`/admin/m/accounts/${smallId}`);
    expect(one.html).toContain('Solo');

    // Three more modules get a lookup to accounts, and each points many records at Globex.
    const accounts = await t.db.selectFrom('modules').select('id').where('api_name', '=', 'accounts').executeTakeFirstOrThrow();
    for (const apiName of ['leads', 'deals', 'cases']) {
      const module = await t.db.selectFrom('modules').select('id').where('api_name', '=', apiName).executeTakeFirstOrThrow();
      await t.db
        .insertInto('fields')
        .values({
          id: randomUUID(),
          module_id: module.id,
          parent_field_id: null,
          api_name: 'partner_account',
          kind: 'custom',
          type: 'lookup',
          labels: JSON.stringify({ en: 'Partner account' }),
          options: JSON.stringify({ targetModuleId: accounts.id }),
        })
        .execute();
    }
    for (const apiName of ['contacts', 'leads', 'deals', 'cases']) {
      const meta = await loadModuleMeta(t.db, apiName);
      if (!meta) throw new Error(apiName);
      const field = apiName === 'contacts' ? 'account' : 'partner_account';
      const names = meta.module.name_fields;
      for (let i = 0; i < 12; i++) {
        const data = { ...Object.fromEntries(names.map((n) => [n, `${apiName} ${i}`])), [field]: globexId };
        await createRecord(t.db, { kind: 'staff', id: anaId }, meta, { data, layoutId: null, ownerId: anaId });
      }
    }
    const many = await statementsOf(accountUrl());
    expect(many.html.match(/Partner account/g)?.length, 'three more related lists').toBe(3);
    expect(many.html).toContain('contacts 11');
    expect(many.n).toBe(one.n);
    expect(many.n).toBeLessThanOrEqual(6);
  });
});
