import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/auth/passwords.js';
import { createSession, generateSessionToken, validateSessionToken } from '../../src/auth/sessions.js';
import { loadModuleMeta, type ModuleMeta } from '../../src/crm/metadata.js';
import { createRecord, type RecordData } from '../../src/crm/records.js';
import { type InviteDeps, inviteRecord } from '../../src/invitations/invite.js';
import { findInvitation } from '../../src/invitations/tokens.js';
import { QUEUES } from '../../src/jobs/queues.js';
import { listPortalUsers } from '../../src/portals/portal-users.js';
import { createPortal } from '../../src/portals/portals.js';
import { addUserType } from '../../src/portals/user-types.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme, seedAcme } from '../support/fixtures.js';
import { waitFor } from '../support/wait.js';

let t: TestApp;
let deps: InviteDeps;
let ana: BrowserClient;
let anaId: string;
let paula: BrowserClient;
let paulaId: string;
let contacts: ModuleMeta;
let leads: ModuleMeta;
let portalId: string;
/** The default type (contacts), a contact type with one licence, an unlimited contact type, a lead type. */
const types = { customers: '', partners: '', vip: '', prospects: '' };

/** Paula runs the portal desk: she manages portal users, not portals, and reads Spanish. */
const paulaLogin = { email: 'paula@acme.example', password: 'Portal-Desk-2025' };

beforeAll(async () => {
  t = await startTestApp({ worker: true });
  anaId = (await seedAcme(t.db)).admin.id;
  deps = { db: t.db, boss: t.boss, baseUrl: t.config.baseUrl };
  contacts = (await loadModuleMeta(t.db, 'contacts')) as ModuleMeta;
  leads = (await loadModuleMeta(t.db, 'leads')) as ModuleMeta;
  const profile = await t.db
    .insertInto('profiles')
    .values({ id: randomUUID(), api_name: 'portal_desk', label_key: null, name: 'Portal desk', manage_portal_users: true })
    .returning('id')
    .executeTakeFirstOrThrow();
  await t.db
    .insertInto('profile_permissions')
    .values({ profile_id: profile.id, module_id: contacts.module.id, can_view: true, can_create: true, can_edit: true })
    .execute();
  paulaId = (
    await t.db
      .insertInto('staff_users')
      .values({ email: paulaLogin.email, name: 'Paula Desk', password_hash: await hashPassword(paulaLogin.password), profile_id: profile.id, language: 'es' })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
  ana = browserClient(t.app);
  expect((await ana.post('/admin/login', { email: acme.admin.email, password: acme.admin.password })).status).toBe(303);
  paula = browserClient(t.app);
  expect((await paula.post('/admin/login', paulaLogin)).status).toBe(303);

  const created = await createPortal(t.db, { kind: 'staff', id: anaId }, { name: 'Acme Care' });
  if (!created.ok) throw new Error('no portal');
  portalId = created.portal.id;
  types.customers = (await t.db.selectFrom('portal_user_types').select('id').where('portal_id', '=', portalId).executeTakeFirstOrThrow()).id;
  for (const [key, name, module] of [
    ['partners', 'Partners', contacts],
    ['vip', 'VIP', contacts],
    ['prospects', 'Prospects', leads],
  ] as const) {
    const added = await addUserType(t.db, { kind: 'staff', id: anaId }, portalId, { name, baseModuleId: module.module.id });
    if (!added.ok) throw new Error(`no type ${name}`);
    types[key] = added.type.id;
  }
  await t.db.updateTable('portal_user_types').set({ user_limit: 1 }).where('id', '=', types.partners).execute();
});
afterAll(() => t.close());

const contact = async (data: RecordData, owner = anaId) =>
  (await createRecord(t.db, { kind: 'staff', id: owner }, contacts, { data, layoutId: contacts.defaultLayout?.id ?? null, ownerId: owner })).id;
const lead = async (data: RecordData) =>
  (await createRecord(t.db, { kind: 'staff', id: anaId }, leads, { data, layoutId: leads.defaultLayout?.id ?? null, ownerId: anaId })).id;
const userOf = (recordId: string) => t.db.selectFrom('portal_users').selectAll().where('record_id', '=', recordId).executeTakeFirst();
const invite = async (recordId: string, userTypeId = types.customers) => {
  const outcome = await inviteRecord(deps, { recordId, userTypeId, staffId: anaId });
  if (outcome.outcome !== 'sent') throw new Error(`not sent: ${JSON.stringify(outcome)}`);
  return outcome.portalUserId;
};
/** The person followed their link: a password and an active account. */
const accept = (portalUserId: string) =>
  t.db
    .updateTable('portal_users')
    .set({ status: 'active', password_hash: 'argon2-hash-of-their-password', activated_at: new Date() })
    .where('id', '=', portalUserId)
    .execute();
const tokenIn = (text: string) => /\/invite\/([a-z2-7]+)/.exec(text)?.[1] ?? '';
const mailsTo = (address: string) => t.db.selectFrom('email_outbox').selectAll().where('to_address', '=', address).orderBy('created_at').execute();
const usersPath = () => `/admin/settings/portals/${portalId}/users`;
/** Text of a page with tags dropped, for sentences that span markup. */
const textOf = async (res: Response) =>
  (await res.text())
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, ' ');

