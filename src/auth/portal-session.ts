import type { Context } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import { sql } from 'kysely';
import { type AccessContext, type AccessUser, buildUserContext, getsAnything, loadAccessContext } from '../access/context.js';
import { fieldMask } from '../access/engine.js';
import { type ConfigSnapshot, prefetchedPortalSession, snapshotFor } from '../db/config-snapshot.js';
import type { Database } from '../db/database.js';
import type { Field, Portal, Session } from '../db/schema.js';
import { type AppEnv, portalHostOf } from '../http/env.js';
import { secureCookies } from './cookies.js';
import { decoyHash, verifyPassword } from './passwords.js';
import type { PortalAccount } from './portal-request.js';
import {
  checkSession,
  createSession,
  generateSessionToken,
  invalidateSession,
  isSessionToken,
  sessionIdFromToken,
  type ValidSession,
  validateSessionToken,
} from './sessions.js';
import { markAttemptSucceeded, reserveLoginAttempt } from './throttle.js';
import { hasTwoFactor } from './two-factor.js';

// A portal user's session: the same hashed-token sessions as staff
// (user_kind 'portal'), held in a cookie of its own that the browser sends to
// its portal's pages only. Every request re-reads the user and their access:
// a deactivated user, a user of another portal or of a deleted type is
// signed out on their next request, and their session ends.

export const PORTAL_COOKIE = 'porta_portal';

export const portalBase = (slug: string) => `/p/${slug}`;

export function setPortalCookie(c: Context<AppEnv>, slug: string, token: string, expiresAt: Date) {
  setCookie(c, PORTAL_COOKIE, token, {
    httpOnly: true,
    sameSite: 'Lax',
    secure: secureCookies(c.get('deps').config),
    // On a portal's own host name only that portal lives, and its paths may not start with /p/:slug.
    path: portalHostOf(c) ? '/' : portalBase(slug),
    expires: expiresAt,
  });
}

export function clearPortalCookie(c: Context<AppEnv>, slug: string) {
  deleteCookie(c, PORTAL_COOKIE, {
    path: portalHostOf(c) ? '/' : portalBase(slug),
    secure: secureCookies(c.get('deps').config),
    httpOnly: true,
    sameSite: 'Lax',
  });
}

export function findPortalBySlug(db: Database, slug: string): Promise<Portal | undefined> {
  if (!/^[a-z0-9-]{1,60}$/.test(slug)) return Promise.resolve(undefined);
  const snapshot = snapshotFor(db);
  if (snapshot) return Promise.resolve(snapshot.portalsBySlug.get(slug));
  return db.selectFrom('portals').selectAll().where('slug', '=', slug).executeTakeFirst();
}

async function loadAccount(db: Database, portalUserId: string, access: AccessContext): Promise<PortalAccount | undefined> {
  const row = await db
    .selectFrom('portal_users as u')
    .innerJoin('portal_user_types as t', 't.id', 'u.user_type_id')
    // UNSCOPED READ: the signed-in user's own record R_U, by the id on their account; only the name fields their type shows leave.
    .innerJoin('records as r', 'r.id', 'u.record_id')
    .innerJoin('modules as m', 'm.id', 'r.module_id')
    .select(['u.id', 'u.email', 'r.data', 'r.layout_id', 'u.record_id', 'u.user_type_id', 'u.language', 'u.time_zone', 'u.time_format', 'u.country'])
    .select('t.require_two_factor')
    .select((eb) =>
      eb
        .selectFrom('fields as f')
        .select(
          sql<
            { id: string; api_name: string }[]
          >`coalesce(json_agg(json_build_object('id', f.id, 'api_name', f.api_name) order by array_position(m.name_fields, f.api_name)), '[]')`.as('n'),
        )
        .whereRef('f.module_id', '=', 'r.module_id')
        .where(sql<boolean>`f.api_name = any(m.name_fields)`)
        .as('name_fields'),
    )
    .where('u.id', '=', portalUserId)
    .executeTakeFirst();
  if (!row) return undefined;
  // Their name as their own pages may show it: from the name fields their type makes visible, else their address.
  const mask = fieldMask(access, access.baseModuleId, row.layout_id);
  const data = row.data as Record<string, unknown>;
  const name = (row.name_fields ?? [])
    .filter((f) => mask.visible.has(f.id))
    .map((f) => data[f.api_name])
    .filter((v): v is string | number => (typeof v === 'string' && v.trim() !== '') || typeof v === 'number')
    .join(' ');
  return {
    id: row.id,
    email: row.email,
    name: name || row.email,
    recordId: row.record_id,
    userTypeId: row.user_type_id,
    language: row.language,
    timeZone: row.time_zone,
    timeFormat: row.time_format,
    country: row.country,
    twoFactorRequired: row.require_two_factor,
    twoFactorEnabled: await hasTwoFactor(db, { kind: 'portal', id: row.id }),
  };
}

export type ResolvedPortalSession =
  | { state: 'signed_in'; session: ValidSession; user: PortalAccount; access: AccessContext | undefined }
  /** The token named no live portal session of this portal's active user; when it was one, it has ended. */
  | { state: 'signed_out' };

