import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { PgBoss } from 'pg-boss';
import { type AuditEntry, auditMany } from '../audit/audit.js';
import { generateSessionToken, sessionIdFromToken } from '../auth/sessions.js';
import { activeStaffById, type SignedInStaff } from '../auth/staff.js';
import { loadModuleMeta } from '../crm/metadata.js';
import type { Database } from '../db/database.js';
import type { CrmRecord, DB, Field, InvitationTemplatesTable, Org } from '../db/schema.js';
import { isUuid } from '../http/input.js';
import { isLanguage, type Language } from '../i18n/languages.js';
import { enqueueEmails } from '../mail/outbox.js';
import { renderInvitationEmail } from './invitation-email.js';
import { emailField, emailOf, type FailureReason, failureReason, type InviteFacts, loadFacts } from './reasons.js';
import { INVITATION_DAYS } from './tokens.js';

// Inviting records of a user type's base module: each record ends with exactly
// one outcome — sent (a portal user, a personal link, an email in the outbox,
// all in one transaction), failed with one reason, or, in a dry run, would send.

export type InviteDeps = { db: Database; boss: PgBoss; baseUrl: string };

export type InviteGroup = {
  userTypeId: string;
  staffId: string;
  recordIds: string[];
  /** Outcomes of a batch are recorded once per record: a repeated job changes nothing. */
  batchId?: string | null;
  /** Predict every outcome; send and write nothing but the predictions. */
  dryRun?: boolean;
  now?: Date;
};

export type InviteOutcome =
  | { recordId: string; outcome: 'sent'; portalUserId: string }
  | { recordId: string; outcome: 'would_send' }
  | { recordId: string; outcome: 'failed'; reason: FailureReason };

/**
 * Invites a group of records of one type in one transaction. The type's row is
 * locked for the transaction, so licence counts and "already a portal user"
 * hold for every record of the group however many workers run at once.
 */
export async function inviteMany(deps: InviteDeps, group: InviteGroup): Promise<InviteOutcome[]> {
  const { db } = deps;
  const now = group.now ?? new Date();
  const recordIds = [...new Set(group.recordIds)];
  return db.transaction().execute(async (trx) => {
    const type = await lockUserType(trx, group.userTypeId);
    if (!type) return recordIds.map((recordId) => ({ recordId, outcome: 'failed' as const, reason: 'record_missing' as const }));
    const done = await earlierOutcomes(trx, group.batchId, recordIds);
    const todo = recordIds.filter((id) => !done.has(id));
    if (todo.length === 0) return recordIds.map((id) => done.get(id) as InviteOutcome);

    const batch = await loadBatch(trx, type, group.staffId, todo);
    const { staff } = batch;
    // Decide every outcome first, then write each table once for the whole group.
    const { sends: decided, results } = decideOutcomes(batch, todo, group.dryRun, done);
    const expiresAt = new Date(now.getTime() + INVITATION_DAYS * DAY_MS);
    const sends = decided.length && staff ? await createPortalUsers(trx, type, staff, now, decided, results, done) : decided;
    if (sends.length && staff) {
      await writeInvitationTokens(trx, staff, now, expiresAt, sends);
      await queueInvitationEmails(trx, deps, type, batch.org, expiresAt, sends);
    }
    if (results.length) await recordResults(trx, group.batchId, type, staff, now, results);
    if (!group.dryRun && staff) await auditOutcomes(trx, group.batchId, type, staff, results);
    return recordIds.map((id) => done.get(id) as InviteOutcome);
  });
}

/** The user type with its portal, its row locked until the group's transaction ends. */
function lockUserType(trx: Transaction<DB>, userTypeId: string) {
  return trx
    .selectFrom('portal_user_types as t')
    .innerJoin('portals as p', 'p.id', 't.portal_id')
    .select(['t.id', 't.portal_id', 't.base_module_id', 't.user_limit', 'p.name as portal_name', 'p.slug', 'p.domain', 'p.accent_color', 'p.logo_hash'])
    .where('t.id', '=', userTypeId)
    .forUpdate('t')
    .executeTakeFirst();
}

type LockedUserType = NonNullable<Awaited<ReturnType<typeof lockUserType>>>;

/** Outcomes a batch already recorded for these records (a repeated job). */
async function earlierOutcomes(trx: Transaction<DB>, batchId: string | null | undefined, recordIds: string[]): Promise<Map<string, InviteOutcome>> {
  const done = new Map<string, InviteOutcome>();
  if (batchId) {
    const earlier = await trx
      .selectFrom('invitation_results')
      .select(['record_id', 'outcome', 'reason', 'portal_user_id'])
      .where('batch_id', '=', batchId)
      .where('record_id', 'in', recordIds.length ? recordIds : [''])
      .execute();
    for (const r of earlier) done.set(r.record_id, outcomeOf(r));
  }
  return done;
}

/** What deciding the group's records needs, read once for the whole group. */
type Batch = {
  org: Org;
  staff: SignedInStaff | undefined;
  byId: Map<string, CrmRecord>;
  facts: InviteFacts;
  address: Field | undefined;
  customTemplates: Pick<InvitationTemplatesTable, 'language' | 'subject' | 'body'>[];
  /** Addresses already portal users of the portal; the group's own sends join them as they are decided. */
  taken: Set<string>;
};

