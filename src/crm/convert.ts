import { sql, type Transaction } from 'kysely';
import type { PgBoss } from 'pg-boss';
import { audit } from '../audit/audit.js';
import type { SignedInStaff } from '../auth/staff.js';
import type { Database } from '../db/database.js';
import type { CrmRecord, DB, Field, PortalUserStatus } from '../db/schema.js';
import { isUuid } from '../http/input.js';
import { licencesUsed } from '../portals/user-types.js';
import type { RawValue, StoredValue } from './field-types.js';
import { loadModuleMeta, type ModuleMeta } from './metadata.js';
import { type Actor, createRecordIn, findRecord, type LookupInput, logChange, type RecordData, validateRecordInput } from './records.js';
import { type ModulePermissions, mayModify, modulePermissions, staffRecordScope } from './staff-access.js';

export type AccountChoice = { mode: 'create'; name: string } | { mode: 'existing'; account: LookupInput } | { mode: 'none' };

/** Submitted deal values by the deal field's api name. */
export type DealInput = Record<string, RawValue>;

export type ConversionRequest = {
  leadId: string;
  account: AccountChoice;
  deal?: DealInput | undefined;
  /** When the lead is a portal user: the contact-based type of the same portal they become. */
  portalUserTypeId?: string | undefined;
};

/** The portal user a lead is, who moves to the contact on conversion. */
export type ConversionPortalUser = { id: string; portalId: string; portalName: string; typeName: string; status: PortalUserStatus };

export type ConversionModules = { leads: ModuleMeta; contacts: ModuleMeta; accounts: ModuleMeta; deals: ModuleMeta };

export type ConversionSetup = ConversionModules & {
  lead: CrmRecord;
  leadPermissions: ModulePermissions;
  may: { createAccount: boolean; linkAccount: boolean; createDeal: boolean };
  /** The deal fields the conversion form asks for; account and contact are filled in by the conversion. */
  dealFields: Field[];
  portalUser: ConversionPortalUser | undefined;
  /** Contact-based user types of the portal user's portal: one of them receives the user. */
  portalTypes: { id: string; name: string }[];
};

export type ConversionRefusal = { ok: false; reason: 'not_found' | 'forbidden' } | { ok: false; reason: 'converted'; lead: CrmRecord };

/**
 * Errors by form field: `account_name`, `existing_account`, `contact` (the lead
 * lacks what a contact requires) and `deal_<field>`; values are locale keys.
 */
export type ConversionErrors = Record<string, string>;

export type ConversionResult =
  | { ok: true; contactId: string; accountId: string | null; dealId: string | null }
  | ConversionRefusal
  | { ok: false; reason: 'invalid'; errors: ConversionErrors; setup: ConversionSetup };

/** Lead fields copied to the contact: [lead field, contact field]. */
const CONTACT_MAPPING: [string, string][] = [
  ...[
    'first_name',
    'last_name',
    'email',
    'phone',
    'mobile',
    'title',
    'language',
    'description',
    'processing_basis',
    'consent_status',
    'consent_date',
    'consent_channels',
    'stop_processing',
  ].map((n): [string, string] => [n, n]),
  ['country', 'mailing_country'],
];

/** Lead fields copied to an account made from the lead's company (its name comes from the form). */
const ACCOUNT_MAPPING: [string, string][] = [
  ['website', 'website'],
  ['phone', 'phone'],
  ['annual_revenue', 'annual_revenue'],
  ['country', 'billing_country'],
];

const DEAL_FIELDS = ['name', 'amount', 'stage', 'closing_date'];
const SET_BY_CONVERSION = ['account', 'contact'];

async function loadModules(db: Database): Promise<ConversionModules | undefined> {
  const [leads, contacts, accounts, deals] = await Promise.all(['leads', 'contacts', 'accounts', 'deals'].map((n) => loadModuleMeta(db, n)));
  return leads && contacts && accounts && deals ? { leads, contacts, accounts, deals } : undefined;
}

/**
 * The lead as the user may convert it, with what they may create along with
 * the contact. Converting edits the lead and creates a contact, so both
 * permissions are needed; a lead outside the user's scope is not found.
 */
