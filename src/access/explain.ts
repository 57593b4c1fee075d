import type { Database } from '../db/database.js';
import { type AccessContext, buildUserContext, getsAnything, loadAccessUser, type TabConfig } from './context.js';
import { findInScope } from './reads.js';
import { emptyMask, type FieldMask, fieldMask, usableTab } from './rules.js';
import { colleagueLinked } from './scope.js';

// Why a record is in a user's scope or not, rule by rule, for the explain page.

export type ExplainReason =
  | 'user_inactive'
  | 'not_found'
  | 'no_tab'
  | 'tab_hidden'
  | 'no_view_permission'
  | 'layout_not_allowed'
  | 'recycle_bin'
  | 'not_own_record'
  | 'lookup_elsewhere'
  | 'own_record'
  | 'created_by_user'
  | 'linked_through_lookup'
  | 'linked_through_colleague'
  | 'public_module';

export type Explanation = {
  inScope: boolean;
  reason: ExplainReason;
  tab: TabConfig | undefined;
  lookupFieldId: string | null;
  /** On 'linked_through_colleague': the colleague (in C_U) the record's F(M) points to. */
  colleagueId: string | null;
  layoutId: string | null;
  mask: FieldMask;
};

/**
 * Whether U (or a previewed type) reaches a record, and the first rule that
 * decided it, checked in ACCESS.md's order.
 */
export async function explainAccess(db: Database, who: AccessContext | { portalUserId: string }, recordId: string): Promise<Explanation> {
  const ctx = 'portalUserId' in who ? await contextForExplain(db, who.portalUserId) : who;
  const none = (reason: ExplainReason, extra: Partial<Explanation> = {}): Explanation => ({
    inScope: false,
    reason,
    tab: undefined,
    lookupFieldId: null,
    colleagueId: null,
    layoutId: null,
    mask: emptyMask(),
    ...extra,
  });
  if (!ctx) return none('user_inactive');
  // UNSCOPED READ: explain reads the record whatever the scope, to name the rule that excludes it; only administrators reach
  // it (the portal-explain page), and only its module, layout, recycle-bin state and portal creator are read.
  const record = await db
    .selectFrom('records')
    .select(['id', 'module_id', 'layout_id', 'deleted_at', 'created_by_portal_user_id'])
    .where('id', '=', recordId)
    .executeTakeFirst();
  if (!record) return none('not_found');
  const tab = ctx.tabs.get(record.module_id);
  const layoutId = record.layout_id;
  if (!tab) return none('no_tab', { layoutId });
  if (!tab.shown) return none('tab_hidden', { tab, layoutId });
  const isOwn = tab.kind === 'base' && record.module_id === ctx.baseModuleId && record.id === ctx.recordId;
  if (!usableTab(ctx, record.module_id) || (!tab.canView && !isOwn)) return none('no_view_permission', { tab, layoutId });
  const mask = fieldMask(ctx, record.module_id, layoutId);
  const decided = (inScope: boolean, reason: ExplainReason, lookupFieldId: string | null = null, colleagueId: string | null = null): Explanation => ({
    inScope,
    reason,
    tab,
    lookupFieldId,
    colleagueId,
    layoutId,
    mask: inScope ? mask : emptyMask(),
  });
  if (!layoutId || !tab.layoutIds.includes(layoutId)) return decided(false, 'layout_not_allowed');
  if (record.deleted_at) return decided(false, 'recycle_bin');
  const createdByU = ctx.user !== undefined && record.created_by_portal_user_id === ctx.user.id;
  if (tab.kind === 'public') return decided(true, 'public_module');
  if (tab.kind === 'base') {
    if (record.module_id !== ctx.baseModuleId) return decided(false, 'not_own_record');
    if (isOwn) return decided(true, 'own_record');
    return createdByU ? decided(true, 'created_by_user') : decided(false, 'not_own_record');
  }
  if (createdByU) return decided(true, 'created_by_user');
  const filterFieldId = tab.filterFieldId;
  if (!filterFieldId) return decided(false, 'lookup_elsewhere');
  // Everything else already holds here, so the row scope decides whether the lookup reaches X_U, then C_U.
  const mine = tab.reach === 'company' ? { ...ctx, tabs: new Map(ctx.tabs).set(record.module_id, { ...tab, reach: 'mine' as const }) } : ctx;
  if (await findInScope(db, mine, record.module_id, record.id)) return decided(true, 'linked_through_lookup', filterFieldId);
  const colleague = mine === ctx ? undefined : await colleagueLinked(db, ctx, record.module_id, record.id);
  return colleague ? decided(true, 'linked_through_colleague', filterFieldId, colleague) : decided(false, 'lookup_elsewhere', filterFieldId);
}

/** Explain looks at the user wherever the request comes from; only their status and configuration matter. */
async function contextForExplain(db: Database, portalUserId: string): Promise<AccessContext | undefined> {
  const user = await loadAccessUser(db, portalUserId);
  if (!getsAnything(user)) return undefined;
  return buildUserContext(db, user);
}
