// ACCESS.md computed over plain arrays, with no SQL and nothing shared with
// src/access: the property tests compare the engine with this.
// The read rules (scope, masks, files, notes, actions, reasons); the Actions
// table for writes is in access-reference-writes.ts.

export type RefTab = {
  moduleId: string;
  kind: 'base' | 'related' | 'public';
  shown: boolean;
  filterFieldId: string | null;
  /** A related tab's reach: the records linked to the user ('mine', when absent) or to anyone at the user's company. */
  reach?: 'mine' | 'company';
  layoutIds: string[];
  canView: boolean;
  canCreate: boolean;
  canEdit: boolean;
  canDelete: boolean;
  notes: 'none' | 'view' | 'add';
  attachments: 'none' | 'view' | 'add';
};

export type RefType = { id: string; portalId: string; baseModuleId: string; tabs: RefTab[] };

export type RefRecord = {
  id: string;
  moduleId: string;
  layoutId: string | null;
  deleted: boolean;
  state: 'active' | 'pending_approval' | 'under_review';
  createdBy: string | null;
  refs: { fieldId: string; targetId: string }[];
  /** Stored values of the record's text fields, by field id (its lookups are its refs). */
  values?: Record<string, string>;
  version?: number;
};

export type RefUser = {
  id: string;
  portalId: string;
  typeId: string;
  recordId: string;
  status: 'invited' | 'active' | 'deactivated' | 'expired';
  /** S, the staff user who invited U. */
  invitedBy?: string;
};

export type RefFieldPerm = { typeId: string; layoutId: string; fieldId: string; visible: boolean; readOnly: boolean };

export type RefAttachment = { id: string; recordId: string; internal: boolean };

/** A lookup field as the account-lookup rule reads it: its module, its target module's api_name, whether removed or a subform's. */
export type RefLookupField = { id: string; moduleId: string; targetApiName: string; removed: boolean; inSubform: boolean };

export type RefWorld = {
  portals: string[];
  types: RefType[];
  users: RefUser[];
  records: RefRecord[];
  fieldPerms: RefFieldPerm[];
  requiredFields: Set<string>;
  attachments: RefAttachment[];
  /** Lookup fields of base modules, in their order (the first account lookup counts). */
  lookupFields?: RefLookupField[];
};

/**
 * "Who gets anything at all", every condition of it: an active user of a type
 * of this portal whose own record R_U exists and is not in the recycle bin.
 */
export function refGetsAnything(w: RefWorld, userId: string, portalId: string): { user: RefUser; type: RefType } | undefined {
  const user = w.users.find((u) => u.id === userId);
  if (user?.status !== 'active' || user.portalId !== portalId || !w.portals.includes(user.portalId)) return undefined;
  const type = w.types.find((t) => t.id === user.typeId);
  if (!type || type.portalId !== user.portalId) return undefined;
  const own = w.records.find((r) => r.id === user.recordId);
  if (!own || own.deleted) return undefined;
  return { user, type };
}

/** X_U: R_U and the records of B that U created through the portal, none in the recycle bin. */
export function refStandsFor(w: RefWorld, user: RefUser, type: RefType): Set<string> {
  const standsFor = w.records.filter((r) => r.moduleId === type.baseModuleId && !r.deleted && (r.id === user.recordId || r.createdBy === user.id));
  return new Set(standsFor.map((r) => r.id));
}

/**
 * The account lookup of a base module B: B's live, top-level lookup field
 * whose target is the Accounts module (api_name 'accounts'); none, no company reach.
 */
export function refAccountLookup(w: RefWorld, baseModuleId: string): string | undefined {
  return w.lookupFields?.find((f) => f.moduleId === baseModuleId && f.targetApiName === 'accounts' && !f.removed && !f.inSubform)?.id;
}

/**
 * C_U (colleagues): the records of B, not in the recycle bin, whose account
 * lookup points to the same account as R_U's account lookup. Portal users or
 * not, active or not; empty when R_U has no account.
 */
