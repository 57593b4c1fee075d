import { type ExpressionBuilder, sql, type Transaction } from 'kysely';
import { audit } from '../audit/audit.js';
import { loadModuleMetaById } from '../crm/metadata.js';
import { type RecordData, updateRecordIn } from '../crm/records.js';
import type { CrmRecord, DB, PrivacyRequest } from '../db/schema.js';
import { scrubImportFiles, scrubRows } from './erasure-scrub.js';
import { addWords, collect, collectHistory, ERASED, isEmpty, scrubbers, type Traces } from './erasure-traces.js';

// The right to erasure (GDPR art. 17): the person's lead or contact stays, for
// the organization's records, with every value that could identify them gone —
// from the record, its history, its notes and files, their portal account,
// the outbox, inbound mail, the audit trail, imports and their requests.
//
// The person's records are the subject and the lead it was converted from (or
// the contact it was converted to): conversion copies the same values.
//
// Outside the person's own rows, what identifies them is searched for as text
// and replaced by the placeholder: their name (the module's name fields and
// the record's name), email addresses, phone numbers, web addresses, and the
// bodies of the notes deleted; case-insensitively, raw and HTML-escaped, inside
// JSON string values (never keys), and only as whole words of three
// characters or more, so that "Ann" never turns "Annual" into something else.
// Other values (a job title, a city, an amount) identify nobody on their own
// and are common words elsewhere: they are erased from the person's rows but
// not searched for, except in the CSV files of imports, where the line that
// names the person is replaced whole.

export type ErasureOutcome = { fields: number; notes: number; attachments: number; portalUsers: number; emails: number; history: number };

export async function eraseSubject(trx: Transaction<DB>, request: PrivacyRequest, staffId: string, placeholder: string): Promise<ErasureOutcome> {
  // UNSCOPED READ: worker job over the records of an erasure request an administrator accepted; no user request reaches it.
  const subject = await trx.selectFrom('records').selectAll().where('id', '=', request.record_id).forUpdate().executeTakeFirstOrThrow();
  const linked = await trx
    .selectFrom('records')
    .selectAll()
    .where((eb) => eb.or([eb('converted_to', '=', subject.id), ...(subject.converted_to ? [eb('id', '=', subject.converted_to)] : [])]))
    .where('id', '<>', subject.id)
    .forUpdate()
    .execute();
  const records = [subject, ...linked];
  const ids = records.map((r) => r.id);
  const traces: Traces = { words: new Set(), other: new Set(), addresses: new Set(), erased: new Set() };

  for (const record of records) await anonymize(trx, staffId, record, placeholder, traces);
  const history = await clearHistory(trx, ids);

  const users = await trx.selectFrom('portal_users').select(['id', 'email']).where('record_id', 'in', ids).execute();
  const userIds = users.map((u) => u.id);
  for (const u of users) traces.addresses.add(u.email.toLowerCase());
  for (const a of traces.addresses) traces.words.add(a);

  const theirs = (eb: ExpressionBuilder<DB, 'notes' | 'attachments'>) =>
    eb.or([eb('record_id', 'in', ids), ...(userIds.length ? [eb.and([eb('author_kind', '=', 'portal'), eb('author_id', 'in', userIds)])] : [])]);
  const notes = await trx.deleteFrom('notes').where(theirs).returning('body').execute();
  for (const n of notes) traces.words.add(n.body.trim());
  const attachments = await trx.deleteFrom('attachments').where(theirs).executeTakeFirst();
  await scrubRelated(trx, staffId, ids, userIds, traces, placeholder);
  await endPortalAccess(trx, userIds, [...traces.addresses]);
  // Their sign-ups, by the record they became or the address they were made with.
  await trx
    .deleteFrom('portal_signups')
    .where((eb) => eb.or([eb('record_id', 'in', ids), ...(traces.addresses.size ? [eb('email', 'in', [...traces.addresses])] : [])]))
    .execute();
  const emails = await scrubMail(trx, userIds, traces, placeholder);
  await scrubCopies(trx, ids, userIds, traces, placeholder);
  await trx
    .deleteFrom('privacy_exports')
    .where('request_id', 'in', (eb) => eb.selectFrom('privacy_requests').select('id').where('record_id', 'in', ids))
    .execute();

  const outcome: ErasureOutcome = {
    fields: traces.erased.size,
    notes: notes.length,
    attachments: Number(attachments.numDeletedRows),
    portalUsers: users.length,
    emails,
    history,
  };
  await audit(
    trx,
    { kind: 'staff', id: staffId },
    'privacy.erasure',
    { type: 'record', id: subject.id },
    {
      requestId: request.id,
      erasedFields: [...traces.erased].sort(),
      ...outcome,
    },
  );
  return outcome;
}