describe('a single invitation from the record page', () => {
  it('offers the choice of portal and type, sends, and says to whom', async () => {
    const carla = await contact({ first_name: 'Carla', last_name: 'Núñez', email: 'carla@globex.example' });
    const pageHtml = await (await ana.get(`/admin/m/contacts/${carla}`)).text();
    expect(pageHtml).toContain('Portal access');
    expect(pageHtml).toContain(`action="/admin/m/contacts/${carla}/portal-invitation"`);
    expect(pageHtml).toContain('Acme Care · Partners');
    expect(pageHtml).not.toContain('Acme Care · Prospects');

    const res = await ana.post(`/admin/m/contacts/${carla}/portal-invitation`, { type: types.customers });
    expect(res.status).toBe(303);
    const back = res.headers.get('Location') ?? '';
    expect(back).toBe(`/admin/m/contacts/${carla}?portalInvite=sent#portal-access`);
    const after = await textOf(await ana.get(back.replace('#portal-access', '')));
    expect(after).toContain('Invitation sent to carla@globex.example. The link is valid for 7 days.');
    expect(after).toContain('Invited');
    expect(await userOf(carla)).toMatchObject({ status: 'invited', invited_by: anaId, user_type_id: types.customers });
    expect(await mailsTo('carla@globex.example')).toHaveLength(1);
  });

  it('shows a refusal with its reason in the inviting user’s language', async () => {
    const temp = await contact({ last_name: 'Temporal', email: 'temp@mailinator.com' }, paulaId);
    const res = await paula.post(`/admin/m/contacts/${temp}/portal-invitation`, { type: types.customers });
    expect(res.status).toBe(303);
    const after = await textOf(await paula.get((res.headers.get('Location') ?? '').replace('#portal-access', '')));
    expect(after).toContain('No invitado: La dirección de correo es de un proveedor de correo desechable o anónimo.');
    expect(await userOf(temp)).toBeUndefined();
    const result = await t.db.selectFrom('invitation_results').selectAll().where('record_id', '=', temp).executeTakeFirstOrThrow();
    expect(result).toMatchObject({ outcome: 'failed', reason: 'disposable_domain', created_by: paulaId, batch_id: null });
  });

  it('has no button for a record without an email, only the hint to add one', async () => {
    const nomail = await contact({ last_name: 'Sinmail' });
    const html = await (await ana.get(`/admin/m/contacts/${nomail}`)).text();
    expect(html).toContain('Add an email address to this record to invite it to a portal.');
    expect(html).not.toContain('Send portal invitation');
    expect(html).not.toContain('/portal-invitation"');
  });

  it('refuses a type based on another module, and staff without the permission', async () => {
    const other = await contact({ last_name: 'Otro', email: 'otro@globex.example' });
    expect((await ana.post(`/admin/m/contacts/${other}/portal-invitation`, { type: types.prospects })).status).toBe(422);
    expect(await userOf(other)).toBeUndefined();
    const bruno = browserClient(t.app);
    await t.db
      .insertInto('staff_users')
      .values({
        email: 'bruno@acme.example',
        name: 'Bruno',
        password_hash: await hashPassword('Standard-User-77'),
        profile_id: (await t.db.selectFrom('profiles').select('id').where('api_name', '=', 'standard').executeTakeFirstOrThrow()).id,
      })
      .execute();
    await bruno.post('/admin/login', { email: 'bruno@acme.example', password: 'Standard-User-77' });
    expect((await bruno.post(`/admin/m/contacts/${other}/portal-invitation`, { type: types.customers })).status).toBe(403);
    expect((await bruno.get(usersPath())).status).toBe(403);
    expect(await userOf(other)).toBeUndefined();
  });
});

