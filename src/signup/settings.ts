import { type Actor, audit } from '../audit/audit.js';
import { FIELD_TYPES } from '../crm/field-admin.js';
import { loadModuleMetaById } from '../crm/metadata.js';
import type { Database } from '../db/database.js';
import type { Field, FieldType, Portal } from '../db/schema.js';
import { isUuid } from '../http/input.js';
import { emailField } from '../invitations/reasons.js';
import { PRIVACY_FIELD_NAMES } from '../privacy/consent.js';

// A portal's self sign-up settings: off unless a user type is chosen; the
// base-module fields the form asks for (besides the email and the fields the
// CRM requires, always asked),
// the staff user who owns what sign-ups create, and the email domains
// accepted without approval.

/** Field types a sign-up form can ask for: a stranger cannot search the CRM for lookups, nor fill subforms; the address is asked apart. */
const NOT_ASKED: readonly FieldType[] = ['email', 'lookup', 'subform'];
const ASKABLE = new Set<FieldType>(FIELD_TYPES.filter((type) => !NOT_ASKED.includes(type)));
const MAX_DOMAINS = 50;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

export type SignupType = { id: string; name: string; baseModuleId: string };
export type SignupOwner = { id: string; name: string; email: string };
/** An error's locale key and values; `field` is named in the reader's language as {{field}}. */
export type SignupError = { key: string; params?: Record<string, string>; field?: Field };
export type SignupErrors = Partial<Record<'type' | 'fields' | 'owner' | 'domains', SignupError>>;
export type SignupSettingsInput = { typeId: string; fieldIds: string[]; ownerId: string; domains: string };

/** The portal's user types, and the staff users who may own sign-ups' records. */
export async function signupChoices(db: Database, portalId: string): Promise<{ types: SignupType[]; owners: SignupOwner[] }> {
  const [types, owners] = await Promise.all([
    db
      .selectFrom('portal_user_types')
      .select(['id', 'name', 'base_module_id as baseModuleId'])
      .where('portal_id', '=', portalId)
      .orderBy('position')
      .orderBy('created_at')
      .execute(),
    db.selectFrom('staff_users').select(['id', 'name', 'email']).where('active', '=', true).orderBy('name').execute(),
  ]);
  return { types, owners };
}

/** A field the CRM requires that a sign-up cannot ask: of a kind the form does not offer, or not one the type lets its users edit. */
export type UnaskableField = { field: Field; why: 'kind' | 'hidden' };

export type AskableFields = {
  /** What a sign-up may ask, in layout order; the required ones among them are always asked. */
  fields: Field[];
  email: Field | undefined;
  /** Required in the CRM but impossible to ask: sign-up cannot be on while there is one. */
  unaskable: UnaskableField[];
};

const isPrivacyField = (f: Field) => (PRIVACY_FIELD_NAMES as readonly string[]).includes(f.api_name);

/**
 * The fields a sign-up for the type may ask: those the type shows and lets
 * its users edit on the base module's default layout, of a type a form can
 * take, in layout order; the email (always asked) and the privacy fields
 * (the consent box stands for them) are not among them. Every live field the
 * CRM requires must be among them, or it is named as one a sign-up cannot ask.
 */
export async function askableFields(db: Database, typeId: string): Promise<AskableFields | undefined> {
  const type = await db.selectFrom('portal_user_types').select(['id', 'base_module_id']).where('id', '=', typeId).executeTakeFirst();
  const meta = type && (await loadModuleMetaById(db, type.base_module_id));
  const layout = meta?.defaultLayout;
  if (!meta || !layout) return undefined;
  const perms = await db
    .selectFrom('portal_type_fields')
    .select('field_id')
    .where('user_type_id', '=', typeId)
    .where('layout_id', '=', layout.id)
    .where('visible', '=', true)
    .where('read_only', '=', false)
    .execute();
  const onLayout = new Set(layout.sections.flatMap((s) => s.fields));
  const allowed = new Set(perms.map((p) => p.field_id).filter((id) => onLayout.has(id)));
  const email = emailField(meta.fields);
  const ofAskableKind = (f: Field) => !f.parent_field_id && ASKABLE.has(f.type) && !f.options.computed && !isPrivacyField(f);
  const fields = [...onLayout]
    .map((id) => meta.byId.get(id))
    .filter((f): f is Field => Boolean(f && allowed.has(f.id) && ofAskableKind(f) && f.id !== email?.id));
  const asked = new Set(fields.map((f) => f.id));
  const unaskable = meta.fields
    .filter((f) => f.required && !f.options.computed && f.id !== email?.id && !asked.has(f.id))
    .map((field): UnaskableField => ({ field, why: ofAskableKind(field) ? 'hidden' : 'kind' }));
  return { fields, email, unaskable };
}

