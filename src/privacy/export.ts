import { strToU8, zipSync } from 'fflate';
import { type ExpressionBuilder, sql, type Transaction } from 'kysely';
import { type AccessContext, loadAccessContext, previewUserContext, type TabConfig } from '../access/context.js';
import { fieldMask, maskRecordData, pageInScope, rowScope, visibleTabs } from '../access/engine.js';
import { utcToZonedInput } from '../crm/field-types.js';
import { fieldLabel, loadModuleMetaById, type ModuleMeta, moduleLabel, picklistValueLabel } from '../crm/metadata.js';
import { cleanFilename } from '../crm/notes.js';
import { collectLookupIds, displayName, lookupNames, type RecordData } from '../crm/records.js';
import type { Database } from '../db/database.js';
import type { CrmRecord, DB, Field, PrivacyRequest } from '../db/schema.js';
import { type T, translator } from '../i18n/i18n.js';
import { type Language, matchLanguage } from '../i18n/languages.js';
import { csvLine } from '../invitations/outcomes-csv.js';
import { lookupTargets } from '../portals/portal-pages.js';
import { PRIVACY_FIELD_NAMES } from './consent.js';

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

const EXPORT_DAYS = 7;
/** Records read per query while walking a tab's scope. */
const SCOPE_PAGE = 500;
// A byte order mark, so that spreadsheet apps read accents right.
const BOM = '\uFEFF';

type Account = Awaited<ReturnType<typeof accountsOf>>[number];

type Person = {
  request: PrivacyRequest;
  subject: CrmRecord;
  meta: ModuleMeta;
  accounts: Account[];
  /** The person's own portal user ids: what they did is marked as theirs. */
  self: Set<string>;
  /** Filed by a portal user for a record they created: the archive holds what that user may see of it. */
  behalf: { ctx: AccessContext | undefined; requesterId: string } | undefined;
  t: T;
  lang: Language;
  org: { name: string; time_zone: string };
};

/** Someone who did something, as the person may read it: themselves, or only the kind of anyone else. */
type Actor = { kind: 'portal'; self: true } | { kind: 'staff' | 'portal' | 'system' };

const actorOf = (p: Person, kind: Actor['kind'], id: string | null): Actor =>
  kind === 'portal' && id !== null && p.self.has(id) ? { kind, self: true } : { kind };

const actorText = (p: Person, actor: Actor) => p.t(`privacy:export.actors.${'self' in actor ? 'you' : actor.kind}`);

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

/** Builds the request's archive and keeps it for EXPORT_DAYS days, replacing an earlier one. */
export async function storeExport(db: Database, requestId: string): Promise<{ filename: string; size: number }> {
  const archive = await buildExportArchive(db, requestId);
  return db.transaction().execute((trx) => saveExport(trx, requestId, archive));
}

/** Keeps a built archive for EXPORT_DAYS days, in the caller's transaction. */
export async function saveExport(trx: Transaction<DB>, requestId: string, { filename, bytes }: { filename: string; bytes: Uint8Array }) {
  const ready = {
    status: 'ready' as const,
    filename,
    size: bytes.byteLength,
    content: Buffer.from(bytes),
    ready_at: sql<Date>`now()`,
    expires_at: sql<Date>`now() + make_interval(days => ${EXPORT_DAYS})`,
    error: null,
  };
  await trx
    .insertInto('privacy_exports')
    .values({ request_id: requestId, ...ready })
    .onConflict((oc) => oc.column('request_id').doUpdateSet(ready))
    .execute();
  return { filename, size: bytes.byteLength };
}

