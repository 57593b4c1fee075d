import type { CrmRecord, Field } from '../db/schema.js';

// What leads and contacts record about a person's data (their Data privacy
// section), and what it allows: with the organization's GDPR compliance on,
// a record whose consent fields say no, or that asked to stop processing,
// is not invited; with compliance off, these fields never reach a portal.

/** The standard privacy fields of leads and contacts, by api name. */
export const PRIVACY_FIELD_NAMES = ['processing_basis', 'consent_status', 'consent_date', 'consent_channels', 'stop_processing'] as const;

/**
 * With GDPR on, a record with consent fields must have given consent and not
 * asked to stop processing; modules without those fields carry no consent to check.
 */
export function consents(record: CrmRecord, fields: Field[]): boolean {
  const data = record.data as Record<string, unknown>;
  const has = (name: string) => fields.some((f) => f.api_name === name && !f.deleted_at && !f.parent_field_id);
  if (has('stop_processing') && data.stop_processing === true) return false;
  if (has('consent_status') && data.consent_status !== 'given') return false;
  return true;
}
