import type { SignedInStaff } from '../auth/staff.js';
import { loadModuleMeta } from '../crm/metadata.js';
import { modulePermissions, staffRecordScope } from '../crm/staff-access.js';
import type { Database } from '../db/database.js';

/** Contacts: how many the signed-in staff user may see; undefined when their profile cannot view contacts. */
export type HomeStats = { staffUsers: number; pendingEmails: number; contacts: number | undefined };

export async function homeStats(db: Database, staff: SignedInStaff): Promise<HomeStats> {
  const contacts = await loadModuleMeta(db, 'contacts');
  const canView = contacts ? (await modulePermissions(db, staff, contacts.module.id)).view : false;
  const row = await db
    .selectNoFrom((eb) => [
      eb.selectFrom('staff_users').select(eb.fn.countAll<string>().as('n')).where('active', '=', true).as('staff_users'),
      eb.selectFrom('email_outbox').select(eb.fn.countAll<string>().as('n')).where('status', 'in', ['pending', 'held']).as('pending_emails'),
      eb
        .selectFrom('records')
        .select(eb.fn.countAll<string>().as('n'))
        .where('records.module_id', '=', contacts?.module.id ?? null)
        .where('records.deleted_at', 'is', null)
        .$call((q) => (contacts && canView ? q.where(staffRecordScope(staff, contacts.module)) : q.where((e) => e.lit(false))))
        .as('contacts'),
    ])
    .executeTakeFirstOrThrow();
  return { staffUsers: Number(row.staff_users), pendingEmails: Number(row.pending_emails), contacts: canView ? Number(row.contacts) : undefined };
}