/** A request's archive while it may be downloaded: built, and not yet past its 7 days. */
export function readyArchive(db: Database, requestId: string) {
  return db
    .selectFrom('privacy_exports')
    .select(['filename', 'content'])
    .where('request_id', '=', requestId)
    .where('status', '=', 'ready')
    .where('expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst();
}

/** Drops the content of archives past their expiry; returns how many. */
export async function expireExports(db: Database): Promise<number> {
  const result = await db
    .updateTable('privacy_exports')
    .set({ content: null, status: 'expired' })
    .where('status', '=', 'ready')
    .where('expires_at', '<=', sql<Date>`now()`)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

async function loadPerson(db: Database, requestId: string): Promise<Person> {
  const request = await db.selectFrom('privacy_requests').selectAll().where('id', '=', requestId).executeTakeFirstOrThrow();
  const [subject, ownAccounts, org, requester] = await Promise.all([
    // UNSCOPED READ: worker job building the export of a request an administrator accepted: the person's own record.
    db.selectFrom('records').selectAll().where('id', '=', request.record_id).executeTakeFirstOrThrow(),
    accountsOf(db, request.record_id),
    db.selectFrom('org').select(['name', 'time_zone']).where('id', '=', 1).executeTakeFirstOrThrow(),
    request.portal_user_id
      ? db.selectFrom('portal_users').select(['id', 'record_id', 'portal_id']).where('id', '=', request.portal_user_id).executeTakeFirst()
      : undefined,
  ]);
  const meta = await loadModuleMetaById(db, subject.module_id);
  if (!meta) throw new Error(`privacy export ${request.number}: the module of record ${subject.id} is gone`);
  const lang = matchLanguage(request.language) ?? 'en';
  const onBehalf = requester !== undefined && requester.record_id !== subject.id;
  const behalf = onBehalf
    ? {
        requesterId: requester.id,
        ctx: (await loadAccessContext(db, { portalUserId: requester.id, portalId: requester.portal_id })) ?? (await previewUserContext(db, requester.id)),
      }
    : undefined;
  const accounts = behalf ? [] : ownAccounts;
  const self = new Set(behalf ? [behalf.requesterId] : accounts.map((a) => a.id));
  return { request, subject, meta, accounts, self, behalf, t: translator(lang), lang, org };
}

/** The person's portal accounts, column by column: a password hash or second-factor key is never read. */
function accountsOf(db: Database, recordId: string) {
  return db
    .selectFrom('portal_users as u')
    .innerJoin('portals as p', 'p.id', 'u.portal_id')
    .leftJoin('two_factor as tf', (j) => j.onRef('tf.user_id', '=', 'u.id').on('tf.user_kind', '=', 'portal'))
    .select(['u.id', 'u.portal_id', 'p.name as portal', 'u.email', 'u.status', 'u.language', 'u.time_format', 'u.time_zone', 'u.country'])
    .select(['u.created_at', 'u.invited_at', 'u.activated_at', 'u.deactivated_at', 'u.last_login_at'])
    .select(sql<boolean>`tf.enabled_at is not null`.as('two_factor_enabled'))
    .where('u.record_id', '=', recordId)
    .orderBy('u.created_at')
    .orderBy('u.id')
    .execute();
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group) group.push(item);
    else groups.set(key(item), [item]);
  }
  return groups;
}

/** Files of the archive and what the README says of them. */
type Entry = { files: Record<string, Uint8Array>; about: string };

const json = (value: unknown) => strToU8(`${JSON.stringify(value, null, 2)}\n`);
const csv = (header: string[], rows: string[][]) => strToU8(BOM + csvLine(header) + rows.map(csvLine).join(''));

type Ref = { id: string; name: string | null };

/** A field's value as exported: a lookup as its target's name and id, in subform rows too. */
function exportValue(meta: ModuleMeta, field: Field, value: unknown, names: Map<string, string>): unknown {
  const ref = (id: unknown): unknown => (typeof id === 'string' ? ({ id, name: names.get(id) || null } satisfies Ref) : id);
  if (field.type === 'lookup') return ref(value);
  if (field.type === 'subform' && Array.isArray(value)) {
    const lookups = (meta.children.get(field.id) ?? []).filter((c) => c.type === 'lookup');
    return (value as Record<string, unknown>[]).map((row) => ({
      ...row,
      ...Object.fromEntries(lookups.map((c) => [c.api_name, ref(row[c.api_name] ?? null)])),
    }));
  }
  return value;
}

