import { sql } from 'kysely';
import { typeContext } from '../access/context.js';
import { type ExplainReason, explainAccess, usersReaching } from '../access/engine.js';
import { layoutFields, loadModuleMetaById } from '../crm/metadata.js';
import type { Database } from '../db/database.js';
import { containsPattern } from '../db/like.js';
import type { Field, Layout, Module, PortalUserStatus, TabKind, TabReach } from '../db/schema.js';
import { isUuid } from '../http/input.js';

// "Why can this portal user see (or not see) this record": the admin's view of
// the permission engine. Every answer comes from src/access; this module only
// gathers the names an admin reads next to it.

export type ExplainedUser = {
  id: string;
  email: string;
  /** The display name of the user's own record. */
  name: string;
  status: PortalUserStatus;
  portalId: string;
  portalName: string;
  userTypeId: string;
  userTypeName: string;
};

export type ExplainedRecord = { id: string; name: string; module: Module; inRecycleBin: boolean };

export type ExplainedTab = {
  kind: TabKind;
  shown: boolean;
  /** A related tab's records: those linked to the user, or to anyone at the user's company. */
  reach: TabReach;
  canView: boolean;
  canCreate: boolean;
  canEdit: boolean;
  canDelete: boolean;
};

export type ExplainedField = { field: Field; visible: boolean; readOnly: boolean; required: boolean };

export type UserExplanation = {
  user: ExplainedUser;
  record: ExplainedRecord;
  canSee: boolean;
  reason: ExplainReason;
  tab: ExplainedTab | undefined;
  /** The tab's filter-by lookup (related tabs only). */
  lookupField: Field | undefined;
  /** On a company-scoped tab, the colleague at the same account the record's filter-by lookup points to. */
  colleague: { id: string; name: string } | undefined;
  /** The record's layout, undefined when it has none (or it was removed). */
  layout: Layout | undefined;
  /** Whether the tab allows the record's layout; undefined without a tab. */
  layoutAllowed: boolean | undefined;
  /** The fields of the record's layout, in order, with what the user gets of each. */
  fields: ExplainedField[];
};

/** Portal users with their own record's name, portal and type, as pages list them. */
function portalUserRows(db: Database) {
  // UNSCOPED READ: portal users with their own record's name, for the explain page (administrators only).
  return db
    .selectFrom('portal_users as u')
    .innerJoin('records as own', 'own.id', 'u.record_id')
    .innerJoin('portal_user_types as t', 't.id', 'u.user_type_id')
    .innerJoin('portals as p', 'p.id', 'u.portal_id')
    .select([
      'u.id',
      'u.email',
      'u.status',
      'own.display_name as name',
      'p.id as portalId',
      'p.name as portalName',
      't.id as userTypeId',
      't.name as userTypeName',
    ]);
}

function findUser(db: Database, portalUserId: string) {
  return portalUserRows(db).where('u.id', '=', portalUserId).executeTakeFirst();
}

function findRecordRow(db: Database, recordId: string) {
  // UNSCOPED READ: the record an administrator asks about on the explain page, whatever its scope.
  return db.selectFrom('records').select(['id', 'module_id', 'layout_id', 'display_name', 'deleted_at']).where('id', '=', recordId).executeTakeFirst();
}

/** Whether the portal user reaches the record, the rule that decided it and the fields they get; undefined when either does not exist. */
export async function explainForUser(db: Database, portalUserId: string, recordId: string): Promise<UserExplanation | undefined> {
  if (!isUuid(portalUserId) || !isUuid(recordId)) return undefined;
  const [user, row] = await Promise.all([findUser(db, portalUserId), findRecordRow(db, recordId)]);
  if (!user || !row) return undefined;
  const meta = await loadModuleMetaById(db, row.module_id);
  if (!meta) return undefined;
  const explanation = await explainAccess(db, { portalUserId }, recordId);
  const { tab, mask } = explanation;
  const layout = meta.layouts.find((l) => l.id === row.layout_id);
  const lookupFieldId = explanation.lookupFieldId ?? (tab?.kind === 'related' ? tab.filterFieldId : null);
  const colleague = explanation.colleagueId ? await findRecordRow(db, explanation.colleagueId) : undefined;
  return {
    user,
    record: { id: row.id, name: row.display_name, module: meta.module, inRecycleBin: row.deleted_at !== null },
    canSee: explanation.inScope,
    reason: explanation.reason,
    tab: tab && {
      kind: tab.kind,
      shown: tab.shown,
      reach: tab.reach,
      canView: tab.canView,
      // A public module is view only, whatever else is configured.
      canCreate: tab.kind !== 'public' && tab.canCreate,
      canEdit: tab.kind !== 'public' && tab.canEdit,
      canDelete: tab.kind !== 'public' && tab.canDelete,
    },
    lookupField: lookupFieldId ? meta.byId.get(lookupFieldId) : undefined,
    colleague: colleague && { id: colleague.id, name: colleague.display_name },
    layout,
    layoutAllowed: tab ? row.layout_id !== null && tab.layoutIds.includes(row.layout_id) : undefined,
    fields: layoutFields(meta, layout ?? meta.defaultLayout).map((field) => ({
      field,
      visible: mask.visible.has(field.id),
      readOnly: mask.readOnly.has(field.id),
      required: mask.required.has(field.id),
    })),
  };
}

export type RecordAudience = {
  record: ExplainedRecord;
  groups: { portalId: string; portalName: string; userTypeId: string; userTypeName: string; users: { id: string; email: string; name: string }[] }[];
};

/**
 * Every active portal user who reaches the record, per portal and user type:
 * one query per user type that has a tab for the record's module (a handful
 * at most), never one per user.
 */
