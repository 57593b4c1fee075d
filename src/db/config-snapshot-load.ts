import { ACCOUNTS_MODULE, accountLookupOf } from '../access/account-lookup.js';
import { buildMeta } from '../crm/metadata.js';
import type { ConfigSnapshot, TypeConfig } from './config-snapshot.js';
import type { Database } from './database.js';

// Loading the configuration snapshot (config-snapshot.ts says what it holds and
// when it is used): once per process and pool for each config_version.

const PRIVACY_FIELDS = new Set(['processing_basis', 'consent_status', 'consent_date', 'consent_channels', 'stop_processing']);

async function loadSnapshot(db: Database, version: string): Promise<ConfigSnapshot> {
  const [org, modules, fields, layouts, portals, types, tabs, perms, webTabs, indicators, designs, profilePerms] = await Promise.all([
    db.selectFrom('org').selectAll().where('id', '=', 1).executeTakeFirst(),
    db.selectFrom('modules').selectAll().where('deleted_at', 'is', null).orderBy('position').orderBy('created_at').execute(),
    db.selectFrom('fields').selectAll().where('deleted_at', 'is', null).orderBy('position').orderBy('created_at').execute(),
    // Removed ones too: field permissions of a removed layout still apply to the records left in it.
    db.selectFrom('layouts').selectAll().orderBy('position').orderBy('created_at').execute(),
    db.selectFrom('portals').selectAll().execute(),
    db.selectFrom('portal_user_types').select(['id', 'portal_id', 'base_module_id', 'require_two_factor']).execute(),
    db.selectFrom('portal_type_tabs').selectAll().execute(),
    db.selectFrom('portal_type_fields').select(['user_type_id', 'layout_id', 'field_id', 'visible', 'read_only']).execute(),
    db.selectFrom('web_tabs').select(['id', 'user_type_id', 'name', 'url', 'position']).orderBy('position').orderBy('name').execute(),
    db.selectFrom('portal_indicators').selectAll().orderBy('position').orderBy('created_at').execute(),
    db.selectFrom('canvas_designs').selectAll().execute(),
    db.selectFrom('profile_permissions').selectAll().execute(),
  ]);
  const metas = modules.map((m) =>
    buildMeta(
      m,
      fields.filter((f) => f.module_id === m.id),
      layouts.filter((l) => l.module_id === m.id && !l.deleted_at),
    ),
  );
  const byId = new Map(metas.map((m) => [m.module.id, m]));
  const fieldById = new Map(fields.map((f) => [f.id, f]));
  const layoutById = new Map(layouts.map((l) => [l.id, l]));
  const typeConfigs = new Map<string, TypeConfig>();
  const accountsId = modules.find((m) => m.api_name === ACCOUNTS_MODULE)?.id;
  for (const t of types) {
    const accountFieldId = accountLookupOf(byId.get(t.base_module_id)?.fields ?? [], accountsId)?.id ?? null;
    typeConfigs.set(t.id, {
      id: t.id,
      portalId: t.portal_id,
      baseModuleId: t.base_module_id,
      accountFieldId,
      tabs: [],
      fields: [],
      webTabs: [],
      indicators: [],
    });
  }
  for (const tab of tabs) typeConfigs.get(tab.user_type_id)?.tabs.push(tab);
  for (const p of perms) {
    const field = fieldById.get(p.field_id);
    const layout = layoutById.get(p.layout_id);
    // As the access context reads them: live top-level fields of the layout's module; privacy fields only with compliance on.
    if (!field || field.parent_field_id || !layout || layout.module_id !== field.module_id) continue;
    if (PRIVACY_FIELDS.has(field.api_name) && !org?.gdpr_enabled) continue;
    typeConfigs
      .get(p.user_type_id)
      ?.fields.push({ layout_id: p.layout_id, field_id: p.field_id, visible: p.visible, read_only: p.read_only, required: field.required });
  }
  for (const w of webTabs) typeConfigs.get(w.user_type_id)?.webTabs.push({ id: w.id, name: w.name, url: w.url, position: w.position });
  for (const i of indicators) typeConfigs.get(i.user_type_id)?.indicators.push(i);
  return {
    version,
    org,
    modules: metas,
    byId,
    byApiName: new Map(metas.map((m) => [m.module.api_name, m])),
    portalsBySlug: new Map(portals.map((p) => [p.slug, p])),
    portalsById: new Map(portals.map((p) => [p.id, p])),
    typeRequiresTwoFactor: new Map(types.map((t) => [t.id, t.require_two_factor])),
    canvasDesigns: new Map(designs.map((d) => [d.module_id, d])),
    profilePermissions: new Map(profilePerms.map((p) => [`${p.profile_id}:${p.module_id}`, p])),
    types: typeConfigs,
  };
}

const kept = new WeakMap<Database, Promise<ConfigSnapshot>>();

/** The snapshot for the configuration's current version, loaded when it moved on (once, however many requests ask at a time). */
export async function configSnapshot(db: Database, version: string): Promise<ConfigSnapshot> {
  const held = kept.get(db);
  if (held) {
    const snapshot = await held.catch(() => undefined);
    // A newer one will do for a request that read the version a moment before it moved.
    if (snapshot && BigInt(snapshot.version) >= BigInt(version)) return snapshot;
    if (kept.get(db) !== held) return configSnapshot(db, version);
  }
  const loading = loadSnapshot(db, version);
  kept.set(db, loading);
  try {
    return await loading;
  } catch (err) {
    if (kept.get(db) === loading) kept.delete(db);
    throw err;
  }
}

export async function configVersion(db: Database): Promise<string> {
  const row = await db.selectFrom('config_version').select('version').where('id', '=', 1).executeTakeFirstOrThrow();
  return String(row.version);
}
