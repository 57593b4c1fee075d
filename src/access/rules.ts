import type { ModuleMeta } from '../crm/metadata.js';
import type { RecordState } from '../db/schema.js';
import type { AccessContext, TabConfig } from './context.js';

// The rules of ACCESS.md that need no database: which tabs U reaches, what U
// may do there, and which fields leave the server or may be written.

/**
 * What a tab of an unknown kind grants: nothing. Typed `never`, so a kind added
 * to TabKind fails to compile wherever a rule does not handle it yet.
 */
export function unknownKind<T>(_kind: never, nothing: T): T {
  return nothing;
}

/**
 * The tab through which U reaches M at all: present, shown, and with view
 * permission (or the base tab, for R_U). Every other rule starts here, so a
 * tab of an unknown kind reaches nothing.
 */
export function usableTab(ctx: AccessContext, moduleId: string): TabConfig | undefined {
  const tab = ctx.tabs.get(moduleId);
  if (!tab?.shown) return undefined;
  switch (tab.kind) {
    case 'base':
      return tab.canView || moduleId === ctx.baseModuleId ? tab : undefined;
    case 'related':
    case 'public':
      return tab.canView ? tab : undefined;
    default:
      return unknownKind(tab.kind, undefined);
  }
}

/** The tabs U sees in the portal's navigation: the base tab, then related ones, then public ones. */
export function visibleTabs(ctx: AccessContext | undefined): TabConfig[] {
  if (!ctx) return [];
  const order = { base: 0, related: 1, public: 2 } as const;
  return [...ctx.tabs.values()].filter((tab) => usableTab(ctx, tab.moduleId)).sort((a, b) => order[a.kind] - order[b.kind]);
}

export type Actions = { view: boolean; create: boolean; edit: boolean; delete: boolean; clone: boolean };

const noActions: Actions = { view: false, create: false, edit: false, delete: false, clone: false };

const lockedStates: ReadonlySet<RecordState> = new Set(['pending_approval', 'under_review']);

/**
 * What U may do on M, or on one record of M that was read through rowScope
 * (this does not check the scope again).
 */
export function allowedActions(ctx: AccessContext | undefined, moduleId: string, record?: { id: string; state: RecordState }): Actions {
  if (!ctx) return noActions;
  const tab = usableTab(ctx, moduleId);
  if (!tab) return noActions;
  const isOwn = record !== undefined && moduleId === ctx.baseModuleId && record.id === ctx.recordId;
  const view = tab.canView || isOwn;
  switch (tab.kind) {
    case 'public':
      return { ...noActions, view: tab.canView };
    case 'base':
    case 'related': {
      if (ctx.readOnly) return { ...noActions, view };
      const create = tab.canView && tab.canCreate;
      return {
        view,
        create,
        edit: tab.canEdit && (!record || !lockedStates.has(record.state)),
        delete: tab.canDelete && !isOwn,
        clone: view && create,
      };
    }
    default:
      return unknownKind(tab.kind, noActions);
  }
}

export type FieldMask = { visible: Set<string>; readOnly: Set<string>; required: Set<string> };

export const emptyMask = (): FieldMask => ({ visible: new Set(), readOnly: new Set(), required: new Set() });

/**
 * The fields of one layout of M that leave the server, those that cannot be
 * written, and those the portal requires. Read-only and required fields are
 * always visible ones; a public module's fields are all read-only.
 */
export function fieldMask(ctx: AccessContext | undefined, moduleId: string, layoutId: string | null): FieldMask {
  const mask = emptyMask();
  if (!ctx || !layoutId) return mask;
  const tab = usableTab(ctx, moduleId);
  if (!tab?.layoutIds.includes(layoutId)) return mask;
  for (const [fieldId, perm] of ctx.fields.get(layoutId) ?? []) {
    if (!perm.visible) continue;
    mask.visible.add(fieldId);
    if (perm.readOnly || tab.kind === 'public') mask.readOnly.add(fieldId);
    if (perm.required) mask.required.add(fieldId);
  }
  return mask;
}

/** The record's data with every field not visible removed; the only way record data reaches portal code. */
export function maskRecordData(mask: FieldMask, meta: Pick<ModuleMeta, 'fields'>, data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of meta.fields) {
    if (mask.visible.has(field.id) && Object.hasOwn(data, field.api_name)) out[field.api_name] = data[field.api_name];
  }
  return out;
}

export type WriteCheck = { ok: true } | { ok: false; status: 422; reason: 'read_only_context' | 'hidden_field' | 'read_only_field'; fieldId?: string };

/** Refuses a submission naming a hidden or read-only field (never silently dropped). */
export function checkWrite(ctx: AccessContext | undefined, mask: FieldMask, submittedFieldIds: Iterable<string>): WriteCheck {
  if (!ctx || ctx.readOnly) return { ok: false, status: 422, reason: 'read_only_context' };
  for (const id of submittedFieldIds) {
    if (!mask.visible.has(id)) return { ok: false, status: 422, reason: 'hidden_field', fieldId: id };
    if (mask.readOnly.has(id)) return { ok: false, status: 422, reason: 'read_only_field', fieldId: id };
  }
  return { ok: true };
}

/** Where F may be read in M: the allowed layouts whose mask makes it visible (none: hidden everywhere). */
export function layoutsShowing(ctx: AccessContext | undefined, moduleId: string, fieldId: string): string[] {
  const tab = ctx ? usableTab(ctx, moduleId) : undefined;
  return tab ? tab.layoutIds.filter((l) => ctx?.fields.get(l)?.get(fieldId)?.visible) : [];
}