/** The fields the form asks: the chosen ones and those the CRM requires, in layout order. */
export const askedFields = (askable: Pick<AskableFields, 'fields'>, chosenIds: readonly string[]) =>
  askable.fields.filter((f) => f.required || chosenIds.includes(f.id));

/** The domains typed one per line: lower case, each checked; the first bad one is named. */
export function parseDomains(
  text: string,
  companyDomains: string[],
): { ok: true; domains: string[] } | { ok: false; error: NonNullable<SignupErrors['domains']> } {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim().toLowerCase().replace(/^@/, ''))
    .filter(Boolean);
  const domains = [...new Set(lines)];
  if (domains.length > MAX_DOMAINS) return { ok: false, error: { key: 'signup:settings.errors.tooManyDomains', params: { max: String(MAX_DOMAINS) } } };
  for (const d of domains) {
    if (!DOMAIN.test(d)) return { ok: false, error: { key: 'signup:settings.errors.badDomain', params: { domain: d.slice(0, 80) } } };
    if (companyDomains.some((c) => c.toLowerCase() === d)) return { ok: false, error: { key: 'signup:settings.errors.companyDomain', params: { domain: d } } };
  }
  return { ok: true, domains };
}

/** Saves the settings, or says what is wrong with each part; nothing is saved then. Audited with what changed. */
export async function saveSignupSettings(
  db: Database,
  actor: Actor,
  portal: Portal,
  input: SignupSettingsInput,
): Promise<{ ok: true } | { ok: false; errors: SignupErrors }> {
  if (input.typeId === '') {
    if (portal.signup_user_type_id === null) return { ok: true };
    await db.transaction().execute(async (trx) => {
      await trx.updateTable('portals').set({ signup_user_type_id: null, updated_at: new Date() }).where('id', '=', portal.id).execute();
      await audit(trx, actor, 'portal.signup_disabled', { type: 'portal', id: portal.id }, {});
    });
    return { ok: true };
  }
  const errors: SignupErrors = {};
  const { types, owners } = await signupChoices(db, portal.id);
  const type = isUuid(input.typeId) ? types.find((t) => t.id === input.typeId) : undefined;
  if (!type) errors.type = { key: 'signup:settings.errors.type' };
  const askable = type ? await askableFields(db, type.id) : undefined;
  const fieldIds = [...new Set(input.fieldIds)];
  const offered = new Set(askable?.fields.map((f) => f.id));
  if (type && !askable?.email) errors.type = { key: 'signup:settings.errors.noEmailField' };
  if (type && fieldIds.some((id) => !offered.has(id))) errors.fields = { key: 'signup:settings.errors.fieldNotOffered' };
  // A required field the form cannot ask would make records missing it: sign-up stays off until it can be asked.
  const unaskable = askable?.unaskable[0];
  if (unaskable) {
    const key = unaskable.why === 'kind' ? 'signup:settings.errors.requiredNotAskable' : 'signup:settings.errors.requiredHidden';
    errors.fields = { key, field: unaskable.field };
  }
  if (!owners.some((o) => o.id === input.ownerId)) errors.owner = { key: 'signup:settings.errors.owner' };
  const org = await db.selectFrom('org').select('email_domains').executeTakeFirst();
  const domains = parseDomains(input.domains, org?.email_domains ?? []);
  if (!domains.ok) errors.domains = domains.error;
  if (Object.keys(errors).length > 0 || !domains.ok) return { ok: false, errors };
  const after = { typeId: input.typeId, fieldIds, ownerId: input.ownerId, domains: domains.domains };
  const before = { typeId: portal.signup_user_type_id, fieldIds: portal.signup_field_ids, ownerId: portal.signup_owner_id, domains: portal.signup_domains };
  if (JSON.stringify(before) === JSON.stringify(after)) return { ok: true };
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('portals')
      .set({
        signup_user_type_id: after.typeId,
        signup_field_ids: after.fieldIds,
        signup_owner_id: after.ownerId,
        signup_domains: after.domains,
        updated_at: new Date(),
      })
      .where('id', '=', portal.id)
      .execute();
    await audit(trx, actor, 'portal.signup_saved', { type: 'portal', id: portal.id }, { before, after });
  });
  return { ok: true };
}
