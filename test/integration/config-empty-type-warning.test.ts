import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRecord } from '../../src/crm/records.js';
import { emptyTabsOf } from '../../src/portals/empty-tabs.js';
import { saveFieldPermissions } from '../../src/portals/field-permissions.js';
import { saveTabs, tabForm, tabOptions } from '../../src/portals/tabs.js';
import { addUserType } from '../../src/portals/user-types.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { changedTables, dataTables, type Fingerprint, fingerprint } from '../support/fingerprint.js';
import { acme } from '../support/fixtures.js';
import { decodeEntities, type HtmlForm, htmlForms, htmlLinks, submitForm } from '../support/portal-crawl.js';
import { type PortalWorld, seedPortalWorld } from '../support/portal-world.js';
import { countStatements } from '../support/statements.js';

// Putting someone into a user type whose shown tabs show no field is stated
// first: the first request (a plain form post) changes nothing and names the
// type and its empty tabs, linking to their field permissions; the page's own
// Confirm form does it. A type whose tabs show fields asks nothing more.

let t: TestApp;
let w: PortalWorld;
let ana: BrowserClient;
let tables: string[];
/** Shows Contacts and Cases, with every field hidden on both. */
let hollow: string;
/** Shows Contacts with the name fields, Cases with none. */
let halfway: string;
/** Shows Contacts with its default fields (the record's name): nothing to warn about. */
let partners: string;

async function addType(name: string): Promise<string> {
  const added = await addUserType(t.db, w.staff, w.helpId, { name, baseModuleId: w.contacts.module.id });
  if (!added.ok) throw new Error(`no ${name} type`);
  return added.type.id;
}

async function showCases(typeId: string) {
  const saved = await saveTabs(t.db, w.staff, typeId, tabForm((await tabOptions(t.db, typeId)) ?? [], { contacts: {}, cases: {} }));
  if (!saved.ok) throw new Error('tabs not saved');
}

async function hideAll(typeId: string, meta: PortalWorld['contacts']) {
  const rows = meta.fields.map((f) => ({ fieldId: f.id, visible: false, readOnly: false }));
  const result = await saveFieldPermissions(t.db, w.staff, typeId, meta.module.id, meta.defaultLayout?.id as string, rows);
  if (!result.ok) throw new Error('field permissions not saved');
}

beforeAll(async () => {
  t = await startTestApp();
  w = await seedPortalWorld(t);
  hollow = await addType('Hollow');
  await showCases(hollow);
  await hideAll(hollow, w.contacts);
  await hideAll(hollow, w.cases);
  halfway = await addType('Halfway');
  await showCases(halfway);
  await hideAll(halfway, w.cases);
  partners = await addType('Partners');
  await t.db.updateTable('portal_user_types').set({ user_limit: 50 }).where('portal_id', '=', w.helpId).execute();
  ana = browserClient(t.app);
  expect((await ana.post('/admin/login', { email: acme.admin.email, password: acme.admin.password })).status).toBe(303);
  tables = await dataTables(t.db);
});
afterAll(() => t.close());

const usersPath = () => `/admin/settings/portals/${w.helpId}/users`;
const invitePath = () => `/admin/settings/portals/${w.helpId}/invite`;
const fieldsHref = (typeId: string, module: string) => `/admin/settings/portals/types/${typeId}/fields/${module}`;
const textOf = (html: string) =>
  decodeEntities(
    html
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim(),
  );
const HOLLOW_WARNING = 'Hollow shows no field on Contacts and Cases: its users would see empty pages there.';

async function expectUnchanged(before: Fingerprint) {
  expect(changedTables(before, await fingerprint(t.db, tables))).toEqual([]);
}

/** The confirmation's form: a plain POST carrying confirm=1, with a Confirm button; throws when the page has none. */
function confirmForm(html: string): HtmlForm {
  const form = htmlForms(html).find((f) => f.method === 'POST' && f.controls.some((c) => c.name === 'confirm' && c.value === '1'));
  if (!form || !/<button type="submit"[^>]*>\s*Confirm\s*<\/button>/.test(html)) throw new Error('no confirmation form on the page');
  return form;
}

/** A contact with an email address, and no portal user yet. */
async function contact(name: string) {
  const [first = '', last = ''] = name.split(' ');
  const email = `${name.toLowerCase().replace(/\s+/g, '.')}@empty.example`;
  const record = await createRecord(t.db, w.staff, w.contacts, {
    data: { first_name: first, last_name: last, email },
    layoutId: w.contacts.defaultLayout?.id ?? null,
    ownerId: w.adminId,
  });
  return { id: record.id, email };
}

