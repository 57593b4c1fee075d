import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession, generateSessionToken, validateSessionToken } from '../../src/auth/sessions.js';
import { createRecord } from '../../src/crm/records.js';
import type { PortalUserStatus } from '../../src/db/schema.js';
import { addUserType } from '../../src/portals/user-types.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { changedTables, dataTables, type Fingerprint, fingerprint } from '../support/fingerprint.js';
import { acme } from '../support/fixtures.js';
import { decodeEntities, type HtmlForm, htmlForms, htmlLinks, submitForm } from '../support/portal-crawl.js';
import { type PortalWorld, seedPortalWorld } from '../support/portal-world.js';

// Destructive configuration actions are stated first and done only when
// confirmed: the first request (a plain form post, no JavaScript) changes no
// table and names what will happen; the page's own Confirm form does it.

let t: TestApp;
let w: PortalWorld;
let ana: BrowserClient;
let tables: string[];
let partnersType: string;

beforeAll(async () => {
  t = await startTestApp();
  w = await seedPortalWorld(t);
  const added = await addUserType(t.db, w.staff, w.helpId, { name: 'Partners', baseModuleId: w.contacts.module.id });
  if (!added.ok) throw new Error('no Partners type');
  partnersType = added.type.id;
  await t.db.updateTable('portal_user_types').set({ user_limit: 50 }).where('portal_id', '=', w.helpId).execute();
  ana = browserClient(t.app);
  expect((await ana.post('/admin/login', { email: acme.admin.email, password: acme.admin.password })).status).toBe(303);
  tables = await dataTables(t.db);
});
afterAll(() => t.close());

const usersPath = () => `/admin/settings/portals/${w.helpId}/users`;
const typePath = (id: string) => `/admin/settings/portals/${w.helpId}/types/${id}`;
const textOf = async (res: Response) =>
  decodeEntities(
    (await res.text())
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim(),
  );

/** A contact with a portal user of the Help portal; `sessions` signed-in sessions; an accepted account unless invited. */
async function person(name: string, opts: { status?: PortalUserStatus; type?: string; sessions?: number; twoFactor?: boolean } = {}) {
  const [first = '', last = ''] = name.split(' ');
  const email = `${name.toLowerCase().replace(/\s+/g, '.')}@confirm.example`;
  const record = await createRecord(t.db, w.staff, w.contacts, {
    data: { first_name: first, last_name: last, email },
    layoutId: w.contacts.defaultLayout?.id ?? null,
    ownerId: w.adminId,
  });
  const status = opts.status ?? 'active';
  const id = randomUUID();
  await t.db
    .insertInto('portal_users')
    .values({
      id,
      portal_id: w.helpId,
      user_type_id: opts.type ?? w.helpTypeId,
      record_id: record.id,
      email,
      status,
      invited_by: w.adminId,
      password_hash: status === 'invited' ? null : 'argon2-hash-of-their-password',
      activated_at: status === 'invited' ? null : new Date(),
    })
    .execute();
  const tokens: string[] = [];
  for (let i = 0; i < (opts.sessions ?? 0); i++) {
    const token = generateSessionToken();
    await createSession(t.db, token, { kind: 'portal', id }, 30);
    tokens.push(token);
  }
  if (opts.twoFactor) {
    await t.db.insertInto('two_factor').values({ user_kind: 'portal', user_id: id, secret: 'JBSWY3DPEHPK3PXP', enabled_at: new Date() }).execute();
    await t.db
      .insertInto('recovery_codes')
      .values({ user_kind: 'portal', user_id: id, code_hash: 'c'.repeat(64) })
      .execute();
  }
  return { id, record: record.id, email, tokens };
}

/** Every data table, plus the sessions the fingerprint leaves out (ending them is part of what is confirmed). */
async function snapshot(): Promise<{ data: Fingerprint; sessions: number }> {
  const sessions = await t.db
    .selectFrom('sessions')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('user_kind', '=', 'portal')
    .executeTakeFirstOrThrow();
  return { data: await fingerprint(t.db, tables), sessions: Number(sessions.n) };
}

