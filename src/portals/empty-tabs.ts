import { type SqlBool, sql } from 'kysely';
import { moduleLabel } from '../crm/metadata.js';
import { type ConfigSnapshot, snapshotFor } from '../db/config-snapshot.js';
import type { Database } from '../db/database.js';
import type { Labels, Module, PortalTypeTab } from '../db/schema.js';
import { isUuid } from '../http/input.js';
import type { T } from '../i18n/i18n.js';
import { PRIVACY_FIELD_NAMES } from '../privacy/consent.js';

// A type whose portal tab shows no field gives its users an empty page there:
// staff are warned before they put anyone into such a type. "Shown" and
// "visible" are the access engine's (src/access/engine.ts): a tab in the
// navigation is shown with view permission (the base tab always), and a field
// is visible when its permission on one of the tab's allowed layouts says so,
// for a live top-level field of that layout's module (a privacy field only
// with GDPR compliance on).

/** A tab users of the type see in the navigation that shows them no field on any of its layouts. */
export type EmptyTab = { module: Module /** The tab's own name per language (empty: the module's). */; labels: Labels };

/** The locale key of the warning; {{type}} is the type's name, {{tabs}} the tabs' names (see emptyTabNames). */
const EMPTY_TABS_WARNING = 'portals:emptyTabs.warning';

const KIND_ORDER = { base: 0, related: 1, public: 2 } as const;

const usable = (tab: Pick<PortalTypeTab, 'shown' | 'can_view' | 'kind'>) => tab.shown && (tab.can_view || tab.kind === 'base');

/**
 * For each of the given types that has any, its empty tabs in navigation
 * order; a type without one is absent from the map. One statement whatever
 * the number of types and tabs, none when the request's configuration
 * snapshot is there.
 */
export async function emptyTabsOf(db: Database, typeIds: string[]): Promise<Map<string, EmptyTab[]>> {
  const ids = [...new Set(typeIds.filter(isUuid))];
  if (ids.length === 0) return new Map();
  const snapshot = snapshotFor(db);
  if (snapshot) return fromSnapshot(snapshot, ids);
  const privacyOnlyWithCompliance = sql<SqlBool>`(f.api_name not in (${sql.join([...PRIVACY_FIELD_NAMES])}) or coalesce((select gdpr_enabled from org where id = 1), false))`;
  const rows = await db
    .selectFrom('portal_type_tabs as tab')
    .innerJoin('modules as m', 'm.id', 'tab.module_id')
    .selectAll('m')
    .select(['tab.user_type_id as tab_user_type_id', 'tab.labels as tab_labels'])
    .where('tab.user_type_id', 'in', ids)
    .where('m.deleted_at', 'is', null)
    .where('tab.shown', '=', true)
    .where((eb) => eb.or([eb('tab.can_view', '=', true), eb('tab.kind', '=', 'base')]))
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('portal_type_fields as pf')
            .innerJoin('fields as f', 'f.id', 'pf.field_id')
            .innerJoin('layouts as l', (j) => j.onRef('l.id', '=', 'pf.layout_id').onRef('l.module_id', '=', 'f.module_id'))
            .select(sql<number>`1`.as('one'))
            .whereRef('pf.user_type_id', '=', 'tab.user_type_id')
            .whereRef('f.module_id', '=', 'tab.module_id')
            .where(sql<SqlBool>`pf.layout_id = any(tab.layout_ids)`)
            .where('pf.visible', '=', true)
            .where('f.deleted_at', 'is', null)
            .where('f.parent_field_id', 'is', null)
            .where(privacyOnlyWithCompliance),
        ),
      ),
    )
    .orderBy('tab.user_type_id')
    .orderBy(sql`case tab.kind when 'base' then 0 when 'related' then 1 else 2 end`)
    .orderBy('tab.position')
    .execute();
  const out = new Map<string, EmptyTab[]>();
  for (const { tab_user_type_id: typeId, tab_labels: labels, ...module } of rows) {
    const list = out.get(typeId) ?? [];
    list.push({ module, labels: labels ?? {} });
    out.set(typeId, list);
  }
  return out;
}

/** The same answer from the snapshot, whose field permissions are already those the access context reads. */
function fromSnapshot(snapshot: ConfigSnapshot, ids: string[]): Map<string, EmptyTab[]> {
  const out = new Map<string, EmptyTab[]>();
  for (const id of ids) {
    const type = snapshot.types.get(id);
    if (!type) continue;
    const tabs = type.tabs.filter(usable).sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || a.position - b.position);
    const empty = tabs.flatMap((tab): EmptyTab[] => {
      const meta = snapshot.byId.get(tab.module_id);
      if (!meta) return [];
      const shows = type.fields.some((f) => f.visible && tab.layout_ids.includes(f.layout_id) && meta.byId.has(f.field_id));
      return shows ? [] : [{ module: meta.module, labels: tab.labels ?? {} }];
    });
    if (empty.length > 0) out.set(id, empty);
  }
  return out;
}

/** The tabs' names as the portal shows them, joined as a list in the language. */
function emptyTabNames(t: T, lang: string, tabs: EmptyTab[]): string {
  return new Intl.ListFormat(lang, { type: 'conjunction' }).format(tabs.map((tab) => moduleLabel(t, lang, tab.module, 'plural', tab.labels)));
}

/** The warning sentence: the type and the tabs on which its users would see no field. */
function emptyTabsWarning(t: T, lang: string, typeName: string, tabs: EmptyTab[]): string {
  return t(EMPTY_TABS_WARNING, { type: typeName, tabs: emptyTabNames(t, lang, tabs) });
}

/** Where staff choose the fields a tab shows to the type. */
const emptyTabFieldsHref = (typeId: string, tab: EmptyTab) => `/admin/settings/portals/types/${typeId}/fields/${encodeURIComponent(tab.module.api_name)}`;

/** The warning with a link to each empty tab's field permissions, for a confirmation or a page's notice. */
export function emptyTabsNotice(t: T, lang: string, type: { id: string; name: string }, tabs: EmptyTab[]) {
  return {
    text: emptyTabsWarning(t, lang, type.name, tabs),
    links: tabs.map((tab) => ({
      href: emptyTabFieldsHref(type.id, tab),
      label: t('portals:emptyTabs.fix', { tab: moduleLabel(t, lang, tab.module, 'plural', tab.labels), type: type.name }),
    })),
  };
}
