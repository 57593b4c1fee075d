import { strToU8, zipSync } from 'fflate';
import type { ExpressionBuilder } from 'kysely';
import { fieldMask, rowScope, visibleTabs } from '../access/engine.js';
import { utcToZonedInput } from '../crm/field-types.js';
import { collectLookupIds, lookupNames } from '../crm/lookups.js';
import { fieldLabel } from '../crm/metadata.js';
import { cleanFilename } from '../crm/notes.js';
import { displayName, type RecordData } from '../crm/records.js';
import type { Database } from '../db/database.js';
import type { DB, Field } from '../db/schema.js';
import { lookupTargets } from '../portals/portal-pages.js';
import { PRIVACY_FIELD_NAMES } from './consent.js';
import { cellText, column, csv, type Entry, exportFields, groupBy, json, readme } from './export-format.js';
import { actorOf, actorText, loadPerson, type Person } from './export-person.js';
import { portalEntries, type Shown } from './export-portal.js';

// A person's copy of everything Porta holds about them (the GDPR right of
// access): a zip of JSON and CSV files with a README in their language.
//
// Whose words it holds: every note and file on the person's own record,
// internal ones too (they are about the person); those the person wrote from
// a portal, wherever they are; and those a portal showed them. The person is
// marked as themselves ({ kind: 'portal', self: true }); staff only as
// { kind: 'staff' }, never by name or address; what other portal users wrote
// is about other people and is left out.
//
// A request a portal user filed on behalf of a lead or contact they created
// gets what that user may see of it, and no more: the record's fields their
// portal shows (and its privacy fields, which their Data privacy page shows),
// notes and files their portal shows on it (never internal ones) and those
// they wrote there, its consent history and the requests they filed; never
// the record's own portal accounts, invitations or audit trail.

export async function buildExportArchive(db: Database, requestId: string): Promise<{ filename: string; bytes: Uint8Array }> {
  const p = await loadPerson(db, requestId);
  const today = utcToZonedInput(new Date().toISOString(), p.org.time_zone).slice(0, 10);
  const [record, portal] = await Promise.all([recordEntry(db, p), portalEntries(db, p)]);
  const names = new Map([[p.subject.id, p.subject.display_name], ...portal.names]);
  const [notes, attachments, consent, invitations, requests, audit] = await Promise.all([
    notesEntry(db, p, portal.shown, names),
    attachmentEntries(db, p, portal.shown, names),
    consentEntry(db, p),
    invitationsEntry(db, p),
    requestsEntry(db, p),
    auditEntry(db, p),
  ]);
  const entries = [record, accountEntry(p), ...portal.entries, notes, ...attachments, consent, invitations, requests, audit];
  const files: Record<string, Uint8Array> = { 'README.txt': strToU8(readme(p, entries, today)) };
  for (const entry of entries) Object.assign(files, entry.files);
  return { filename: `privacy-export-${p.request.number}-${today}.zip`, bytes: zipSync(files, { level: 6 }) };
}

/** The fields of the subject that go in the archive: all of them, or on behalf of someone what their portal shows. */
function subjectFields(p: Person): Field[] {
  if (!p.behalf) return p.meta.fields;
  const mask = fieldMask(p.behalf.ctx, p.meta.module.id, p.subject.layout_id);
  return p.meta.fields.filter((f) => mask.visible.has(f.id) || (PRIVACY_FIELD_NAMES as readonly string[]).includes(f.api_name));
}

async function recordEntry(db: Database, p: Person): Promise<Entry> {
  const { subject, meta } = p;
  const shownFields = subjectFields(p);
  const data = Object.fromEntries(shownFields.map((f) => [f.api_name, (subject.data as Record<string, unknown>)[f.api_name] ?? null]));
  const ids = collectLookupIds(meta, [{ data }], shownFields);
  const behalfCtx = p.behalf?.ctx;
  const names = p.behalf
    ? new Map([...(behalfCtx ? await lookupTargets(db, behalfCtx, ids, () => '') : [])].map(([id, target]) => [id, target.name]))
    : new Map([...(await lookupNames(db, ids))].map(([id, target]) => [id, target.name]));
  const fields = exportFields(meta, shownFields, data, names);
  const record = {
    id: subject.id,
    module: meta.module.api_name,
    name: p.behalf ? displayName(meta, data as RecordData) : subject.display_name,
    created_at: subject.created_at,
    updated_at: subject.updated_at,
    fields,
  };
  return {
    files: {
      'record.json': json(record),
      'record.csv': csv(
        [column(p, 'id'), ...shownFields.map((f) => fieldLabel(p.t, p.lang, f))],
        [[subject.id, ...shownFields.map((f) => cellText(p, f, fields[f.api_name]))]],
      ),
    },
    about: p.t('privacy:export.readme.files.record'),
  };
}

function accountEntry(p: Person): Entry {
  const accounts = p.accounts.map(({ portal_id: _, ...account }) => account);
  return { files: { 'portal-account.json': json(accounts) }, about: p.t('privacy:export.readme.files.portalAccount') };
}