/**
 * The portal user behind a cookie on a request to `portal`. A user who gets
 * nothing (ACCESS.md: not active, type or portal gone, another portal) is
 * signed out and their session ended.
 */
export async function resolvePortalSession(db: Database, token: string, portal: Portal, lifetimeDays: number): Promise<ResolvedPortalSession> {
  const snapshot = snapshotFor(db);
  if (snapshot) return resolveFromSnapshot(db, snapshot, token, portal, lifetimeDays);
  const session = await validateSessionToken(db, token, lifetimeDays);
  if (session?.user_kind !== 'portal') return { state: 'signed_out' };
  const access = await loadAccessContext(db, { portalUserId: session.user_id, portalId: portal.id });
  const user = access ? await loadAccount(db, session.user_id, access) : undefined;
  if (!access || !user) {
    await invalidateSession(db, session.id);
    return { state: 'signed_out' };
  }
  return { state: 'signed_in', session, user, access: session.two_factor_pending ? undefined : access };
}

export { isSessionToken };

/**
 * The configuration's version and, when the token names a session, that
 * session with its portal user, their own record and whether they use
 * two-factor sign-in: all a signed-in portal page needs before its data, in
 * one statement.
 */
export async function portalSessionRow(db: Database, token: string) {
  const row = await db
    .selectFrom('config_version as cv')
    .leftJoin('sessions as s', (j) => j.on('s.id', '=', sessionIdFromToken(token)))
    .leftJoin('portal_users as u', (j) => j.onRef('u.id', '=', 's.user_id').on('s.user_kind', '=', 'portal'))
    // UNSCOPED READ: the session user's own record R_U, by the id on their account: whether it is binned, and the name
    // fields their type shows (masked where the session is resolved).
    .leftJoin('records as own', 'own.id', 'u.record_id')
    .select('cv.version')
    .select(['s.id', 's.user_kind', 's.user_id', 's.expires_at', 's.created_at', 's.ip', 's.user_agent', 's.two_factor_pending'])
    .select(['u.id as u_id', 'u.record_id', 'u.user_type_id', 'u.portal_id', 'u.invited_by', 'u.status', 'u.email', 'u.language', 'u.time_zone'])
    .select([
      'u.time_format',
      'u.country',
      'own.deleted_at as own_deleted_at',
      'own.data as own_data',
      'own.layout_id as own_layout',
      'own.module_id as own_module',
    ])
    .select(
      sql<boolean>`exists (select 1 from two_factor tf where tf.user_kind = 'portal' and tf.user_id = u.id and tf.enabled_at is not null)`.as('two_factor'),
    )
    .where('cv.id', '=', 1)
    .executeTakeFirstOrThrow();
  const { version, ...session } = row;
  return { version: String(version), session: session.id ? session : undefined };
}

export type PortalSessionRow = NonNullable<Awaited<ReturnType<typeof portalSessionRow>>['session']>;

/**
 * resolvePortalSession for a page read: the session, its user, their own
 * record and whether they use two-factor sign-in in one statement; their type's
 * configuration comes from the request's snapshot.
 */
async function resolveFromSnapshot(
  db: Database,
  snapshot: ConfigSnapshot,
  token: string,
  portal: Portal,
  lifetimeDays: number,
): Promise<ResolvedPortalSession> {
  if (!isSessionToken(token)) return { state: 'signed_out' };
  const read = prefetchedPortalSession(token);
  const row = read === undefined ? (await portalSessionRow(db, token)).session : (read ?? undefined);
  if (!row) return { state: 'signed_out' };
  const { u_id, record_id, user_type_id, portal_id, invited_by, status, email, language, time_zone, time_format, country, ...rest } = row;
  const { own_deleted_at, own_data, own_layout, own_module, two_factor, ...columns } = rest;
  const valid = await checkSession(db, columns as Session, lifetimeDays);
  if (valid?.user_kind !== 'portal') return { state: 'signed_out' };
  const type = user_type_id ? snapshot.types.get(user_type_id) : undefined;
  const user: AccessUser | undefined =
    u_id && record_id && user_type_id && portal_id && invited_by && status && type?.portalId === portal_id && snapshot.portalsById.has(portal_id)
      ? { id: u_id, recordId: record_id, userTypeId: user_type_id, portalId: portal_id, invitedBy: invited_by, status, recordDeleted: own_deleted_at !== null }
      : undefined;
  const access = getsAnything(user) && user.portalId === portal.id ? await buildUserContext(db, user, false) : undefined;
  if (!access || !user || !email) {
    await invalidateSession(db, valid.id);
    return { state: 'signed_out' };
  }
  // Their name as their own pages may show it: from the name fields their type makes visible, else their address.
  const meta = own_module ? snapshot.byId.get(own_module) : undefined;
  const mask = fieldMask(access, access.baseModuleId, own_layout ?? null);
  const data = (own_data ?? {}) as Record<string, unknown>;
  const name = (meta?.module.name_fields ?? [])
    .map((n) => meta?.byName.get(n))
    .filter((f): f is Field => f !== undefined && mask.visible.has(f.id))
    .map((f) => data[f.api_name])
    .filter((v): v is string | number => (typeof v === 'string' && v.trim() !== '') || typeof v === 'number')
    .join(' ');
  const account: PortalAccount = {
    id: user.id,
    email,
    name: name || email,
    recordId: user.recordId,
    userTypeId: user.userTypeId,
    language: language ?? null,
    timeZone: time_zone ?? null,
    timeFormat: time_format ?? null,
    country: country ?? null,
    twoFactorRequired: snapshot.typeRequiresTwoFactor.get(user.userTypeId) ?? false,
    twoFactorEnabled: Boolean(two_factor),
  };
  return { state: 'signed_in', session: valid, user: account, access: valid.two_factor_pending ? undefined : access };
}