async function expectUnchanged(before: { data: Fingerprint; sessions: number }) {
  const after = await snapshot();
  expect(changedTables(before.data, after.data)).toEqual([]);
  expect(after.sessions).toBe(before.sessions);
}

/** The confirmation's form: a plain POST carrying confirm=1, with a Confirm button; throws when the page has none. */
function confirmForm(html: string): HtmlForm {
  const form = htmlForms(html).find((f) => f.method === 'POST' && f.controls.some((c) => c.name === 'confirm' && c.value === '1'));
  if (!form || !/<button type="submit"[^>]*>\s*Confirm\s*<\/button>/.test(html)) throw new Error('no confirmation form on the page');
  return form;
}

const post = (path: string, pairs: [string, string][]) =>
  ana.request(path, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(pairs) });

describe('deactivating portal users', () => {
  it('one user, from their record page: the first post names them and the sessions that end; Confirm does it and goes back', async () => {
    const kim = await person('Kim Single', { sessions: 2 });
    const back = `/admin/m/contacts/${kim.record}`;
    const before = await snapshot();
    const first = await ana.post(`${usersPath()}/${kim.id}/deactivate`, { back });
    expect(first.status).toBe(200);
    const html = await first.text();
    const text = await textOf(new Response(html));
    expect(text).toContain('Deactivate 1 portal user?');
    expect(text).toContain('1 user will be deactivated and can no longer sign in');
    expect(text).toContain('2 signed-in sessions will end now.');
    expect(text).toContain(`Kim Single <${kim.email}>`);
    expect(htmlLinks(html)).toContain(back);
    await expectUnchanged(before);
    expect(await validateSessionToken(t.db, kim.tokens[0] ?? '', 30)).toBeDefined();

    const form = confirmForm(html);
    expect(form.action).toBe(`${usersPath()}/${kim.id}/deactivate`);
    expect(form.controls).toContainEqual({ name: 'back', value: back });
    const { res } = await submitForm(ana, form, usersPath());
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toBe(`${back}?portalAccess=deactivate#portal-access`);
    expect((await t.db.selectFrom('portal_users').select('status').where('id', '=', kim.id).executeTakeFirstOrThrow()).status).toBe('deactivated');
    for (const token of kim.tokens) expect(await validateSessionToken(t.db, token, 30)).toBeUndefined();
  });

  it('a selection: counts only the users it applies to, and the confirmed post deactivates exactly those', async () => {
    const lea = await person('Lea Bulk', { sessions: 1 });
    const max = await person('Max Bulk', { sessions: 2 });
    const ned = await person('Ned Bulk', { status: 'deactivated' });
    const pairs: [string, string][] = [
      ['action', 'deactivate'],
      ['toType', ''],
      ['ids', lea.id],
      ['ids', max.id],
      ['ids', ned.id],
    ];
    const before = await snapshot();
    const first = await post(`${usersPath()}/bulk`, pairs);
    expect(first.status).toBe(200);
    const html = await first.text();
    const text = await textOf(new Response(html));
    expect(text).toContain('Deactivate 2 portal users?');
    expect(text).toContain('2 users will be deactivated');
    expect(text).toContain('3 signed-in sessions will end now.');
    expect(text).toContain('1 selected user is left as is: Ned Bulk: already deactivated.');
    await expectUnchanged(before);

    const form = confirmForm(html);
    expect(form.controls.filter((c) => c.name === 'ids').map((c) => c.value)).toEqual([lea.id, max.id, ned.id]);
    const { res } = await submitForm(ana, form, usersPath());
    // Someone was left alone, so the answer is the list saying what became of each.
    expect(res.status).toBe(200);
    const done = await textOf(res);
    expect(done).toContain('2 users deactivated and signed out.');
    expect(done).toContain('Ned Bulk: already deactivated.');
    const rows = await t.db.selectFrom('portal_users').select(['id', 'status']).where('id', 'in', [lea.id, max.id]).execute();
    expect(rows.map((r) => r.status)).toEqual(['deactivated', 'deactivated']);
    expect((await snapshot()).sessions).toBe(before.sessions - 3);
  });

  it('a confirmation sent back without confirm=1 is only shown again, and a page without a Confirm form is caught', async () => {
    const oli = await person('Oli Again', { sessions: 1 });
    const first = await ana.post(`${usersPath()}/${oli.id}/deactivate`, {});
    const form = confirmForm(await first.text());
    const broken = { ...form, controls: form.controls.map((c) => (c.name === 'confirm' ? { ...c, value: '0' } : c)) };
    const before = await snapshot();
    const { res } = await submitForm(ana, broken, usersPath());
    expect(res.status).toBe(200);
    expect(await textOf(res)).toContain('Deactivate 1 portal user?');
    await expectUnchanged(before);
    // The checker itself: the list page has no confirmation form, and saying so is an error.
    expect(() => confirmForm('<form method="post" action="/x"><input type="hidden" name="confirm" value="1"></form>')).toThrow();
    const list = await (await ana.get(usersPath())).text();
    expect(() => confirmForm(list)).toThrow('no confirmation form');
  });
});

