import { audit } from '../audit/audit.js';
import type { Database } from '../db/database.js';
import type { FieldErrors } from '../org/setup-input.js';
import { checkNewPassword } from './password-reset.js';
import { hashPassword, verifyPassword } from './passwords.js';

// A signed-in portal user changing their password, or ending their other
// sessions: the current password proves it is them; every other session ends.

export type PasswordChange = { ok: true } | { ok: false; errors: FieldErrors };

export async function changePortalPassword(
  db: Database,
  user: { id: string },
  keepSessionId: string,
  form: Record<string, string | undefined>,
): Promise<PasswordChange> {
  const row = await db.selectFrom('portal_users').select('password_hash').where('id', '=', user.id).executeTakeFirst();
  const errors: FieldErrors = {};
  if (!row?.password_hash || !(await verifyPassword(row.password_hash, form.currentPassword ?? '')))
    errors.currentPassword = 'portalauth:security.wrongCurrent';
  const checked = checkNewPassword(form);
  if (!checked.ok) Object.assign(errors, checked.errors);
  if (!checked.ok || Object.keys(errors).length > 0) return { ok: false, errors };
  const hash = await hashPassword(checked.password);
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('portal_users').set({ password_hash: hash }).where('id', '=', user.id).execute();
    await endOtherSessionsIn(trx, user.id, keepSessionId);
    await audit(trx, { kind: 'portal', id: user.id }, 'portal_user.password_changed', { type: 'portal_user', id: user.id });
  });
  return { ok: true };
}

/** Signs the user out everywhere but here; returns how many sessions ended. */
export async function endOtherPortalSessions(db: Database, user: { id: string }, keepSessionId: string): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const ended = await endOtherSessionsIn(trx, user.id, keepSessionId);
    await audit(trx, { kind: 'portal', id: user.id }, 'portal_user.other_sessions_ended', { type: 'portal_user', id: user.id }, { ended });
    return ended;
  });
}

async function endOtherSessionsIn(db: Database, userId: string, keepSessionId: string): Promise<number> {
  const result = await db
    .deleteFrom('sessions')
    .where('user_kind', '=', 'portal')
    .where('user_id', '=', userId)
    .where('id', '<>', keepSessionId)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
