import { sql } from 'kysely';
import { type ConfigSnapshot, snapshotFor } from '../db/config-snapshot.js';
import type { Database } from '../db/database.js';
import type { Labels, PortalTypeTab, PortalUserStatus, TabAccess, TabKind, TabReach } from '../db/schema.js';
import { PRIVACY_FIELD_NAMES } from '../privacy/consent.js';
import { accountLookup } from './account-lookup.js';

// Everything the engine needs about one portal user, read fresh on every
// request: access is never cached across requests (ACCESS.md, "Changes take
// effect at once").

export type TabConfig = {
  moduleId: string;
  kind: TabKind;
  shown: boolean;
  /** F(M): the lookup of a related module that points at the base module. */
  filterFieldId: string | null;
  /**
   * A related tab's reach: 'mine', the records whose F(M) points into X_U; 'company', those whose F(M) points
   * into X_U ∪ C_U (C_U, the colleagues: the records of B, not in the recycle bin, whose account lookup points
   * to the same account as R_U's). Plus, either way, the records of M created by U. Other kinds: 'mine'.
   */
  reach: TabReach;
  /** The base module's account lookup (see account-lookup.ts), null when it has none: then C_U is empty. */
  accountFieldId: string | null;
  /** L(M): the layouts whose records the tab reaches. */
  layoutIds: string[];
  canView: boolean;
  canCreate: boolean;
  canEdit: boolean;
  canDelete: boolean;
  viewMode: 'list' | 'canvas';
  notes: TabAccess;
  attachments: TabAccess;
  /** The tab's own name per language, over the module's plural label. */
  labels: Labels;
};

export type FieldPermission = { visible: boolean; readOnly: boolean; required: boolean };

export type AccessUser = {
  id: string;
  recordId: string;
  userTypeId: string;
  portalId: string;
  invitedBy: string;
  status: PortalUserStatus;
  /** Their own record (R_U) is in the recycle bin: until it is restored they get nothing. */
  recordDeleted: boolean;
};

/** Whether U gets anything at all: active, with their own record not in the recycle bin. */
export const getsAnything = (user: AccessUser | undefined): user is AccessUser => user?.status === 'active' && !user.recordDeleted;

export type AccessContext = {
  /** Undefined when previewing a user type rather than a portal user. */
  user: AccessUser | undefined;
  /** R_U: the user's own record of the base module (a sample record in a type preview). */
  recordId: string;
  userTypeId: string;
  portalId: string;
  baseModuleId: string;
  tabs: Map<string, TabConfig>;
  /** Layout id → field id → permission; a field without a row is hidden. */
  fields: Map<string, Map<string, FieldPermission>>;
  /** Previews are read-only whatever the configuration grants. */
  readOnly: boolean;
  /** With GDPR compliance on and privacy fields on the base module, U has a Data privacy page. */
  privacyPage: boolean;
};

/**
 * The context for a portal user on a request to `portalId`, or undefined
 * when the user gets nothing at all: not active, their type or portal gone,
 * or the request is for another portal.
 */
export async function loadAccessContext(db: Database, opts: { portalUserId: string; portalId: string }): Promise<AccessContext | undefined> {
  const user = await loadAccessUser(db, opts.portalUserId);
  if (!getsAnything(user) || user.portalId !== opts.portalId) return undefined;
  return buildContext(db, user.userTypeId, user.recordId, user, false);
}

/** The user with their type, whatever their status; undefined when the user, their type or portal is gone. */
export async function loadAccessUser(db: Database, portalUserId: string): Promise<AccessUser | undefined> {
  const row = await db
    .selectFrom('portal_users as u')
    .innerJoin('portal_user_types as t', 't.id', 'u.user_type_id')
    .innerJoin('portals as p', (j) => j.onRef('p.id', '=', 't.portal_id').onRef('p.id', '=', 'u.portal_id'))
    // UNSCOPED READ: the user's own record R_U, by the id on their account; only whether it is in the recycle bin is read.
    .leftJoin('records as own', 'own.id', 'u.record_id')
    .select(['u.id', 'u.record_id', 'u.user_type_id', 'u.portal_id', 'u.invited_by', 'u.status', 'own.deleted_at as own_deleted_at'])
    .where('u.id', '=', portalUserId)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    id: row.id,
    recordId: row.record_id,
    userTypeId: row.user_type_id,
    portalId: row.portal_id,
    invitedBy: row.invited_by,
    status: row.status,
    recordDeleted: row.own_deleted_at !== null,
  };
}

/** The context of an active user, whatever portal the request is for (explain and previews). */
export function buildUserContext(db: Database, user: AccessUser, readOnly = true): Promise<AccessContext | undefined> {
  return buildContext(db, user.userTypeId, user.recordId, user, readOnly);
}