describe('the Users tab of a portal', () => {
  let dora = '';
  let doraUser = '';
  beforeAll(async () => {
    dora = await contact({ first_name: 'Dora', last_name: 'Díaz', email: 'dora@initech.example' });
    doraUser = await invite(dora, types.vip);
    await accept(doraUser);
  });

  it('lists users with name, email, type and status; searches and filters', async () => {
    const html = await textOf(await ana.get(usersPath()));
    expect(html).toContain('Users of Acme Care');
    expect(html).toContain('Carla Núñez');
    expect(html).toContain('dora@initech.example');
    const byName = await textOf(await ana.get(`${usersPath()}?q=d%C3%ADaz`));
    expect(byName).toContain('Dora Díaz');
    expect(byName).not.toContain('Carla Núñez');
    const byEmail = await textOf(await ana.get(`${usersPath()}?q=globex`));
    expect(byEmail).toContain('Carla Núñez');
    expect(byEmail).not.toContain('Dora Díaz');
    const active = await textOf(await ana.get(`${usersPath()}?status=active`));
    expect(active).toContain('Dora Díaz');
    expect(active).not.toContain('Carla Núñez');
    const ofType = await textOf(await ana.get(`${usersPath()}?type=${types.customers}`));
    expect(ofType).toContain('Carla Núñez');
    expect(ofType).not.toContain('Dora Díaz');
    expect(await textOf(await ana.get(`${usersPath()}?q=nobody-here`))).toContain('No portal user matches these filters.');
  });

  it('pages through users by address', async () => {
    const first = await listPortalUsers(t.db, portalId, { limit: 1 });
    expect(first.users.map((u) => u.email)).toEqual(['carla@globex.example']);
    const second = await listPortalUsers(t.db, portalId, { limit: 1, after: first.next });
    expect(second.users.map((u) => u.email)).toEqual(['dora@initech.example']);
    const html = await ana.get(`${usersPath()}?after=${first.next}`);
    const text = await textOf(html);
    expect(text).toContain('Dora Díaz');
    expect(text).not.toContain('Carla Núñez');
  });

  it('deactivating ends the user’s portal sessions at once, and is in the audit log', async () => {
    const token = generateSessionToken();
    await createSession(t.db, token, { kind: 'portal', id: doraUser }, 30);
    expect(await validateSessionToken(t.db, token, 30)).toBeDefined();
    const res = await ana.post(`${usersPath()}/${doraUser}/deactivate`, { confirm: '1' });
    expect(res.status).toBe(303);
    expect(await textOf(await ana.get(res.headers.get('Location') ?? ''))).toContain('1 user deactivated and signed out.');
    expect(await validateSessionToken(t.db, token, 30)).toBeUndefined();
    const row = await t.db.selectFrom('portal_users').selectAll().where('id', '=', doraUser).executeTakeFirstOrThrow();
    expect(row.status).toBe('deactivated');
    expect(row.deactivated_at).toBeInstanceOf(Date);
    const entry = await t.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'portal_user.deactivated')
      .where('target_id', '=', doraUser)
      .executeTakeFirstOrThrow();
    expect(entry).toMatchObject({ actor_kind: 'staff', actor_id: anaId });
    expect(entry.details).toMatchObject({ email: 'dora@initech.example', recordName: 'Dora Díaz', from: 'active', sessionsEnded: 1 });
  });

  it('reactivates within the licence limit, and refuses over it', async () => {
    const eva = await contact({ first_name: 'Eva', last_name: 'Pilot', email: 'eva@pilot.example' });
    const evaUser = await invite(eva, types.partners);
    await accept(evaUser);
    await ana.post(`${usersPath()}/${evaUser}/deactivate`, { confirm: '1' });
    const fede = await contact({ first_name: 'Fede', last_name: 'Pilot', email: 'fede@pilot.example' });
    await invite(fede, types.partners);
    // Partners has one licence, now held by Fede's invitation.
    expect(await textOf(await ana.get(usersPath()))).toMatch(/Partners 1 0 1 1 of 1 /);
    const refused = await ana.post(`${usersPath()}/${evaUser}/reactivate`, {});
    expect(refused.status).toBe(422);
    expect(await textOf(refused)).toContain('Eva Pilot: the user type has reached its user limit');
    expect((await userOf(eva))?.status).toBe('deactivated');

    await t.db.updateTable('portal_user_types').set({ user_limit: 2 }).where('id', '=', types.partners).execute();
    expect((await ana.post(`${usersPath()}/${evaUser}/reactivate`, {})).status).toBe(303);
    expect(await userOf(eva)).toMatchObject({ status: 'active', deactivated_at: null });
    expect(
      await t.db.selectFrom('audit_log').select('actor_id').where('action', '=', 'portal_user.reactivated').where('target_id', '=', evaUser).execute(),
    ).toEqual([{ actor_id: anaId }]);
  });

  it('resending revokes the previous link and puts a new email in the outbox', async () => {
    const gil = await contact({ first_name: 'Gil', last_name: 'Resend', email: 'gil@globex.example' });
    const gilUser = await invite(gil);
    const [first] = await mailsTo('gil@globex.example');
    const oldToken = tokenIn(first?.text ?? '');
    expect((await findInvitation(t.db, oldToken))?.state).toBe('valid');
    await t.db.updateTable('portal_users').set({ status: 'expired' }).where('id', '=', gilUser).execute();

    const res = await ana.post(`${usersPath()}/${gilUser}/resend`, {});
    expect(res.status).toBe(303);
    expect((await findInvitation(t.db, oldToken))?.state).toBe('revoked');
    const mails = await mailsTo('gil@globex.example');
    expect(mails).toHaveLength(2);
    const newToken = tokenIn(mails[1]?.text ?? '');
    expect(newToken).not.toBe(oldToken);
    expect((await findInvitation(t.db, newToken))?.state).toBe('valid');
    expect(mails[1]?.text).toContain('Gil Resend');
    expect((await userOf(gil))?.status).toBe('invited');
    // An active user has nothing to resend.
    const eva = await t.db.selectFrom('portal_users').select('id').where('email', '=', 'eva@pilot.example').executeTakeFirstOrThrow();
    const refused = await ana.post(`${usersPath()}/${eva.id}/resend`, {});
    expect(refused.status).toBe(422);
    expect(await textOf(refused)).toContain('only users who have not accepted their invitation can receive a new one.');
  });

  it('removes only users who never accepted, in bulk', async () => {
    const hugo = await contact({ first_name: 'Hugo', last_name: 'Never', email: 'hugo@globex.example' });
    const hugoUser = await invite(hugo);
    const eva = await t.db.selectFrom('portal_users').select('id').where('email', '=', 'eva@pilot.example').executeTakeFirstOrThrow();
    const res = await ana.post(`${usersPath()}/bulk`, { action: 'remove', ids: hugoUser, toType: '', confirm: '1' });
    expect(res.status).toBe(303);
    expect(await userOf(hugo)).toBeUndefined();
    expect(await t.db.selectFrom('portal_invitations').select('id').where('portal_user_id', '=', hugoUser).execute()).toHaveLength(0);
    expect(await t.db.selectFrom('records').select('id').where('id', '=', hugo).executeTakeFirst()).toBeDefined();

    const refused = await ana.request(`${usersPath()}/bulk`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams([
        ['action', 'remove'],
        ['ids', eva.id],
      ]),
    });
    expect(refused.status).toBe(422);
    expect(await textOf(refused)).toContain('Eva Pilot: has accepted the invitation, so can only be deactivated, not removed.');
    expect(await t.db.selectFrom('portal_users').select('status').where('id', '=', eva.id).executeTakeFirst()).toEqual({ status: 'active' });
    expect(
      await t.db.selectFrom('audit_log').select('details').where('action', '=', 'portal_user.removed').where('target_id', '=', hugoUser).execute(),
    ).toHaveLength(1);
  });

  it('changes the type of a selection, and refuses a type based on another module', async () => {
    const ids = await t.db.selectFrom('portal_users').select('id').where('email', 'in', ['carla@globex.example', 'gil@globex.example']).execute();
    const post = (toType: string) =>
      ana.request(`${usersPath()}/bulk`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams([['action', 'change_type'], ['toType', toType], ...ids.map((u): [string, string] => ['ids', u.id])]),
      });
    const refused = await post(types.prospects);
    expect(refused.status).toBe(422);
    const text = await textOf(refused);
    expect(text).toContain('2 users were left unchanged');
    expect(text).toContain('Carla Núñez: the new user type is based on another module.');
    const stillCustomers = await t.db
      .selectFrom('portal_users')
      .select('user_type_id')
      .where(
        'id',
        'in',
        ids.map((u) => u.id),
      )
      .execute();
    expect(stillCustomers.map((u) => u.user_type_id)).toEqual([types.customers, types.customers]);

    const moved = await post(types.vip);
    expect(moved.status).toBe(303);
    expect(moved.headers.get('Location')).toBe(`${usersPath()}?done=change_type&count=2`);
    const nowVip = await t.db
      .selectFrom('portal_users')
      .select('user_type_id')
      .where(
        'id',
        'in',
        ids.map((u) => u.id),
      )
      .execute();
    expect(nowVip.map((u) => u.user_type_id)).toEqual([types.vip, types.vip]);
    const audits = await t.db.selectFrom('audit_log').select('details').where('action', '=', 'portal_user.type_changed').execute();
    expect(audits).toHaveLength(2);
    expect(audits[0]?.details).toMatchObject({ fromName: 'Customer portal', toName: 'VIP' });
  });

  it('offers the actions on the record page of a portal user, and they come back there', async () => {
    const carla = await t.db.selectFrom('portal_users').select(['id', 'record_id']).where('email', '=', 'carla@globex.example').executeTakeFirstOrThrow();
    const html = await textOf(await ana.get(`/admin/m/contacts/${carla.record_id}`));
    expect(html).toContain('Acme Care');
    expect(html).toContain('VIP');
    expect(html).toContain('Resend invitation');
    expect(html).toContain('Deactivate');
    const back = `/admin/m/contacts/${carla.record_id}`;
    const res = await ana.post(`${usersPath()}/${carla.id}/change-type`, { toType: types.customers, back });
    expect(res.headers.get('Location')).toBe(`${back}?portalAccess=change_type#portal-access`);
    expect((await userOf(carla.record_id))?.user_type_id).toBe(types.customers);
    const full = await ana.post(`${usersPath()}/${carla.id}/change-type`, { toType: types.partners, back });
    expect(full.headers.get('Location')).toBe(`${back}?portalAccess=refused&reason=licence_limit#portal-access`);
    expect(await textOf(await ana.get(`${back}?portalAccess=refused&reason=licence_limit`))).toContain(
      'the user type has reached its user limit; raise the limit or free a licence first.',
    );
  });
});

