import type { Database } from '../db/database.js';

export type HomeStats = { staffUsers: number; pendingEmails: number; contacts: number };

export async function homeStats(db: Database): Promise<HomeStats> {
  const row = await db
    .selectNoFrom((eb) => [
      eb.selectFrom('staff_users').select(eb.fn.countAll<string>().as('n')).where('active', '=', true).as('staff_users'),
      eb.selectFrom('email_outbox').select(eb.fn.countAll<string>().as('n')).where('status', 'in', ['pending', 'held']).as('pending_emails'),
      eb
        .selectFrom('records')
        .innerJoin('modules', 'modules.id', 'records.module_id')
        .select(eb.fn.countAll<string>().as('n'))
        .where('modules.api_name', '=', 'contacts')
        .where('records.deleted_at', 'is', null)
        .as('contacts'),
    ])
    .executeTakeFirstOrThrow();
  return { staffUsers: Number(row.staff_users), pendingEmails: Number(row.pending_emails), contacts: Number(row.contacts) };
}