export function refColleagues(w: RefWorld, user: RefUser, type: RefType): Set<string> {
  const field = refAccountLookup(w, type.baseModuleId);
  const own = w.records.find((r) => r.id === user.recordId);
  const accounts = new Set((own?.refs ?? []).filter((ref) => ref.fieldId === field).map((ref) => ref.targetId));
  if (!field || accounts.size === 0) return new Set();
  const sharing = w.records.filter(
    (r) => r.moduleId === type.baseModuleId && !r.deleted && r.refs.some((ref) => ref.fieldId === field && accounts.has(ref.targetId)),
  );
  return new Set(sharing.map((r) => r.id));
}

/** The targets of the record's F(M) in a set of base records, in id order. */
const pointsInto = (r: RefRecord, fieldId: string | null, ids: Set<string>) =>
  r.refs
    .filter((ref) => fieldId !== null && ref.fieldId === fieldId && ids.has(ref.targetId))
    .map((ref) => ref.targetId)
    .sort();

export function tabOf(type: RefType, moduleId: string) {
  return type.tabs.find((t) => t.moduleId === moduleId);
}

/** The rows table of ACCESS.md, for one record. */
export function refInScope(w: RefWorld, userId: string, portalId: string, moduleId: string, r: RefRecord): boolean {
  const who = refGetsAnything(w, userId, portalId);
  return who !== undefined && rowsRule(w, who, moduleId, r, refStandsFor(w, who.user, who.type));
}

/** The rows table for U, with X_U given. */
function rowsRule(w: RefWorld, who: { user: RefUser; type: RefType }, moduleId: string, r: RefRecord, xu: Set<string>): boolean {
  const { user, type } = who;
  const tab = tabOf(type, moduleId);
  if (!tab?.shown) return false;
  if (r.moduleId !== moduleId || r.deleted || r.layoutId === null || !tab.layoutIds.includes(r.layoutId)) return false;
  const isOwn = moduleId === type.baseModuleId && r.id === user.recordId;
  // View permission decides, except that R_U is always viewable.
  if (!tab.canView && !(tab.kind === 'base' && isOwn)) return false;
  const createdByU = r.createdBy === user.id;
  if (tab.kind === 'public') return true;
  if (tab.kind === 'base') return moduleId === type.baseModuleId && (isOwn || createdByU);
  const linked = pointsInto(r, tab.filterFieldId, xu).length > 0;
  // A company-scoped tab: F(M) may point into X_U ∪ C_U.
  const colleague = !linked && tab.reach === 'company' && pointsInto(r, tab.filterFieldId, refColleagues(w, user, type)).length > 0;
  return linked || colleague || createdByU;
}

export function refScope(w: RefWorld, userId: string, portalId: string, moduleId: string): Set<string> {
  return new Set(w.records.filter((r) => refInScope(w, userId, portalId, moduleId, r)).map((r) => r.id));
}

/** Visible and read-only fields of a layout; nothing when the tab does not reach the layout. */
export function refMask(w: RefWorld, userId: string, portalId: string, moduleId: string, layoutId: string) {
  const visible = new Set<string>();
  const readOnly = new Set<string>();
  const required = new Set<string>();
  const who = refGetsAnything(w, userId, portalId);
  if (!who) return { visible, readOnly, required };
  const tab = tabOf(who.type, moduleId);
  const baseOwnOnly = tab?.kind === 'base';
  if (!tab?.shown || (!tab.canView && !baseOwnOnly) || !tab.layoutIds.includes(layoutId)) return { visible, readOnly, required };
  for (const p of w.fieldPerms) {
    if (p.typeId !== who.type.id || p.layoutId !== layoutId || !p.visible) continue;
    visible.add(p.fieldId);
    if (p.readOnly || tab.kind === 'public') readOnly.add(p.fieldId);
    if (w.requiredFields.has(p.fieldId)) required.add(p.fieldId);
  }
  return { visible, readOnly, required };
}

