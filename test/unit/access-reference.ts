// ACCESS.md computed over plain arrays, with no SQL and nothing shared with
// src/access: the property tests compare the engine with this.
// The read rules (scope, masks, files, notes, actions, reasons); the Actions
// table for writes is in access-reference-writes.ts.

export type RefTab = {
  moduleId: string;
  kind: 'base' | 'related' | 'public';
  shown: boolean;
  filterFieldId: string | null;
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

export type RefWorld = {
  portals: string[];
  types: RefType[];
  users: RefUser[];
  records: RefRecord[];
  fieldPerms: RefFieldPerm[];
  requiredFields: Set<string>;
  attachments: RefAttachment[];
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

export function tabOf(type: RefType, moduleId: string) {
  return type.tabs.find((t) => t.moduleId === moduleId);
}

/** The rows table of ACCESS.md, for one record. */
export function refInScope(w: RefWorld, userId: string, portalId: string, moduleId: string, r: RefRecord): boolean {
  const who = refGetsAnything(w, userId, portalId);
  return who !== undefined && rowsRule(who, moduleId, r, refStandsFor(w, who.user, who.type));
}

/** The rows table for U, with X_U given. */
function rowsRule(who: { user: RefUser; type: RefType }, moduleId: string, r: RefRecord, xu: Set<string>): boolean {
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
  const linked = tab.filterFieldId !== null && r.refs.some((ref) => ref.fieldId === tab.filterFieldId && xu.has(ref.targetId));
  return linked || createdByU;
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
  return refInScope(w, userId, who.user.portalId, r.moduleId, r) ? 'linked_through_lookup' : 'lookup_elsewhere';
}
