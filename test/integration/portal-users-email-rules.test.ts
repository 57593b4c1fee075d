import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession, generateSessionToken, validateSessionToken } from '../../src/auth/sessions.js';
import { createRecord } from '../../src/crm/records.js';
import { QUEUES } from '../../src/jobs/queues.js';
import {
  accept,
  ana,
  anaId,
  contact,
  contacts,
  invite,
  lead,
  mailsTo,
  paulaId,
  portalId,
  startPortalUsersWorld,
  stopPortalUsersWorld,
  t,
  textOf,
  types,
  userOf,
} from '../support/portal-users-world.js';
import { waitFor } from '../support/wait.js';

// Portal users beyond one invitation: the portal's invitation email wording,
// automatic invitation rules run by the worker, converting a lead that is a
// portal user, and the owner of records a portal user creates.

beforeAll(startPortalUsersWorld);
afterAll(stopPortalUsersWorld);

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
