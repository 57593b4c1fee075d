import { loadModuleMetaById, type ModuleMeta } from '../crm/metadata.js';
import { type RecordData, type RecordInput, validateRecordInput } from '../crm/records.js';
import type { Database } from '../db/database.js';
import type { CrmRecord, Field, Org, Portal } from '../db/schema.js';
import { isEmail } from '../http/input.js';
import { type FailureReason, failureReason } from '../invitations/reasons.js';
import { withChannelConsent } from '../privacy/consent.js';
import { askableFields, askedFields } from './settings.js';

// The sign-up form of a portal and the checks a submission passes before
// anything is stored: the email and the chosen fields typed and validated as
// the CRM does, then the invitation rules that depend on the address alone.

export type SignupForm = {
  portal: Portal;
  typeId: string;
  meta: ModuleMeta;
  email: Field;
  fields: Field[];
  org: Pick<Org, 'email_domains' | 'gdpr_enabled' | 'time_zone'>;
};

/** The rules of the invitation reasons that apply to an address before any record exists, in their order. */
export const SIGNUP_REFUSALS = ['no_email', 'company_domain', 'no_consent', 'invalid_characters', 'disposable_domain'] as const;
export type SignupRefusal = (typeof SIGNUP_REFUSALS)[number];

/** The portal's sign-up form, or undefined when sign-up is off (or its type lost its email field, or a required field cannot be asked). */
export async function signupForm(db: Database, portal: Portal): Promise<SignupForm | undefined> {
  if (!portal.signup_user_type_id) return undefined;
  const type = await db.selectFrom('portal_user_types').select(['id', 'base_module_id']).where('id', '=', portal.signup_user_type_id).executeTakeFirst();
  const [meta, askable, org] = await Promise.all([
    type ? loadModuleMetaById(db, type.base_module_id) : undefined,
    type ? askableFields(db, type.id) : undefined,
    db.selectFrom('org').select(['email_domains', 'gdpr_enabled', 'time_zone']).executeTakeFirst(),
  ]);
  // A field the CRM requires that cannot be asked (settings changed since sign-up was turned on) closes the form:
  // a sign-up never makes a record missing a required value.
  if (!type || !meta || !askable?.email || !org || askable.unaskable.length > 0) return undefined;
  // The chosen fields the type still lets its users edit, and every field the CRM requires, like the email.
  const fields = askedFields(askable, portal.signup_field_ids);
  return { portal, typeId: type.id, meta, email: askable.email, fields, org };
}

export type SignupInput = { email: string; values: RecordInput; consent: boolean };

/** Errors by field api name; the address's under "email", the consent box's under "consent". */
export type SignupCheck =
  | { ok: true; email: string; data: RecordData }
  | { ok: false; errors: Record<string, string>; refusal?: SignupRefusal | undefined; values: RecordInput };

const NO_RECORD = '00000000-0000-0000-0000-000000000000';
const today = (timeZone: string) => new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());

/** The record data a sign-up stands for: what was typed, the email, and consent given for email when it was. */
export function signupData(form: SignupForm, email: string, data: RecordData, consent: boolean): RecordData {
  let out: Record<string, unknown> = { ...data, [form.email.api_name]: email };
  const has = (name: string) => form.meta.byName.has(name);
  if (consent && has('consent_status')) {
    out = withChannelConsent(out, 'email', true, today(form.org.time_zone || 'UTC'));
    if (has('processing_basis')) out.processing_basis = 'consent';
  }
  return out as RecordData;
}

/**
 * Validates a submission. The email is required whatever the module says; a
 * well-formed address the invitation rules refuse comes back with that rule.
 */
export async function checkSignup(db: Database, form: SignupForm, input: SignupInput): Promise<SignupCheck> {
  const email = input.email.trim().toLowerCase();
  const values = input.values;
  const errors: Record<string, string> = {};
  if (!email) errors.email = 'errors:required';
  else if (!isEmail(email)) errors.email = 'signup:form.errors.email';
  const typed = await validateRecordInput(db, form.meta, form.fields, input.values, { timeZone: form.org.time_zone || 'UTC' });
  if (!typed.ok) Object.assign(errors, typed.errors);
  if (Object.keys(errors).length > 0) return { ok: false, errors, values };
  const data = signupData(form, email, typed.data, input.consent);
  const refusal = refusalOf(form, data, input.consent);
  if (refusal) return { ok: false, errors: { [refusal === 'no_consent' ? 'consent' : 'email']: `signup:refused.${refusal}` }, refusal, values };
  return { ok: true, email, data };
}

/** The first invitation rule the address (and consent) fails, read from the shared rules on a record not yet created. */
function refusalOf(form: SignupForm, data: RecordData, consent: boolean): SignupRefusal | undefined {
  const record = { id: NO_RECORD, state: 'active', deleted_at: null, data } as unknown as CrmRecord;
  const reason: FailureReason | undefined = failureReason(record, {
    org: form.org,
    fields: [...form.meta.byId.values()],
    userLimit: 1,
    licencesUsed: 0,
    portalUserRecords: new Set(),
    mayViewModule: true,
    reachable: new Set([NO_RECORD]),
  });
  // A module without consent fields has nothing to record it in: the box still has to be ticked.
  if (!reason && form.org.gdpr_enabled && !consent) return 'no_consent';
  return (SIGNUP_REFUSALS as readonly string[]).includes(reason ?? '') ? (reason as SignupRefusal) : undefined;
}
