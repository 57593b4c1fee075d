import { expect } from 'vitest';
import { profileId } from '../../src/auth/staff.js';
import { createStaffUser } from '../../src/auth/staff-admin.js';
import { addField } from '../../src/crm/field-admin.js';
import { loadModuleMeta, loadModuleMetaById, type ModuleMeta } from '../../src/crm/metadata.js';
import { createCustomModule } from '../../src/crm/module-admin.js';
import { addAttachment, addNote } from '../../src/crm/notes.js';
import { type Actor, createRecord, type RecordData, validateRecordInput } from '../../src/crm/records.js';
import { addIndicator } from '../../src/dashboards/indicators.js';
import type { Field } from '../../src/db/schema.js';
import { inviteRecord } from '../../src/invitations/invite.js';
import { checkTemplate, saveTemplate } from '../../src/invitations/templates.js';
import { saveCanvasDesign } from '../../src/portals/canvas.js';
import { saveFieldPermissions } from '../../src/portals/field-permissions.js';
import { createPortal } from '../../src/portals/portals.js';
import { saveTabs, tabForm, tabOptions } from '../../src/portals/tabs.js';
import { addUserType, saveUserTypeSettings } from '../../src/portals/user-types.js';
import { acme, seedAcme } from './fixtures.js';
import type { TestServer } from './server.js';
import { ALL_PAYLOADS, PAYLOADS as P } from './xss.js';

// The world the stored-markup browser tests share: markup typed into every
// place Porta keeps text — records of every field type, notes, file names,
// module and field labels, portal and user-type names, tab names, the
// invitation email — seeded through the same functions the staff forms call.

const SLUG = 'xss';
export const BASE = `/p/${SLUG}`;
/** Staff name the customer's record with markup; the customer then gives their last name in markup through the portal. */
export const customer = { first: P[0], last: P[4], email: 'xss.customer@globex.example', password: 'Xss-Customer-2027' };
export const customerName = `${customer.first} ${customer.last}`;
/** Addresses a url field accepts although they carry quotes and markup: they stay inside their attribute. */
export const QUOTED_URLS = [
  'https://x.example/"><img src=x onerror="window.__xss=1">',
  "https://x.example/' onmouseover='window.__xss=1",
  'https://x.example/?q=" hx-get="/admin/logout" hx-trigger="load',
];
export const WEB_TAB_URL = 'https://status.example/"><img src=x onerror="window.__xss=1">';
export const fileNames = P.map((p) => `${p}.txt`);
export const caseSubjects = [P.slice(0, 4).join(' '), P.slice(4).join(' ')];

export type World = {
  adminId: string;
  colleague: { id: string; name: string };
  custom: ModuleMeta;
  fields: Record<'text' | 'textarea' | 'email' | 'url' | 'phone' | 'number' | 'picklist' | 'lookup', Field>;
  records: string[];
  contact: string;
  portalId: string;
  typeId: string;
  otherTypeId: string;
  portalUserId: string;
  cases: string[];
};

