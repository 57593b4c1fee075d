import { sql } from 'kysely';
import type { Database } from '../db/database.js';

/** One page of the field-permissions step: a module shown as a tab and one of the layouts the tab shows. */
export type WalkStop = { moduleApiName: string; layoutId: string };

/**
 * The field-permissions step as the admin walks it with "Save and next":
 * every shown tab of the type (the base tab first, then in tab order) and,
 * within each, every live layout the tab shows (its module's default layout
 * when it names none), in layout order. One statement.
 */
export async function fieldWalk(db: Database, userTypeId: string): Promise<WalkStop[]> {
  const rows = await db
    .selectFrom('portal_type_tabs as t')
    .innerJoin('modules as m', 'm.id', 't.module_id')
    .innerJoin('layouts as l', (join) =>
      join
        .onRef('l.module_id', '=', 't.module_id')
        .on('l.deleted_at', 'is', null)
        .on((eb) =>
          eb.or([eb('l.id', '=', sql<string>`any(t.layout_ids)`), eb.and([sql<boolean>`cardinality(t.layout_ids) = 0`, eb('l.is_default', '=', true)])]),
        ),
    )
    .select(['m.api_name as moduleApiName', 'l.id as layoutId'])
    .where('t.user_type_id', '=', userTypeId)
    .where('t.shown', '=', true)
    .where('m.deleted_at', 'is', null)
    .orderBy(sql`t.kind = 'base'`, 'desc')
    .orderBy('t.position')
    .orderBy('m.api_name')
    .orderBy('l.position')
    .orderBy('l.id')
    .execute();
  return rows;
}

/** Where `at` stands in the walk, and the stop after it (undefined on the last one, or off the walk). */
export function walkPlace(walk: WalkStop[], at: WalkStop): { index: number; next: WalkStop | undefined } {
  const index = walk.findIndex((s) => s.moduleApiName === at.moduleApiName && s.layoutId === at.layoutId);
  return { index, next: index >= 0 ? walk[index + 1] : undefined };
}