export async function conversionSetup(db: Database, staff: SignedInStaff, leadId: string): Promise<{ ok: true; setup: ConversionSetup } | ConversionRefusal> {
  const modules = await loadModules(db);
  if (!modules) return { ok: false, reason: 'not_found' };
  const { leads, contacts, accounts, deals } = modules;
  const permsOf = (m: ModuleMeta) => modulePermissions(db, staff, m.module.id);
  const [leadPerms, contactPerms, accountPerms, dealPerms] = await Promise.all([permsOf(leads), permsOf(contacts), permsOf(accounts), permsOf(deals)]);
  if (!leadPerms.view) return { ok: false, reason: 'forbidden' };
  const lead = await findRecord(db, leads, leadId, staffRecordScope(staff, leads.module));
  if (!lead) return { ok: false, reason: 'not_found' };
  if (!contactPerms.create || !mayModify(staff, leads.module, leadPerms, lead, 'edit')) return { ok: false, reason: 'forbidden' };
  if (lead.converted_at) return { ok: false, reason: 'converted', lead };
  const accountLookup = contacts.byName.has('account');
  const { portalUser, portalTypes } = await leadPortalUser(db, lead.id, contacts.module.id);
  return {
    ok: true,
    setup: {
      ...modules,
      lead,
      leadPermissions: leadPerms,
      may: {
        createAccount: accountLookup && accountPerms.create,
        linkAccount: accountLookup && accountPerms.view,
        createDeal: dealPerms.create,
      },
      dealFields: deals.fields.filter(
        (f) =>
          (DEAL_FIELDS.includes(f.api_name) || f.required) &&
          !SET_BY_CONVERSION.includes(f.api_name) &&
          !['lookup', 'subform'].includes(f.type) &&
          !f.options.computed,
      ),
      portalUser,
      portalTypes,
    },
  };
}

/** The portal user the lead is, if any, and the contact-based types of their portal. */
async function leadPortalUser(db: Database, leadId: string, contactsModuleId: string) {
  const portalUser = await db
    .selectFrom('portal_users as u')
    .innerJoin('portals as p', 'p.id', 'u.portal_id')
    .innerJoin('portal_user_types as t', 't.id', 'u.user_type_id')
    .select(['u.id', 'u.portal_id as portalId', 'p.name as portalName', 't.name as typeName', 'u.status'])
    .where('u.record_id', '=', leadId)
    .executeTakeFirst();
  const portalTypes = portalUser
    ? await db
        .selectFrom('portal_user_types')
        .select(['id', 'name'])
        .where('portal_id', '=', portalUser.portalId)
        .where('base_module_id', '=', contactsModuleId)
        .orderBy('is_default', 'desc')
        .orderBy('position')
        .execute()
    : [];
  return { portalUser, portalTypes };
}

function isBlank(v: StoredValue | undefined): boolean {
  return v === undefined || v === null || (typeof v === 'string' && v.trim() === '') || (Array.isArray(v) && v.length === 0);
}

/**
 * Copies values between fields of the same type. A picklist value the target
 * no longer offers is dropped rather than stored as something the form could not show.
 */
function mapFields(from: ModuleMeta, to: ModuleMeta, data: RecordData, pairs: [string, string][]): RecordData {
  const out: RecordData = {};
  for (const [source, target] of pairs) {
    const a = from.byName.get(source);
    const b = to.byName.get(target);
    const value = data[source];
    if (!a || !b || a.type !== b.type || isBlank(value)) continue;
    const offered = new Set((b.options.values ?? []).map((v) => v.value));
    if (b.type === 'picklist' && !offered.has(String(value))) continue;
    out[target] = b.type === 'multiselect' && Array.isArray(value) ? (value as string[]).filter((v) => offered.has(v)) : (value as StoredValue);
  }
  return out;
}

/** Custom fields an admin added to both leads and contacts under the same name travel too. */
function sameNamedCustomFields(leads: ModuleMeta, contacts: ModuleMeta): [string, string][] {
  return leads.fields
    .filter((f) => f.kind === 'custom' && !['lookup', 'subform'].includes(f.type) && contacts.byName.get(f.api_name)?.kind === 'custom')
    .map((f) => [f.api_name, f.api_name]);
}

function missingRequired(meta: ModuleMeta, data: RecordData, filledLater: string[]): boolean {
  return meta.fields.some((f) => f.required && !f.options.computed && !filledLater.includes(f.api_name) && isBlank(data[f.api_name]));
}

type Validated = {
  errors: ConversionErrors;
  account?: { create: RecordData } | { existing: string };
  deal?: RecordData;
  contact: RecordData;
  portalMove?: PortalMove | undefined;
};