/** Seeds the world into `w`, which each test file owns. */
export async function seedStoredXss(server: TestServer, w: World) {
  const { db } = server;
  const { admin } = await seedAcme(db);
  w.adminId = admin.id;
  const staff: Actor = { kind: 'staff', id: admin.id };
  const colleague = await createStaffUser(
    db,
    server.boss,
    staff,
    { name: P[1], email: 'colleague@acme.example', profileId: await profileId(db, 'standard'), language: null, password: 'Colleague-Pass-2027' },
    { orgName: acme.org.name, defaultLanguage: 'en', baseUrl: server.url, addedBy: acme.admin.name },
  );
  if (!colleague.ok) throw new Error('colleague not created');
  w.colleague = { id: colleague.staff.id, name: colleague.staff.name };

  // Metadata: a module named with markup, and a field of every kind labelled with it.
  const contacts = (await loadModuleMeta(db, 'contacts')) as ModuleMeta;
  const cases = (await loadModuleMeta(db, 'cases')) as ModuleMeta;
  const created = await createCustomModule(db, { singular: { en: P[2] }, plural: { en: P[1] } });
  if (!created.ok) throw new Error(`module not created: ${JSON.stringify(created.errors)}`);
  const reload = async () => (await loadModuleMetaById(db, created.value.id)) as ModuleMeta;
  let custom = await reload();
  const add = async (type: string, label: string, extra: Partial<Parameters<typeof addField>[2]> = {}) => {
    const result = await addField(db, custom, {
      type,
      labels: { en: label },
      required: false,
      values: [],
      layoutIds: custom.layouts.map((l) => l.id),
      ...extra,
    });
    if (!result.ok) throw new Error(`${type} field not added: ${JSON.stringify(result.errors)}`);
    custom = await reload();
    return result.value;
  };
  w.fields = {
    text: await add('text', P[0]),
    textarea: await add('textarea', P[1]),
    email: await add('email', P[2]),
    url: await add('url', P[3]),
    phone: await add('phone', P[4]),
    number: await add('number', P[5]),
    picklist: await add('picklist', P[6], { values: P.map((p) => ({ labels: { en: p } })) }),
    lookup: await add('lookup', 'Contact', { targetModuleId: contacts.module.id }),
  };
  w.custom = custom;

  // The portal user's own record: their name is markup.
  const rec = async (m: ModuleMeta, data: RecordData, ownerId = admin.id) =>
    (await createRecord(db, staff, m, { data, layoutId: m.defaultLayout?.id as string, ownerId })).id;
  w.contact = await rec(contacts, { first_name: customer.first, last_name: 'Customer', email: customer.email });

  // Records through the same validation as the staff form; one per payload, each field holding it.
  const picklistValues = w.fields.picklist.options.values ?? [];
  w.records = [];
  for (const [i, p] of P.entries()) {
    const input = {
      name: p,
      [w.fields.text.api_name]: p,
      [w.fields.textarea.api_name]: ALL_PAYLOADS,
      [w.fields.email.api_name]: `record${i}@globex.example`,
      [w.fields.url.api_name]: QUOTED_URLS[i % QUOTED_URLS.length] as string,
      [w.fields.phone.api_name]: '+34 600 000 000',
      [w.fields.number.api_name]: String(i),
      [w.fields.picklist.api_name]: picklistValues[i]?.value ?? '',
      [w.fields.lookup.api_name]: { text: '', id: w.contact },
    };
    const checked = await validateRecordInput(db, custom, custom.fields, input, { timeZone: acme.org.time_zone });
    if (!checked.ok) throw new Error(`record ${i} refused: ${JSON.stringify(checked.errors)}`);
    w.records.push(await rec(custom, checked.data, i % 2 === 0 ? admin.id : w.colleague.id));
  }
  const [first] = w.records as [string];
  await addNote(db, first, { kind: 'staff', id: admin.id }, ALL_PAYLOADS, false);
  for (const name of fileNames)
    await addAttachment(db, first, { kind: 'staff', id: admin.id }, { name, type: 'text/plain', bytes: new TextEncoder().encode('text') }, false);

  // The portal, its user types, tabs, field permissions, cards and dashboard.
  const portal = await createPortal(db, staff, { name: P[4], slug: SLUG });
  if (!portal.ok) throw new Error('portal not created');
  w.portalId = portal.portal.id;
  const defaultType = await db.selectFrom('portal_user_types').selectAll().where('portal_id', '=', w.portalId).executeTakeFirstOrThrow();
  w.typeId = defaultType.id;
  expect((await saveUserTypeSettings(db, staff, defaultType, { name: P[6] })).ok).toBe(true);
  const other = await addUserType(db, staff, w.portalId, { name: P[0], baseModuleId: contacts.module.id });
  if (!other.ok) throw new Error('second type not added');
  w.otherTypeId = other.type.id;
  expect(
    await saveCanvasDesign(db, staff, custom.module.id, custom.fields, {
      titleFieldId: custom.byName.get('name')?.id ?? null,
      subtitleFieldIds: [w.fields.text.id, w.fields.url.id, w.fields.lookup.id],
      badgeFieldId: w.fields.picklist.id,
    }),
  ).toEqual({ ok: true });
  const tabs = tabForm((await tabOptions(db, w.typeId)) ?? [], {
    contacts: { edit: true },
    cases: { create: true, edit: true, notes: 'add', attachments: 'add' },
    [custom.module.api_name]: { viewMode: 'canvas', notes: 'view', attachments: 'view', labels: { en: P[2] } },
  });
  expect(await saveTabs(db, staff, w.typeId, tabs)).toEqual({ ok: true });
  const perms = async (m: ModuleMeta, visible: string[] | 'all', readOnly: string[] = []) => {
    const rows = m.fields.map((f) => ({ fieldId: f.id, visible: visible === 'all' || visible.includes(f.api_name), readOnly: readOnly.includes(f.api_name) }));
    expect((await saveFieldPermissions(db, staff, w.typeId, m.module.id, m.defaultLayout?.id as string, rows)).ok).toBe(true);
  };
  await perms(contacts, ['first_name', 'last_name', 'email']);
  await perms(cases, ['subject', 'description', 'status', 'contact'], ['status']);
  await perms(custom, 'all');
  expect(await addIndicator(db, staff, w.typeId, { moduleId: custom.module.id, measure: 'count', sumFieldId: '', groupBy: w.fields.picklist.id })).toEqual({
    ok: true,
  });

  // The invitation email, in the portal's own words (a placeholder that is not one is refused).
  expect(checkTemplate({ subject: P[5], body: P[5] }).body?.key).toBe('portalusers:email.errors.unknownPlaceholders');
  expect(await saveTemplate(db, admin.id, w.portalId, 'en', { subject: P[5], body: P[5] })).toMatchObject({ ok: false });
  const body = [`Hello {{name}}`, ...P.filter((p) => p !== P[5])].join('\n\n');
  expect(await saveTemplate(db, admin.id, w.portalId, 'en', { subject: `{{name}} ${P[1]}`, body })).toEqual({ ok: true });
  const invited = await inviteRecord({ db, boss: server.boss, baseUrl: server.url }, { userTypeId: w.typeId, staffId: admin.id, recordId: w.contact });
  if (invited.outcome !== 'sent') throw new Error(`invitation not sent: ${JSON.stringify(invited)}`);
  w.portalUserId = invited.portalUserId;
  w.cases = [];
}
