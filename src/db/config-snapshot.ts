import { AsyncLocalStorage } from 'node:async_hooks';
import type { Selectable } from 'kysely';
import type { PortalSessionRow } from '../auth/portal-session.js';
import type { StaffSessionRead } from '../auth/staff.js';
import type { ModuleMeta } from '../crm/metadata.js';
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
  /** The base module's account lookup (src/access/account-lookup.ts), which a tab's company reach compares; null when it has none. */
  accountFieldId: string | null;
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

type RequestReads = {
  db: Database;
  snapshot: ConfigSnapshot;
  portalSession?: { token: string; row: PortalSessionRow | undefined } | undefined;
  staffSession?: { token: string; read: StaffSessionRead | undefined } | undefined;
};
const current = new AsyncLocalStorage<RequestReads>();

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
