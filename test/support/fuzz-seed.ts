import { sendPortalPasswordReset } from '../../src/auth/password-reset.js';
import { addField } from '../../src/crm/field-admin.js';
import { removeField } from '../../src/crm/field-removal.js';
import { createImport } from '../../src/crm/import.js';
import { createLayout } from '../../src/crm/layout-admin.js';
import { loadModuleMeta, type ModuleMeta } from '../../src/crm/metadata.js';
import { createProfile } from '../../src/crm/profiles.js';
import { createRecord } from '../../src/crm/records.js';
import { issueInvitation } from '../../src/invitations/tokens.js';
import { saveTabs, tabForm, tabOptions } from '../../src/portals/tabs.js';
import { addWebTab } from '../../src/portals/web-tabs.js';
import { fileRequest } from '../../src/privacy/requests.js';
import type { TestApp } from './app.js';
import { seedStandardUser } from './fixtures.js';
import { addPortalUser, carla, HELP, type PortalWorld } from './portal-world.js';

// The world the route fuzz (test/integration/fuzz-*.test.ts) starts from, beyond
// the portal fixture: one of each thing a route is about, and the addresses of
// those things the pages do not link to.

export const ORIGIN = 'http://porta.test';
/** Carla reads her portal in Spanish; Ana, the staff admin, has no preference (the organization's English). */
export const CARLA_LANGUAGE = 'es';
/** A signed-out visitor whose browser chose French with the switcher. */
export const VISITOR_LANGUAGE = 'fr';

/** Ids of the things the world has one of, so routes about them have a real one to start from. */
export type Extras = Record<
  'lead' | 'bruno' | 'profile' | 'webTab' | 'importId' | 'batch' | 'email' | 'resetToken' | 'inviteToken' | 'privacy' | 'layout' | 'field',
  string
>;

/** More of a world than the portal fixture: tabs that write, a data-privacy request, a lead, a second staff user, an import… */
export async function enrichWorld(t: TestApp, w: PortalWorld, carlaId: string): Promise<Extras> {
  const staff = w.staff;
  const type = w.helpTypeId;
  const tabs = tabForm((await tabOptions(t.db, type)) ?? [], {
    contacts: { edit: true },
    cases: { create: true, edit: true, delete: true, notes: 'add', attachments: 'add' },
  });
  if (!(await saveTabs(t.db, staff, type, tabs)).ok) throw new Error('tabs not saved');
  await t.db.updateTable('org').set({ gdpr_enabled: true }).execute();
  const leads = (await loadModuleMeta(t.db, 'leads')) as ModuleMeta;
  const lead = await createRecord(t.db, staff, leads, {
    data: { first_name: 'Lena', last_name: 'Lead', email: 'lena@lead.example', company: 'Lead Co' },
    layoutId: leads.defaultLayout?.id as string,
    ownerId: w.adminId,
  });
  const bruno = await seedStandardUser(t.db);
  const profile = await createProfile(t.db, staff, { name: 'Fuzz reviewers' });
  if (!profile.ok) throw new Error('profile not created');
  if (!(await addWebTab(t.db, staff, type, { name: 'Status page', url: 'https://status.example/' })).ok) throw new Error('web tab not added');
  const webTab = await t.db.selectFrom('web_tabs').select('id').where('user_type_id', '=', type).executeTakeFirstOrThrow();
  const imported = await createImport(t.db, w.adminId, w.contacts, {
    filename: 'contacts.csv',
    content: Buffer.from('first_name,last_name,email\nIvo,Import,ivo@import.example\n'),
  });
  if (!imported.ok) throw new Error('import not created');
  const batch = await t.db
    .insertInto('invitation_batches')
    .values({ portal_id: w.partnersId, user_type_id: w.partnersTypeId, created_by: w.adminId, dry_run: true, total: 0 })
    .returning('id')
    .executeTakeFirstOrThrow();
  await sendPortalPasswordReset(t.db, t.boss, { portalId: w.helpId, email: carla.email }, { baseUrl: ORIGIN });
  const email = await t.db.selectFrom('email_outbox').select(['id', 'text']).executeTakeFirstOrThrow();
  const resetToken = /password\/reset\/([a-z2-7]{32})/.exec(email.text)?.[1] ?? '';
  const erin = await addPortalUser(t, w, { email: 'erin@partner.example', recordId: w.records.erin, status: 'invited' });
  const { token: inviteToken } = await issueInvitation(t.db, erin, w.adminId);
  const filed = await fileRequest(
    t.db,
    { boss: t.boss, baseUrl: ORIGIN },
    { recordId: w.records.carla, kind: 'export', details: '', requester: { kind: 'portal', id: carlaId, language: CARLA_LANGUAGE } },
  );
  if (!filed.ok) throw new Error(`privacy request not filed: ${filed.problem}`);
  const layout = await createLayout(t.db, leads, { labels: { en: 'Fuzz layout' } });
  if (!layout.ok) throw new Error('layout not created');
  const field = await addField(t.db, leads, { type: 'text', labels: { en: 'Fuzz field' }, required: false, values: [] });
  if (!field.ok) throw new Error('field not added');
  const removed = await removeField(t.db, (await loadModuleMeta(t.db, 'leads')) as ModuleMeta, field.value);
  if (!removed.ok) throw new Error('field not removed');
  await t.db.updateTable('records').set({ deleted_at: new Date() }).where('id', '=', w.records.fred).execute();
  return {
    lead: lead.id,
    bruno: bruno.id,
    profile: profile.profile.id,
    webTab: webTab.id,
    importId: imported.id,
    batch: batch.id,
    email: email.id,
    resetToken,
    inviteToken,
    privacy: filed.request.id,
    layout: layout.value.id,
    field: field.value.id,
  };
}

