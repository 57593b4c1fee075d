import { type ExpressionBuilder, type RawBuilder, sql, type Transaction } from 'kysely';
import { audit } from '../audit/audit.js';
import type { StoredValue } from '../crm/field-types.js';
import { loadModuleMetaById, type ModuleMeta } from '../crm/metadata.js';
import { type RecordData, updateRecordIn } from '../crm/records.js';
import type { CrmRecord, DB, FieldType, PrivacyRequest } from '../db/schema.js';
import { isUuid } from '../http/input.js';

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

/** Values that could identify the person: nulled (a required text gets the placeholder). */
const ERASED: ReadonlySet<FieldType> = new Set<FieldType>([
  'text',
  'textarea',
  'email',
  'phone',
  'url',
  'date',
  'datetime',
  'number',
  'decimal',
  'currency',
  'percent',
  'multiselect',
]);
/** Values that identify the person wherever they appear: searched for in copies outside the person's rows (with the name fields). */
const IDENTIFYING: ReadonlySet<FieldType> = new Set<FieldType>(['email', 'phone', 'url']);
const TEXT: ReadonlySet<FieldType> = new Set<FieldType>(['text', 'textarea']);
const MIN_SEARCHED = 3;

type Traces = { words: Set<string>; other: Set<string>; addresses: Set<string>; erased: Set<string> };

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

const isEmpty = (v: StoredValue | undefined) => v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0);

/** The words a field's value (or a subform's rows) holds, and the addresses among them. */
function collect(meta: ModuleMeta, fieldId: string, value: unknown, traces: Traces) {
  const field = meta.byId.get(fieldId);
  if (!field) return;
  if (field.type !== 'subform') {
    addWords(traces, field.type, value, meta.module.name_fields.includes(field.api_name));
    return;
  }
  const children = meta.children.get(field.id) ?? [];
  for (const row of Array.isArray(value) ? value : []) {
    if (typeof row !== 'object' || row === null) continue;
    for (const child of children) addWords(traces, child.type, (row as Record<string, unknown>)[child.api_name], false);
  }
}

/** A value of the person's: searched for everywhere when it identifies them (a name field, an address), else only in import files. */
function addWords(traces: Traces, type: FieldType, value: unknown, nameField: boolean) {
  if (!(IDENTIFYING.has(type) || TEXT.has(type)) || typeof value !== 'string' || isUuid(value)) return;
  const word = value.trim();
  if (word.length < MIN_SEARCHED) return;
  if (IDENTIFYING.has(type) || nameField) traces.words.add(word);
  else traces.other.add(word);
  if (type === 'email') traces.addresses.add(word.toLowerCase());
}

/** Earlier values of the record (an old address, a maiden name) are the person's too. */
async function collectHistory(trx: Transaction<DB>, meta: ModuleMeta, recordId: string, traces: Traces) {
  const rows = await trx.selectFrom('record_changes').select('changes').where('record_id', '=', recordId).execute();
  for (const row of rows) {
    for (const change of Array.isArray(row.changes) ? row.changes : []) {
      collect(meta, change.field, change.old, traces);
      collect(meta, change.field, change.new, traces);
    }
  }
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

type Scrubber = { words: string[]; forms: string[]; jsonForms: string[]; text: (s: string) => string; json: (v: unknown) => unknown };

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const unique = <T>(xs: T[]) => [...new Set(xs)];

/** Replaces each value, raw or HTML-escaped, in any letter case, longest first (a full name before its parts). */
function scrubber(values: Iterable<string>, placeholder: string): Scrubber {
  // The placeholder is what the record now holds: never a value to replace.
  const words = unique([...values].map((w) => w.trim()).filter((w) => w.length >= MIN_SEARCHED && w.toLowerCase() !== placeholder.toLowerCase()));
  const replacements = new Map<string, string>();
  for (const w of words) replacements.set(w.toLowerCase(), placeholder);
  for (const w of words) if (!replacements.has(escapeHtml(w).toLowerCase())) replacements.set(escapeHtml(w).toLowerCase(), escapeHtml(placeholder));
  const forms = [...replacements.keys()].sort((a, b) => b.length - a.length);
  // Whole words only: no letter or digit right before or after.
  const pattern = forms.length ? new RegExp(`(?<![\\p{L}\\p{N}])(?:${forms.map(escapeRegExp).join('|')})(?![\\p{L}\\p{N}])`, 'giu') : undefined;
  const text = (s: string) => (pattern ? s.replace(pattern, (m) => replacements.get(m.toLowerCase()) ?? placeholder) : s);
  const json = (v: unknown): unknown => {
    if (typeof v === 'string') return text(v);
    if (Array.isArray(v)) return v.map(json);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, json(x)]));
    return v;
  };
  return { words, forms, jsonForms: forms.map((f) => JSON.stringify(f).slice(1, -1)), text, json };
}

/**
 * What finds a row to scrub (what identifies the person) and what is then
 * replaced in it (every value of theirs): a row that names them loses their
 * job title too; a row that does not name them is left alone.
 */