/** A contact that is an active portal user of the Help portal's default type. */
async function portalUser(name: string) {
  const c = await contact(name);
  const id = randomUUID();
  await t.db
    .insertInto('portal_users')
    .values({
      id,
      portal_id: w.helpId,
      user_type_id: w.helpTypeId,
      record_id: c.id,
      email: c.email,
      status: 'active',
      invited_by: w.adminId,
      password_hash: 'argon2-hash-of-their-password',
      activated_at: new Date(),
    })
    .execute();
  return { ...c, userId: id };
}

const typeOf = async (userId: string) =>
  (await t.db.selectFrom('portal_users').select('user_type_id').where('id', '=', userId).executeTakeFirstOrThrow()).user_type_id;

describe('emptyTabsOf', () => {
  it('names, per type, the shown tabs without a visible field, in navigation order', async () => {
    const empty = await emptyTabsOf(t.db, [hollow, halfway, partners, w.helpTypeId, 'not-a-type']);
    expect([...empty.keys()].sort()).toEqual([hollow, halfway].sort());
    expect(empty.get(hollow)?.map((tab) => tab.module.api_name)).toEqual(['contacts', 'cases']);
    expect(empty.get(halfway)?.map((tab) => tab.module.api_name)).toEqual(['cases']);
  });

  it('forgets a tab once it is hidden, and a field made visible fills it', async () => {
    const type = await addType('Changing');
    await showCases(type);
    await hideAll(type, w.cases);
    expect((await emptyTabsOf(t.db, [type])).get(type)?.map((tab) => tab.module.api_name)).toEqual(['cases']);
    await t.db.updateTable('portal_type_tabs').set({ shown: false }).where('user_type_id', '=', type).where('module_id', '=', w.cases.module.id).execute();
    expect((await emptyTabsOf(t.db, [type])).has(type)).toBe(false);
    await t.db.updateTable('portal_type_tabs').set({ shown: true }).where('user_type_id', '=', type).where('module_id', '=', w.cases.module.id).execute();
    const subject = w.cases.fields.find((f) => f.api_name === 'subject');
    await saveFieldPermissions(t.db, w.staff, type, w.cases.module.id, w.cases.defaultLayout?.id as string, [
      { fieldId: subject?.id as string, visible: true, readOnly: false },
    ]);
    expect((await emptyTabsOf(t.db, [type])).has(type)).toBe(false);
  });

  it('reads one statement whatever the number of types and tabs', async () => {
    const one = await countStatements(() => emptyTabsOf(t.db, [hollow]));
    expect(one.statements).toHaveLength(1);
    const many = await countStatements(() => emptyTabsOf(t.db, [hollow, halfway, partners, w.helpTypeId, w.partnersTypeId]));
    expect(many.statements).toHaveLength(1);
    expect([...many.result.keys()].sort()).toEqual([hollow, halfway].sort());
    const none = await countStatements(() => emptyTabsOf(t.db, []));
    expect(none.statements).toHaveLength(0);
  });
});

describe('inviting a record from its page', () => {
  it('marks the empty types in the panel’s choice of type', async () => {
    const kim = await contact('Kim Panel');
    const html = await (await ana.get(`/admin/m/contacts/${kim.id}`)).text();
    const options = [...html.matchAll(/<option value="([^"]+)">([^<]*)<\/option>/g)].map((m) => [m[1], decodeEntities(m[2] ?? '')]);
    expect(options).toContainEqual([hollow, 'Acme Help · Hollow — shows no fields']);
    expect(options).toContainEqual([halfway, 'Acme Help · Halfway — shows no fields']);
    expect(options).toContainEqual([partners, 'Acme Help · Partners']);
  });

  it('into an empty type: the first post names its empty tabs and invites no one; Confirm invites', async () => {
    const lou = await contact('Lou Hollow');
    const before = await fingerprint(t.db, tables);
    const first = await ana.post(`/admin/m/contacts/${lou.id}/portal-invitation`, { type: hollow });
    expect(first.status).toBe(200);
    const html = await first.text();
    expect(textOf(html)).toContain(HOLLOW_WARNING);
    expect(htmlLinks(html)).toContain(fieldsHref(hollow, 'contacts'));
    expect(htmlLinks(html)).toContain(fieldsHref(hollow, 'cases'));
    expect(htmlLinks(html)).toContain(`/admin/m/contacts/${lou.id}#portal-access`);
    await expectUnchanged(before);
    expect(await t.db.selectFrom('portal_users').select('id').where('record_id', '=', lou.id).execute()).toEqual([]);

    const form = confirmForm(html);
    expect(form.controls).toContainEqual({ name: 'type', value: hollow });
    const { res } = await submitForm(ana, form, `/admin/m/contacts/${lou.id}`);
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toBe(`/admin/m/contacts/${lou.id}?portalInvite=sent#portal-access`);
    const row = await t.db.selectFrom('portal_users').select(['user_type_id', 'status']).where('record_id', '=', lou.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ user_type_id: hollow, status: 'invited' });
  });

  it('names only the empty tab of a type that shows fields elsewhere', async () => {
    const mia = await contact('Mia Halfway');
    const first = await ana.post(`/admin/m/contacts/${mia.id}/portal-invitation`, { type: halfway });
    expect(first.status).toBe(200);
    const html = await first.text();
    expect(textOf(html)).toContain('Halfway shows no field on Cases: its users would see empty pages there.');
    expect(htmlLinks(html)).toContain(fieldsHref(halfway, 'cases'));
    expect(htmlLinks(html)).not.toContain(fieldsHref(halfway, 'contacts'));
    expect(await t.db.selectFrom('portal_users').select('id').where('record_id', '=', mia.id).execute()).toEqual([]);
  });

  it('into a type that shows fields: invited at once', async () => {
    const ned = await contact('Ned Partner');
    const res = await ana.post(`/admin/m/contacts/${ned.id}/portal-invitation`, { type: partners });
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toBe(`/admin/m/contacts/${ned.id}?portalInvite=sent#portal-access`);
    expect((await t.db.selectFrom('portal_users').select('user_type_id').where('record_id', '=', ned.id).executeTakeFirstOrThrow()).user_type_id).toBe(
      partners,
    );
  });
});

