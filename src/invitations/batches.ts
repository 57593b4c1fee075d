import { sql, type Transaction } from 'kysely';
import { audit } from '../audit/audit.js';
import type { SignedInStaff } from '../auth/staff.js';
import type { ModuleMeta } from '../crm/metadata.js';
import type { Database } from '../db/database.js';
import type { DB, Field, InvitationBatch, InvitationOutcome, PortalUserType } from '../db/schema.js';
import { isUuid } from '../http/input.js';
import { decodeNameCursor, encodeNameCursor, matchingCandidateIds, reachableRecordIds } from './candidates.js';
import { type InviteDeps, inviteMany } from './invite.js';
import { type FailureReason, PROCESSING_ERROR } from './reasons.js';

// A bulk invitation: a batch row, one queued job per record (queued in the
// transaction that creates the batch), one result per record written by the
// jobs, and the batch marked done when the last result is in.

/** More records than this in one batch is refused: narrow the search instead. */
export const MAX_BATCH = 50_000;

/** What each queued job carries: one record of one batch. */
export type BatchJob = { batchId: string; recordId: string; userTypeId: string; staffId: string; dryRun: boolean };

/** "All matching" is the search as listed: with hideFailed, records whose latest attempt for the type failed stay out. */
export type Selection = { kind: 'matching'; q: string; hideFailed?: boolean } | { kind: 'ids'; ids: string[] };

export type StartBatchResult = { ok: true; batchId: string; total: number } | { ok: false; error: 'nothingChosen' | 'tooMany' };

/**
 * Creates the batch and queues its jobs in one transaction: the batch exists
 * if and only if every one of its records has a job waiting.
 */
