import { prefetchedStaffSession } from '../db/config-snapshot.js';
import type { Database } from '../db/database.js';
import type { Profile, Session, StaffUser } from '../db/schema.js';
import { safeBackPath } from '../http/request.js';
import { decoyHash, verifyPassword } from './passwords.js';
import { checkSession, createSession, generateSessionToken, isSessionToken, sessionIdFromToken, type ValidSession, validateSessionToken } from './sessions.js';
import { markAttemptSucceeded, reserveLoginAttempt } from './throttle.js';
import { hasTwoFactor } from './two-factor.js';

export function findStaffByEmail(db: Database, email: string): Promise<StaffUser | undefined> {
  return db
    .selectFrom('staff_users')
    .selectAll()
    .where((eb) => eb(eb.fn('lower', ['email']), '=', email.trim().toLowerCase()))
    .executeTakeFirst();
}

export async function staffUserCount(db: Database): Promise<number> {
  const row = await db
    .selectFrom('staff_users')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** A signed-in staff user with what their profile allows beyond module permissions. */
export type SignedInStaff = StaffUser & { profile: Pick<Profile, 'id' | 'api_name' | 'is_admin' | 'manage_portals' | 'manage_portal_users'> };

/** The session and its active staff user; undefined for unknown, expired, portal or deactivated. */
export async function findSessionStaff(
  db: Database,
  token: string,
  lifetimeDays: number,
): Promise<{ session: ValidSession; staff: SignedInStaff } | undefined> {
  const read = prefetchedStaffSession(token);
  if (read !== undefined) {
    if (!read) return undefined;
    const session = await checkSession(db, read.session, lifetimeDays);
    return session?.user_kind === 'staff' && read.staff ? { session, staff: read.staff } : undefined;
  }
  const session = await validateSessionToken(db, token, lifetimeDays);
  if (session?.user_kind !== 'staff') return undefined;
  const staff = await activeStaffById(db, session.user_id);
  return staff ? { session, staff } : undefined;
}

export type StaffSessionRead = { session: Session; staff: SignedInStaff | undefined };

/**
 * The configuration's version with a staff session and its active user, in
 * one statement: what a staff page reads before anything else.
 */
export async function staffSessionRow(db: Database, token: string): Promise<{ version: string; read: StaffSessionRead | undefined }> {
  const row = await db
    .selectFrom('config_version as cv')
    .leftJoin('sessions as se', (j) => j.on('se.id', '=', isSessionToken(token) ? sessionIdFromToken(token) : '').on('se.user_kind', '=', 'staff'))
    .leftJoin('staff_users as s', (j) => j.onRef('s.id', '=', 'se.user_id').on('s.active', '=', true))
    .leftJoin('profiles as p', 'p.id', 's.profile_id')
    .select('cv.version')
    .select([
      'se.id as se_id',
      'se.user_kind',
      'se.user_id',
      'se.expires_at',
      'se.created_at as se_created_at',
      'se.ip',
      'se.user_agent',
      'se.two_factor_pending',
    ])
    .select([
      's.id',
      's.email',
      's.name',
      's.password_hash',
      's.profile_id',
      's.active',
      's.language',
      's.time_zone',
      's.time_format',
      's.created_at',
      's.updated_at',
    ])
    .select(['p.api_name as profile_api_name', 'p.is_admin', 'p.manage_portals', 'p.manage_portal_users'])
    .where('cv.id', '=', 1)
    .executeTakeFirstOrThrow();
  const version = String(row.version);
  if (!row.se_id || !row.user_kind || !row.user_id || !row.expires_at || !row.se_created_at) return { version, read: undefined };
  const session: Session = {
    id: row.se_id,
    user_kind: row.user_kind,
    user_id: row.user_id,
    expires_at: row.expires_at,
    created_at: row.se_created_at,
    ip: row.ip,
    user_agent: row.user_agent,
    two_factor_pending: row.two_factor_pending ?? false,
  };
  const { id, email, name, password_hash, profile_id, active, language, time_zone, time_format, created_at, updated_at } = row;
  const staff: SignedInStaff | undefined =
    id && email && name && password_hash && profile_id && active && created_at && updated_at && row.profile_api_name
      ? {
          ...{ id, email, name, password_hash, profile_id, active, language, time_zone, time_format, created_at, updated_at },
          profile: {
            id: profile_id,
            api_name: row.profile_api_name,
            is_admin: row.is_admin ?? false,
            manage_portals: row.manage_portals ?? false,
            manage_portal_users: row.manage_portal_users ?? false,
          },
        }
      : undefined;
  return { version, read: { session, staff } };
}

/** An active staff user with their profile, as the request guards see them; also for work outside a request (jobs). */
export async function activeStaffById(db: Database, id: string): Promise<SignedInStaff | undefined> {
  const row = await db
    .selectFrom('staff_users as s')
    .innerJoin('profiles as p', 'p.id', 's.profile_id')
    .selectAll('s')
    .select(['p.api_name as profile_api_name', 'p.is_admin', 'p.manage_portals', 'p.manage_portal_users'])
    .where('s.id', '=', id)
    .where('s.active', '=', true)
    .executeTakeFirst();
  if (!row) return undefined;
  const { profile_api_name, is_admin, manage_portals, manage_portal_users, ...staff } = row;
  return { ...staff, profile: { id: staff.profile_id, api_name: profile_api_name, is_admin, manage_portals, manage_portal_users } };
}

/** The id of a built-in profile ('administrator' or 'standard'). */
export async function profileId(db: Database, apiName: 'administrator' | 'standard'): Promise<string> {
  const row = await db.selectFrom('profiles').select('id').where('api_name', '=', apiName).executeTakeFirstOrThrow();
  return row.id;
}

/** Where a staff sign-in step sends them on: the page they asked for inside /admin, else the dashboard. */
export function staffReturnPath(value: string | undefined): string {
  const path = safeBackPath(value, '/admin');
  return path.startsWith('/admin') ? path : '/admin';
}

export type StaffLoginResult =
  | { ok: true; token: string; session: Session; staff: StaffUser; pendingTwoFactor: boolean }
  | { ok: false; reason: 'invalid' | 'deactivated' }
  | { ok: false; reason: 'throttled_account' | 'throttled_address'; retryAfterSeconds: number };

/** Checks throttling first (no password is verified while locked), then the password, and records the attempt. */
export async function staffLogin(
  db: Database,
  input: { email: string; password: string; address: string; userAgent?: string | null | undefined },
  sessionDays: number,
): Promise<StaffLoginResult> {
  const email = input.email.trim().toLowerCase();
  const { verdict, reservation } = await reserveLoginAttempt(db, 'staff', email, input.address);
  if (!verdict.allowed || !reservation) {
    const retryAfterSeconds = verdict.allowed ? 60 : verdict.retryAfterSeconds;
    return { ok: false, reason: !verdict.allowed && verdict.scope === 'address' ? 'throttled_address' : 'throttled_account', retryAfterSeconds };
  }
  const staff = await findStaffByEmail(db, email);
  const valid = await verifyPassword(staff?.password_hash ?? (await decoyHash()), input.password);
  if (!staff || !valid) return { ok: false, reason: 'invalid' };
  if (!staff.active) return { ok: false, reason: 'deactivated' };
  await markAttemptSucceeded(db, reservation);
  const pendingTwoFactor = await hasTwoFactor(db, { kind: 'staff', id: staff.id });
  const token = generateSessionToken();
  const session = await createSession(db, token, { kind: 'staff', id: staff.id }, sessionDays, {
    ip: input.address,
    userAgent: input.userAgent,
    twoFactorPending: pendingTwoFactor,
  });
  return { ok: true, token, session, staff, pendingTwoFactor };
}