/** The records on which some tab of the person's showed them notes (or attachments), as a condition on `records`. */
const shownOn = (shown: Shown[]) => (eb: ExpressionBuilder<DB, 'records'>) => eb.or(shown.map(({ ctx, tab }) => rowScope(ctx, tab.moduleId)(eb)));

/** On behalf of someone: whether the requester's portal shows notes (or files) on the subject's module. */
function behalfShows(p: Person, what: 'notes' | 'attachments'): boolean {
  const tab = visibleTabs(p.behalf?.ctx).find((t) => t.moduleId === p.subject.module_id);
  return tab !== undefined && tab[what] !== 'none';
}

/** Notes about the person, by the rule at the top of this file, in one query. */
async function notesEntry(db: Database, p: Person, shown: Shown[], names: Map<string, string>): Promise<Entry> {
  const self = [...p.self];
  const tabs = shown.filter((s) => s.tab.notes !== 'none');
  const behalf = p.behalf && behalfShows(p, 'notes');
  const rows = await db
    .selectFrom('notes')
    .selectAll('notes')
    .$if(p.behalf !== undefined, (q) =>
      q
        .where('notes.record_id', '=', p.subject.id)
        .where('notes.internal', '=', false)
        .where((eb) => (behalf ? eb.val(true) : eb.and([eb('notes.author_kind', '=', 'portal'), eb('notes.author_id', 'in', self)]))),
    )
    .$if(p.behalf === undefined, (q) =>
      q.where((eb) =>
        eb.or([
          eb('notes.record_id', '=', p.subject.id),
          ...(self.length ? [eb.and([eb('notes.author_kind', '=', 'portal'), eb('notes.author_id', 'in', self)])] : []),
          ...(tabs.length
            ? [eb.and([eb('notes.internal', '=', false), eb('notes.record_id', 'in', eb.selectFrom('records').select('records.id').where(shownOn(tabs)))])]
            : []),
        ]),
      ),
    )
    .where((eb) => eb.or([eb('notes.author_kind', '=', 'staff'), ...(self.length ? [eb('notes.author_id', 'in', self)] : [])]))
    .orderBy('notes.created_at')
    .orderBy('notes.id')
    .execute();
  const notes = rows.map((n) => ({
    id: n.id,
    record_id: n.record_id,
    record: names.get(n.record_id) ?? null,
    created_at: n.created_at,
    author: actorOf(p, n.author_kind, n.author_id),
    internal: n.internal,
    body: n.body,
  }));
  const header = ['id', 'record', 'recordId', 'createdAt', 'author', 'internal', 'body'].map((c) => column(p, c));
  const lines = notes.map((n) => [
    n.id,
    n.record ?? '',
    n.record_id,
    n.created_at.toISOString(),
    actorText(p, n.author),
    cellText(p, undefined, n.internal),
    n.body,
  ]);
  return { files: { 'notes.json': json(notes), 'notes.csv': csv(header, lines) }, about: p.t('privacy:export.readme.files.notes') };
}

/** Attachments about the person, by the same rule as notes: the list, then each file. */
async function attachmentEntries(db: Database, p: Person, shown: Shown[], names: Map<string, string>): Promise<Entry[]> {
  const self = [...p.self];
  const tabs = shown.filter((s) => s.tab.attachments !== 'none');
  const behalf = p.behalf && behalfShows(p, 'attachments');
  const rows = await db
    .selectFrom('attachments')
    .selectAll('attachments')
    .$if(p.behalf !== undefined, (q) =>
      q
        .where('attachments.record_id', '=', p.subject.id)
        .where('attachments.internal', '=', false)
        .where((eb) => (behalf ? eb.val(true) : eb.and([eb('attachments.author_kind', '=', 'portal'), eb('attachments.author_id', 'in', self)]))),
    )
    .$if(p.behalf === undefined, (q) =>
      q.where((eb) =>
        eb.or([
          eb('attachments.record_id', '=', p.subject.id),
          ...(self.length ? [eb.and([eb('attachments.author_kind', '=', 'portal'), eb('attachments.author_id', 'in', self)])] : []),
          ...(tabs.length
            ? [
                eb.and([
                  eb('attachments.internal', '=', false),
                  eb('attachments.record_id', 'in', eb.selectFrom('records').select('records.id').where(shownOn(tabs))),
                ]),
              ]
            : []),
        ]),
      ),
    )
    .where((eb) => eb.or([eb('attachments.author_kind', '=', 'staff'), ...(self.length ? [eb('attachments.author_id', 'in', self)] : [])]))
    .orderBy('attachments.created_at')
    .orderBy('attachments.id')
    .execute();
  const list = rows.map((a) => ({
    id: a.id,
    record_id: a.record_id,
    record: names.get(a.record_id) ?? null,
    filename: a.filename,
    content_type: a.content_type,
    size: a.size,
    created_at: a.created_at,
    author: actorOf(p, a.author_kind, a.author_id),
    internal: a.internal,
    file: `files/${a.id}-${cleanFilename(a.filename)}`,
  }));
  return [
    { files: { 'attachments.json': json(list) }, about: p.t('privacy:export.readme.files.attachments') },
    ...list.map((a, i) => ({
      files: { [a.file]: new Uint8Array(rows[i]?.content ?? []) },
      about: p.t('privacy:export.readme.files.file', { filename: a.filename }),
    })),
  ];
}

