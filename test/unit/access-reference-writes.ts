import {
  type RefNote,
  type RefRecord,
  type RefTab,
  type RefType,
  type RefWorld,
  refGetsAnything,
  refInScope,
  refMask,
  refStandsFor,
  tabOf,
} from './access-reference.js';

// ACCESS.md's Actions table computed over plain arrays, with no SQL and nothing
// shared with src/access: the write property tests compare the write path with
// this. The read rules it builds on live in access-reference.ts.

/** A field of a module; a lookup names the module its targets are in. */
export type RefField = { id: string; moduleId: string; lookup: boolean; target?: string; computed?: boolean };

/** A layout of a module, with the fields its sections place: a form in it shows no other. */
export type RefLayout = { id: string; moduleId: string; fields: string[] };

export type RefWriteWorld = RefWorld & { notes: RefNote[]; fields: RefField[]; layouts: RefLayout[] };

/** The tab U reaches M through: shown, with view permission (a base tab always, for R_U). */
function usableTab(type: RefType, moduleId: string): RefTab | undefined {
  const tab = tabOf(type, moduleId);
  return tab?.shown && (tab.canView || tab.kind === 'base') ? tab : undefined;
}

/** F(M), the filter-by lookup of a related tab. */
const filterOf = (tab: RefTab | undefined) => (tab?.kind === 'related' ? tab.filterFieldId : null);

/** A portal form of M in one layout. */
export type RefForm = {
  /** Fields the form may name at all: naming any other is naming a hidden field. */
  visible: Set<string>;
  /** Visible fields it may not set: read-only ones, and lookups other than F(M) into a module U has no usable tab for. */
  readOnly: Set<string>;
  /** Fields it shows: placed in the layout's sections and visible. */
  shown: Set<string>;
  /** Fields it lets U set, in the module's order: shown, not read-only, not computed. */
  editable: string[];
  /** Editable fields the CRM requires. */
  required: Set<string>;
};

export function refForm(w: RefWriteWorld, userId: string, portalId: string, moduleId: string, layoutId: string): RefForm {
  const mask = refMask(w, userId, portalId, moduleId, layoutId);
  const who = refGetsAnything(w, userId, portalId);
  const filterId = filterOf(who ? tabOf(who.type, moduleId) : undefined);
  const placed = new Set(w.layouts.find((l) => l.id === layoutId && l.moduleId === moduleId)?.fields ?? []);
  const fields = w.fields.filter((f) => f.moduleId === moduleId);
  // A lookup whose targets U cannot reach through any tab offers nothing to choose.
  const unreachable = (f: RefField) => f.lookup && f.id !== filterId && !(who && f.target && usableTab(who.type, f.target));
  const readOnly = new Set([...mask.readOnly, ...fields.filter((f) => mask.visible.has(f.id) && unreachable(f)).map((f) => f.id)]);
  const shown = new Set(fields.filter((f) => placed.has(f.id) && mask.visible.has(f.id)).map((f) => f.id));
  const editable = fields.filter((f) => shown.has(f.id) && !readOnly.has(f.id) && !f.computed).map((f) => f.id);
  return { visible: mask.visible, readOnly, shown, editable, required: new Set(editable.filter((id) => w.requiredFields.has(id))) };
}

/**
 * The layouts U may create records of M in: those the tab allows whose mask
 * shows every field the CRM requires among those the layout places, computed
 * fields and F(M) (set for U) aside.
 */
export function refCreatableLayouts(w: RefWriteWorld, userId: string, portalId: string, moduleId: string): string[] {
  const who = refGetsAnything(w, userId, portalId);
  const tab = who ? usableTab(who.type, moduleId) : undefined;
  if (!tab) return [];
  const filterId = filterOf(tab);
  const needed = (id: string) => {
    const f = w.fields.find((x) => x.id === id && x.moduleId === moduleId);
    return f !== undefined && w.requiredFields.has(id) && !f.computed && id !== filterId;
  };
  return w.layouts
    .filter((l) => l.moduleId === moduleId && tab.layoutIds.includes(l.id))
    .filter((l) => {
      const visible = refMask(w, userId, portalId, moduleId, l.id).visible;
      return l.fields.every((id) => !needed(id) || visible.has(id));
    })
    .map((l) => l.id);
}

/** A submitted form: field id → the text typed, or for a lookup the id of the record chosen ('' for none). */
export type RefValues = Map<string, string>;

export type RefWriteOp =
  | { op: 'create'; layoutId: string; values: RefValues }
  | { op: 'edit'; recordId: string; values: RefValues; version: number }
  | { op: 'delete'; recordId: string }
  /** Opening the form for a copy of a record. */
  | { op: 'clone'; sourceId: string }
  | { op: 'note'; recordId: string }
  | { op: 'attachment'; recordId: string };