export async function startBatch(
  db: Database,
  input: { type: PortalUserType; meta: ModuleMeta; staff: SignedInStaff; dryRun: boolean; selection: Selection },
  enqueue: (trx: Transaction<DB>, jobs: BatchJob[]) => Promise<void>,
): Promise<StartBatchResult> {
  const { type, meta, staff, dryRun, selection } = input;
  return db.transaction().execute(async (trx) => {
    const recordIds =
      selection.kind === 'matching'
        ? await matchingCandidateIds(trx, staff, meta, selection.q, MAX_BATCH, { userTypeId: type.id, hideFailed: selection.hideFailed === true })
        : await reachableRecordIds(trx, staff, meta, selection.ids.slice(0, MAX_BATCH + 1));
    if (recordIds.length === 0) return { ok: false, error: 'nothingChosen' } as const;
    if (recordIds.length > MAX_BATCH) return { ok: false, error: 'tooMany' } as const;
    const batch = await trx
      .insertInto('invitation_batches')
      .values({
        portal_id: type.portal_id,
        user_type_id: type.id,
        user_type_name: type.name,
        base_module_id: type.base_module_id,
        created_by: staff.id,
        dry_run: dryRun,
        total: recordIds.length,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await enqueue(
      trx,
      recordIds.map((recordId) => ({ batchId: batch.id, recordId, userTypeId: type.id, staffId: staff.id, dryRun })),
    );
    await audit(
      trx,
      { kind: 'staff', id: staff.id },
      dryRun ? 'invitation_batch.predicted' : 'invitation_batch.started',
      { type: 'invitation_batch', id: batch.id },
      { portalId: type.portal_id, userTypeId: type.id, total: recordIds.length },
    );
    return { ok: true, batchId: batch.id, total: recordIds.length } as const;
  });
}

/** A batch of the portal, for the staff user who started it or an administrator; anyone else's is not found. */
export async function findBatch(db: Database, portalId: string, batchId: string, staff: SignedInStaff): Promise<InvitationBatch | undefined> {
  if (!isUuid(batchId)) return undefined;
  const batch = await db.selectFrom('invitation_batches').selectAll().where('id', '=', batchId).where('portal_id', '=', portalId).executeTakeFirst();
  return batch && (staff.profile.is_admin || batch.created_by === staff.id) ? batch : undefined;
}

export type BatchSummary = {
  id: string;
  /** The type's name now, or the name it had if it is deleted since. */
  typeName: string;
  typeDeleted: boolean;
  dryRun: boolean;
  total: number;
  status: 'running' | 'done';
  createdAt: Date;
};

/** The portal's latest batches (those of deleted types included) that findBatch would open for this staff user. */
export async function recentBatches(db: Database, portalId: string, staff: SignedInStaff, limit = 10): Promise<BatchSummary[]> {
  let q = db
    .selectFrom('invitation_batches as b')
    .leftJoin('portal_user_types as t', 't.id', 'b.user_type_id')
    .select([
      'b.id',
      sql<string>`coalesce(t.name, b.user_type_name)`.as('typeName'),
      sql<boolean>`(b.user_type_id is null)`.as('typeDeleted'),
      'b.dry_run as dryRun',
      'b.total',
      'b.status',
      'b.created_at as createdAt',
    ])
    .where('b.portal_id', '=', portalId);
  if (!staff.profile.is_admin) q = q.where('b.created_by', '=', staff.id);
  return q.orderBy('b.created_at', 'desc').orderBy('b.id').limit(limit).execute();
}

export type BatchProgress = { processed: number; sent: number; failed: number; wouldSend: number };

/** How many of the batch's records have an outcome, by outcome: one grouped count. */
export async function batchProgress(db: Database, batchId: string): Promise<BatchProgress> {
  const rows = await db
    .selectFrom('invitation_results')
    .select(['outcome', (eb) => eb.fn.countAll<string>().as('n')])
    .where('batch_id', '=', batchId)
    .groupBy('outcome')
    .execute();
  const n = (o: InvitationOutcome) => Number(rows.find((r) => r.outcome === o)?.n ?? 0);
  return { processed: n('sent') + n('failed') + n('would_send'), sent: n('sent'), failed: n('failed'), wouldSend: n('would_send') };
}

/**
 * Marks the batch done once every record has its result. Run after each
 * group commits: whichever group commits last sees every result and closes
 * the batch; the status condition makes a second closing a no-op.
 */
export async function finishBatchIfDone(db: Database, batchId: string): Promise<boolean> {
  const done = await db
    .updateTable('invitation_batches')
    .set({ status: 'done', finished_at: sql<Date>`now()` })
    .where('id', '=', batchId)
    .where('status', '=', 'running')
    .where(sql<boolean>`total <= (select count(*) from invitation_results r where r.batch_id = ${batchId})`)
    .executeTakeFirst();
  return done.numUpdatedRows > 0n;
}

export type QueuedInvite = {
  jobId: string;
  job: BatchJob;
  /** The job's last attempt: if it fails too, the record is given an outcome anyway so the batch can finish. */
  final?: boolean;
};
export type QueuedOutcome = { ok: true } | { ok: false; error: string };

/**
 * Runs fetched jobs: one inviteMany (one transaction) per batch, type, staff
 * user and mode, so thousands of records take a few hundred transactions.
 * When a group fails as a whole, its records are retried one by one, so one
 * bad record fails only its own job and the rest of the group goes through.
 */
export async function runQueuedInvites(
  deps: InviteDeps,
  queued: QueuedInvite[],
  onGroupError: (err: unknown, job: BatchJob, size: number) => void,
): Promise<Map<string, QueuedOutcome>> {
  const groups = new Map<string, QueuedInvite[]>();
  for (const item of queued) {
    const { batchId, userTypeId, staffId, dryRun } = item.job;
    const key = `${batchId}|${userTypeId}|${staffId}|${dryRun}`;
    const list = groups.get(key);
    if (list) list.push(item);
    else groups.set(key, [item]);
  }
  const outcomes = new Map<string, QueuedOutcome>();
  for (const items of groups.values()) {
    const first = (items[0] as QueuedInvite).job;
    const group = { userTypeId: first.userTypeId, staffId: first.staffId, batchId: first.batchId, dryRun: first.dryRun };
    try {
      await inviteMany(deps, { ...group, recordIds: items.map((i) => i.job.recordId) });
      for (const i of items) outcomes.set(i.jobId, { ok: true });
    } catch (err) {
      onGroupError(err, first, items.length);
      for (const i of items) {
        try {
          await inviteMany(deps, { ...group, recordIds: [i.job.recordId] });
          outcomes.set(i.jobId, { ok: true });
        } catch (one) {
          if (items.length > 1) onGroupError(one, i.job, 1);
          if (i.final && (await recordUnprocessed(deps.db, i.job))) outcomes.set(i.jobId, { ok: true });
          else outcomes.set(i.jobId, { ok: false, error: one instanceof Error ? one.message : String(one) });
        }
      }
    }
    await finishBatchIfDone(deps.db, first.batchId);
  }
  return outcomes;
}

/** A record whose every attempt failed unexpectedly ends as "could not be processed", never left pending. */
async function recordUnprocessed(db: Database, job: BatchJob): Promise<boolean> {
  try {
    await db
      .insertInto('invitation_results')
      .values({
        batch_id: job.batchId,
        record_id: job.recordId,
        user_type_id: job.userTypeId,
        outcome: 'failed',
        reason: PROCESSING_ERROR,
        created_by: job.staffId,
      })
      .onConflict((oc) => oc.doNothing())
      .execute();
    return true;
  } catch {
    return false;
  }
}

export type BatchResultRow = {
  recordId: string;
  /** null when the record no longer exists. */
  name: string | null;
  email: string;
  outcome: InvitationOutcome;
  reason: FailureReason | null;
};
export type BatchResultPage = { rows: BatchResultRow[]; next: string | undefined };

function resultRows(db: Database, batchId: string, address: Field | undefined, outcome: InvitationOutcome | undefined) {
  let q = db
    .selectFrom('invitation_results as ir')
    // UNSCOPED READ: a batch's records, for the staff user who started it or an administrator (findBatch); they were chosen
    // through the starter's record scope (reachableRecordIds, matchingCandidateIds).
    .leftJoin('records as r', 'r.id', 'ir.record_id')
    .select([
      'ir.record_id as recordId',
      'r.display_name as name',
      sql<string>`coalesce(r.data->>${address?.api_name ?? ''}, '')`.as('email'),
      'ir.outcome',
      'ir.reason',
      sql<string>`lower(coalesce(r.display_name, ''))`.as('sort_name'),
    ])
    .where('ir.batch_id', '=', batchId);
  if (outcome) q = q.where('ir.outcome', '=', outcome);
  return q.orderBy(sql`lower(coalesce(r.display_name, ''))`).orderBy('ir.record_id');
}

const toRow = (r: { recordId: string; name: string | null; email: string; outcome: InvitationOutcome; reason: string | null }): BatchResultRow => ({
  recordId: r.recordId,
  name: r.name,
  email: r.email.trim(),
  outcome: r.outcome,
  reason: r.reason as FailureReason | null,
});

/** A page of the batch's results (all, or one outcome) in record name order, keyset-paginated. */
export async function listBatchResults(
  db: Database,
  batchId: string,
  address: Field | undefined,
  query: { outcome?: InvitationOutcome; after?: string | undefined; limit?: number },
): Promise<BatchResultPage> {
  const limit = query.limit ?? 25;
  let q = resultRows(db, batchId, address, query.outcome).limit(limit + 1);
  const cursor = query.after ? decodeNameCursor(query.after) : undefined;
  if (cursor) q = q.where(sql<boolean>`(lower(coalesce(r.display_name, '')), ir.record_id) > (${cursor.name}, ${cursor.id})`);
  const rows = await q.execute();
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { rows: page.map(toRow), next: rows.length > limit && last ? encodeNameCursor(last.sort_name, last.recordId) : undefined };
}

/** Every result of the batch in name order, for the CSV download. */
export async function allBatchResults(db: Database, batchId: string, address: Field | undefined): Promise<BatchResultRow[]> {
  return (await resultRows(db, batchId, address, undefined).execute()).map(toRow);
}
