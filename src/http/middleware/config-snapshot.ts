import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { SESSION_COOKIE } from '../../auth/cookies.js';
import { isSessionToken, PORTAL_COOKIE, portalSessionRow } from '../../auth/portal-session.js';
import { staffSessionRow } from '../../auth/staff.js';
import { withConfigSnapshot } from '../../db/config-snapshot.js';
import { configSnapshot, configVersion } from '../../db/config-snapshot-load.js';
import type { AppEnv } from '../env.js';

/**
 * A page request (GET or HEAD) reads configuration from the process's
 * snapshot of its current version; writes read it from the database, in
 * their transaction, so what they check is never a copy.
 */
export function configSnapshotForReads(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') return next();
    const { db } = c.get('deps');
    // A portal page's visitor comes with the version, in the same statement.
    const token = getCookie(c, PORTAL_COOKIE);
    if (token && isSessionToken(token)) {
      const { version, session } = await portalSessionRow(db, token);
      return withConfigSnapshot(db, await configSnapshot(db, version), () => next(), { portalSession: { token, row: session } });
    }
    // A staff page's likewise.
    const staffToken = getCookie(c, SESSION_COOKIE);
    if (staffToken && isSessionToken(staffToken)) {
      const { version, read } = await staffSessionRow(db, staffToken);
      return withConfigSnapshot(db, await configSnapshot(db, version), () => next(), { staffSession: { token: staffToken, read } });
    }
    const snapshot = await configSnapshot(db, await configVersion(db));
    await withConfigSnapshot(db, snapshot, () => next());
  };
}
