import type { AccessContext, TabConfig } from '../access/context.js';
import { visibleTabs } from '../access/engine.js';
import { snapshotFor } from '../db/config-snapshot.js';
import type { Database } from '../db/database.js';
import type { Module } from '../db/schema.js';
import { listWebTabs, type WebTab } from './web-tabs.js';

// The portal's navigation: the tabs U's type shows, in the order the shell draws them.

export type PortalNav = { modules: { module: Module; tab: TabConfig }[]; webTabs: WebTab[] };

export async function portalNav(db: Database, ctx: AccessContext | undefined): Promise<PortalNav> {
  const tabs = visibleTabs(ctx);
  if (!ctx || tabs.length === 0) return { modules: [], webTabs: [] };
  const snapshot = snapshotFor(db);
  const [modules, webTabs] = await Promise.all([
    snapshot
      ? tabs.flatMap((t) => snapshot.byId.get(t.moduleId)?.module ?? [])
      : db
          .selectFrom('modules')
          .selectAll()
          .where(
            'id',
            'in',
            tabs.map((t) => t.moduleId),
          )
          .where('deleted_at', 'is', null)
          .execute(),
    listWebTabs(db, ctx.userTypeId),
  ]);
  const byId = new Map(modules.map((m) => [m.id, m]));
  const ordered = tabs.map((tab) => ({ tab, module: byId.get(tab.moduleId) })).filter((e): e is { tab: TabConfig; module: Module } => e.module !== undefined);
  const kindOrder = { base: 0, related: 1, public: 2 } as const;
  ordered.sort((a, b) => kindOrder[a.tab.kind] - kindOrder[b.tab.kind] || a.module.position - b.module.position);
  return { modules: ordered, webTabs };
}

/** Where U's own record (R_U) lives in this portal, when their type shows its tab. */
export function ownRecordHref(nav: PortalNav, ctx: AccessContext | undefined, base: string): string | undefined {
  const own = ctx ? nav.modules.find((m) => m.module.id === ctx.baseModuleId) : undefined;
  return own && ctx ? `${base}/m/${own.module.api_name}/${ctx.recordId}` : undefined;
}
