import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/auth/passwords.js';
import { createSession, generateSessionToken, validateSessionToken } from '../../src/auth/sessions.js';
import { findInvitation } from '../../src/invitations/tokens.js';
import { listPortalUsers } from '../../src/portals/portal-users.js';
import { browserClient } from '../support/app.js';
import {
  accept,
  ana,
  anaId,
  contact,
  invite,
  mailsTo,
  paula,
  paulaId,
  portalId,
  startPortalUsersWorld,
  stopPortalUsersWorld,
  t,
  textOf,
  tokenIn,
  types,
  userOf,
  usersPath,
} from '../support/portal-users-world.js';

// Portal users managed by staff: inviting one record from its page, the Users tab
// of a portal (list, deactivate, resend, remove, change type) and the portal desk
// that manages users without configuring portals.

beforeAll(startPortalUsersWorld);
afterAll(stopPortalUsersWorld);

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