type Scrubbers = { find: Scrubber; all: Scrubber };
const scrubbers = (traces: Traces, placeholder: string): Scrubbers => ({
  find: scrubber(traces.words, placeholder),
  all: scrubber([...traces.words, ...traces.other], placeholder),
});

type ScrubTarget = {
  table:
    | 'email_outbox'
    | 'inbound_mail'
    | 'audit_log'
    | 'invitation_results'
    | 'privacy_requests'
    | 'privacy_request_events'
    | 'imports'
    | 'record_changes'
    | 'notes'
    | 'attachments';
  text: string[];
  json: string[];
  where?: RawBuilder<unknown>;
  /** Rows that are the person's whatever their text says (an audit entry about their record). */
  tied?: RawBuilder<unknown>;
};

/**
 * Rewrites the rows of a table where a value occurs, and returns how many.
 * Rows are found in SQL (JSON searched as its text, the values JSON-escaped)
 * and rewritten here, JSON string by string, so that no replacement can cut
 * into an escape sequence and leave JSON that no longer parses.
 */
async function scrubRows(trx: Transaction<DB>, { find, all: scrub }: Scrubbers, target: ScrubTarget): Promise<number> {
  if (scrub.forms.length === 0 || (find.forms.length === 0 && !target.tied)) return 0;
  const found = (col: RawBuilder<unknown>, forms: string[]) => sql`exists (select 1 from unnest(${forms}::text[]) f where strpos(lower(${col}), f) > 0)`;
  const conditions = [
    ...(find.forms.length
      ? [...target.text.map((c) => found(sql`${sql.ref(c)}`, find.forms)), ...target.json.map((c) => found(sql`${sql.ref(c)}::text`, find.jsonForms))]
      : []),
    ...(target.tied ? [target.tied] : []),
  ];
  const columns = [...target.text, ...target.json];
  const { rows } = await sql<Record<string, unknown>>`
    select id::text as row_id, (${target.tied ?? sql`false`}) as tied_row, ${sql.join(columns.map((c) => sql.ref(c)))}
      from ${sql.table(target.table)}
     where (${sql.join(conditions, sql` or `)}) and ${target.where ?? sql`true`}
       for update`.execute(trx);
  let changed = 0;
  for (const row of rows) {
    const named =
      row.tied_row === true ||
      target.text.some((c) => typeof row[c] === 'string' && find.text(row[c] as string) !== row[c]) ||
      target.json.some((c) => row[c] !== null && JSON.stringify(find.json(row[c])) !== JSON.stringify(row[c]));
    if (!named) continue;
    changed++;
    const sets = [
      ...target.text.filter((c) => typeof row[c] === 'string').map((c) => sql`${sql.ref(c)} = ${scrub.text(row[c] as string)}`),
      ...target.json.filter((c) => row[c] !== null).map((c) => sql`${sql.ref(c)} = ${JSON.stringify(scrub.json(row[c]))}::jsonb`),
    ];
    if (sets.length) await sql`update ${sql.table(target.table)} set ${sql.join(sets)} where id::text = ${row.row_id}`.execute(trx);
  }
  return changed;
}

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * An import keeps its CSV file for its report: each line that names the
 * person (read as the import read it: UTF-8, else Windows-1252 byte for byte)
 * is replaced whole, so none of its values stays, the line count unchanged.
 */
async function scrubImportFiles(trx: Transaction<DB>, values: string[], placeholder: string) {
  const inCsv = unique(values.flatMap((w) => [w, w.replace(/"/g, '""')]));
  const variants = unique(inCsv.flatMap((w) => [w, w.toLowerCase(), w.toUpperCase()]));
  const singleByte = variants.filter((w) => [...w].every((c) => c.charCodeAt(0) <= 0xff));
  const needles = [...variants.map((w) => Buffer.from(w, 'utf8')), ...singleByte.map((w) => Buffer.from(w, 'latin1'))];
  if (needles.length === 0) return;
  const candidates = await trx
    .selectFrom('imports')
    .select(['id', 'content'])
    .where(sql<boolean>`exists (select 1 from unnest(${needles}::bytea[]) f where position(f in content) > 0)`)
    .forUpdate()
    .execute();
  const names = scrubber(inCsv, placeholder);
  const lines = (text: string) =>
    text
      .split(/(\r?\n)/)
      .map((part) => (part === '\n' || part === '\r\n' || names.text(part) === part ? part : placeholder))
      .join('');
  for (const imp of candidates) {
    const bom = imp.content.subarray(0, 3).equals(UTF8_BOM);
    const body = bom ? imp.content.subarray(3) : imp.content;
    let content: Buffer;
    try {
      const text = new TextDecoder('utf-8', { fatal: true }).decode(body);
      content = Buffer.concat([bom ? UTF8_BOM : Buffer.alloc(0), Buffer.from(lines(text), 'utf8')]);
    } catch {
      content = Buffer.from(lines(body.toString('latin1')), 'latin1');
    }
    await trx.updateTable('imports').set({ content }).where('id', '=', imp.id).execute();
  }
}