/** Notes, attachments, files: the record in scope, the tab's setting on, never internal. */
export function refCanDownload(w: RefWorld, userId: string, portalId: string, moduleId: string, recordId: string, attachmentId: string): boolean {
  const who = refGetsAnything(w, userId, portalId);
  const a = w.attachments.find((x) => x.id === attachmentId);
  const r = w.records.find((x) => x.id === recordId);
  if (!who || !a || !r || a.recordId !== recordId || a.internal) return false;
  const tab = tabOf(who.type, moduleId);
  if (!tab || tab.attachments === 'none') return false;
  return refInScope(w, userId, portalId, moduleId, r);
}

export type RefNote = { id: string; recordId: string; internal: boolean };

export function refNotes(w: RefWorld & { notes: RefNote[] }, userId: string, portalId: string, moduleId: string, recordId: string): Set<string> {
  const who = refGetsAnything(w, userId, portalId);
  const r = w.records.find((x) => x.id === recordId);
  const tab = who ? tabOf(who.type, moduleId) : undefined;
  if (!who || !r || !tab || tab.notes === 'none' || !refInScope(w, userId, portalId, moduleId, r)) return new Set();
  return new Set(w.notes.filter((n) => n.recordId === recordId && !n.internal).map((n) => n.id));
}

/** The actions table of ACCESS.md for a record in scope. */
export function refActions(w: RefWorld, userId: string, portalId: string, moduleId: string, r: RefRecord) {
  const none = { view: false, create: false, edit: false, delete: false, clone: false };
  const who = refGetsAnything(w, userId, portalId);
  const tab = who ? tabOf(who.type, moduleId) : undefined;
  if (!who || !tab || !refInScope(w, userId, portalId, moduleId, r)) return none;
  if (tab.kind === 'public') return { ...none, view: true };
  const isOwn = moduleId === who.type.baseModuleId && r.id === who.user.recordId;
  const view = tab.canView || isOwn;
  const create = tab.canView && tab.canCreate;
  return { view, create, edit: tab.canEdit && r.state === 'active', delete: tab.canDelete && !isOwn, clone: view && create };
}

/** The first rule that decides, in the order the explain page gives them. */
export function refExplainReason(w: RefWorld, userId: string, r: RefRecord): string {
  const user = w.users.find((u) => u.id === userId);
  const who = user ? refGetsAnything(w, userId, user.portalId) : undefined;
  if (!who) return 'user_inactive';
  const { type } = who;
  const tab = tabOf(type, r.moduleId);
  if (!tab) return 'no_tab';
  if (!tab.shown) return 'tab_hidden';
  const isOwn = r.moduleId === type.baseModuleId && r.id === who.user.recordId;
  if (!tab.canView && !(tab.kind === 'base' && isOwn)) return 'no_view_permission';
  if (r.layoutId === null || !tab.layoutIds.includes(r.layoutId)) return 'layout_not_allowed';
  if (r.deleted) return 'recycle_bin';
  if (tab.kind === 'public') return 'public_module';
  const createdByU = r.createdBy === userId;
  if (tab.kind === 'base') return isOwn ? 'own_record' : createdByU ? 'created_by_user' : 'not_own_record';
  if (createdByU) return 'created_by_user';
  if (!refInScope(w, userId, who.user.portalId, r.moduleId, r)) return 'lookup_elsewhere';
  return pointsInto(r, tab.filterFieldId, refStandsFor(w, who.user, type)).length > 0 ? 'linked_through_lookup' : 'linked_through_colleague';
}

/** On 'linked_through_colleague', the colleague explain names: the first (by id) target of F(M) in C_U. */
export function refExplainColleague(w: RefWorld, userId: string, r: RefRecord): string | null {
  const user = w.users.find((u) => u.id === userId);
  const who = user ? refGetsAnything(w, userId, user.portalId) : undefined;
  if (!who || refExplainReason(w, userId, r) !== 'linked_through_colleague') return null;
  return pointsInto(r, tabOf(who.type, r.moduleId)?.filterFieldId ?? null, refColleagues(w, who.user, who.type))[0] ?? null;
}
