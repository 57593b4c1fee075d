import { snapshotFor } from '../db/config-snapshot.js';
import type { Database } from '../db/database.js';
import type { Field, Layout, Module, Portal, PortalTypeTab } from '../db/schema.js';
import { oldSlugs } from './portals.js';
import { type SignInSummary, signInSummary } from './sign-in-summary.js';
import { type UserTypeWithCounts, userTypesOf } from './user-types.js';
import type { WebTab } from './web-tabs.js';

// The finish step: everything a portal exposes, per user type, on one page,
// each part linking to where it is edited. A fixed number of queries whatever
// the number of types, tabs and fields.

export type SummaryLayout = { layout: Layout; visible: Field[]; readOnly: Field[] };
export type SummaryTab = { tab: PortalTypeTab; module: Module; filterField: Field | undefined; layouts: SummaryLayout[] };
export type SummaryType = { type: UserTypeWithCounts; tabs: SummaryTab[]; webTabs: WebTab[] };
export type PortalSummary = { portal: Portal; oldSlugs: string[]; types: SummaryType[]; signIn: SignInSummary };

/** `baseUrl` and `appKey`: for the redirect URIs, and whether single sign-on's secret can be read. */
export async function portalSummary(db: Database, portal: Portal, opts: { baseUrl: string; appKey: Buffer | undefined }): Promise<PortalSummary> {
  const [types, old, signIn] = await Promise.all([userTypesOf(db, [portal.id]), oldSlugs(db, portal.id), signInSummary(db, portal, opts)]);
  const typeIds = types.map((t) => t.id);
  if (typeIds.length === 0) return { portal, oldSlugs: old, types: [], signIn };
  const snapshot = snapshotFor(db);
  const [tabs, perms, webTabs] = await Promise.all([
    snapshot
      ? typeIds.flatMap((id) => snapshot.types.get(id)?.tabs ?? []).sort((a, b) => a.position - b.position)
      : db.selectFrom('portal_type_tabs').selectAll().where('user_type_id', 'in', typeIds).orderBy('position').execute(),
    db.selectFrom('portal_type_fields').selectAll().where('user_type_id', 'in', typeIds).where('visible', '=', true).execute(),
    snapshot
      ? typeIds.flatMap((id) => (snapshot.types.get(id)?.webTabs ?? []).map((w) => ({ ...w, user_type_id: id })))
      : db
          .selectFrom('web_tabs')
          .select(['id', 'name', 'url', 'position', 'user_type_id'])
          .where('user_type_id', 'in', typeIds)
          .orderBy('position')
          .orderBy('name')
          .execute(),
  ]);
  const moduleIds = [...new Set(tabs.map((t) => t.module_id))];
  const metas = snapshot ? moduleIds.flatMap((id) => snapshot.byId.get(id) ?? []) : undefined;
  const [modules, layouts, fields] = metas
    ? [metas.map((m) => m.module), metas.flatMap((m) => m.layouts), metas.flatMap((m) => m.fields)]
    : moduleIds.length
      ? await Promise.all([
          db.selectFrom('modules').selectAll().where('id', 'in', moduleIds).where('deleted_at', 'is', null).execute(),
          db.selectFrom('layouts').selectAll().where('module_id', 'in', moduleIds).where('deleted_at', 'is', null).orderBy('position').execute(),
          db
            .selectFrom('fields')
            .selectAll()
            .where('module_id', 'in', moduleIds)
            .where('deleted_at', 'is', null)
            .where('parent_field_id', 'is', null)
            .orderBy('position')
            .execute(),
        ])
      : [[], [], []];
  const moduleById = new Map(modules.map((m) => [m.id, m]));
  const fieldById = new Map(fields.map((f) => [f.id, f]));
  const layoutById = new Map(layouts.map((l) => [l.id, l]));
  const inLayoutOrder = (layout: Layout, ids: Set<string>) =>
    layout.sections
      .flatMap((s) => s.fields)
      .flatMap((id) => {
        const f = fieldById.get(id);
        return f && ids.has(id) ? [f] : [];
      });
  return {
    portal,
    oldSlugs: old,
    signIn,
    types: types.map((type) => ({
      type,
      webTabs: webTabs.filter((w) => w.user_type_id === type.id).map(({ user_type_id: _t, ...w }) => w),
      tabs: tabs
        .filter((t) => t.user_type_id === type.id && t.shown)
        .flatMap((tab) => {
          const module = moduleById.get(tab.module_id);
          if (!module) return [];
          const ofType = perms.filter((p) => p.user_type_id === type.id);
          return [
            {
              tab,
              module,
              filterField: tab.filter_field_id ? fieldById.get(tab.filter_field_id) : undefined,
              layouts: tab.layout_ids.flatMap((id) => {
                const layout = layoutById.get(id);
                if (!layout) return [];
                const here = ofType.filter((p) => p.layout_id === id);
                return [
                  {
                    layout,
                    visible: inLayoutOrder(layout, new Set(here.map((p) => p.field_id))),
                    readOnly: inLayoutOrder(layout, new Set(here.filter((p) => p.read_only).map((p) => p.field_id))),
                  },
                ];
              }),
            },
          ];
        }),
    })),
  };
}