/** A read-only context for user type T, standing in for a user whose own record is `sampleRecordId`. */
export async function previewContext(db: Database, opts: { userTypeId: string; sampleRecordId: string }): Promise<AccessContext | undefined> {
  return buildContext(db, opts.userTypeId, opts.sampleRecordId, undefined, true);
}

/** A read-only context holding only T's configuration: for the type-wide scopes (access diff, who sees a record). */
export function typeContext(db: Database, userTypeId: string): Promise<AccessContext | undefined> {
  return buildContext(db, userTypeId, '', undefined, true);
}

/** A read-only context showing exactly what an existing portal user sees (undefined when they see nothing). */
export async function previewUserContext(db: Database, portalUserId: string): Promise<AccessContext | undefined> {
  const user = await loadAccessUser(db, portalUserId);
  if (!getsAnything(user)) return undefined;
  return buildContext(db, user.userTypeId, user.recordId, user, true);
}

/** One tab row as stored in `portal_type_tabs`, whether saved or proposed. */
export type TabRowConfig = Pick<
  PortalTypeTab,
  | 'module_id'
  | 'kind'
  | 'shown'
  | 'filter_field_id'
  | 'reach'
  | 'layout_ids'
  | 'can_view'
  | 'can_create'
  | 'can_edit'
  | 'can_delete'
  | 'view_mode'
  | 'notes'
  | 'attachments'
  | 'labels'
>;

/** One field permission row of a layout as stored in `portal_type_fields`, whether saved or proposed. */
export type FieldRowConfig = { field_id: string; visible: boolean; read_only: boolean };

/**
 * A configuration not saved yet: the whole tab set of the type, or the field
 * permissions of one layout (the type's other layouts keep their saved rows).
 */
export type ProposedConfig = { tabs: TabRowConfig[] } | { layoutId: string; fields: FieldRowConfig[] };

/** Like typeContext, with the proposed rows in place of the saved ones: what the engine would apply after saving them. */
export function proposedTypeContext(db: Database, userTypeId: string, proposed: ProposedConfig): Promise<AccessContext | undefined> {
  return buildContext(db, userTypeId, '', undefined, true, proposed);
}

type FieldRow = { layout_id: string; field_id: string; visible: boolean; read_only: boolean; required: boolean };

function savedTabRows(db: Database, userTypeId: string): Promise<TabRowConfig[]> {
  return db.selectFrom('portal_type_tabs').selectAll().where('user_type_id', '=', userTypeId).execute();
}

/** The type's saved field rows, without those of `exceptLayoutId` when given. Removed fields and subform children never appear on their own. */
/** With the organization's GDPR compliance off, privacy fields are in no portal, whatever the field permissions say. */
const privacyFieldsOnlyWithCompliance = sql<boolean>`(f.api_name not in (${sql.join([...PRIVACY_FIELD_NAMES])}) or (select gdpr_enabled from org where id = 1))`;

function savedFieldRows(db: Database, userTypeId: string, exceptLayoutId?: string): Promise<FieldRow[]> {
  return db
    .selectFrom('portal_type_fields as pf')
    .innerJoin('fields as f', 'f.id', 'pf.field_id')
    .innerJoin('layouts as l', (j) => j.onRef('l.id', '=', 'pf.layout_id').onRef('l.module_id', '=', 'f.module_id'))
    .select(['pf.layout_id', 'pf.field_id', 'pf.visible', 'pf.read_only', 'f.required'])
    .where('pf.user_type_id', '=', userTypeId)
    .where('f.deleted_at', 'is', null)
    .where('f.parent_field_id', 'is', null)
    .where(privacyFieldsOnlyWithCompliance)
    .$if(exceptLayoutId !== undefined, (q) => q.where('pf.layout_id', '<>', exceptLayoutId as string))
    .execute();
}

/** Proposed rows of one layout, under the same conditions as the saved ones. */
async function proposedFieldRows(db: Database, layoutId: string, rows: FieldRowConfig[]): Promise<FieldRow[]> {
  if (rows.length === 0) return [];
  const live = await db
    .selectFrom('fields as f')
    .innerJoin('layouts as l', (j) => j.onRef('l.module_id', '=', 'f.module_id').on('l.id', '=', layoutId))
    .select(['f.id', 'f.required'])
    .where(
      'f.id',
      'in',
      rows.map((r) => r.field_id),
    )
    .where('f.deleted_at', 'is', null)
    .where('f.parent_field_id', 'is', null)
    .where(privacyFieldsOnlyWithCompliance)
    .execute();
  const required = new Map(live.map((f) => [f.id, f.required]));
  return rows.flatMap((r) => {
    const req = required.get(r.field_id);
    return req === undefined ? [] : [{ layout_id: layoutId, field_id: r.field_id, visible: r.visible, read_only: r.read_only, required: req }];
  });
}

