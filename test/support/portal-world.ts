import { randomUUID } from 'node:crypto';
import { hashPassword } from '../../src/auth/passwords.js';
import { loadModuleMeta, type ModuleMeta } from '../../src/crm/metadata.js';
import { addAttachment } from '../../src/crm/notes.js';
import { type Actor, createRecord, type RecordData } from '../../src/crm/records.js';
import type { PortalUserStatus } from '../../src/db/schema.js';
import { saveFieldPermissions } from '../../src/portals/field-permissions.js';
import { createPortal } from '../../src/portals/portals.js';
import { saveTabs, tabForm, tabOptions } from '../../src/portals/tabs.js';
import type { TestApp } from './app.js';
import { seedAcme } from './fixtures.js';

/**
 * Acme's "Acme Help" portal (/p/acme-help): the default user type shows the
 * user's own contact and the cases linked to it, with a few fields visible;
 * a second portal, "Partners" (/p/partners), for crossing between portals.
 * Carla and Dora are contacts with cases of their own.
 */
export type PortalWorld = {
  adminId: string;
  staff: Actor;
  helpId: string;
  helpTypeId: string;
  partnersId: string;
  partnersTypeId: string;
  contacts: ModuleMeta;
  cases: ModuleMeta;
  records: Record<'carla' | 'dora' | 'erin' | 'fred' | 'gina' | 'carlaCase1' | 'carlaCase2' | 'doraCase', string>;
  carlaFile: string;
};

export const HELP = '/p/acme-help';
export const PARTNERS = '/p/partners';
export const carla = { email: 'carla@globex.example', password: 'Carla-Portal-2027' };

export async function seedPortalWorld(t: TestApp): Promise<PortalWorld> {
  const adminId = (await seedAcme(t.db)).admin.id;
  const staff: Actor = { kind: 'staff', id: adminId };
  const contacts = (await loadModuleMeta(t.db, 'contacts')) as ModuleMeta;
  const cases = (await loadModuleMeta(t.db, 'cases')) as ModuleMeta;
  const layout = (meta: ModuleMeta) => meta.defaultLayout?.id as string;
  const rec = async (meta: ModuleMeta, data: RecordData) => (await createRecord(t.db, staff, meta, { data, layoutId: layout(meta), ownerId: adminId })).id;

  const portal = async (name: string, slug: string) => {
    const created = await createPortal(t.db, staff, { name, slug });
    if (!created.ok) throw new Error(`portal ${name} not created`);
    const type = await t.db.selectFrom('portal_user_types').select('id').where('portal_id', '=', created.portal.id).executeTakeFirstOrThrow();
    const input = tabForm((await tabOptions(t.db, type.id)) ?? [], { contacts: {}, cases: { attachments: 'view' } });
    const saved = await saveTabs(t.db, staff, type.id, input);
    if (!saved.ok) throw new Error(`tabs of ${name} not saved`);
    const perms = async (meta: ModuleMeta, visible: string[]) => {
      const rows = meta.fields.map((f) => ({ fieldId: f.id, visible: visible.includes(f.api_name), readOnly: false }));
      const result = await saveFieldPermissions(t.db, staff, type.id, meta.module.id, layout(meta), rows);
      if (!result.ok) throw new Error('field permissions not saved');
    };
    await perms(contacts, ['first_name', 'last_name', 'email']);
    await perms(cases, ['subject', 'status', 'contact']);
    return { portalId: created.portal.id, typeId: type.id };
  };
  const help = await portal('Acme Help', 'acme-help');
  const partners = await portal('Partners', 'partners');

  const records = {} as PortalWorld['records'];
  records.carla = await rec(contacts, { first_name: 'Carla', last_name: 'Núñez', email: carla.email });
  records.dora = await rec(contacts, { first_name: 'Dora', last_name: 'Ortiz', email: 'dora@initech.example' });
  records.erin = await rec(contacts, { first_name: 'Erin', last_name: 'Partner', email: 'erin@partner.example' });
  records.fred = await rec(contacts, { first_name: 'Fred', last_name: 'Gone', email: 'fred@gone.example' });
  records.gina = await rec(contacts, { first_name: 'Gina', last_name: 'Secure', email: 'gina@secure.example' });
  records.carlaCase1 = await rec(cases, { subject: 'Printer jam', status: 'open', description: 'Secret staff analysis', contact: records.carla });
  records.carlaCase2 = await rec(cases, { subject: 'Invoice copy', status: 'waiting', contact: records.carla });
  records.doraCase = await rec(cases, { subject: 'Dora’s outage', status: 'open', contact: records.dora });
  const carlaFile = await addAttachment(
    t.db,
    records.carlaCase1,
    staff,
    { name: 'manual.txt', type: 'text/plain', bytes: new TextEncoder().encode('drum manual') },
    false,
  );
  return {
    adminId,
    staff,
    helpId: help.portalId,
    helpTypeId: help.typeId,
    partnersId: partners.portalId,
    partnersTypeId: partners.typeId,
    contacts,
    cases,
    records,
    carlaFile,
  };
}

/** A portal user as an accepted (or invited, deactivated…) account would be stored. */
export async function addPortalUser(
  t: TestApp,
  w: PortalWorld,
  opts: { email: string; recordId: string; status: PortalUserStatus; password?: string; portal?: 'help' | 'partners'; language?: string },
): Promise<string> {
  const id = randomUUID();
  const partners = opts.portal === 'partners';
  await t.db
    .insertInto('portal_users')
    .values({
      id,
      portal_id: partners ? w.partnersId : w.helpId,
      user_type_id: partners ? w.partnersTypeId : w.helpTypeId,
      record_id: opts.recordId,
      email: opts.email,
      password_hash: opts.password ? await hashPassword(opts.password) : null,
      status: opts.status,
      invited_by: w.adminId,
      language: opts.language ?? null,
      activated_at: opts.status === 'active' ? new Date() : null,
    })
    .execute();
  return id;
}
