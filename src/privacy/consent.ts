import { sql, type Transaction } from 'kysely';
import type { Database } from '../db/database.js';
import type { ConsentEvent, ConsentSource, CrmRecord, DB, Field } from '../db/schema.js';

// What leads and contacts record about a person's data (their Data privacy
// section), and what it allows: with the organization's GDPR compliance on,
// a record whose consent fields say no, or that asked to stop processing,
// is not invited and is sent no email at all; with compliance off, these
// fields never reach a portal.
//
// Consent per channel: `consent_channels` lists the channels consent was
// given for. Consent given with no channel listed (as older records and
// imports have it) counts for every channel; withdrawing the last channel
// withdraws consent.

/** The standard privacy fields of leads and contacts, by api name. */
export const PRIVACY_FIELD_NAMES = ['processing_basis', 'consent_status', 'consent_date', 'consent_channels', 'stop_processing'] as const;

/** The channels one can give or withdraw consent for, in the order they are shown. */
export const CONSENT_CHANNELS = ['email', 'phone', 'post', 'sms'] as const;
export type ConsentChannel = (typeof CONSENT_CHANNELS)[number];

export type PrivacyState = {
  basis: string | null;
  status: string | null;
  channels: ConsentChannel[];
  date: string | null;
  stopped: boolean;
};

export function privacyState(data: Record<string, unknown>): PrivacyState {
  const channels = Array.isArray(data.consent_channels) ? CONSENT_CHANNELS.filter((c) => (data.consent_channels as unknown[]).includes(c)) : [];
  return {
    basis: typeof data.processing_basis === 'string' ? data.processing_basis : null,
    status: typeof data.consent_status === 'string' ? data.consent_status : null,
    channels,
    date: typeof data.consent_date === 'string' ? data.consent_date : null,
    stopped: data.stop_processing === true,
  };
}

/** Whether consent is given for the channel: given, and the channel listed (or none listed at all). */
export function consentFor(state: PrivacyState, channel: ConsentChannel): boolean {
  return state.status === 'given' && (state.channels.length === 0 || state.channels.includes(channel));
}

/**
 * With GDPR on, a record with consent fields must have given consent and not
 * asked to stop processing; modules without those fields carry no consent to check.
 */
export function consents(record: CrmRecord, fields: Field[]): boolean {
  const data = record.data as Record<string, unknown>;
  const has = (name: string) => fields.some((f) => f.api_name === name && !f.deleted_at && !f.parent_field_id);
  if (has('stop_processing') && data.stop_processing === true) return false;
  // An invitation is an email: consent must be given, for email (the outbox's rule too).
  if (has('consent_status') && !consentFor(privacyState(data), 'email')) return false;
  return true;
}

/** The data after giving (or withdrawing) consent for one channel; today's date (the organization's) when consent is given. */
export function withChannelConsent(data: Record<string, unknown>, channel: ConsentChannel, give: boolean, today: string): Record<string, unknown> {
  const state = privacyState(data);
  // "Given, no channel listed" means every channel: withdrawing one lists the others.
  const current = state.status === 'given' ? (state.channels.length === 0 ? [...CONSENT_CHANNELS] : state.channels) : [];
  const next = CONSENT_CHANNELS.filter((c) => (c === channel ? give : current.includes(c)));
  const status = next.length > 0 ? 'given' : state.status === 'given' || state.status === 'withdrawn' ? 'withdrawn' : state.status;
  return { ...data, consent_channels: next, consent_status: status, consent_date: give ? today : (data.consent_date ?? null) };
}

export type ConsentChanges = Record<string, [unknown, unknown]>;

/** The privacy fields that differ between two versions of a record's data. */
export function consentChanges(before: Record<string, unknown>, after: Record<string, unknown>): ConsentChanges {
  const changes: ConsentChanges = {};
  for (const name of PRIVACY_FIELD_NAMES) {
    if (name === 'consent_date') continue;
    const a = before[name] ?? null;
    const b = after[name] ?? null;
    if (JSON.stringify(a) !== JSON.stringify(b)) changes[name] = [a, b];
  }
  return changes;
}

export type ConsentActor = { kind: 'staff' | 'portal'; id: string } | { kind: 'system' };