/** Addresses the pages do not link to (tokens, staff-only objects, preview pages), built from the world's ids. */
export function samplePaths(w: PortalWorld, carlaId: string, x: Extras): string[] {
  const r = w.records;
  const caseAt = (base: string) => [
    `${base}/m/cases`,
    `${base}/m/cases/new`,
    `${base}/m/cases/suggest`,
    `${base}/m/cases/lookup/contact`,
    `${base}/tabs/${x.webTab}`,
    ...['', '/edit', '/delete', '/notes', '/attachments', '/close', '/reopen', `/files/${w.carlaFile}`].map((end) => `${base}/m/cases/${r.carlaCase1}${end}`),
  ];
  const privacy = `/admin/privacy/requests/${x.privacy}`;
  const imports = `/admin/m/contacts/import/${x.importId}`;
  const batch = `/admin/settings/portals/${w.partnersId}/invite/batches/${x.batch}`;
  const partners = `/admin/settings/portals/${w.partnersId}`;
  return [
    ...caseAt(HELP),
    ...caseAt(`/admin/settings/portals/preview/type/${w.helpTypeId}/${r.carla}`),
    ...caseAt(`/admin/settings/portals/preview/user/${carlaId}`),
    `/admin/settings/portals/preview/type/${w.helpTypeId}/${r.carla}`,
    `/admin/settings/portals/preview/user/${carlaId}`,
    `${HELP}/privacy`,
    `${HELP}/privacy/requests/${x.privacy}`,
    `${HELP}/privacy/requests/${x.privacy}/archive`,
    `${HELP}/password/reset/${x.resetToken}`,
    `${HELP}/invite/${x.inviteToken}`,
    `/admin/m/leads/${x.lead}/convert`,
    ...['', '/mapping', '/report', '/start', '/progress'].map((end) => imports + end),
    `/admin/outbox/${x.email}`,
    `/admin/outbox/${x.email}/html`,
    ...['', '/accept', '/reject', '/extend', '/complete', '/rectify', '/archive'].map((end) => privacy + end),
    ...['', '/progress', '/failed', '/outcomes.csv'].map((end) => batch + end),
    `/admin/settings/profiles/${x.profile}/delete`,
    ...['/profile', '/deactivate', '/reactivate'].map((end) => `/admin/settings/users/${x.bruno}${end}`),
    ...['/restore', '/purge'].map((end) => `/admin/settings/modules/leads/fields/${x.field}${end}`),
    ...['/default', '/delete'].map((end) => `/admin/settings/modules/leads/layouts/${x.layout}${end}`),
    `/admin/settings/portals/types/${w.helpTypeId}/web-tabs/${x.webTab}/remove`,
    `/admin/m/cases/${r.carlaCase1}/attachments/${w.carlaFile}`,
    `/admin/m/contacts/${r.fred}/restore`,
    `/admin/m/contacts/${r.fred}/purge`,
    `/admin/m/contacts/${r.erin}/portal-invitation`,
    `${partners}/types/${w.partnersTypeId}/delete`,
    `${partners}/types/${w.partnersTypeId}/auto-invite`,
    `${partners}/invitation-email/reset`,
  ];
}