export type RefRefusal =
  | 'user_inactive'
  | 'no_tab'
  | 'not_in_scope'
  | 'public_module'
  | 'no_permission'
  | 'own_record'
  | 'locked'
  /** The tab allows no layout of M: nothing can be created. */
  | 'no_layout'
  /** Every layout the tab allows hides a field the CRM requires: nothing can be created. */
  | 'required_hidden'
  | 'layout_not_allowed'
  | 'hidden_field'
  | 'read_only_field'
  | 'required_missing'
  | 'lookup_outside'
  | 'stale';

/** What an allowed write leaves behind. */
export type RefEffect = {
  op: RefWriteOp['op'];
  moduleId: string;
  /** The record written (edit, delete, note, attachment) or copied (clone); none for a create. */
  recordId?: string;
  /** The layout created or edited in; for a clone, the source's when U may create in it (else the form opens in another creatable one). */
  layoutId?: string;
  /** Fields the form sets, with the value stored (null for an empty one). */
  written: Map<string, string | null>;
  /** Fields the form cannot set: an edit keeps their stored value, a create leaves them empty. */
  kept: string[];
  /** F(M) after a create or edit that sets it: a record of X_U, or on an edit the stored value left as it was. */
  filter?: { fieldId: string; targetId: string };
  /** A create: the record's owner (S) and creator (U). */
  ownerId?: string;
  createdBy?: string;
  /**
   * A clone: for each layout the copy may be made in, what its form starts
   * with — the source's visible values of the fields that form lets U set, and
   * F(M) at R_U when the form shows it and the source gives it no value.
   */
  prefill?: Map<string, Map<string, string>>;
};

export type RefWriteResult =
  | { ok: true; effect: RefEffect }
  | { ok: false; status: 'signed_out' | 403 | 404 | 409 | 422; reasons: RefRefusal[]; fields: string[] };

type Refused = Extract<RefWriteResult, { ok: false }>;

const refused = (status: Refused['status'], reasons: RefRefusal[], fields: string[] = []): Refused => ({ ok: false, status, reasons, fields });

/** The stored value of one field of a record: a text value, or a lookup's target. */
export function refValueOf(r: RefRecord, fieldId: string): string | null {
  return r.refs.find((ref) => ref.fieldId === fieldId)?.targetId ?? r.values?.[fieldId] ?? null;
}

/**
 * Whether U may make this write on M through portal P, and what it leaves
 * behind; when refused, the answer and every reason that refuses it at that
 * answer (a form naming both a hidden and a read-only field gives both).
 */