/** Rewrites the record through the record service, so its name, search text and consent history follow. */
async function anonymize(trx: Transaction<DB>, staffId: string, record: CrmRecord, placeholder: string, traces: Traces): Promise<void> {
  const meta = await loadModuleMetaById(trx, record.module_id);
  if (!meta) throw new Error(`the module of record ${record.id} is gone`);
  const before = record.data as RecordData;
  const data: RecordData = { ...before };
  for (const f of meta.fields) {
    const value = before[f.api_name] ?? null;
    if (ERASED.has(f.type)) data[f.api_name] = f.required && (f.type === 'text' || f.type === 'textarea') ? placeholder : null;
    else if (f.type === 'subform') data[f.api_name] = [];
    else continue;
    if (!isEmpty(value)) traces.erased.add(f.api_name);
    collect(meta, f.id, value, traces);
  }
  // A removed field's values stay in the data until purged; they go now.
  const removed = await trx
    .selectFrom('fields')
    .select(['api_name', 'type'])
    .where('module_id', '=', meta.module.id)
    .where('deleted_at', 'is not', null)
    .execute();
  for (const f of removed) {
    if (!(f.api_name in data) || meta.byName.has(f.api_name)) continue;
    if (!isEmpty(data[f.api_name] ?? null)) traces.erased.add(f.api_name);
    addWords(traces, f.type, data[f.api_name] ?? null, false);
    delete data[f.api_name];
  }
  if (meta.byName.has('stop_processing')) data.stop_processing = true;
  addWords(traces, 'text', record.display_name, true);
  await collectHistory(trx, meta, record.id, traces);

  // The record service writes live records only: one in the recycle bin goes back there afterwards.
  const binned = record.deleted_at;
  if (binned) await trx.updateTable('records').set({ deleted_at: null }).where('id', '=', record.id).execute();
  const saved = await updateRecordIn(trx, { kind: 'staff', id: staffId }, meta, { ...record, deleted_at: null }, data, record.version, {
    consentSource: 'privacy_request',
  });
  if (!saved.ok) throw new Error(`record ${record.id} could not be erased: ${saved.reason}`);
  if (binned) await trx.updateTable('records').set({ deleted_at: binned }).where('id', '=', record.id).execute();
}

/** Keeps who changed which field when, without the values (the erasure's own change included). */
async function clearHistory(trx: Transaction<DB>, ids: string[]): Promise<number> {
  const result = await sql`
    update record_changes
       set changes = (select coalesce(jsonb_agg(case when jsonb_typeof(e) = 'object' then e || '{"old": null, "new": null}'::jsonb else e end order by n), '[]'::jsonb)
                        from jsonb_array_elements(changes) with ordinality as x(e, n))
     where record_id = any(${ids}::uuid[]) and jsonb_typeof(changes) = 'array' and jsonb_array_length(changes) > 0`.execute(trx);
  return Number(result.numAffectedRows ?? 0);
}

/**
 * The records about them (linked to their record by a lookup: their cases,
 * deals) and those their portal accounts created stay the organization's,
 * but what names them in there goes: in the records' text (through the record
 * service, so their names and search text follow), their history, and the
 * notes on them.
 */
async function scrubRelated(trx: Transaction<DB>, staffId: string, ids: string[], userIds: string[], traces: Traces, placeholder: string) {
  const scrub = scrubbers(traces, placeholder);
  if (scrub.find.forms.length === 0) return;
  const related = sql`(id in (select record_id from record_refs where target_id = any(${ids}::uuid[]))
    or created_by_portal_user_id = any(${userIds}::uuid[])) and not id = any(${ids}::uuid[])`;
  // UNSCOPED READ: worker job: the records about the person (their lookups, their portal accounts' records) to scrub of their name.
  const { rows } = await sql<{ id: string }>`select id from records where ${related} and exists (
      select 1 from unnest(${scrub.find.jsonForms}::text[]) f where strpos(lower(data::text), f) > 0) for update`.execute(trx);
  for (const { id } of rows) {
    // UNSCOPED READ: worker job: each of those records, read whole to be scrubbed through the record service.
    const record = await trx.selectFrom('records').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const data = record.data;
    const named = JSON.stringify(scrub.find.json(data)) !== JSON.stringify(data);
    if (!named) continue;
    const meta = await loadModuleMetaById(trx, record.module_id);
    if (!meta) continue;
    const binned = record.deleted_at;
    if (binned) await trx.updateTable('records').set({ deleted_at: null }).where('id', '=', id).execute();
    const saved = await updateRecordIn(
      trx,
      { kind: 'staff', id: staffId },
      meta,
      { ...record, deleted_at: null },
      scrub.all.json(data) as RecordData,
      record.version,
      {
        consentSource: 'privacy_request',
      },
    );
    if (!saved.ok) throw new Error(`record ${id} could not be scrubbed: ${saved.reason}`);
    if (binned) await trx.updateTable('records').set({ deleted_at: binned }).where('id', '=', id).execute();
  }
  // UNSCOPED READ: worker job: the same records, as a condition on their history, notes and files; nothing leaves the database.
  const onRelated = sql`record_id in (select id from records where ${related})`;
  await scrubRows(trx, scrub, { table: 'record_changes', text: [], json: ['changes'], where: onRelated });
  await scrubRows(trx, scrub, { table: 'notes', text: ['body'], json: [], where: onRelated });
  await scrubRows(trx, scrub, { table: 'attachments', text: ['filename'], json: [], where: onRelated });
}