async function buildContext(
  db: Database,
  userTypeId: string,
  recordId: string,
  user: AccessUser | undefined,
  readOnly: boolean,
  proposed?: ProposedConfig,
): Promise<AccessContext | undefined> {
  const snapshot = proposed ? undefined : snapshotFor(db);
  if (snapshot) return contextFromSnapshot(snapshot, userTypeId, recordId, user, readOnly);
  const type = await db
    .selectFrom('portal_user_types as t')
    .innerJoin('portals as p', 'p.id', 't.portal_id')
    .select(['t.id', 't.portal_id', 't.base_module_id'])
    .select(
      sql<boolean>`(select gdpr_enabled from org where id = 1) and exists (select 1 from fields f where f.module_id = t.base_module_id
        and f.api_name = 'stop_processing' and f.deleted_at is null and f.parent_field_id is null)`.as('privacy_page'),
    )
    .where('t.id', '=', userTypeId)
    .executeTakeFirst();
  if (!type) return undefined;
  const proposedTabs = proposed && 'tabs' in proposed ? proposed.tabs : undefined;
  const proposedFields = proposed && 'fields' in proposed ? proposed : undefined;
  const [tabRows, fieldRows, replacedFieldRows, accountField] = await Promise.all([
    proposedTabs ?? savedTabRows(db, userTypeId),
    savedFieldRows(db, userTypeId, proposedFields?.layoutId),
    proposedFields ? proposedFieldRows(db, proposedFields.layoutId, proposedFields.fields) : [],
    accountLookup(db, type.base_module_id),
  ]);
  const { tabs, fields } = assemble(tabRows, [...fieldRows, ...replacedFieldRows], accountField?.id ?? null);
  return {
    user,
    recordId,
    userTypeId,
    portalId: type.portal_id,
    baseModuleId: type.base_module_id,
    tabs,
    fields,
    readOnly,
    privacyPage: Boolean(type.privacy_page) && !readOnly,
  };
}

/** The context's tabs and field permissions from their rows. */
function assemble(tabRows: TabRowConfig[], fieldRows: FieldRow[], accountFieldId: string | null) {
  const tabs = new Map<string, TabConfig>();
  for (const t of tabRows) {
    tabs.set(t.module_id, {
      moduleId: t.module_id,
      kind: t.kind,
      shown: t.shown,
      filterFieldId: t.filter_field_id,
      reach: t.kind === 'related' ? t.reach : 'mine',
      accountFieldId,
      layoutIds: t.layout_ids,
      canView: t.can_view,
      canCreate: t.can_create,
      canEdit: t.can_edit,
      canDelete: t.can_delete,
      viewMode: t.view_mode,
      // A public module is view only: its notes and files too.
      notes: t.kind === 'public' && t.notes === 'add' ? 'view' : t.notes,
      attachments: t.kind === 'public' && t.attachments === 'add' ? 'view' : t.attachments,
      labels: t.labels ?? {},
    });
  }
  const fields = new Map<string, Map<string, FieldPermission>>();
  for (const f of fieldRows) {
    let perLayout = fields.get(f.layout_id);
    if (!perLayout) {
      perLayout = new Map();
      fields.set(f.layout_id, perLayout);
    }
    perLayout.set(f.field_id, { visible: f.visible, readOnly: f.read_only, required: f.required });
  }
  return { tabs, fields };
}

/** The same context from the request's configuration snapshot: no statement at all. */
function contextFromSnapshot(
  snapshot: ConfigSnapshot,
  userTypeId: string,
  recordId: string,
  user: AccessUser | undefined,
  readOnly: boolean,
): AccessContext | undefined {
  const type = snapshot.types.get(userTypeId);
  if (!type || !snapshot.portalsById.has(type.portalId)) return undefined;
  const { tabs, fields } = assemble(type.tabs, type.fields, type.accountFieldId);
  const base = snapshot.byId.get(type.baseModuleId);
  const privacyPage = Boolean(snapshot.org?.gdpr_enabled) && Boolean(base?.fields.some((f) => f.api_name === 'stop_processing' && !f.parent_field_id));
  return {
    user,
    recordId,
    userTypeId,
    portalId: type.portalId,
    baseModuleId: type.baseModuleId,
    tabs,
    fields,
    readOnly,
    privacyPage: privacyPage && !readOnly,
  };
}