async function loadBatch(trx: Transaction<DB>, type: LockedUserType, staffId: string, todo: string[]): Promise<Batch> {
  const [org, meta, staff, records] = await Promise.all([
    trx.selectFrom('org').selectAll().executeTakeFirstOrThrow(),
    trx
      .selectFrom('modules')
      .select('api_name')
      .where('id', '=', type.base_module_id)
      .executeTakeFirst()
      .then((m) => (m ? loadModuleMeta(trx, m.api_name) : undefined)),
    activeStaffById(trx, staffId),
    // UNSCOPED READ: an invitation job's own records, loaded so each outcome can say why; loadFacts refuses those outside
    // the inviting staff user's record scope (staffRecordScope) before anything is sent.
    trx
      .selectFrom('records')
      .selectAll()
      .where('id', 'in', todo.filter(isUuid).length ? todo.filter(isUuid) : ['00000000-0000-0000-0000-000000000000'])
      .where('module_id', '=', type.base_module_id)
      .execute(),
  ]);
  if (!meta) throw new Error(`base module ${type.base_module_id} of user type ${type.id} is gone`);
  const byId = new Map(records.map((r) => [r.id, r]));
  const fields = [...meta.byId.values()];
  const facts = await loadFacts(trx, { org, module: meta.module, fields, userTypeId: type.id, userLimit: type.user_limit, staff, records });
  const address = emailField(fields);
  const customTemplates = await trx.selectFrom('invitation_templates').selectAll().where('portal_id', '=', type.portal_id).execute();
  // A portal signs its users in by address, one user per address: a record whose address is taken in
  // the portal (by another record, or earlier in this group) is refused, not a failed transaction.
  const addresses = [...new Set(records.map((r) => emailOf(r, address).toLowerCase()).filter(Boolean))];
  const taken = new Set(
    addresses.length === 0
      ? []
      : (
          await trx
            .selectFrom('portal_users')
            .select('email')
            .where('portal_id', '=', type.portal_id)
            .where((eb) => eb(eb.fn('lower', ['email']), 'in', addresses))
            .execute()
        ).map((u) => u.email.toLowerCase()),
  );
  return { org, staff, byId, facts, address, customTemplates, taken };
}

/** Each record's outcome in turn: a sent one counts against the licences and takes its address for the records after it. */
function decideOutcomes(batch: Batch, todo: string[], dryRun: boolean | undefined, done: Map<string, InviteOutcome>) {
  const { staff, byId, facts, address, taken } = batch;
  const sends: NewInvitation[] = [];
  const results: InviteOutcome[] = [];
  for (const recordId of todo) {
    if (!isUuid(recordId)) {
      // Not an id at all: nothing to record it under.
      done.set(recordId, { recordId, outcome: 'failed', reason: 'record_missing' });
      continue;
    }
    const record = byId.get(recordId);
    const reason = failureReason(record, facts) ?? (record && taken.has(emailOf(record, address).toLowerCase()) ? 'already_portal_user' : undefined);
    let outcome: InviteOutcome;
    if (reason || dryRun || !record || !staff) {
      outcome = reason ? { recordId, outcome: 'failed', reason } : { recordId, outcome: 'would_send' };
    } else {
      const send = newInvitation(batch, record);
      sends.push(send);
      facts.portalUserRecords.add(record.id);
      outcome = { recordId, outcome: 'sent', portalUserId: send.userId };
    }
    if (outcome.outcome !== 'failed') {
      facts.licencesUsed += 1;
      if (record) taken.add(emailOf(record, address).toLowerCase());
    }
    results.push(outcome);
    done.set(recordId, outcome);
  }
  return { sends, results };
}

/** The portal user a record becomes, its link's token and its email's language and wording. */
function newInvitation(batch: Batch, record: CrmRecord): NewInvitation {
  const own = ownLanguage(record);
  const language = own ?? fallbackLanguage(batch.org.default_language);
  const custom = batch.customTemplates.find((c) => c.language === language);
  return {
    userId: randomUUID(),
    record,
    email: emailOf(record, batch.address),
    language,
    ownLanguage: own,
    token: generateSessionToken(),
    custom: custom ? { subject: custom.subject, body: custom.body } : undefined,
  };
}

/** Creates the group's portal users; those that lost their record or address to another invitation become "already a portal user". */
async function createPortalUsers(
  trx: Transaction<DB>,
  type: LockedUserType,
  staff: SignedInStaff,
  now: Date,
  sends: NewInvitation[],
  results: InviteOutcome[],
  done: Map<string, InviteOutcome>,
): Promise<NewInvitation[]> {
  // Another type's invitation of the same record (or address) may have committed since the
  // facts were read: that record is then already a portal user, not a failed transaction.
  const inserted = await trx
    .insertInto('portal_users')
    .values(
      sends.map((s) => ({
        id: s.userId,
        portal_id: type.portal_id,
        user_type_id: type.id,
        record_id: s.record.id,
        email: s.email,
        status: 'invited' as const,
        invited_by: staff.id,
        invited_at: now,
        // Only the record's own: a person whose record has none reads the portal in their browser's language until they choose.
        language: s.ownLanguage ?? null,
      })),
    )
    .onConflict((oc) => oc.doNothing())
    .returning('id')
    .execute();
  const created = new Set(inserted.map((u) => u.id));
  for (let i = 0; i < results.length; i++) {
    const o = results[i];
    if (o?.outcome === 'sent' && !created.has(o.portalUserId)) {
      const refused: InviteOutcome = { recordId: o.recordId, outcome: 'failed', reason: 'already_portal_user' };
      results[i] = refused;
      done.set(o.recordId, refused);
    }
  }
  return sends.filter((s) => created.has(s.userId));
}

