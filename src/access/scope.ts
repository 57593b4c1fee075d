import { type Expression, type ExpressionBuilder, type SqlBool, sql } from 'kysely';
import type { Database } from '../db/database.js';
import type { DB } from '../db/schema.js';
import { isUuid } from '../http/input.js';
import type { AccessContext, TabConfig } from './context.js';
import { unknownKind, usableTab } from './rules.js';

// Which records a portal user reaches (ACCESS.md): one condition on `records`
// that lists, counts, details, notes, downloads, the access diff and explain share.

export type RecordsEb = ExpressionBuilder<DB, 'records'>;

export const nothing = sql<SqlBool>`false`;

/**
 * Whose scope a condition describes: one user's values (a request, a preview)
 * or columns of `portal_users as pu` (every user of a type at once, for the
 * access diff and "who sees this record"). Either way the rules are the same code.
 */
type Subject = { recordId: string | Expression<string>; userId: string | Expression<string> | null };

function scopeOf(ctx: AccessContext, moduleId: string, subject: Subject, eb: RecordsEb): Expression<SqlBool> {
  const tab = usableTab(ctx, moduleId);
  if (!tab || tab.layoutIds.length === 0) return nothing;
  const common = [eb('records.module_id', '=', moduleId), eb('records.deleted_at', 'is', null), eb('records.layout_id', 'in', tab.layoutIds)];
  const { recordId, userId } = subject;
  switch (tab.kind) {
    case 'public':
      return eb.and(common);
    case 'base': {
      if (moduleId !== ctx.baseModuleId) return nothing;
      const createdByU = userId !== null ? [eb('records.created_by_portal_user_id', '=', userId)] : [];
      // Without view permission on the base tab only R_U stays viewable.
      const own = eb('records.id', '=', recordId);
      return eb.and([...common, tab.canView ? eb.or([own, ...createdByU]) : own]);
    }
    case 'related':
      return relatedScope(ctx, moduleId, tab, subject, eb, common);
    default:
      return unknownKind(tab.kind, nothing);
  }
}

/**
 * C_U (colleagues), as ids: the records of B, not in the recycle bin, whose
 * account lookup points to the same account as R_U's account lookup. Whether
 * they are portal users, active or deactivated, does not matter. If R_U has no
 * account, C_U is empty; it never crosses to another account. Read by indexes:
 * R_U's account by record_refs' record, the colleagues by field and target.
 */
function colleagues(eb: RecordsEb, ctx: AccessContext, accountFieldId: string, recordId: Subject['recordId']) {
  const ownAccount = eb
    .selectFrom('record_refs as acc')
    .select('acc.target_id')
    .where('acc.record_id', '=', recordId)
    .where('acc.field_id', '=', accountFieldId);
  return (
    eb
      .selectFrom('record_refs as col')
      // UNSCOPED READ: part of the row scope itself: C_U, the base records sharing R_U's account, as ids inside U's condition.
      .innerJoin('records as cu', 'cu.id', 'col.record_id')
      .select('col.record_id')
      .where('col.field_id', '=', accountFieldId)
      .where('col.target_id', 'in', ownAccount)
      .where('cu.module_id', '=', ctx.baseModuleId)
      .where('cu.deleted_at', 'is', null)
  );
}

/** The account lookup a tab's reach compares: only a related tab with company reach, on a base module that has one. */
const companyField = (tab: TabConfig) => (tab.kind === 'related' && tab.reach === 'company' ? tab.accountFieldId : null);

/**
 * A related module's records: one set of ids, each part read by an index
 * (record_refs by field and target, records by their portal creator), so a list
 * walks only U's records, not the module's: the records whose filter-by lookup
 * points at R_U or at a base record U created, and the records U created. A
 * company-scoped tab adds the records whose filter-by lookup points into C_U.
 */
function relatedScope(
  ctx: AccessContext,
  moduleId: string,
  tab: TabConfig,
  { recordId, userId }: Subject,
  eb: RecordsEb,
  common: Expression<SqlBool>[],
): Expression<SqlBool> {
  const filterFieldId = tab.filterFieldId;
  const parts: Expression<unknown>[] = [];
  if (filterFieldId) {
    parts.push(eb.selectFrom('record_refs as rr').select('rr.record_id as id').where('rr.field_id', '=', filterFieldId).where('rr.target_id', '=', recordId));
    if (userId !== null)
      parts.push(
        eb
          .selectFrom('record_refs as rr')
          // UNSCOPED READ: part of the row scope itself: the base records U created (in X_U), as ids inside U's condition.
          .innerJoin('records as xu', 'xu.id', 'rr.target_id')
          .select('rr.record_id as id')
          .where('rr.field_id', '=', filterFieldId)
          .where('xu.module_id', '=', ctx.baseModuleId)
          .where('xu.created_by_portal_user_id', '=', userId)
          .where('xu.deleted_at', 'is', null),
      );
    const accountFieldId = companyField(tab);
    if (accountFieldId)
      parts.push(
        eb
          .selectFrom('record_refs as rr')
          .select('rr.record_id as id')
          .where('rr.field_id', '=', filterFieldId)
          .where('rr.target_id', 'in', colleagues(eb, ctx, accountFieldId, recordId)),
      );
  }
  if (userId !== null)
    parts.push(
      // UNSCOPED READ: part of the row scope itself: the records of M that U created, as ids inside U's condition.
      eb
        .selectFrom('records as xc')
        .select('xc.id')
        .where('xc.created_by_portal_user_id', '=', userId)
        .where('xc.module_id', '=', moduleId)
        // Also in the outer condition; here so the partial index of portal creators serves it.
        .where('xc.deleted_at', 'is', null),
    );
  if (parts.length === 0) return nothing;
  return eb.and([...common, sql<SqlBool>`records.id in (${sql.join(parts, sql` union all `)})`]);
}

