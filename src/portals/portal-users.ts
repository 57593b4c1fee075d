import { sql } from 'kysely';
import type { SignedInStaff } from '../auth/staff.js';
import type { Database } from '../db/database.js';
import { containsPattern } from '../db/like.js';
import type { PortalUserStatus } from '../db/schema.js';
import { isUuid } from '../http/input.js';

// The portal users of a portal as staff manage them: who they are (their
// record's name), their type and status, and when they were invited and
// became active. The list is keyset-paginated on the address, which the
// (portal_id, lower(email)) unique index already orders.

export const PORTAL_USER_STATUSES: readonly PortalUserStatus[] = ['invited', 'active', 'deactivated', 'expired'];
export const PORTAL_USERS_PAGE = 50;

/** Administrators, and staff whose profile grants "manage portal users". */
export function mayManagePortalUsers(staff: SignedInStaff | undefined): boolean {
  return Boolean(staff && (staff.profile.is_admin || staff.profile.manage_portal_users));
}

export type PortalUserRow = {
  id: string;
  email: string;
  status: PortalUserStatus;
  portalId: string;
  portalName: string;
  recordId: string;
  recordName: string;
  /** The record's module, for a link to it. */
  moduleApiName: string;
  userTypeId: string;
  userTypeName: string;
  baseModuleId: string;
  invitedAt: Date | null;
  activatedAt: Date | null;
  deactivatedAt: Date | null;
  lastLoginAt: Date | null;
  /** Set a password through an invitation at some point: removal is no longer possible. */
  accepted: boolean;
  /** Signs in with an authenticator app (an admin can reset it when the person lost it). */
  twoFactor: boolean;
};

export function portalUserRows(db: Database) {
  // UNSCOPED READ: portal users with their own record's name, for staff who manage portal users (requireManagePortalUsers);
  // a record page shows its own user only once the record was found through the viewer's scope.
  return db
    .selectFrom('portal_users as u')
    .innerJoin('records as r', 'r.id', 'u.record_id')
    .innerJoin('modules as m', 'm.id', 'r.module_id')
    .innerJoin('portal_user_types as ty', 'ty.id', 'u.user_type_id')
    .innerJoin('portals as p', 'p.id', 'u.portal_id')
    .select([
      'u.id',
      'u.email',
      'u.status',
      'u.portal_id as portalId',
      'p.name as portalName',
      'u.record_id as recordId',
      'r.display_name as recordName',
      'm.api_name as moduleApiName',
      'u.user_type_id as userTypeId',
      'ty.name as userTypeName',
      'ty.base_module_id as baseModuleId',
      'u.invited_at as invitedAt',
      'u.activated_at as activatedAt',
      'u.deactivated_at as deactivatedAt',
      'u.last_login_at as lastLoginAt',
    ])
    .select(sql<boolean>`(u.activated_at is not null or u.password_hash is not null)`.as('accepted'))
    .select(
      sql<boolean>`exists (select 1 from two_factor tf where tf.user_kind = 'portal' and tf.user_id = u.id and tf.enabled_at is not null)`.as('twoFactor'),
    );
}

export type PortalUserQuery = { q?: string; status?: string; typeId?: string; after?: string; limit?: number };
export type PortalUserPage = { users: PortalUserRow[]; next: string | undefined };

/** Whether a query string value names a status. */
export const isPortalUserStatus = (v: string | undefined): v is PortalUserStatus => PORTAL_USER_STATUSES.includes(v as PortalUserStatus);

/** A portal's users, filtered by name or address, status and type; `after` is the last address of the previous page. */
export async function listPortalUsers(db: Database, portalId: string, query: PortalUserQuery = {}): Promise<PortalUserPage> {
  const limit = query.limit ?? PORTAL_USERS_PAGE;
  let q = portalUserRows(db)
    .where('u.portal_id', '=', portalId)
    .orderBy(sql`lower(u.email)`)
    .limit(limit + 1);
  const text = query.q?.trim();
  if (text) {
    const pattern = containsPattern(text);
    q = q.where((eb) => eb.or([eb('r.display_name', 'ilike', pattern), eb('u.email', 'ilike', pattern)]));
  }
  if (isPortalUserStatus(query.status)) q = q.where('u.status', '=', query.status);
  if (query.typeId && isUuid(query.typeId)) q = q.where('u.user_type_id', '=', query.typeId);
  const after = query.after ? decodeAfter(query.after) : undefined;
  if (after) q = q.where(sql<string>`lower(u.email)`, '>', after);
  const rows = await q.execute();
  const users = rows.slice(0, limit);
  const last = users.at(-1);
  return { users, next: rows.length > limit && last ? encodeAfter(last.email.toLowerCase()) : undefined };
}

const encodeAfter = (email: string) => Buffer.from(email).toString('base64url');
function decodeAfter(cursor: string): string | undefined {
  const email = Buffer.from(cursor, 'base64url').toString();
  return email.includes('@') ? email : undefined;
}

/** The portal user a record is, if any (a record is a portal user at most once). */
export function portalUserOfRecord(db: Database, recordId: string): Promise<PortalUserRow | undefined> {
  if (!isUuid(recordId)) return Promise.resolve(undefined);
  return portalUserRows(db).where('u.record_id', '=', recordId).executeTakeFirst();
}

export function findPortalUser(db: Database, portalId: string, portalUserId: string): Promise<PortalUserRow | undefined> {
  if (!isUuid(portalUserId)) return Promise.resolve(undefined);
  return portalUserRows(db).where('u.id', '=', portalUserId).where('u.portal_id', '=', portalId).executeTakeFirst();
}

export type TypeChoice = { id: string; name: string; portalId: string; portalName: string; baseModuleId: string };

/** User types whose base module is this module, across portals, each with its portal's name. */
export function typesForModule(db: Database, moduleId: string): Promise<TypeChoice[]> {
  return db
    .selectFrom('portal_user_types as t')
    .innerJoin('portals as p', 'p.id', 't.portal_id')
    .select(['t.id', 't.name', 't.portal_id as portalId', 'p.name as portalName', 't.base_module_id as baseModuleId'])
    .where('t.base_module_id', '=', moduleId)
    .orderBy('p.position')
    .orderBy('p.created_at')
    .orderBy('t.is_default', 'desc')
    .orderBy('t.position')
    .execute();
}

/** Types of a portal, for the type filter and the "change type" choice. */
export function typesOfPortal(db: Database, portalId: string): Promise<TypeChoice[]> {
  return db
    .selectFrom('portal_user_types as t')
    .innerJoin('portals as p', 'p.id', 't.portal_id')
    .select(['t.id', 't.name', 't.portal_id as portalId', 'p.name as portalName', 't.base_module_id as baseModuleId'])
    .where('t.portal_id', '=', portalId)
    .orderBy('t.is_default', 'desc')
    .orderBy('t.position')
    .execute();
}