export async function portalUsersSeeing(db: Database, recordId: string): Promise<RecordAudience | undefined> {
  if (!isUuid(recordId)) return undefined;
  const row = await findRecordRow(db, recordId);
  if (!row) return undefined;
  const meta = await loadModuleMetaById(db, row.module_id);
  if (!meta) return undefined;
  const types = await db
    .selectFrom('portal_user_types as t')
    .innerJoin('portals as p', 'p.id', 't.portal_id')
    .select(['t.id', 't.name', 'p.id as portalId', 'p.name as portalName'])
    .where((eb) =>
      eb.exists(
        eb.selectFrom('portal_type_tabs as tab').select(sql`1`.as('one')).whereRef('tab.user_type_id', '=', 't.id').where('tab.module_id', '=', row.module_id),
      ),
    )
    .orderBy('p.position')
    .orderBy('p.name')
    .orderBy('t.position')
    .orderBy('t.name')
    .execute();
  const groups = await Promise.all(
    types.map(async (type) => {
      const ctx = await typeContext(db, type.id);
      const users = ctx ? await usersReaching(db, ctx, { id: row.id, moduleId: row.module_id }) : [];
      return {
        portalId: type.portalId,
        portalName: type.portalName,
        userTypeId: type.id,
        userTypeName: type.name,
        users: users.map((u) => ({ id: u.id, email: u.email, name: u.display_name })),
      };
    }),
  );
  return {
    record: { id: row.id, name: row.display_name, module: meta.module, inRecycleBin: row.deleted_at !== null },
    groups: groups.filter((g) => g.users.length > 0),
  };
}

export const USER_CHOICES_MAX = 200;

export type PortalUserChoice = ExplainedUser;

/**
 * Portal users to pick from, by name, at most USER_CHOICES_MAX of them,
 * optionally narrowed by a search on name or email; the user already chosen
 * is always among them.
 */
export async function portalUserChoices(db: Database, opts: { search?: string; include?: string }): Promise<{ users: PortalUserChoice[]; more: boolean }> {
  const search = opts.search?.trim().slice(0, 100) ?? '';
  const pattern = containsPattern(search);
  const rows = await portalUserRows(db)
    .$if(search !== '', (q) => q.where((eb) => eb.or([eb('u.email', 'ilike', pattern), eb('own.display_name', 'ilike', pattern)])))
    .orderBy('own.display_name')
    .orderBy('u.email')
    .orderBy('u.id')
    .limit(USER_CHOICES_MAX + 1)
    .execute();
  const more = rows.length > USER_CHOICES_MAX;
  const users = rows.slice(0, USER_CHOICES_MAX);
  const include = opts.include;
  if (include && isUuid(include) && !users.some((u) => u.id === include)) {
    const chosen = await findUser(db, include);
    if (chosen) users.push(chosen);
  }
  return { users, more };
}

/** How many matches a name search lists (and the explain page suggests as one types). */
export const SEARCH_MAX = 20;

/** The text a search looks for: trimmed, at most 100 characters. */
const searchText = (text: string | undefined) => text?.trim().slice(0, 100) ?? '';

/** Portal users whose name or email contains the text, by name, at most SEARCH_MAX of them, in one query. */
export async function searchPortalUsers(db: Database, text: string | undefined): Promise<{ users: PortalUserChoice[]; more: boolean }> {
  const search = searchText(text);
  if (!search) return { users: [], more: false };
  const pattern = containsPattern(search);
  const rows = await portalUserRows(db)
    .where((eb) => eb.or([eb('u.email', 'ilike', pattern), eb('own.display_name', 'ilike', pattern)]))
    .orderBy('own.display_name')
    .orderBy('u.email')
    .orderBy('u.id')
    .limit(SEARCH_MAX + 1)
    .execute();
  return { users: rows.slice(0, SEARCH_MAX), more: rows.length > SEARCH_MAX };
}

export type RecordMatch = { id: string; name: string; module: Module };

/**
 * Live records whose display name contains the text, by name, at most
 * SEARCH_MAX of them, in one query: within the modules the portal user's type
 * has tabs for, or in every module when `everywhere` (or without a user).
 */
export async function searchRecords(
  db: Database,
  opts: { text: string | undefined; portalUserId?: string | undefined; everywhere?: boolean },
): Promise<{ records: RecordMatch[]; more: boolean }> {
  const search = searchText(opts.text);
  if (!search) return { records: [], more: false };
  const userId = !opts.everywhere && opts.portalUserId && isUuid(opts.portalUserId) ? opts.portalUserId : undefined;
  // UNSCOPED READ: records found by name for the explain page (administrators only), whatever their scope.
  const rows = await db
    .selectFrom('records as r')
    .innerJoin('modules as m', 'm.id', 'r.module_id')
    .selectAll('m')
    .select(['r.id as recordId', 'r.display_name as recordName'])
    .where('r.deleted_at', 'is', null)
    .where('m.deleted_at', 'is', null)
    .where('r.display_name', 'ilike', containsPattern(search))
    .$if(userId !== undefined, (q) =>
      q.where('r.module_id', 'in', (eb) =>
        eb
          .selectFrom('portal_type_tabs as tab')
          .innerJoin('portal_users as pu', 'pu.user_type_id', 'tab.user_type_id')
          .select('tab.module_id')
          .where('pu.id', '=', userId as string),
      ),
    )
    .orderBy('r.display_name')
    .orderBy('r.id')
    .limit(SEARCH_MAX + 1)
    .execute();
  const records = rows.slice(0, SEARCH_MAX).map(({ recordId, recordName, ...module }) => ({ id: recordId, name: recordName, module }));
  return { records, more: rows.length > SEARCH_MAX };
}