async function validateConversion(
  trx: Transaction<DB>,
  staff: SignedInStaff,
  setup: ConversionSetup,
  lead: CrmRecord,
  req: ConversionRequest,
  timeZone: string,
): Promise<Validated> {
  const { leads, contacts, accounts, deals } = setup;
  const leadData = lead.data as RecordData;
  const errors: ConversionErrors = {};
  let account: Validated['account'];
  if (req.account.mode === 'create') {
    const nameField = accounts.byName.get('name');
    const checked = await validateRecordInput(trx, accounts, nameField ? [nameField] : [], { name: req.account.name }, { timeZone });
    if (checked.ok) account = { create: { ...mapFields(leads, accounts, leadData, ACCOUNT_MAPPING), ...checked.data } };
    else errors.account_name = checked.errors.name ?? 'errors:required';
  } else if (req.account.mode === 'existing') {
    const lookup = contacts.byName.get('account') as Field;
    const checked = await validateRecordInput(
      trx,
      contacts,
      [{ ...lookup, required: true }],
      { account: req.account.account },
      {
        timeZone,
        lookupScope: () => staffRecordScope(staff, accounts.module),
      },
    );
    if (checked.ok && typeof checked.data.account === 'string') account = { existing: checked.data.account };
    else errors.existing_account = (!checked.ok && checked.errors.account) || 'errors:required';
  }
  let deal: RecordData | undefined;
  if (req.deal) {
    const checked = await validateRecordInput(trx, deals, setup.dealFields, req.deal, { timeZone });
    if (checked.ok) deal = checked.data;
    else for (const [field, key] of Object.entries(checked.errors)) errors[`deal_${field}`] = key;
  }
  const contact = mapFields(leads, contacts, leadData, [...CONTACT_MAPPING, ...sameNamedCustomFields(leads, contacts)]);
  if (missingRequired(contacts, contact, req.account.mode === 'none' ? [] : ['account'])) errors.contact = 'convert:errors.contactIncomplete';
  const portal = await checkPortalUserMove(trx, setup, lead, req.portalUserTypeId);
  if (portal.error) errors.portal_type = portal.error;
  return { errors, account, deal, contact, portalMove: portal.move };
}

type PortalMove = { userId: string; fromTypeId: string; toTypeId: string };

/**
 * A lead that is a portal user needs a contact-based type of the same portal
 * to receive them, with a free licence when they hold one. Read under lock,
 * with the lead's row, so the check holds until the move is written.
 */
async function checkPortalUserMove(
  trx: Transaction<DB>,
  setup: ConversionSetup,
  lead: CrmRecord,
  typeId: string | undefined,
): Promise<{ move?: PortalMove; error?: string }> {
  const user = await trx
    .selectFrom('portal_users')
    .select(['id', 'portal_id', 'user_type_id', 'status'])
    .where('record_id', '=', lead.id)
    .forUpdate()
    .executeTakeFirst();
  if (!user) return {};
  const target =
    typeId && isUuid(typeId)
      ? await trx
          .selectFrom('portal_user_types')
          .select(['id', 'user_limit'])
          .where('id', '=', typeId)
          .where('portal_id', '=', user.portal_id)
          .where('base_module_id', '=', setup.contacts.module.id)
          .forUpdate()
          .executeTakeFirst()
      : undefined;
  if (!target) return { error: setup.portalTypes.length ? 'portalusers:convert.typeRequired' : 'portalusers:convert.noType' };
  const holdsLicence = user.status === 'invited' || user.status === 'active';
  if (holdsLicence && target.id !== user.user_type_id && (await licencesUsed(trx, target.id)) >= target.user_limit) {
    return { error: 'portalusers:convert.typeFull' };
  }
  return { move: { userId: user.id, fromTypeId: user.user_type_id, toTypeId: target.id } };
}

/** `jobs`: where what follows the new records (automatic invitations) is queued, in the conversion's transaction. */
export type ConversionOptions = { timeZone: string; jobs?: PgBoss | undefined };

/**
 * Converts a lead, all or nothing: the contact (and the account and deal the
 * user asked for) are created, the lead's notes and attachments move to the
 * contact, and the lead is marked converted and linked to it. The lead row is
 * locked first, so two people converting it at once make one contact.
 */