describe('managing portal users without configuring portals', () => {
  it('opens the Users tab and invites, but the configurator answers 403', async () => {
    expect((await paula.get(usersPath())).status).toBe(200);
    expect((await paula.get(`/admin/settings/portals/types/${types.customers}/tabs`)).status).toBe(403);
    expect((await paula.get(`/admin/settings/portals/${portalId}`)).status).toBe(403);
    expect((await paula.get(`/admin/settings/portals/${portalId}/invitation-email`)).status).toBe(403);
    expect((await paula.get(`/admin/settings/portals/${portalId}/types/${types.customers}/auto-invite`)).status).toBe(403);
    const ines = await contact({ first_name: 'Inés', last_name: 'Desk', email: 'ines@globex.example' }, paulaId);
    const res = await paula.post(`/admin/m/contacts/${ines}/portal-invitation`, { type: types.customers });
    expect(res.headers.get('Location')).toContain('portalInvite=sent');
    expect(await textOf(await paula.get(`/admin/m/contacts/${ines}?portalInvite=sent`))).toContain(
      'Invitación enviada a ines@globex.example. El enlace es válido durante 7 días.',
    );
    expect(await userOf(ines)).toMatchObject({ invited_by: paulaId, status: 'invited' });
  });
});

describe('the invitation email of a portal', () => {
  const path = () => `/admin/settings/portals/${portalId}/invitation-email`;
  const wording = { subject: 'Bienvenida a {{portal}}, {{name}}', body: 'Hola {{ name }}:\n\nEntre con {{link}} antes del {{expires}}.\n\n{{organization}}' };

  it('lists the placeholders and starts from the built-in text', async () => {
    const html = await (await ana.get(`${path()}?lang=es`)).text();
    for (const p of ['name', 'portal', 'organization', 'link', 'expires']) expect(html).toContain(`<code>{{${p}}}</code>`);
    expect(html).toContain('value="Su invitación a {{portal}}"');
  });

  it('previews what was typed with a sample name, saving nothing', async () => {
    const res = await ana.post(`${path()}?lang=es`, { lang: 'es', intent: 'preview', ...wording });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<dd id="preview-subject">Bienvenida a Acme Care, Lucía Martín</dd>');
    expect(html).toContain('Hola Lucía Martín:');
    expect(html).toContain('Entre con http://porta.test/p/acme-care/invite/');
    // The HTML version is shown as escaped source, never as markup of the page.
    expect(html).toMatch(/<pre class="email-text" id="preview-html"><code>&lt;!DOCTYPE html&gt;&lt;html lang=&quot;es&quot;&gt;/);
    expect(await t.db.selectFrom('invitation_templates').selectAll().execute()).toHaveLength(0);
  });

  it('refuses an unknown placeholder and saves nothing', async () => {
    const res = await ana.post(`${path()}?lang=es`, { lang: 'es', intent: 'save', subject: 'Hola {{nombre}}', body: wording.body });
    expect(res.status).toBe(422);
    expect(await textOf(res)).toContain('Unknown placeholders: {{nombre}}. Use only those listed below.');
    expect(await t.db.selectFrom('invitation_templates').selectAll().execute()).toHaveLength(0);
  });

  it('saves the wording, which the next invitation in that language uses', async () => {
    const saved = await ana.post(`${path()}?lang=es`, { lang: 'es', intent: 'save', ...wording });
    expect(saved.status).toBe(303);
    expect(await t.db.selectFrom('invitation_templates').select(['language', 'subject', 'updated_by']).execute()).toEqual([
      { language: 'es', subject: wording.subject, updated_by: anaId },
    ]);
    const julia = await contact({ first_name: 'Julia', last_name: 'Román', email: 'julia@globex.example', language: 'es' });
    await invite(julia);
    const [mail] = await mailsTo('julia@globex.example');
    expect(mail?.subject).toBe('Bienvenida a Acme Care, Julia Román');
    expect(mail?.text).toContain('Hola Julia Román:');
    expect(mail?.text).toMatch(/Entre con http:\/\/porta\.test\/p\/acme-care\/invite\/[a-z2-7]{32} antes del /);
    expect(mail?.text).toContain('Acme Iberia');
    // Other languages keep the built-in text.
    const kim = await contact({ first_name: 'Kim', last_name: 'Lee', email: 'kim@globex.example', language: 'en' });
    await invite(kim);
    expect((await mailsTo('kim@globex.example'))[0]?.subject).toBe('Your invitation to Acme Care');
  });

  it('resets to the built-in text', async () => {
    expect((await ana.post(`${path()}/reset?lang=es`, { lang: 'es' })).status).toBe(303);
    expect(await t.db.selectFrom('invitation_templates').selectAll().execute()).toHaveLength(0);
  });
});