async function consentEntry(db: Database, p: Person): Promise<Entry> {
  const rows = await db
    .selectFrom('consent_events')
    .select(['at', 'actor_kind', 'actor_id', 'source', 'changes'])
    .where('record_id', '=', p.subject.id)
    .orderBy('at')
    .orderBy('id')
    .execute();
  const events = rows.map((e) => ({ at: e.at, actor: actorOf(p, e.actor_kind, e.actor_id), source: e.source, changes: e.changes }));
  const change = ([name, [before, after]]: [string, [unknown, unknown]]) => {
    const field = p.meta.byName.get(name);
    return `${field ? fieldLabel(p.t, p.lang, field) : name}: ${cellText(p, field, before)} → ${cellText(p, field, after)}`;
  };
  const header = ['at', 'actor', 'source', 'changes'].map((c) => column(p, c));
  const lines = events.map((e) => [
    e.at.toISOString(),
    actorText(p, e.actor),
    p.t(`privacy:export.sources.${e.source}`),
    Object.entries(e.changes).map(change).join('; '),
  ]);
  return {
    files: { 'consent-history.json': json(events), 'consent-history.csv': csv(header, lines) },
    about: p.t('privacy:export.readme.files.consent'),
  };
}

async function invitationsEntry(db: Database, p: Person): Promise<Entry> {
  const accounts = p.accounts.map((a) => a.id);
  const rows = accounts.length
    ? await db
        .selectFrom('portal_invitations')
        .select(['portal_user_id', 'created_at', 'expires_at', 'accepted_at', 'revoked_at'])
        .where('portal_user_id', 'in', accounts)
        .orderBy('created_at')
        .orderBy('id')
        .execute()
    : [];
  return { files: { 'invitations.json': json(rows) }, about: p.t('privacy:export.readme.files.invitations') };
}

async function requestsEntry(db: Database, p: Person): Promise<Entry> {
  const requests = await db
    .selectFrom('privacy_requests')
    .selectAll()
    .where('record_id', '=', p.subject.id)
    .$if(p.behalf !== undefined, (q) => q.where('portal_user_id', '=', p.behalf?.requesterId as string))
    .orderBy('submitted_at')
    .orderBy('number')
    .execute();
  const events = requests.length
    ? await db
        .selectFrom('privacy_request_events')
        .select(['request_id', 'event', 'at', 'details'])
        .where(
          'request_id',
          'in',
          requests.map((r) => r.id),
        )
        .orderBy('at')
        .orderBy('id')
        .execute()
    : [];
  const eventsOf = groupBy(events, (e) => e.request_id);
  const list = requests.map((r) => ({
    number: r.number,
    kind: r.kind,
    status: r.status,
    details: r.details,
    requested_by: actorOf(p, r.requested_by_kind, r.requested_by_id),
    language: r.language,
    submitted_at: r.submitted_at,
    due_at: r.due_at,
    extended_at: r.extended_at,
    extension_reason: r.extension_reason,
    rejection_reason: r.rejection_reason,
    closed_at: r.closed_at,
    outcome: r.outcome,
    events: (eventsOf.get(r.id) ?? []).map(({ request_id: _, ...e }) => e),
  }));
  return { files: { 'privacy-requests.json': json(list) }, about: p.t('privacy:export.readme.files.privacyRequests') };
}

/** What the audit trail says of the person's record and accounts, and what their accounts did; nobody else's ids. */
async function auditEntry(db: Database, p: Person): Promise<Entry> {
  const self = p.accounts.map((a) => a.id);
  if (p.behalf) return { files: { 'audit.json': json([]) }, about: p.t('privacy:export.readme.files.audit') };
  const rows = await db
    .selectFrom('audit_log')
    .select(['at', 'actor_kind', 'actor_id', 'action', 'target_type', 'target_id', 'details'])
    .where((eb) =>
      eb.or([
        eb.and([eb('target_type', '=', 'record'), eb('target_id', '=', p.subject.id)]),
        ...(self.length
          ? [
              eb.and([eb('target_type', '=', 'portal_user'), eb('target_id', 'in', self)]),
              eb.and([eb('actor_kind', '=', 'portal'), eb('actor_id', 'in', self)]),
            ]
          : []),
      ]),
    )
    .orderBy('at')
    .orderBy('id')
    .execute();
  const entries = rows.map((a) => ({
    at: a.at,
    action: a.action,
    actor: actorOf(p, a.actor_kind, a.actor_id),
    target: a.target_type ? { type: a.target_type, id: a.target_id } : null,
    details: a.details,
  }));
  return { files: { 'audit.json': json(entries) }, about: p.t('privacy:export.readme.files.audit') };
}