export function refWrite(w: RefWriteWorld, userId: string, portalId: string, moduleId: string, op: RefWriteOp): RefWriteResult {
  const who = refGetsAnything(w, userId, portalId);
  if (!who) return refused('signed_out', ['user_inactive']);
  const { user, type } = who;
  const tab = usableTab(type, moduleId);
  if (!tab) return refused(404, ['no_tab']);
  const moduleFields = w.fields.filter((f) => f.moduleId === moduleId);
  const filterId = filterOf(tab);
  const xu = refStandsFor(w, user, type);
  const record = (id: string) => {
    const r = w.records.find((x) => x.id === id);
    return r && refInScope(w, userId, portalId, moduleId, r) ? r : undefined;
  };
  const mayCreate = tab.kind !== 'public' && tab.canView && tab.canCreate;
  const creatable = refCreatableLayouts(w, userId, portalId, moduleId);
  const noLayout = (): RefRefusal => (w.layouts.some((l) => l.moduleId === moduleId && tab.layoutIds.includes(l.id)) ? 'required_hidden' : 'no_layout');

  /** The form checks of a create or an edit in one layout, and what it would write. */
  const form = (layoutId: string, values: RefValues, existing: RefRecord | undefined): Refused | Omit<RefEffect, 'op'> => {
    const shape = refForm(w, userId, portalId, moduleId, layoutId);
    const named = [...values.keys()].filter((id) => moduleFields.some((f) => f.id === id));
    const formReasons = new Set<RefRefusal>();
    for (const id of named) {
      if (!shape.visible.has(id)) formReasons.add('hidden_field');
      else if (shape.readOnly.has(id)) formReasons.add('read_only_field');
    }
    if (formReasons.size) return refused(422, [...formReasons]);
    const reasons = new Set<RefRefusal>();
    const bad: string[] = [];
    const written = new Map<string, string | null>();
    let filter: RefEffect['filter'];
    const outside = (id: string) => {
      reasons.add('lookup_outside');
      bad.push(id);
    };
    for (const id of shape.editable) {
      const f = moduleFields.find((x) => x.id === id) as RefField;
      // A field the form shows is always submitted; one left out is an empty one.
      const value = (values.get(id) ?? '').trim();
      // A lookup left at its stored target keeps it, whatever that target is.
      const unchanged = f.lookup && existing !== undefined && value !== '' && value === refValueOf(existing, id);
      if (id === filterId) {
        // F(M) is forced into X_U: R_U when none is chosen, never a record outside.
        if (unchanged) filter = { fieldId: id, targetId: value };
        else if (value && !xu.has(value)) outside(id);
        else filter = { fieldId: id, targetId: value || user.recordId };
        continue;
      }
      if (!value && shape.required.has(id)) {
        reasons.add('required_missing');
        bad.push(id);
      }
      // Any other lookup is chosen by id among the targets U reaches.
      if (f.lookup && value && !unchanged) {
        const target = w.records.find((r) => r.id === value);
        if (!target || !f.target || !refInScope(w, userId, portalId, f.target, target)) outside(id);
      }
      written.set(id, value || null);
    }
    if (reasons.size) return refused(422, [...reasons], bad);
    // A create sets F(M) whether or not the form lets U set it; an edit that does not keeps it.
    if (filterId && !filter && !existing) filter = { fieldId: filterId, targetId: user.recordId };
    const kept = moduleFields.filter((f) => !written.has(f.id) && f.id !== filter?.fieldId).map((f) => f.id);
    return { moduleId, layoutId, written, kept, filter };
  };

  switch (op.op) {
    case 'create': {
      if (tab.kind === 'public') return refused(403, ['public_module']);
      if (!mayCreate) return refused(403, ['no_permission']);
      // No layout to create in: no create at all.
      if (creatable.length === 0) return refused(403, [noLayout()]);
      if (!creatable.includes(op.layoutId)) return refused(422, ['layout_not_allowed']);
      const checked = form(op.layoutId, op.values, undefined);
      if ('ok' in checked) return checked;
      return { ok: true, effect: { op: 'create', ...checked, ownerId: user.invitedBy, createdBy: user.id } };
    }
    case 'edit': {
      const r = record(op.recordId);
      if (!r?.layoutId) return refused(404, ['not_in_scope']);
      if (tab.kind === 'public') return refused(403, ['public_module']);
      if (!tab.canEdit) return refused(403, ['no_permission']);
      if (r.state !== 'active') return refused(403, ['locked']);
      const checked = form(r.layoutId, op.values, r);
      if ('ok' in checked) return checked;
      if (op.version !== r.version) return refused(409, ['stale']);
      return { ok: true, effect: { op: 'edit', ...checked, recordId: r.id } };
    }
    case 'delete': {
      const r = record(op.recordId);
      if (!r) return refused(404, ['not_in_scope']);
      const reasons: RefRefusal[] = [];
      if (tab.kind === 'public') reasons.push('public_module');
      if (!tab.canDelete) reasons.push('no_permission');
      if (moduleId === type.baseModuleId && r.id === user.recordId) reasons.push('own_record');
      if (reasons.length) return refused(403, reasons);
      return { ok: true, effect: { op: 'delete', moduleId, recordId: r.id, written: new Map(), kept: [] } };
    }
    case 'clone': {
      // The create form, prefilled from a source in scope: a form U would not get is not drawn at all.
      const r = record(op.sourceId);
      if (!r?.layoutId) return refused(404, ['not_in_scope']);
      if (tab.kind === 'public') return refused(404, ['public_module']);
      if (!mayCreate) return refused(404, ['no_permission']);
      if (creatable.length === 0) return refused(404, [noLayout()]);
      const visible = refMask(w, userId, portalId, moduleId, r.layoutId).visible;
      const prefill = new Map<string, Map<string, string>>();
      for (const layoutId of creatable) {
        const shape = refForm(w, userId, portalId, moduleId, layoutId);
        const start = new Map<string, string>();
        if (filterId && shape.shown.has(filterId)) start.set(filterId, user.recordId);
        for (const id of shape.editable) {
          const value = refValueOf(r, id);
          if (visible.has(id) && value !== null) start.set(id, value);
        }
        prefill.set(layoutId, start);
      }
      const layoutId = creatable.includes(r.layoutId) ? r.layoutId : undefined;
      return { ok: true, effect: { op: 'clone', moduleId, recordId: r.id, layoutId, written: new Map(), kept: [], prefill } };
    }
    case 'note':
    case 'attachment': {
      const r = record(op.recordId);
      if (!r) return refused(404, ['not_in_scope']);
      // Public modules are view only, whatever else is configured.
      if (tab.kind === 'public') return refused(403, ['public_module']);
      if ((op.op === 'note' ? tab.notes : tab.attachments) !== 'add') return refused(403, ['no_permission']);
      return { ok: true, effect: { op: op.op, moduleId, recordId: r.id, written: new Map(), kept: [] } };
    }
  }
}