describe('removing users who never accepted', () => {
  it('states how many go and that records stay; the confirmed post removes them', async () => {
    const pia = await person('Pia Never', { status: 'invited' });
    const quin = await person('Quin Never', { status: 'invited' });
    const pairs: [string, string][] = [
      ['action', 'remove'],
      ['ids', pia.id],
      ['ids', quin.id],
    ];
    const before = await snapshot();
    const first = await post(`${usersPath()}/bulk`, pairs);
    expect(first.status).toBe(200);
    const html = await first.text();
    const text = await textOf(new Response(html));
    expect(text).toContain('Remove 2 portal users?');
    expect(text).toContain('2 users who never accepted the invitation will be removed from the portal; the records stay.');
    expect(text).not.toContain('sessions will end');
    await expectUnchanged(before);

    const { res } = await submitForm(ana, confirmForm(html), usersPath());
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toBe(`${usersPath()}?done=remove&count=2`);
    expect(await t.db.selectFrom('portal_users').select('id').where('id', 'in', [pia.id, quin.id]).execute()).toEqual([]);
    expect(await t.db.selectFrom('records').select('id').where('id', 'in', [pia.record, quin.record]).execute()).toHaveLength(2);
  });
});

describe('resetting two-factor sign-in', () => {
  it('names the user and the sessions that end; only the confirmed post turns it off', async () => {
    const rey = await person('Rey Secure', { sessions: 1, twoFactor: true });
    const before = await snapshot();
    const first = await ana.post(`${usersPath()}/${rey.id}/reset-two-factor`, {});
    expect(first.status).toBe(200);
    const html = await first.text();
    const text = await textOf(new Response(html));
    expect(text).toContain('Reset two-factor sign-in of 1 portal user?');
    expect(text).toContain('Two-factor sign-in will be turned off for 1 user, with their recovery codes.');
    expect(text).toContain('1 signed-in session will end now.');
    expect(htmlLinks(html)).toContain(usersPath());
    await expectUnchanged(before);

    const { res } = await submitForm(ana, confirmForm(html), usersPath());
    expect(res.status).toBe(303);
    expect(await t.db.selectFrom('two_factor').select('user_id').where('user_id', '=', rey.id).execute()).toEqual([]);
    expect(await validateSessionToken(t.db, rey.tokens[0] ?? '', 30)).toBeUndefined();
  });
});