describe('automatic invitation rules', () => {
  const rulesPath = () => `/admin/settings/portals/${portalId}/types/${types.customers}/auto-invite`;
  const department = () => contacts.byName.get('department')?.id ?? '';
  const idFrom = (location: string | null) => /\/([0-9a-f-]{36})\?/.exec(location ?? '')?.[1] ?? '';
  /** Every automatic invitation queued so far has been run by the worker. */
  const jobsSettled = () =>
    waitFor(
      async () =>
        Number(
          (
            await sql<{ n: string }>`select count(*) as n from pgboss.job where name = ${QUEUES.autoInvite} and state not in ('completed', 'failed')`.execute(
              t.db,
            )
          ).rows[0]?.n,
        ) === 0,
    );

  it('are added on the user type’s page, from the base module’s fields', async () => {
    expect(await (await ana.get(`/admin/settings/portals/${portalId}/types/${types.customers}`)).text()).toContain(`href="${rulesPath()}"`);
    const chooser = await (await ana.get(`${rulesPath()}?field=${department()}`)).text();
    expect(chooser).toContain('Invite when Department equals');
    expect(chooser).not.toContain(`value="${contacts.byName.get('account')?.id}"`);
    expect((await ana.post(rulesPath(), { field: department(), value: '' })).status).toBe(422);
    expect((await ana.post(rulesPath(), { field: contacts.byName.get('account')?.id ?? '', value: 'x' })).status).toBe(422);
    expect((await ana.post(rulesPath(), { field: department(), value: 'Customer' })).status).toBe(303);
    expect(await t.db.selectFrom('auto_invite_rules').select(['field_id', 'value', 'created_by']).execute()).toEqual([
      { field_id: department(), value: 'Customer', created_by: anaId },
    ]);
  });

  it('invite a record created with the value, with the saving staff user as inviter', async () => {
    const res = await ana.post('/admin/m/contacts', { first_name: 'Lola', last_name: 'Auto', email: 'lola@globex.example', department: 'customer ' });
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toContain('created=1&autoInvite=queued');
    const lola = idFrom(res.headers.get('Location'));
    await jobsSettled();
    expect(await userOf(lola)).toMatchObject({ invited_by: anaId, user_type_id: types.customers, status: 'invited' });
    expect(await textOf(await ana.get(`/admin/m/contacts/${lola}?autoInvite=queued`))).toContain(
      'Automatic invitation: an invitation will be sent to lola@globex.example.',
    );
  });

  it('invite on update when the field changes to the value, and never twice', async () => {
    const res = await ana.post('/admin/m/contacts', { last_name: 'Mateo', email: 'mateo@globex.example', department: 'Sales' });
    const mateo = idFrom(res.headers.get('Location'));
    expect(res.headers.get('Location')).not.toContain('autoInvite');
    expect(await userOf(mateo)).toBeUndefined();
    const save = async (dept: string) => {
      const version = (await t.db.selectFrom('records').select('version').where('id', '=', mateo).executeTakeFirstOrThrow()).version;
      return ana.post(`/admin/m/contacts/${mateo}`, { last_name: 'Mateo', email: 'mateo@globex.example', department: dept, __version: String(version) });
    };
    const changed = await save('Customer');
    expect(changed.headers.get('Location')).toContain('saved=1&autoInvite=queued');
    await jobsSettled();
    expect((await userOf(mateo))?.invited_by).toBe(anaId);
    // Saved again while matching, or changed away and back: already a portal user, nothing more happens.
    await save('Sales');
    const again = await save('Customer');
    expect(again.headers.get('Location')).toBe(`/admin/m/contacts/${mateo}?saved=1`);
    await jobsSettled();
    const results = await t.db.selectFrom('invitation_results').select(['outcome', 'reason']).where('record_id', '=', mateo).execute();
    expect(results).toEqual([{ outcome: 'sent', reason: null }]);
  });

  it('report a failure on the record page without stopping the save', async () => {
    const res = await ana.post('/admin/m/contacts', { last_name: 'Interno', email: 'interno@acme.example', department: 'Customer' });
    expect(res.status).toBe(303);
    const id = idFrom(res.headers.get('Location'));
    // The invitation is queued with the save; its job records the failure and its reason.
    expect(res.headers.get('Location')).toContain('autoInvite=queued');
    expect(await t.db.selectFrom('records').select('display_name').where('id', '=', id).executeTakeFirst()).toEqual({ display_name: 'Interno' });
    await jobsSettled();
    expect(await t.db.selectFrom('invitation_results').select(['outcome', 'reason', 'created_by']).where('record_id', '=', id).execute()).toEqual([
      { outcome: 'failed', reason: 'company_domain', created_by: anaId },
    ]);
    expect(
      await t.db.selectFrom('audit_log').select('action').where('target_id', '=', id).where('action', '=', 'portal_user.invitation_failed').execute(),
    ).toHaveLength(1);
    // Saved again with the value unchanged: the rule is not tried (and the failure not repeated) until the value changes to it.
    const version = (await t.db.selectFrom('records').select('version').where('id', '=', id).executeTakeFirstOrThrow()).version;
    const again = await ana.post(`/admin/m/contacts/${id}`, {
      last_name: 'Interno',
      email: 'interno@acme.example',
      department: 'Customer',
      __version: String(version),
    });
    expect(again.headers.get('Location')).toBe(`/admin/m/contacts/${id}?saved=1`);
    await jobsSettled();
    expect(await t.db.selectFrom('invitation_results').select('id').where('record_id', '=', id).execute()).toHaveLength(1);
  });

  it('are deleted from the same page', async () => {
    const rule = await t.db.selectFrom('auto_invite_rules').select('id').executeTakeFirstOrThrow();
    expect((await ana.post(`${rulesPath()}/${rule.id}/delete`, {})).status).toBe(303);
    const res = await ana.post('/admin/m/contacts', { last_name: 'Nadie', email: 'nadie@globex.example', department: 'Customer' });
    expect(res.headers.get('Location')).not.toContain('autoInvite');
  });
});