const exportFields = (meta: ModuleMeta, fields: Field[], data: Record<string, unknown>, names: Map<string, string>) =>
  Object.fromEntries(fields.map((f) => [f.api_name, exportValue(meta, f, data[f.api_name] ?? null, names)]));

/** An exported value as a spreadsheet cell, with picklist labels in the person's language. */
function cellText(p: Person, field: Field | undefined, value: unknown): string {
  if (value === null || value === undefined) return '';
  if (field?.type === 'lookup' && typeof value === 'object') {
    const { id, name } = value as Ref;
    return name ? `${name} (${id})` : id;
  }
  if (field?.type === 'picklist' && typeof value === 'string') return picklistValueLabel(p.t, p.lang, field, value);
  if (field?.type === 'multiselect' && Array.isArray(value)) return value.map((v) => picklistValueLabel(p.t, p.lang, field, String(v))).join('; ');
  if (typeof value === 'boolean') return p.t(`privacy:export.values.${value ? 'yes' : 'no'}`);
  if (value instanceof Date) return value.toISOString();
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

const column = (p: Person, name: string) => p.t(`privacy:export.columns.${name}`);

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

type PortalRecord = {
  portal_user_id: string;
  portal: string;
  module: string;
  id: string;
  name: string;
  created_at: Date;
  updated_at: Date;
  created_by_you: boolean;
  /** Only the fields the portal showed; absent when no tab of theirs shows the module. */
  fields?: Record<string, unknown>;
};

/** A tab of one of the person's portal accounts, with that account's access. */
type Shown = { ctx: AccessContext; tab: TabConfig };

/**
 * The records each account reaches in its portal and those it created, as the
 * permission engine lets it see them. Public tabs are left out: they show
 * every visitor the same records, none of them about the person.
 */
async function portalEntries(db: Database, p: Person) {
  const metas = new Map<string, Promise<ModuleMeta | undefined>>();
  const metaOf: MetaOf = (moduleId) => {
    const meta = metas.get(moduleId) ?? loadModuleMetaById(db, moduleId);
    metas.set(moduleId, meta);
    return meta;
  };
  const perAccount = await Promise.all(p.accounts.map((account) => accountRecords(db, p, account, metaOf)));
  const records = perAccount.flatMap((a) => a.records);
  const loaded = new Map((await Promise.all(metas.values())).flatMap((m) => (m ? [[m.module.api_name, m] as const] : [])));
  const byModule = groupBy(records, (r) => r.module);
  const entries: Entry[] = [{ files: { 'portal-records.json': json(records) }, about: p.t('privacy:export.readme.files.portalRecords') }];
  for (const [apiName, rows] of byModule) {
    const meta = loaded.get(apiName);
    const fields = meta?.fields.filter((f) => rows.some((r) => r.fields && Object.hasOwn(r.fields, f.api_name))) ?? [];
    const header = ['portal', 'id', 'name', 'createdAt', 'createdByYou'].map((c) => column(p, c));
    const lines = rows.map((r) => [
      r.portal,
      r.id,
      r.name,
      r.created_at.toISOString(),
      cellText(p, undefined, r.created_by_you),
      ...fields.map((f) => cellText(p, f, r.fields?.[f.api_name])),
    ]);
    entries.push({
      files: { [`portal-records-${apiName}.csv`]: csv([...header, ...fields.map((f) => fieldLabel(p.t, p.lang, f))], lines) },
      about: p.t('privacy:export.readme.files.portalRecordsModule', { module: meta ? moduleLabel(p.t, p.lang, meta.module, 'plural') : apiName }),
    });
  }
  return {
    entries,
    shown: perAccount.flatMap((a) => a.shown),
    names: records.map((r): [string, string] => [r.id, r.name]),
  };
}

type MetaOf = (moduleId: string) => Promise<ModuleMeta | undefined>;

async function accountRecords(db: Database, p: Person, account: Account, metaOf: MetaOf) {
  const ctx = (await loadAccessContext(db, { portalUserId: account.id, portalId: account.portal_id })) ?? (await previewUserContext(db, account.id));
  const tabs = visibleTabs(ctx).filter((tab) => tab.kind !== 'public');
  const [scoped, created] = await Promise.all([
    Promise.all(tabs.map((tab) => allInScope(db, ctx, tab.moduleId))),
    // UNSCOPED READ: worker job: the records the person's own portal account created, for that person's export.
    db
      .selectFrom('records')
      .innerJoin('modules', 'modules.id', 'records.module_id')
      .selectAll('records')
      .select('modules.api_name')
      .where('records.created_by_portal_user_id', '=', account.id)
      .where('records.deleted_at', 'is', null)
      .orderBy('records.created_at')
      .orderBy('records.id')
      .execute(),
  ]);
  const apiNames = new Map(created.map((r) => [r.module_id, r.api_name]));
  const inScope = new Set(scoped.flat().map((r) => r.id));
  const reached = [...scoped.flat(), ...created.filter((c) => !inScope.has(c.id))].filter((r) => r.id !== p.subject.id);
  const byModule = groupBy(reached, (r: CrmRecord) => r.module_id);
  const records: PortalRecord[] = [];
  for (const [moduleId, rows] of byModule) {
    const meta = await metaOf(moduleId);
    const module = meta?.module.api_name ?? apiNames.get(moduleId) ?? '';
    const base = (r: CrmRecord) => ({
      portal_user_id: account.id,
      portal: account.portal,
      module,
      id: r.id,
      created_at: r.created_at,
      updated_at: r.updated_at,
      created_by_you: r.created_by_portal_user_id === account.id,
    });
    if (!ctx || !meta || !tabs.some((t) => t.moduleId === moduleId)) {
      // No tab of theirs shows the module: its fields, its name among them, are not theirs to read.
      records.push(...rows.map((r) => ({ ...base(r), name: '' })));
      continue;
    }
    const shown = rows.map((r) => {
      const mask = fieldMask(ctx, moduleId, r.layout_id);
      return { r, fields: meta.fields.filter((f) => mask.visible.has(f.id)), data: maskRecordData(mask, meta, r.data as Record<string, unknown>) };
    });
    const targets = await lookupTargets(db, ctx, collectLookupIds(meta, shown, meta.fields), () => '');
    const names = new Map([...targets].map(([id, target]) => [id, target.name]));
    for (const { r, fields, data } of shown) {
      records.push({ ...base(r), name: displayName(meta, data as RecordData), fields: exportFields(meta, fields, data, names) });
    }
  }
  return { records, shown: ctx ? tabs.map((tab): Shown => ({ ctx, tab })) : [] };
}

/** Every record of a module in the account's scope, a page per query. */
async function allInScope(db: Database, ctx: AccessContext | undefined, moduleId: string): Promise<CrmRecord[]> {
  const rows: CrmRecord[] = [];
  let after: { value: string | null; id: string } | undefined;
  do {
    const page = await pageInScope(db, ctx, moduleId, { dir: 'asc', limit: SCOPE_PAGE, after });
    rows.push(...page.rows);
    after = page.next;
  } while (after);
  return rows;
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

function readme(p: Person, entries: Entry[], today: string): string {
  const t = (key: string, values: Record<string, string> = {}) => p.t(`privacy:export.readme.${key}`, values);
  const files = entries.map((e) => `${Object.keys(e.files).join(', ')}\n    ${e.about}`);
  return [
    t('title', { org: p.org.name }),
    t('intro', { org: p.org.name, number: String(p.request.number), date: today }),
    t('formats'),
    t('filesTitle'),
    ...files,
    t('authorsTitle'),
    t('authors'),
    '',
  ].join('\n\n');
}
