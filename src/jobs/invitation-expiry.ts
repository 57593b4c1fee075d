import type { PgBoss } from 'pg-boss';
import type { Logger } from 'pino';
import type { Database } from '../db/database.js';
import { expireInvitations } from '../invitations/tokens.js';
import { QUEUES } from './queues.js';

/** Every hour, invited users whose links have all run out become expired (and free their licence). */
export const INVITATION_EXPIRY_CRON = '23 * * * *';

export async function registerInvitationExpiry(boss: PgBoss, deps: { db: Database; log: Logger }): Promise<void> {
  await boss.work(QUEUES.invitationExpiry, async () => {
    const expired = await expireInvitations(deps.db);
    if (expired > 0) deps.log.info({ expired }, 'invitations expired');
  });
  await boss.schedule(QUEUES.invitationExpiry, INVITATION_EXPIRY_CRON);
}
