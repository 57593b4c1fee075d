import type { AccessContext, TabConfig } from '../access/context.js';
import { type Actions, conversationInScope, fieldMask, findInScope, maskRecordData } from '../access/engine.js';
import { type CaseActions, caseActions, closingChange, isCaseModule, REOPEN_DAYS, reopenDays } from '../cases/status.js';
import { knowledgeBase, recordSuggestionOpened } from '../cases/suggestions.js';
import type { StoredValue } from '../crm/field-types.js';
import { collectLookupIds } from '../crm/lookups.js';
import { layoutFor, layoutSections, type ModuleMeta } from '../crm/metadata.js';
import { displayName } from '../crm/records.js';
import type { Database } from '../db/database.js';
import type { Field, Labels } from '../db/schema.js';
import { isUuid } from '../http/input.js';
import { type LookupTargets, lookupTargets, pageActions, type RecordHref, tabModule } from './portal-pages.js';

// One record of a tab as U may see it: its visible fields, and around it the
// notes, files and (for a case) the conversation and what the customer may do.

/** Who wrote a note or added a file, as a portal user may see it. */
export type Author = { kind: 'you' } | { kind: 'staff'; name: string | undefined } | { kind: 'portal' };

export type PortalRecord = {
  meta: ModuleMeta;
  tab: TabConfig;
  actions: Actions;
  inert: boolean;
  record: { id: string; name: string; state: string; data: Record<string, StoredValue> };
  sections: { id: string; labelKey: string | undefined; labels: Labels | undefined; fields: Field[] }[];
  readOnly: Set<string>;
  required: Set<string>;
  names: LookupTargets;
  notes: { id: string; body: string; createdAt: Date; author: Author }[] | undefined;
  /** A case: whether the customer may close or reopen it (drawn inert in a preview), and the portal's reopening window. */
  caseActions: CaseActions | undefined;
  reopenDays: number;
  attachments: { id: string; filename: string; size: number; createdAt: Date; author: Author }[] | undefined;
  /** A case: its conversation, the notes and files U may see in time order. */
  conversation:
    | (
        | { kind: 'note'; id: string; body: string; createdAt: Date; author: Author }
        | { kind: 'file'; id: string; filename: string; size: number; createdAt: Date; author: Author }
      )[]
    | undefined;
};

/** One record of a tab, undefined (404) when it is outside U's scope: never loaded first and checked afterwards. */
export async function portalRecord(
  db: Database,
  ctx: AccessContext | undefined,
  apiName: string,
  id: string,
  opts: { href: RecordHref },
): Promise<PortalRecord | undefined> {
  const found = await tabModule(db, ctx, apiName);
  if (!ctx || !found || !isUuid(id)) return undefined;
  const { meta, tab } = found;
  const record = await findInScope(db, ctx, meta.module.id, id);
  if (!record) return undefined;
  const actions = pageActions(ctx, meta, tab, record);
  if (!actions.view) return undefined;
  const mask = fieldMask(ctx, meta.module.id, record.layout_id);
  const data = maskRecordData(mask, meta, record.data as Record<string, unknown>) as Record<string, StoredValue>;
  const sections = layoutSections(meta, layoutFor(meta, record.layout_id))
    .map((s) => ({ id: s.id, labelKey: s.labelKey, labels: s.labels, fields: s.fields.filter((f) => mask.visible.has(f.id)) }))
    .filter((s) => s.fields.length > 0);
  const userCase = isCaseModule(meta) && tab.kind !== 'public';
  const [names, around, days] = await Promise.all([
    lookupTargets(db, ctx, collectLookupIds(meta, [{ data }], meta.fields), opts.href),
    conversationInScope(db, ctx, meta.module.id, record.id, { closedChange: userCase ? closingChange(meta, record) : undefined }),
    userCase ? reopenDays(db, ctx.portalId) : REOPEN_DAYS,
  ]);
  const { notes, attachments } = around;
  const closed = around.closedAt ?? undefined;
  // Who wrote: U themselves, a staff member by name, or another portal user (never their address).
  const authorOf = (kind: string, id: string, staffName: string | null): Author =>
    kind === 'staff' ? { kind: 'staff', name: staffName ?? undefined } : kind === 'portal' && id === ctx.user?.id ? { kind: 'you' } : { kind: 'portal' };
  const noteRows = notes?.map((n) => ({ id: n.id, body: n.body, createdAt: n.created_at, author: authorOf(n.author_kind, n.author_id, n.staff_name) }));
  const fileRows = attachments?.map((a) => ({
    id: a.id,
    filename: a.filename,
    size: a.size,
    createdAt: a.created_at,
    author: authorOf(a.author_kind, a.author_id, a.staff_name),
  }));
  return {
    meta,
    tab,
    actions,
    inert: ctx.readOnly,
    // Built from the visible name fields only: the stored display name may hold hidden ones.
    record: { id: record.id, name: displayName(meta, data), state: record.state, data },
    sections,
    readOnly: mask.readOnly,
    required: mask.required,
    names,
    notes: noteRows,
    attachments: fileRows,
    // Where the notes are shown: where they are not, the files keep their own list.
    conversation:
      userCase && noteRows
        ? [...(noteRows ?? []).map((n) => ({ kind: 'note' as const, ...n })), ...(fileRows ?? []).map((f) => ({ kind: 'file' as const, ...f }))].sort(
            (a, b) => a.createdAt.getTime() - b.createdAt.getTime(),
          )
        : undefined,
    caseActions: userCase ? caseActions(meta, record, closed, days) : undefined,
    reopenDays: days,
  };
}

/**
 * A record page opened by U. An article opened from a new case's suggestions
 * may answer the customer: the opening is counted for the admin.
 */
export async function openPortalRecord(
  db: Database,
  ctx: AccessContext | undefined,
  apiName: string,
  id: string,
  opts: { href: RecordHref; fromCaseSuggestion: boolean },
): Promise<PortalRecord | undefined> {
  const rec = await portalRecord(db, ctx, apiName, id, opts);
  if (rec && ctx && opts.fromCaseSuggestion && rec.tab.kind === 'public' && (await knowledgeBase(db, ctx))?.module.id === rec.meta.module.id)
    await recordSuggestionOpened(db, ctx, rec.record.id);
  return rec;
}
