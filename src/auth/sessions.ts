import { sha256 } from '@oslojs/crypto/sha2';
import { encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from '@oslojs/encoding';
import type { Database } from '../db/database.js';
import type { Session, SessionUserKind } from '../db/schema.js';

// Sessions follow Lucia's published implementation: the browser holds a random
// token; the database holds only its SHA-256, so a leaked sessions table
// cannot be replayed. Expiry slides forward when half the lifetime is used.

const DAY_MS = 24 * 60 * 60 * 1000;

export function generateSessionToken(): string {
  const bytes = new Uint8Array(20);
  crypto.getRandomValues(bytes);
  return encodeBase32LowerCaseNoPadding(bytes);
}

/** The shape of a token this server hands out: anything else names no session. */
export const isSessionToken = (token: string) => /^[a-z2-7]{32}$/.test(token);

export function sessionIdFromToken(token: string): string {
  return encodeHexLowerCase(sha256(new TextEncoder().encode(token)));
}

/** How long a password-only sign-in waits for its second factor. */
export const PENDING_TWO_FACTOR_MS = 10 * 60 * 1000;

export type SessionMeta = {
  ip?: string | null;
  userAgent?: string | null;
  /** Signed in with a password only: the second factor is still owed before anything else works. */
  twoFactorPending?: boolean;
};

export async function createSession(
  db: Database,
  token: string,
  user: { kind: SessionUserKind; id: string },
  lifetimeDays: number,
  meta: SessionMeta = {},
): Promise<Session> {
  return db
    .insertInto('sessions')
    .values({
      id: sessionIdFromToken(token),
      user_kind: user.kind,
      user_id: user.id,
      // A session still owing its second factor lasts minutes, not days.
      expires_at: new Date(Date.now() + (meta.twoFactorPending ? PENDING_TWO_FACTOR_MS : lifetimeDays * DAY_MS)),
      ip: meta.ip ?? null,
      user_agent: meta.userAgent?.slice(0, 500) ?? null,
      two_factor_pending: meta.twoFactorPending ?? false,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export type ValidSession = Session & { /** true when the expiry moved: the cookie must be sent again. */ extended: boolean };

/** The session for a token, extended when past half its life; undefined when unknown or expired. */
export async function validateSessionToken(db: Database, token: string, lifetimeDays: number): Promise<ValidSession | undefined> {
  if (!isSessionToken(token)) return undefined;
  const id = sessionIdFromToken(token);
  const session = await db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
  return session ? checkSession(db, session, lifetimeDays) : undefined;
}

/** A session row read by the caller: ended when expired, its expiry moved on when past half its lifetime. */
export async function checkSession(db: Database, session: Session, lifetimeDays: number): Promise<ValidSession | undefined> {
  const id = session.id;
  const now = Date.now();
  if (now >= session.expires_at.getTime()) {
    await db.deleteFrom('sessions').where('id', '=', id).execute();
    return undefined;
  }
  const lifetime = lifetimeDays * DAY_MS;
  if (!session.two_factor_pending && session.expires_at.getTime() - now < lifetime / 2) {
    const expires_at = new Date(now + lifetime);
    await db.updateTable('sessions').set({ expires_at }).where('id', '=', id).execute();
    return { ...session, expires_at, extended: true };
  }
  return { ...session, extended: false };
}

export async function invalidateSession(db: Database, sessionId: string): Promise<void> {
  await db.deleteFrom('sessions').where('id', '=', sessionId).execute();
}

/** Ends every session of a user (password change, deactivation, "sign out everywhere"). */
export async function invalidateUserSessions(db: Database, user: { kind: SessionUserKind; id: string }): Promise<number> {
  const result = await db.deleteFrom('sessions').where('user_kind', '=', user.kind).where('user_id', '=', user.id).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function deleteExpiredSessions(db: Database): Promise<number> {
  const result = await db.deleteFrom('sessions').where('expires_at', '<=', new Date()).executeTakeFirst();
  return Number(result.numDeletedRows);
}