/** Whom a portal user asks about their account: the staff user who invited them, at the organization. */
export type Contact = { inviterName: string | undefined; inviterEmail: string | undefined; orgName: string };

export async function contactFor(db: Database, portalUserId: string, invitedBy?: string | null): Promise<Contact> {
  const inviterId = invitedBy ?? (await db.selectFrom('portal_users').select('invited_by').where('id', '=', portalUserId).executeTakeFirst())?.invited_by;
  const [inviter, org] = await Promise.all([
    inviterId ? db.selectFrom('staff_users').select(['name', 'email']).where('id', '=', inviterId).executeTakeFirst() : undefined,
    db.selectFrom('org').select('name').executeTakeFirst(),
  ]);
  return { inviterName: inviter?.name, inviterEmail: inviter?.email, orgName: org?.name ?? '' };
}

export type PortalLoginResult =
  | { ok: true; token: string; session: Session; pendingTwoFactor: boolean; userId: string }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'deactivated'; contact: Contact }
  | { ok: false; reason: 'throttled_account' | 'throttled_address'; retryAfterSeconds: number };

/**
 * Signs a portal user in to their portal: throttled like staff sign-in (no
 * password is checked while locked), then the password. An account without a
 * password yet fails like a wrong password (the form reminds newcomers of their
 * invitation); a deactivated one learns so only once the password is right. With two-factor on, the session starts pending.
 */
export async function portalLogin(
  db: Database,
  portal: Portal,
  input: { email: string; password: string; address: string; userAgent?: string | null | undefined },
  sessionDays: number,
): Promise<PortalLoginResult> {
  const email = input.email.trim().toLowerCase();
  const { verdict, reservation } = await reserveLoginAttempt(db, `portal:${portal.id}`, email, input.address);
  if (!verdict.allowed || !reservation) {
    const retryAfterSeconds = verdict.allowed ? 60 : verdict.retryAfterSeconds;
    return { ok: false, reason: !verdict.allowed && verdict.scope === 'address' ? 'throttled_address' : 'throttled_account', retryAfterSeconds };
  }
  const user = await db
    .selectFrom('portal_users')
    // UNSCOPED READ: only whether the account's own record R_U is in the recycle bin, to refuse the sign-in.
    .leftJoin('records as own', 'own.id', 'portal_users.record_id')
    .select(['portal_users.id', 'portal_users.password_hash', 'portal_users.status', 'portal_users.invited_by', 'own.deleted_at as own_deleted_at'])
    .where('portal_users.portal_id', '=', portal.id)
    .where((eb) => eb(eb.fn('lower', ['portal_users.email']), '=', email))
    .executeTakeFirst();
  const valid = await verifyPassword(user?.password_hash ?? (await decoyHash()), input.password);
  if (!user) return { ok: false, reason: 'invalid' };
  // An account still waiting for its invitation has no password: refused like a wrong one, so
  // the sign-in form never tells a stranger which addresses were invited.
  if (!valid) return { ok: false, reason: 'invalid' };
  // Their own record in the recycle bin: no access until staff restore it, said as for a deactivated account.
  if (user.status === 'deactivated' || (user.status === 'active' && user.own_deleted_at !== null))
    return { ok: false, reason: 'deactivated', contact: await contactFor(db, user.id, user.invited_by) };
  if (user.status !== 'active' || !(await loadAccessContext(db, { portalUserId: user.id, portalId: portal.id }))) return { ok: false, reason: 'invalid' };
  await markAttemptSucceeded(db, reservation);
  const pendingTwoFactor = await hasTwoFactor(db, { kind: 'portal', id: user.id });
  const token = generateSessionToken();
  const session = await createSession(db, token, { kind: 'portal', id: user.id }, sessionDays, {
    ip: input.address,
    userAgent: input.userAgent,
    twoFactorPending: pendingTwoFactor,
  });
  if (!pendingTwoFactor) await recordPortalLogin(db, user.id);
  return { ok: true, token, session, pendingTwoFactor, userId: user.id };
}

/** A completed sign-in (with its second factor, when on). */
export async function recordPortalLogin(db: Database, portalUserId: string, now = new Date()): Promise<void> {
  await db.updateTable('portal_users').set({ last_login_at: now }).where('id', '=', portalUserId).execute();
}