/** Signs them out everywhere and removes their accounts with all that hangs on them. */
async function endPortalAccess(trx: Transaction<DB>, userIds: string[], addresses: string[]) {
  // Sign-in attempts are counted by "kind:email" (each portal, staff) and by "2fa:portal:user id".
  if (addresses.length) {
    await sql`delete from login_attempts where scope = 'account' and exists (select 1 from unnest(${addresses}::text[]) a where right(key, length(a) + 1) = ':' || a)`.execute(
      trx,
    );
  }
  if (userIds.length === 0) return;
  await trx
    .deleteFrom('login_attempts')
    .where('scope', '=', 'account')
    .where(
      'key',
      'in',
      userIds.map((id) => `2fa:portal:${id}`),
    )
    .execute();
  await trx.deleteFrom('sessions').where('user_kind', '=', 'portal').where('user_id', 'in', userIds).execute();
  await trx.deleteFrom('password_resets').where('user_kind', '=', 'portal').where('user_id', 'in', userIds).execute();
  await trx.deleteFrom('two_factor').where('user_kind', '=', 'portal').where('user_id', 'in', userIds).execute();
  await trx.deleteFrom('recovery_codes').where('user_kind', '=', 'portal').where('user_id', 'in', userIds).execute();
  await trx.deleteFrom('portal_invitations').where('portal_user_id', 'in', userIds).execute();
  await trx.deleteFrom('case_reply_tokens').where('portal_user_id', 'in', userIds).execute();
  await trx.deleteFrom('case_deflections').where('portal_user_id', 'in', userIds).execute();
  await trx.updateTable('invitation_results').set({ portal_user_id: null }).where('portal_user_id', 'in', userIds).execute();
  await trx.updateTable('privacy_requests').set({ portal_user_id: null }).where('portal_user_id', 'in', userIds).execute();
  await trx.deleteFrom('portal_users').where('id', 'in', userIds).execute();
}

/** Emails to them and mail from them go; other emails (a staff notification naming them) lose their values. Returns the emails touched. */
async function scrubMail(trx: Transaction<DB>, userIds: string[], traces: Traces, placeholder: string): Promise<number> {
  const addresses = [...traces.addresses];
  let touched = 0;
  if (addresses.length) {
    const gone = await trx.deleteFrom('email_outbox').where(sql<boolean>`lower(to_address) = any(${addresses}::text[])`).executeTakeFirst();
    touched += Number(gone.numDeletedRows);
  }
  if (addresses.length || userIds.length) {
    await trx
      .deleteFrom('inbound_mail')
      .where((eb) =>
        eb.or([
          ...(addresses.length ? [eb(sql<string>`lower(from_address)`, '=', sql<string>`any(${addresses}::text[])`)] : []),
          ...(userIds.length ? [eb('portal_user_id', 'in', userIds)] : []),
        ]),
      )
      .execute();
  }
  const scrub = scrubbers(traces, placeholder);
  touched += await scrubRows(trx, scrub, { table: 'email_outbox', text: ['subject', 'html', 'text', 'to_name', 'last_error'], json: [] });
  await scrubRows(trx, scrub, { table: 'inbound_mail', text: ['subject', 'reason'], json: ['details'] });
  return touched;
}

/** The audit trail, invitation outcomes, their requests and imported files keep no value of theirs. */
async function scrubCopies(trx: Transaction<DB>, ids: string[], userIds: string[], traces: Traces, placeholder: string) {
  const scrub = scrubbers(traces, placeholder);
  const requests = sql`request_id in (select id from privacy_requests where record_id = any(${ids}::uuid[]))`;
  const audited = sql`(target_type = 'record' and target_id = any(${ids}::text[]))
    or (target_type = 'portal_user' and target_id = any(${userIds}::text[]))
    or (actor_kind = 'portal' and actor_id = any(${userIds}::uuid[]))`;
  await scrubRows(trx, scrub, { table: 'audit_log', text: [], json: ['details'], tied: audited });
  await scrubRows(trx, scrub, { table: 'invitation_results', text: ['reason'], json: [] });
  await scrubRows(trx, scrub, {
    table: 'privacy_requests',
    text: ['details', 'extension_reason', 'rejection_reason'],
    json: ['outcome'],
    where: sql`record_id = any(${ids}::uuid[])`,
    tied: sql`true`,
  });
  await scrubRows(trx, scrub, { table: 'privacy_request_events', text: [], json: ['details'], where: requests, tied: sql`true` });
  await scrubRows(trx, scrub, { table: 'imports', text: ['filename'], json: ['row_errors', 'mapping'] });
  await scrubImportFiles(trx, scrub.find.words, placeholder);
}
