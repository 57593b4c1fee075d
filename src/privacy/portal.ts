import type { AccessContext } from '../access/context.js';
import { type PrivacySubject, privacySubject, privacySubjects } from '../access/privacy.js';
import { loadModuleMetaById } from '../crm/metadata.js';
import { type RecordData, updateRecordIn } from '../crm/records.js';
import type { Database } from '../db/database.js';
import type { ConsentEvent, PrivacyRequest, PrivacyRequestEvent } from '../db/schema.js';
import { isUuid } from '../http/input.js';
import { CONSENT_CHANNELS, type ConsentChannel, withChannelConsent } from './consent.js';
import { readyArchive } from './export-store.js';
import { fileRequest, type PrivacyDeps } from './requests.js';

// The portal's Data privacy page: what it reads (in three statements after
// the session: the user's subjects, their consent history, their requests)
// and what it writes, always through the engine's privacy subjects.

export type PortalPrivacy = {
  subjects: PrivacySubject[];
  history: Map<string, ConsentEvent[]>;
  requests: (PrivacyRequest & { export_status: string | null; export_expires_at: Date | null })[];
};

export async function portalPrivacy(db: Database, ctx: AccessContext | undefined): Promise<PortalPrivacy | undefined> {
  const subjects = await privacySubjects(db, ctx);
  const user = ctx?.user;
  if (!user || subjects.length === 0) return undefined;
  const ids = subjects.map((s) => s.id);
  const [events, requests] = await Promise.all([
    db.selectFrom('consent_events').selectAll().where('record_id', 'in', ids).orderBy('at', 'desc').orderBy('id', 'desc').limit(500).execute(),
    db
      .selectFrom('privacy_requests as r')
      .leftJoin('privacy_exports as x', 'x.request_id', 'r.id')
      .selectAll('r')
      .select(['x.status as export_status', 'x.expires_at as export_expires_at'])
      // Only what they filed: a request the record's own person filed is theirs, not this user's.
      .where('r.portal_user_id', '=', user.id)
      .orderBy('r.submitted_at', 'desc')
      .limit(200)
      .execute(),
  ]);
  const history = new Map<string, ConsentEvent[]>();
  for (const e of events) history.set(e.record_id, [...(history.get(e.record_id) ?? []), e]);
  return { subjects, history, requests };
}

export const isChannel = (v: unknown): v is ConsentChannel => CONSENT_CHANNELS.includes(v as ConsentChannel);

export type ConsentWrite = { ok: true } | { ok: false; status: 404 | 409 | 422 };

/** Gives or withdraws consent for one channel on a record the user speaks for; recorded in its consent history. */
export async function setPortalConsent(
  db: Database,
  ctx: AccessContext | undefined,
  input: { recordId: string; channel: unknown; give: boolean; version: number; today: string },
): Promise<ConsentWrite> {
  const user = ctx?.user;
  const subject = user ? await privacySubject(db, ctx, input.recordId) : undefined;
  if (!user || !subject) return { ok: false, status: 404 };
  if (!isChannel(input.channel)) return { ok: false, status: 422 };
  const channel = input.channel;
  const meta = await loadModuleMetaById(db, subject.moduleId);
  if (!meta) return { ok: false, status: 404 };
  return db.transaction().execute(async (trx): Promise<ConsentWrite> => {
    // UNSCOPED READ: the privacy subject U speaks for, found just above through privacySubject; read again, locked, to write it.
    const record = await trx.selectFrom('records').selectAll().where('id', '=', subject.id).where('deleted_at', 'is', null).forUpdate().executeTakeFirst();
    if (!record) return { ok: false, status: 404 };
    if (record.version !== input.version) return { ok: false, status: 409 };
    const data = withChannelConsent(record.data as RecordData, channel, input.give, input.today) as RecordData;
    const saved = await updateRecordIn(trx, { kind: 'portal', id: user.id, ownerId: user.invitedBy }, meta, record, data, record.version);
    return saved.ok ? { ok: true } : { ok: false, status: 409 };
  });
}

/** A request filed from the portal, about a record the user speaks for. */
export async function filePortalRequest(
  db: Database,
  deps: PrivacyDeps,
  ctx: AccessContext | undefined,
  input: { recordId: string; kind: unknown; details: string; language: string },
) {
  const user = ctx?.user;
  const subject = user ? await privacySubject(db, ctx, input.recordId) : undefined;
  if (!user || !subject) return { ok: false, problem: 'subject' } as const;
  return fileRequest(db, deps, {
    recordId: subject.id,
    kind: input.kind,
    details: input.details,
    requester: { kind: 'portal', id: user.id, language: input.language },
  });
}

/** A request the user may follow: one they filed, while they still have a Data privacy page. */
export async function portalRequest(db: Database, ctx: AccessContext | undefined, requestId: string) {
  const user = ctx?.user;
  if (!user || !isUuid(requestId)) return undefined;
  const subjects = await privacySubjects(db, ctx);
  if (subjects.length === 0) return undefined;
  const request = await db
    .selectFrom('privacy_requests as r')
    .leftJoin('privacy_exports as x', 'x.request_id', 'r.id')
    .selectAll('r')
    .select(['x.status as export_status', 'x.expires_at as export_expires_at', 'x.filename as export_filename', 'x.size as export_size'])
    .where('r.id', '=', requestId)
    .where('r.portal_user_id', '=', user.id)
    .executeTakeFirst();
  if (!request) return undefined;
  const events: PrivacyRequestEvent[] = await db
    .selectFrom('privacy_request_events')
    .selectAll()
    .where('request_id', '=', request.id)
    .orderBy('at')
    .orderBy('id')
    .execute();
  return { request, events, subject: subjects.find((s) => s.id === request.record_id) };
}

/** The archive of an export the user may download: theirs, ready, and not yet expired. */
export async function portalExportFile(db: Database, ctx: AccessContext | undefined, requestId: string) {
  const found = await portalRequest(db, ctx, requestId);
  if (found?.request.kind !== 'export') return undefined;
  return readyArchive(db, found.request.id);
}