describe('converting a lead that is a portal user', () => {
  let leadId = '';
  let userId = '';
  let token = '';
  beforeAll(async () => {
    leadId = await lead({ first_name: 'Nora', last_name: 'Lead', email: 'nora@prospect.example', company: 'Nora Ltd' });
    userId = await invite(leadId, types.prospects);
    await accept(userId);
    token = generateSessionToken();
    await createSession(t.db, token, { kind: 'portal', id: userId }, 30);
  });

  it('asks which contact-based user type receives them, and requires it', async () => {
    const form = await (await ana.get(`/admin/m/leads/${leadId}/convert`)).text();
    expect(form).toContain('This lead is a portal user of Acme Care as «Prospects».');
    expect(form).toContain('name="portal_type"');
    expect(form).toContain(`<option value="${types.vip}">VIP</option>`);
    expect(form).not.toContain(`<option value="${types.prospects}">`);
    const refused = await ana.post(`/admin/m/leads/${leadId}/convert`, { account_mode: 'none', portal_type: '' });
    expect(refused.status).toBe(422);
    expect(await refused.text()).toContain('Choose the user type the contact will have in the portal.');
    expect((await t.db.selectFrom('records').select('converted_at').where('id', '=', leadId).executeTakeFirstOrThrow()).converted_at).toBeNull();
    expect(await ana.post(`/admin/m/leads/${leadId}/convert`, { account_mode: 'none', portal_type: types.prospects }).then((r) => r.status)).toBe(422);
  });

  it('moves the same portal user to the new contact and the chosen type, keeping password and sessions', async () => {
    const before = await t.db.selectFrom('portal_users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow();
    const res = await ana.post(`/admin/m/leads/${leadId}/convert`, { account_mode: 'none', portal_type: types.vip });
    expect(res.status).toBe(303);
    const contactId = /contacts\/([0-9a-f-]{36})/.exec(res.headers.get('Location') ?? '')?.[1] ?? '';
    const after = await t.db.selectFrom('portal_users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow();
    expect(after).toMatchObject({ record_id: contactId, user_type_id: types.vip, password_hash: before.password_hash, status: 'active', email: before.email });
    expect(await validateSessionToken(t.db, token, 30)).toBeDefined();
    const entry = await t.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'portal_user.converted')
      .where('target_id', '=', userId)
      .executeTakeFirstOrThrow();
    expect(entry.actor_id).toBe(anaId);
    expect(entry.details).toMatchObject({ fromRecordId: leadId, toRecordId: contactId, fromTypeId: types.prospects, toTypeId: types.vip });
    const contactPage = await textOf(await ana.get(`/admin/m/contacts/${contactId}`));
    expect(contactPage).toContain('VIP');
  });
});

describe('records a portal user creates', () => {
  it('belong to the staff user who invited them, and name the portal user as creator', async () => {
    const owner = await contact({ first_name: 'Olga', last_name: 'Owner', email: 'olga@globex.example' });
    const olgaUser = await invite(owner);
    const row = await createRecord(t.db, { kind: 'portal', id: olgaUser, ownerId: anaId }, contacts, {
      data: { last_name: 'Created in the portal' },
      layoutId: contacts.defaultLayout?.id ?? null,
      // Whatever the caller passes, a portal user's record goes to their inviter.
      ownerId: paulaId,
    });
    expect(row.owner_id).toBe(anaId);
    expect(row.created_by_portal_user_id).toBe(olgaUser);
    expect(row.created_by_staff_id).toBeNull();
  });
});
