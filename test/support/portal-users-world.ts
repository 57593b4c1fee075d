import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { hashPassword } from '../../src/auth/passwords.js';
import { loadModuleMeta, type ModuleMeta } from '../../src/crm/metadata.js';
import { createRecord, type RecordData } from '../../src/crm/records.js';
import { type InviteDeps, inviteRecord } from '../../src/invitations/invite.js';
import { createPortal } from '../../src/portals/portals.js';
import { addUserType } from '../../src/portals/user-types.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from './app.js';
import { acme, seedAcme } from './fixtures.js';

/**
 * The world of the portal-user suites: Acme with its "Acme Care" portal and
 * four user types, Ana (administrator) and Paula (portal desk) signed in.
 * Each test file calls startPortalUsersWorld in its beforeAll and
 * stopPortalUsersWorld in its afterAll; the bindings below are live.
 */
export let t: TestApp;
export let deps: InviteDeps;
export let ana: BrowserClient;
export let anaId: string;
export let paula: BrowserClient;
export let paulaId: string;
export let contacts: ModuleMeta;
export let leads: ModuleMeta;
export let portalId: string;
/** The default type (contacts), a contact type with one licence, an unlimited contact type, a lead type. */
export const types = { customers: '', partners: '', vip: '', prospects: '' };

/** Paula runs the portal desk: she manages portal users, not portals, and reads Spanish. */
export const paulaLogin = { email: 'paula@acme.example', password: 'Portal-Desk-2025' };

export async function startPortalUsersWorld() {
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
}
export const stopPortalUsersWorld = () => t.close();

export const contact = async (data: RecordData, owner = anaId) =>
  (await createRecord(t.db, { kind: 'staff', id: owner }, contacts, { data, layoutId: contacts.defaultLayout?.id ?? null, ownerId: owner })).id;
export const lead = async (data: RecordData) =>
  (await createRecord(t.db, { kind: 'staff', id: anaId }, leads, { data, layoutId: leads.defaultLayout?.id ?? null, ownerId: anaId })).id;
export const userOf = (recordId: string) => t.db.selectFrom('portal_users').selectAll().where('record_id', '=', recordId).executeTakeFirst();
export const invite = async (recordId: string, userTypeId = types.customers) => {
  const outcome = await inviteRecord(deps, { recordId, userTypeId, staffId: anaId });
  if (outcome.outcome !== 'sent') throw new Error(`not sent: ${JSON.stringify(outcome)}`);
  return outcome.portalUserId;
};
/** The person followed their link: a password and an active account. */
export const accept = (portalUserId: string) =>
  t.db
    .updateTable('portal_users')
    .set({ status: 'active', password_hash: 'argon2-hash-of-their-password', activated_at: new Date() })
    .where('id', '=', portalUserId)
    .execute();
export const tokenIn = (text: string) => /\/invite\/([a-z2-7]+)/.exec(text)?.[1] ?? '';
export const mailsTo = (address: string) => t.db.selectFrom('email_outbox').selectAll().where('to_address', '=', address).orderBy('created_at').execute();
export const usersPath = () => `/admin/settings/portals/${portalId}/users`;
/** Text of a page with tags dropped, for sentences that span markup. */
export const textOf = async (res: Response) =>
  (await res.text())
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, ' ');