/**
 * The records of M that U can reach, as a condition on `records`:
 * `selectFrom('records').where(rowScope(ctx, m))`.
 */
export function rowScope(ctx: AccessContext | undefined, moduleId: string): (eb: RecordsEb) => Expression<SqlBool> {
  return (eb) => (ctx ? scopeOf(ctx, moduleId, { recordId: ctx.recordId, userId: ctx.user?.id ?? null }, eb) : nothing);
}

const subjectColumns: Subject = { recordId: sql.ref<string>('pu.record_id'), userId: sql.ref<string>('pu.id') };

/** The active users of the context's type, as `portal_users as pu`. */
function activeUsersOf(eb: RecordsEb, ctx: AccessContext) {
  return (
    eb
      .selectFrom('portal_users as pu')
      // UNSCOPED READ: each user's own record R_U, joined only to leave out users whose record is in the recycle bin (typeScope).
      // Whose own record is in the recycle bin gets nothing.
      .innerJoin('records as own', (j) => j.onRef('own.id', '=', 'pu.record_id').on('own.deleted_at', 'is', null))
      .where('pu.user_type_id', '=', ctx.userTypeId)
      .where('pu.portal_id', '=', ctx.portalId)
      .where('pu.status', '=', 'active')
  );
}

/**
 * The records of M that at least one active user of the context's type
 * reaches with the context's configuration (its user and sample record are
 * ignored): the access diff compares this for the saved and the proposed configuration.
 */
export function typeScope(ctx: AccessContext | undefined, moduleId: string): (eb: RecordsEb) => Expression<SqlBool> {
  return (eb) => {
    if (!ctx) return nothing;
    const scope = scopeOf(ctx, moduleId, subjectColumns, eb);
    if (scope === nothing) return nothing;
    return eb.exists(
      activeUsersOf(eb, ctx)
        .select(sql`1`.as('one'))
        .where(() => scope),
    );
  };
}

/**
 * The active users of the context's type who reach the record, by id and
 * name: one query per type, whatever the number of users.
 */
export async function usersReaching(db: Database, ctx: AccessContext, record: { id: string; moduleId: string }) {
  // UNSCOPED READ: the users' own records R_U, for their names; only the explain page (administrators) asks who reaches a record.
  return db
    .selectFrom('portal_users as pu')
    .innerJoin('records as own', 'own.id', 'pu.record_id')
    .select(['pu.id', 'pu.email', 'own.display_name'])
    .where('pu.user_type_id', '=', ctx.userTypeId)
    .where('pu.portal_id', '=', ctx.portalId)
    .where('pu.status', '=', 'active')
    .where('own.deleted_at', 'is', null)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('records')
          .select(sql`1`.as('one'))
          .where('records.id', '=', record.id)
          .where((r) => scopeOf(ctx, record.moduleId, subjectColumns, r)),
      ),
    )
    .orderBy('own.display_name')
    .orderBy('pu.id')
    .execute();
}

/**
 * The colleague a record of M is linked to on a company-scoped tab: a target of
 * its F(M) in C_U (explain names them); undefined when there is none.
 */
export async function colleagueLinked(db: Database, ctx: AccessContext, moduleId: string, recordId: string): Promise<string | undefined> {
  const tab = ctx.tabs.get(moduleId);
  const accountFieldId = tab ? companyField(tab) : null;
  if (!tab?.filterFieldId || !accountFieldId) return undefined;
  const filterFieldId = tab.filterFieldId;
  const row = await db
    .selectFrom('record_refs as rr')
    .select('rr.target_id')
    .where('rr.record_id', '=', recordId)
    .where('rr.field_id', '=', filterFieldId)
    // colleagues() is written for conditions on `records`; it names none of this query's tables.
    .where((eb) => eb('rr.target_id', 'in', colleagues(eb as unknown as RecordsEb, ctx, accountFieldId, ctx.recordId)))
    .orderBy('rr.target_id')
    .executeTakeFirst();
  return row?.target_id;
}

export type ForcedLookup = { ok: true; fieldId: string | null; value: string | null } | { ok: false; status: 422; reason: 'lookup_outside_scope' };

/**
 * The value of F(M) for a record U creates on M: the submitted target when it
 * is in X_U, R_U when none was submitted; a target outside X_U is refused.
 * Modules other than related ones force nothing.
 */
export async function forcedLookup(db: Database, ctx: AccessContext, moduleId: string, submitted: string | null | undefined): Promise<ForcedLookup> {
  const tab = ctx.tabs.get(moduleId);
  const fieldId = tab?.kind === 'related' ? tab.filterFieldId : null;
  if (!fieldId) return { ok: true, fieldId: null, value: null };
  if (!submitted || submitted === ctx.recordId) return { ok: true, fieldId, value: ctx.recordId };
  const userId = ctx.user?.id;
  // Anything but an id names no record (and would not reach the database as one).
  const created =
    userId && isUuid(submitted)
      ? await db
          // UNSCOPED READ: only a base record U created (in X_U), by the id U submitted, and only its id: the check that keeps F(M) in X_U.
          .selectFrom('records')
          .select('id')
          .where('id', '=', submitted)
          .where('module_id', '=', ctx.baseModuleId)
          .where('created_by_portal_user_id', '=', userId)
          .where('deleted_at', 'is', null)
          .executeTakeFirst()
      : undefined;
  return created ? { ok: true, fieldId, value: submitted } : { ok: false, status: 422, reason: 'lookup_outside_scope' };
}