describe('deleting a user type', () => {
  let batchId: string;
  let movers: { id: string; tokens: string[] }[];

  it('states who moves where and what stays, by POST or GET; the confirmed post deletes it', async () => {
    movers = [await person('Sam Partner', { type: partnersType, sessions: 1 }), await person('Tea Partner', { type: partnersType, status: 'invited' })];
    const batch = await t.db
      .insertInto('invitation_batches')
      .values({ portal_id: w.helpId, user_type_id: partnersType, created_by: w.adminId, total: 2, status: 'done' })
      .returning(['id', 'user_type_name'])
      .executeTakeFirstOrThrow();
    batchId = batch.id;
    expect(batch.user_type_name).toBe('Partners');
    await t.db
      .insertInto('invitation_results')
      .values([
        { batch_id: batchId, record_id: w.records.fred, user_type_id: partnersType, outcome: 'failed', reason: 'no_email', created_by: w.adminId },
        { batch_id: batchId, record_id: w.records.gina, user_type_id: partnersType, outcome: 'sent', created_by: w.adminId },
      ])
      .execute();
    const target = await t.db.selectFrom('portal_user_types').select('name').where('id', '=', w.helpTypeId).executeTakeFirstOrThrow();

    const before = await snapshot();
    const first = await ana.post(`${typePath(partnersType)}/delete`, { transferTo: w.helpTypeId });
    expect(first.status).toBe(200);
    const html = await first.text();
    const text = await textOf(new Response(html));
    expect(text).toContain('Delete the user type Partners?');
    expect(text).toContain(`Its 2 portal users move to ${target.name}, keeping their accounts; no one is signed out.`);
    expect(text).toContain('Its 1 invitation batch stays readable from the portal under the name Partners.');
    expect(htmlLinks(html)).toContain(typePath(partnersType));
    const viaGet = await ana.get(`${typePath(partnersType)}/delete?transferTo=${w.helpTypeId}`);
    expect(viaGet.status).toBe(200);
    expect(await textOf(viaGet)).toContain(`Its 2 portal users move to ${target.name}`);
    await expectUnchanged(before);

    const form = confirmForm(html);
    expect(form.controls).toContainEqual({ name: 'transferTo', value: w.helpTypeId });
    const { res } = await submitForm(ana, form, typePath(partnersType));
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toBe(`/admin/settings/portals/${w.helpId}?done=typeDeleted`);
    expect(await t.db.selectFrom('portal_user_types').select('id').where('id', '=', partnersType).execute()).toEqual([]);
    const moved = await t.db
      .selectFrom('portal_users')
      .select('user_type_id')
      .where(
        'id',
        'in',
        movers.map((m) => m.id),
      )
      .execute();
    expect(moved.map((m) => m.user_type_id)).toEqual([w.helpTypeId, w.helpTypeId]);
    expect(await validateSessionToken(t.db, movers[0]?.tokens[0] ?? '', 30)).toBeDefined();
  });

  it('a deletion that would be refused (no type to move the users to) is refused on the confirmation page too, changing nothing', async () => {
    const again = await addUserType(t.db, w.staff, w.helpId, { name: 'Resellers', baseModuleId: w.contacts.module.id });
    if (!again.ok) throw new Error('no Resellers type');
    await person('Uma Reseller', { type: again.type.id });
    const before = await snapshot();
    // The confirmation page asked for by address states the refusal instead of offering Confirm.
    const asked = await ana.get(`${typePath(again.type.id)}/delete`);
    expect(asked.status).toBe(422);
    const html = await asked.text();
    expect(await textOf(new Response(html))).toContain('This type has 1 portal users: choose the type they move to.');
    expect(() => confirmForm(html)).toThrow('no confirmation form');
    const res = await ana.post(`${typePath(again.type.id)}/delete`, { confirm: '1' });
    expect(res.status).toBe(422);
    expect(await textOf(res)).toContain('This type has 1 portal users: choose the type they move to.');
    await expectUnchanged(before);
  });

  it('keeps its invitation batch and failed list readable, under the type’s old name, linked from the portal', async () => {
    const base = `/admin/settings/portals/${w.helpId}/invite/batches/${batchId}`;
    const list = await (await ana.get(usersPath())).text();
    expect(htmlLinks(list)).toContain(base);
    expect(await textOf(new Response(list))).toContain('Partners (deleted)');
    const page = await ana.get(base);
    expect(page.status).toBe(200);
    expect(await textOf(page)).toContain('User type: Partners');
    const failed = await ana.get(`${base}/failed`);
    expect(failed.status).toBe(200);
    const text = await textOf(failed);
    expect(text).toContain('User type: Partners');
    expect(text).toContain('Fred Gone');
    const csv = await ana.get(`${base}/outcomes.csv`);
    expect(csv.status).toBe(200);
    expect(await csv.text()).toContain('Gina Secure');
    const row = await t.db.selectFrom('invitation_batches').select(['user_type_id', 'user_type_name']).where('id', '=', batchId).executeTakeFirstOrThrow();
    expect(row).toEqual({ user_type_id: null, user_type_name: 'Partners' });
  });
});