export async function convertLead(db: Database, staff: SignedInStaff, req: ConversionRequest, opts: ConversionOptions): Promise<ConversionResult> {
  const prepared = await conversionSetup(db, staff, req.leadId);
  if (!prepared.ok) return prepared;
  const { setup } = prepared;
  const { leads, contacts, accounts, deals } = setup;
  if (
    (req.account.mode === 'create' && !setup.may.createAccount) ||
    (req.account.mode === 'existing' && !setup.may.linkAccount) ||
    (req.deal && !setup.may.createDeal)
  )
    return { ok: false, reason: 'forbidden' };
  const actor: Actor = { kind: 'staff', id: staff.id };
  const writes = { jobs: opts.jobs };

  return db.transaction().execute(async (trx): Promise<ConversionResult> => {
    const lead = await trx
      .selectFrom('records')
      .selectAll()
      .where('id', '=', setup.lead.id)
      .where('module_id', '=', leads.module.id)
      .where(staffRecordScope(staff, leads.module))
      .forUpdate()
      .executeTakeFirst();
    if (!lead || lead.deleted_at) return { ok: false, reason: 'not_found' };
    if (lead.converted_at) return { ok: false, reason: 'converted', lead };
    // The owner may have changed since the permission was first checked.
    if (!mayModify(staff, leads.module, setup.leadPermissions, lead, 'edit')) return { ok: false, reason: 'forbidden' };

    const checked = await validateConversion(trx, staff, setup, lead, req, opts.timeZone);
    if (Object.keys(checked.errors).length > 0) return { ok: false, reason: 'invalid', errors: checked.errors, setup: { ...setup, lead } };

    const ownerId = lead.owner_id;
    let accountId: string | null = null;
    if (checked.account && 'create' in checked.account) {
      const created = await createRecordIn(
        trx,
        actor,
        accounts,
        { data: checked.account.create, layoutId: accounts.defaultLayout?.id ?? null, ownerId },
        writes,
      );
      accountId = created.id;
    } else if (checked.account) accountId = checked.account.existing;

    const contactData: RecordData = { ...checked.contact, ...(accountId ? { account: accountId } : {}) };
    const contact = await createRecordIn(trx, actor, contacts, { data: contactData, layoutId: contacts.defaultLayout?.id ?? null, ownerId }, writes);

    let dealId: string | null = null;
    if (checked.deal) {
      const dealData: RecordData = { ...checked.deal };
      if (accountId && deals.byName.has('account')) dealData.account = accountId;
      if (deals.byName.has('contact')) dealData.contact = contact.id;
      dealId = (await createRecordIn(trx, actor, deals, { data: dealData, layoutId: deals.defaultLayout?.id ?? null, ownerId }, writes)).id;
    }

    await trx.updateTable('notes').set({ record_id: contact.id }).where('record_id', '=', lead.id).execute();
    await trx.updateTable('attachments').set({ record_id: contact.id }).where('record_id', '=', lead.id).execute();
    await trx
      .updateTable('records')
      .set({ converted_at: sql<Date>`now()`, converted_to: contact.id, updated_at: sql<Date>`now()`, version: sql<number>`version + 1` })
      .where('id', '=', lead.id)
      .execute();
    await logChange(trx, lead.id, actor, 'convert');
    await logChange(trx, contact.id, actor, 'convert');
    const move = checked.portalMove;
    if (move) {
      // Same portal user (id, password, sessions): only their record and type change.
      await trx.updateTable('portal_users').set({ record_id: contact.id, user_type_id: move.toTypeId }).where('id', '=', move.userId).execute();
      await audit(
        trx,
        actor,
        'portal_user.converted',
        { type: 'portal_user', id: move.userId },
        {
          fromRecordId: lead.id,
          toRecordId: contact.id,
          fromTypeId: move.fromTypeId,
          toTypeId: move.toTypeId,
        },
      );
    }
    return { ok: true, contactId: contact.id, accountId, dealId };
  });
}

/** What the form starts with: an account from the company when there is one, and no deal. */
export function conversionDefaults(setup: ConversionSetup): ConversionFormValues {
  const data = setup.lead.data as RecordData;
  const company = typeof data.company === 'string' ? data.company.trim() : '';
  return {
    accountMode: company && setup.may.createAccount ? 'create' : 'none',
    accountName: company,
    existingAccount: '',
    createDeal: false,
    deal: { name: company || setup.lead.display_name },
    portalUserType: setup.portalTypes.length === 1 ? (setup.portalTypes[0]?.id ?? '') : '',
  };
}

export type ConversionFormValues = {
  accountMode: AccountChoice['mode'];
  accountName: string;
  existingAccount: string;
  createDeal: boolean;
  deal: Record<string, unknown>;
  /** The user type chosen for a lead that is a portal user. */
  portalUserType: string;
};