describe('changing the type of one portal user', () => {
  it('to an empty type, from the record page: stated first; Confirm moves them and goes back', async () => {
    const oli = await portalUser('Oli Mover');
    const back = `/admin/m/contacts/${oli.id}`;
    const record = await (await ana.get(back)).text();
    expect(record).toContain('Hollow — shows no fields');
    const before = await fingerprint(t.db, tables);
    const first = await ana.post(`${usersPath()}/${oli.userId}/change-type`, { toType: hollow, back });
    expect(first.status).toBe(200);
    const html = await first.text();
    const text = textOf(html);
    expect(text).toContain('Move users to Hollow, which shows empty pages?');
    expect(text).toContain(HOLLOW_WARNING);
    expect(text).toContain(`Oli Mover <${oli.email}>`);
    expect(htmlLinks(html)).toContain(fieldsHref(hollow, 'cases'));
    await expectUnchanged(before);
    expect(await typeOf(oli.userId)).toBe(w.helpTypeId);

    const form = confirmForm(html);
    expect(form.controls).toContainEqual({ name: 'toType', value: hollow });
    const { res } = await submitForm(ana, form, usersPath());
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toBe(`${back}?portalAccess=change_type#portal-access`);
    expect(await typeOf(oli.userId)).toBe(hollow);
  });

  it('to a type that shows fields: moved at once', async () => {
    const pat = await portalUser('Pat Mover');
    const res = await ana.post(`${usersPath()}/${pat.userId}/change-type`, { toType: partners });
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toBe(`${usersPath()}?done=change_type&count=1`);
    expect(await typeOf(pat.userId)).toBe(partners);
  });
});

describe('changing the type of a selection', () => {
  it('to an empty type: the list marks it, the first post names who would move and changes nothing; Confirm moves them', async () => {
    const list = await (await ana.get(usersPath())).text();
    expect(list).toMatch(new RegExp(`<option value="${hollow}">Hollow — shows no fields</option>`));
    expect(list).toMatch(new RegExp(`<option value="${partners}">Partners</option>`));
    const quin = await portalUser('Quin Bulk');
    const rae = await portalUser('Rae Bulk');
    const pairs: [string, string][] = [
      ['action', 'change_type'],
      ['toType', hollow],
      ['ids', quin.userId],
      ['ids', rae.userId],
    ];
    const before = await fingerprint(t.db, tables);
    const first = await ana.request(`${usersPath()}/bulk`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(pairs),
    });
    expect(first.status).toBe(200);
    const html = await first.text();
    const text = textOf(html);
    expect(text).toContain(HOLLOW_WARNING);
    expect(text).toContain('Confirming moves 2 users to Hollow all the same');
    expect(text).toContain(`Quin Bulk <${quin.email}>`);
    expect(text).toContain(`Rae Bulk <${rae.email}>`);
    await expectUnchanged(before);

    const form = confirmForm(html);
    expect(form.controls.filter((c) => c.name === 'ids').map((c) => c.value)).toEqual([quin.userId, rae.userId]);
    const { res } = await submitForm(ana, form, usersPath());
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toBe(`${usersPath()}?done=change_type&count=2`);
    expect([await typeOf(quin.userId), await typeOf(rae.userId)]).toEqual([hollow, hollow]);
  });

  it('to a type that shows fields: moved at once', async () => {
    const sam = await portalUser('Sam Bulk');
    const res = await ana.request(`${usersPath()}/bulk`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams([
        ['action', 'change_type'],
        ['toType', partners],
        ['ids', sam.userId],
      ]),
    });
    expect(res.status).toBe(303);
    expect(await typeOf(sam.userId)).toBe(partners);
  });
});

