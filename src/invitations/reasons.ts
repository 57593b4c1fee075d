import { disposableEmailBlocklistSet } from 'disposable-email-domains-js';
import type { SignedInStaff } from '../auth/staff.js';
import { modulePermissions, staffRecordScope } from '../crm/staff-access.js';
import type { Database } from '../db/database.js';
import type { CrmRecord, Field, Module, Org } from '../db/schema.js';
import { licencesUsed } from '../portals/user-types.js';
import { consents } from '../privacy/consent.js';

// Why a record cannot be invited, as stable codes checked in a fixed order of
// precedence: the first that applies is the outcome. The same evaluation
// serves single invitations, bulk batches, their dry runs and automatic rules.

export const FAILURE_REASONS = [
  'no_email',
  'company_domain',
  'pending_approval',
  'under_review',
  'no_consent',
  'invalid_characters',
  'disposable_domain',
  'licence_limit',
  'already_portal_user',
  'record_missing',
  'no_module_permission',
  'no_record_access',
  'recycle_bin',
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

/** Not a rule: the record could not be processed at all after every retry (the batch still finishes). */
export const PROCESSING_ERROR = 'processing_error';

/** Built once: the package's own check rebuilds this set of thousands of domains on every call. */
const DISPOSABLE_DOMAINS = disposableEmailBlocklistSet();

/** Only these characters may appear in an invited address. */
const EMAIL_CHARACTERS = /^[A-Za-z0-9@.\-_+]+$/;

export const domainOf = (email: string) => email.slice(email.lastIndexOf('@') + 1).toLowerCase();

/** The address a base module record is invited at: its field named "email", else its first email field. */
export function emailField(fields: Field[]): Field | undefined {
  const live = fields.filter((f) => !f.deleted_at && !f.parent_field_id && f.type === 'email');
  return live.find((f) => f.api_name === 'email') ?? live[0];
}

export function emailOf(record: Pick<CrmRecord, 'data'>, field: Field | undefined): string {
  const value = field ? (record.data as Record<string, unknown>)[field.api_name] : undefined;
  return typeof value === 'string' ? value.trim() : '';
}

/** What the reasons depend on besides the record, read once for a group of records of one type. */
export type InviteFacts = {
  org: Pick<Org, 'email_domains' | 'gdpr_enabled'>;
  fields: Field[];
  userLimit: number;
  /** Invited and active users of the type, including those invited earlier in the same group. */
  licencesUsed: number;
  /** Records already portal users, in any type. */
  portalUserRecords: Set<string>;
  /** The inviting staff user may view the module at all. */
  mayViewModule: boolean;
  /** Records of the group the inviting staff user can reach. */
  reachable: Set<string>;
};

/** The first reason the record cannot be invited, or undefined when it can; `record` undefined means it no longer exists. */
export function failureReason(record: CrmRecord | undefined, f: InviteFacts): FailureReason | undefined {
  if (record) {
    const email = emailOf(record, emailField(f.fields));
    if (!email.includes('@')) return 'no_email';
    const domain = domainOf(email);
    if (f.org.email_domains.some((d) => d.toLowerCase() === domain)) return 'company_domain';
    if (record.state === 'pending_approval') return 'pending_approval';
    if (record.state === 'under_review') return 'under_review';
    if (f.org.gdpr_enabled && !consents(record, f.fields)) return 'no_consent';
    if (!EMAIL_CHARACTERS.test(email) || email.indexOf('@') !== email.lastIndexOf('@')) return 'invalid_characters';
    if (DISPOSABLE_DOMAINS.has(domain)) return 'disposable_domain';
  }
  if (f.licencesUsed >= f.userLimit) return 'licence_limit';
  if (record && f.portalUserRecords.has(record.id)) return 'already_portal_user';
  if (!record) return 'record_missing';
  if (!f.mayViewModule) return 'no_module_permission';
  if (!f.reachable.has(record.id)) return 'no_record_access';
  if (record.deleted_at) return 'recycle_bin';
  return undefined;
}

/** Reads the facts for a group of records: a fixed number of queries whatever the group's size. */
export async function loadFacts(
  db: Database,
  opts: {
    org: InviteFacts['org'];
    module: Module;
    fields: Field[];
    userTypeId: string;
    userLimit: number;
    staff: SignedInStaff | undefined;
    records: CrmRecord[];
  },
): Promise<InviteFacts> {
  const ids = opts.records.map((r) => r.id);
  const [used, existing, perms, reachable] = await Promise.all([
    licencesUsed(db, opts.userTypeId),
    ids.length ? db.selectFrom('portal_users').select('record_id').where('record_id', 'in', ids).execute() : Promise.resolve([]),
    opts.staff ? modulePermissions(db as Database, opts.staff, opts.module.id) : Promise.resolve(undefined),
    opts.staff && ids.length
      ? db.selectFrom('records').select('records.id').where('records.id', 'in', ids).where(staffRecordScope(opts.staff, opts.module)).execute()
      : Promise.resolve([]),
  ]);
  return {
    org: opts.org,
    fields: opts.fields,
    userLimit: opts.userLimit,
    licencesUsed: used,
    portalUserRecords: new Set(existing.map((r) => r.record_id)),
    mayViewModule: Boolean(perms?.view),
    reachable: new Set(reachable.map((r) => r.id)),
  };
}
