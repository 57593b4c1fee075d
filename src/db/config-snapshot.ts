import { AsyncLocalStorage } from 'node:async_hooks';
import type { Selectable } from 'kysely';
import type { PortalSessionRow } from '../auth/portal-session.js';
import type { StaffSessionRead } from '../auth/staff.js';
import { buildMeta, type ModuleMeta } from '../crm/metadata.js';
import type { Database } from './database.js';
import type { CanvasDesignsTable, Org, Portal, PortalIndicator, PortalTypeTab, ProfilePermissionsTable } from './schema.js';

type CanvasDesignRow = Selectable<CanvasDesignsTable>;
type ProfilePermissionRow = Selectable<ProfilePermissionsTable>;

// Configuration kept in memory per process and per database pool: the
// organization, modules with their fields and layouts, portals, user types,
// their tabs, field permissions and web tabs. It is valid for one value of
// config_version, which triggers move on with every change to those tables
// in the change's own transaction; each page request reads that value once
// and uses the snapshot it names, loading a new one when it moved. No time
// passes into it: a change made through any process applies to the next
// request everywhere.
//
// Only reads of a request use it (GET and HEAD, see `withConfigSnapshot`):
// a write reads what it checks from the database, in its transaction.

export type TypeConfig = {
  id: string;
  portalId: string;
  baseModuleId: string;
  tabs: PortalTypeTab[];
  /** Saved field permissions of live top-level fields, each with the field's required flag. */
  fields: { layout_id: string; field_id: string; visible: boolean; read_only: boolean; required: boolean }[];
  webTabs: { id: string; name: string; url: string; position: number }[];
  indicators: PortalIndicator[];
};

export type ConfigSnapshot = {
  version: string;
  org: Org | undefined;
  modules: ModuleMeta[];
  byId: Map<string, ModuleMeta>;
  byApiName: Map<string, ModuleMeta>;
  portalsBySlug: Map<string, Portal>;
  portalsById: Map<string, Portal>;
  types: Map<string, TypeConfig>;
  canvasDesigns: Map<string, CanvasDesignRow>;
  /** Staff profiles' permissions by "profile id:module id". */
  profilePermissions: Map<string, ProfilePermissionRow>;
  /** User types whose users must sign in with a second factor. */
  typeRequiresTwoFactor: Map<string, boolean>;
};

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
  for (const t of types)
    typeConfigs.set(t.id, { id: t.id, portalId: t.portal_id, baseModuleId: t.base_module_id, tabs: [], fields: [], webTabs: [], indicators: [] });
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
type RequestReads = {
  db: Database;
  snapshot: ConfigSnapshot;
  portalSession?: { token: string; row: PortalSessionRow | undefined } | undefined;
  staffSession?: { token: string; read: StaffSessionRead | undefined } | undefined;
};
const current = new AsyncLocalStorage<RequestReads>();

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

/** Runs a request's reads against the snapshot of the version it was given (read with its session). */
export function withConfigSnapshot<T>(
  db: Database,
  snapshot: ConfigSnapshot,
  run: () => Promise<T>,
  sessions: Pick<RequestReads, 'portalSession' | 'staffSession'> = {},
): Promise<T> {
  return current.run({ db, snapshot, ...sessions }, run);
}

/** The portal session read with the version at the start of this request, for this token: null when it named none, undefined when not read. */
export function prefetchedPortalSession(token: string): PortalSessionRow | null | undefined {
  const reads = current.getStore()?.portalSession;
  return reads?.token === token ? (reads.row ?? null) : undefined;
}

/** The staff session read with the version at the start of this request, for this token: null when it named none, undefined when not read. */
export function prefetchedStaffSession(token: string): StaffSessionRead | null | undefined {
  const reads = current.getStore()?.staffSession;
  return reads?.token === token ? (reads.read ?? null) : undefined;
}

/** The snapshot of this request when it reads through this very pool (a transaction, or another pool, reads the database). */
export function snapshotFor(db: unknown): ConfigSnapshot | undefined {
  const store = current.getStore();
  return store && store.db === db ? store.snapshot : undefined;
}