describe('bulk invitation', () => {
  const batches = async () => (await t.db.selectFrom('invitation_batches').select('id').where('user_type_id', '=', hollow).execute()).length;
  const post = (pairs: [string, string][]) =>
    ana.request(invitePath(), { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(pairs) });

  it('warns up front on the page of an empty type, with links to its field permissions, and marks it in the choice', async () => {
    const html = await (await ana.get(`${invitePath()}?type=${hollow}`)).text();
    expect(textOf(html)).toContain(HOLLOW_WARNING);
    expect(htmlLinks(html)).toContain(fieldsHref(hollow, 'contacts'));
    expect(htmlLinks(html)).toContain(fieldsHref(hollow, 'cases'));
    expect(textOf(html)).toContain('Hollow (Contacts) — shows no fields');
    const fine = await (await ana.get(`${invitePath()}?type=${partners}`)).text();
    expect(textOf(fine)).not.toContain('would see empty pages');
  });

  it('sending into an empty type: the first post starts no batch; Confirm starts it', async () => {
    const uma = await contact('Uma Batch');
    const vic = await contact('Vic Batch');
    const pairs: [string, string][] = [
      ['type', hollow],
      ['q', ''],
      ['mode', 'send'],
      ['record', uma.id],
      ['record', vic.id],
    ];
    const before = await fingerprint(t.db, tables);
    const first = await post(pairs);
    expect(first.status).toBe(200);
    const html = await first.text();
    expect(textOf(html)).toContain('Invite into Hollow, which shows empty pages?');
    expect(textOf(html)).toContain(HOLLOW_WARNING);
    expect(htmlLinks(html)).toContain(fieldsHref(hollow, 'cases'));
    await expectUnchanged(before);
    expect(await batches()).toBe(0);

    const form = confirmForm(html);
    expect(form.controls.filter((c) => c.name === 'record').map((c) => c.value)).toEqual([uma.id, vic.id]);
    expect(form.controls).toContainEqual({ name: 'mode', value: 'send' });
    const { res } = await submitForm(ana, form, invitePath());
    expect(res.status).toBe(303);
    const batch = await t.db.selectFrom('invitation_batches').select(['id', 'total', 'dry_run']).where('user_type_id', '=', hollow).executeTakeFirstOrThrow();
    expect(res.headers.get('Location')).toBe(`${invitePath()}/batches/${batch.id}`);
    expect(batch).toMatchObject({ total: 2, dry_run: false });
  });

  it('sending into a type that shows fields starts the batch at once', async () => {
    const wes = await contact('Wes Batch');
    const res = await post([
      ['type', partners],
      ['q', ''],
      ['mode', 'send'],
      ['record', wes.id],
    ]);
    expect(res.status).toBe(303);
    expect(await t.db.selectFrom('invitation_batches').select('id').where('user_type_id', '=', partners).execute()).toHaveLength(1);
  });
});

describe('deleting a type whose users move into an empty one', () => {
  it('names the empty tabs on the confirmation, with links, before anyone moves; a type that shows fields is not flagged', async () => {
    const leaving = await addType('Leaving');
    const user = await portalUser('Lena Leaving');
    await t.db.updateTable('portal_users').set({ user_type_id: leaving }).where('id', '=', user.userId).execute();
    const base = `/admin/settings/portals/${w.helpId}/types/${leaving}`;
    const before = await fingerprint(t.db, tables);
    const res = await ana.post(`${base}/delete`, { transferTo: hollow });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(textOf(html)).toContain(HOLLOW_WARNING);
    expect(htmlLinks(html)).toEqual(expect.arrayContaining([fieldsHref(hollow, 'contacts'), fieldsHref(hollow, 'cases')]));
    await expectUnchanged(before);
    expect(await typeOf(user.userId)).toBe(leaving);

    const intoPartners = await (await ana.post(`${base}/delete`, { transferTo: partners })).text();
    expect(textOf(intoPartners)).not.toContain('would see empty pages');
    expect(htmlLinks(intoPartners)).not.toContain(fieldsHref(partners, 'contacts'));

    const done = await submitForm(ana, confirmForm(html), `${base}/delete`);
    expect(done.res.status).toBe(303);
    expect(await typeOf(user.userId)).toBe(hollow);
  });
});
