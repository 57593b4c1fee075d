import { sql } from 'kysely';
import type { AccessContext, TabConfig } from '../access/context.js';
import { COUNT_CAP, fieldMask, maskRecordData, rowScope } from '../access/engine.js';
import type { StoredValue } from '../crm/field-types.js';
import { loadModuleMetaById, type ModuleMeta } from '../crm/metadata.js';
import { displayName } from '../crm/records.js';
import type { Database } from '../db/database.js';
import type { Module } from '../db/schema.js';
import type { PortalNav } from './portal-nav.js';

/** How many of a tab's records the home page lists as the most recent. */
const RECENT_ON_HOME = 5;

export type PortalHome = {
  tiles: { module: Module; tab: TabConfig; count: number; capped: boolean }[];
  recent: { module: Module; id: string; name: string; updatedAt: Date }[];
};

/**
 * The portal's home: each tab with its count (capped, all in one statement)
 * and the records in scope changed most recently, named from visible fields.
 */
export async function portalHome(db: Database, ctx: AccessContext | undefined, nav: PortalNav): Promise<PortalHome> {
  if (!ctx || nav.modules.length === 0) return { tiles: [], recent: [] };
  const modules = nav.modules;
  const counts = await db
    .selectNoFrom((eb) =>
      modules.map((m, i) =>
        eb
          .selectFrom((inner) =>
            inner
              .selectFrom('records')
              .select(sql`1`.as('one'))
              .where(rowScope(ctx, m.module.id))
              .limit(COUNT_CAP + 1)
              .as('matches'),
          )
          .select((c) => c.fn.countAll<string>().as('n'))
          .as(`m${i}`),
      ),
    )
    .executeTakeFirstOrThrow();
  const recentRows = await modules
    .map((m, i) =>
      db
        .selectFrom((eb) =>
          eb
            .selectFrom('records')
            .select(['records.id', 'records.module_id', 'records.layout_id', 'records.data', 'records.updated_at'])
            .where(rowScope(ctx, m.module.id))
            .orderBy('records.updated_at', 'desc')
            .limit(RECENT_ON_HOME)
            .as(`r${i}`),
        )
        .selectAll(),
    )
    .reduce((all, q) => all.unionAll(q))
    .orderBy('updated_at', 'desc')
    .limit(RECENT_ON_HOME)
    .execute();
  const metas = new Map<string, ModuleMeta>();
  await Promise.all(
    [...new Set(recentRows.map((r) => r.module_id))].map(async (id) => {
      const meta = await loadModuleMetaById(db, id);
      if (meta) metas.set(id, meta);
    }),
  );
  const row = counts as Record<string, string | number | bigint>;
  return {
    tiles: modules.map((m, i) => {
      const n = Number(row[`m${i}`] ?? 0);
      return { module: m.module, tab: m.tab, count: Math.min(n, COUNT_CAP), capped: n > COUNT_CAP };
    }),
    recent: recentRows.flatMap((r) => {
      const meta = metas.get(r.module_id);
      if (!meta) return [];
      const visible = maskRecordData(fieldMask(ctx, r.module_id, r.layout_id), meta, r.data as Record<string, unknown>) as Record<string, StoredValue>;
      return [{ module: meta.module, id: r.id, name: displayName(meta, visible), updatedAt: r.updated_at }];
    }),
  };
}