/** The personal links: only their tokens' hashes are stored. */
async function writeInvitationTokens(trx: Transaction<DB>, staff: SignedInStaff, now: Date, expiresAt: Date, sends: NewInvitation[]) {
  await trx
    .insertInto('portal_invitations')
    .values(
      sends.map((s) => ({
        portal_user_id: s.userId,
        token_hash: sessionIdFromToken(s.token),
        invited_by: staff.id,
        created_at: now,
        expires_at: expiresAt,
      })),
    )
    .execute();
}

async function queueInvitationEmails(trx: Transaction<DB>, deps: InviteDeps, type: LockedUserType, org: Org, expiresAt: Date, sends: NewInvitation[]) {
  const emails = await Promise.all(
    sends.map(async (s) => ({
      to: { address: s.email, name: s.record.display_name },
      email: await renderInvitationEmail(deps, {
        portal: { name: type.portal_name, slug: type.slug, domain: type.domain, accent_color: type.accent_color, logo_hash: type.logo_hash },
        org,
        to: { address: s.email, name: s.record.display_name },
        language: s.language,
        token: s.token,
        expiresAt,
        custom: s.custom,
      }),
    })),
  );
  await enqueueEmails(trx, deps.boss, emails);
}

/** One result row per record decided: what the batch's report and a repeated job read. */
async function recordResults(
  trx: Transaction<DB>,
  batchId: string | null | undefined,
  type: LockedUserType,
  staff: SignedInStaff | undefined,
  now: Date,
  results: InviteOutcome[],
) {
  await trx
    .insertInto('invitation_results')
    .values(
      results.map((o) => ({
        batch_id: batchId ?? null,
        record_id: o.recordId,
        user_type_id: type.id,
        outcome: o.outcome,
        reason: o.outcome === 'failed' ? o.reason : null,
        portal_user_id: o.outcome === 'sent' ? o.portalUserId : null,
        created_by: staff?.id ?? null,
        created_at: now,
      })),
    )
    .execute();
}

async function auditOutcomes(
  trx: Transaction<DB>,
  groupBatchId: string | null | undefined,
  type: LockedUserType,
  staff: SignedInStaff,
  results: InviteOutcome[],
) {
  const batchId = groupBatchId ?? null;
  await auditMany(
    trx,
    { kind: 'staff', id: staff.id },
    results.flatMap((o): AuditEntry[] =>
      o.outcome === 'sent'
        ? [
            {
              action: 'portal_user.invited',
              target: { type: 'portal_user', id: o.portalUserId },
              details: { recordId: o.recordId, userTypeId: type.id, batchId },
            },
          ]
        : o.outcome === 'failed'
          ? [
              {
                action: 'portal_user.invitation_failed',
                target: { type: 'record', id: o.recordId },
                details: { reason: o.reason, userTypeId: type.id, batchId },
              },
            ]
          : [],
    ),
  );
}

/** A portal user about to be created by a group, with the token of their link (never stored). */
type NewInvitation = {
  userId: string;
  record: CrmRecord;
  email: string;
  /** The email's language: the record's own, else the organization's. */
  language: Language;
  ownLanguage: Language | undefined;
  token: string;
  custom: { subject: string; body: string } | undefined;
};

const DAY_MS = 24 * 60 * 60 * 1000;

/** One record: the single "Send portal invitation" on a record page. */
export async function inviteRecord(deps: InviteDeps, req: Omit<InviteGroup, 'recordIds'> & { recordId: string }): Promise<InviteOutcome> {
  const [outcome] = await inviteMany(deps, { ...req, recordIds: [req.recordId] });
  return outcome as InviteOutcome;
}

function ownLanguage(record: CrmRecord): Language | undefined {
  const own = (record.data as Record<string, unknown>).language;
  return isLanguage(own) ? own : undefined;
}

function fallbackLanguage(orgDefault: string): Language {
  return isLanguage(orgDefault) ? orgDefault : 'en';
}

function outcomeOf(r: { record_id: string; outcome: string; reason: string | null; portal_user_id: string | null }): InviteOutcome {
  if (r.outcome === 'sent') return { recordId: r.record_id, outcome: 'sent', portalUserId: r.portal_user_id ?? '' };
  if (r.outcome === 'would_send') return { recordId: r.record_id, outcome: 'would_send' };
  return { recordId: r.record_id, outcome: 'failed', reason: r.reason as FailureReason };
}