/** Appends to the record's consent history when a consent or basis field changed, in the caller's transaction. */
export async function logConsentChanges(
  trx: Transaction<DB>,
  actor: ConsentActor,
  source: ConsentSource,
  recordId: string,
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): Promise<void> {
  const changes = consentChanges(before, after);
  if (Object.keys(changes).length === 0) return;
  await trx
    .insertInto('consent_events')
    .values({ record_id: recordId, actor_kind: actor.kind, actor_id: actor.kind === 'system' ? null : actor.id, source, changes: JSON.stringify(changes) })
    .execute();
  // An email already waiting for a person who may no longer be emailed stays unsent.
  await blockWaitingEmails(trx, recordId);
}

export type ConsentHistoryEntry = ConsentEvent & { actor_name: string | null };

/** A record's consent history, newest first, with staff names (portal users are named by the caller's rules). */
export function consentHistory(db: Database, recordId: string, limit = 200): Promise<ConsentHistoryEntry[]> {
  return db
    .selectFrom('consent_events as e')
    .leftJoin('staff_users as s', (j) => j.onRef('s.id', '=', 'e.actor_id').on('e.actor_kind', '=', 'staff'))
    .selectAll('e')
    .select('s.name as actor_name')
    .where('e.record_id', '=', recordId)
    .orderBy('e.at', 'desc')
    .orderBy('e.id', 'desc')
    .limit(limit)
    .execute();
}

export type EmailBlock = 'stop_processing' | 'no_consent';

// A person's addresses: the email of their lead or contact, and of any portal
// account for it. With compliance on, one record of theirs that asked to stop
// processing, or whose basis is consent without consent to email, blocks them.
// UNSCOPED READ: every record with one of these addresses decides whether Porta may email it; only yes or no, and why, comes back.
const blockedSql = (addresses: string[]) => sql<{ address: string; stopped: boolean; no_consent: boolean }>`
  with a(address) as (select distinct lower(x) from unnest(${addresses}::text[]) as x),
  hits as (
    select a.address, r.module_id, r.data from a join records r on lower(r.data->>'email') = a.address
    union all
    select a.address, r.module_id, r.data from a
      join portal_users u on lower(u.email) = a.address
      join records r on r.id = u.record_id
  )
  select h.address,
         bool_or(coalesce((h.data->>'stop_processing')::boolean, false)) as stopped,
         bool_or(h.data->>'processing_basis' = 'consent' and not (
           h.data->>'consent_status' = 'given'
           and (coalesce(jsonb_array_length(case when jsonb_typeof(h.data->'consent_channels') = 'array' then h.data->'consent_channels' end), 0) = 0
                or h.data->'consent_channels' ? 'email'))) as no_consent
  from hits h
  where (select gdpr_enabled from org where id = 1)
    and h.module_id in (select f.module_id from fields f where f.api_name = 'stop_processing' and f.deleted_at is null and f.parent_field_id is null)
  group by h.address`;

/** Addresses Porta may not email, each with why (stopped processing wins over consent). */
export async function blockedAddresses(db: Database, addresses: string[]): Promise<Map<string, EmailBlock>> {
  if (addresses.length === 0) return new Map();
  const { rows } = await blockedSql(addresses).execute(db);
  const blocked = new Map<string, EmailBlock>();
  for (const r of rows) {
    if (r.stopped) blocked.set(r.address, 'stop_processing');
    else if (r.no_consent) blocked.set(r.address, 'no_consent');
  }
  return blocked;
}

/** Emails not yet sent to this record's person that may no longer be sent: kept, marked blocked with the reason. */
export async function blockWaitingEmails(trx: Transaction<DB>, recordId: string): Promise<void> {
  // UNSCOPED READ: the address of a record whose privacy fields just changed, to hold its waiting emails; nothing is shown.
  const addresses = await trx
    .selectFrom('records')
    .select(sql<string | null>`data->>'email'`.as('email'))
    .where('id', '=', recordId)
    .union(trx.selectFrom('portal_users').select('email').where('record_id', '=', recordId))
    .execute();
  const list = addresses.map((a) => a.email).filter((e): e is string => Boolean(e));
  const blocked = await blockedAddresses(trx, list);
  for (const [address, reason] of blocked) {
    await trx
      .updateTable('email_outbox')
      .set({ status: 'blocked', blocked_reason: reason })
      .where('status', '=', 'pending')
      .where(sql<boolean>`lower(to_address) = ${address}`)
      .execute();
  }
}
