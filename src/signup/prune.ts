import { sql } from 'kysely';
import type { Database } from '../db/database.js';

// Sign-ups hold what strangers typed: none is kept longer than its purpose.
// An unconfirmed one is dead once its code has expired; a day's grace lets
// the person see "expired" rather than "unknown". A rejected one stays a month
// for staff to answer questions about it. Approved ones live on as their
// record and portal user, and waiting or pending ones wait for a decision.

export const UNCONFIRMED_KEPT_HOURS = 24;
export const REJECTED_KEPT_DAYS = 30;

/** Deletes sign-ups past their keeping time; answers how many went. */
export async function pruneSignups(db: Database): Promise<number> {
  const gone = await db
    .deleteFrom('portal_signups')
    .where((eb) =>
      eb.or([
        eb.and([eb('status', '=', 'unconfirmed'), eb('created_at', '<', sql<Date>`now() - make_interval(hours => ${UNCONFIRMED_KEPT_HOURS})`)]),
        eb.and([
          eb('status', '=', 'rejected'),
          eb(sql`coalesce(decided_at, created_at)`, '<', sql<Date>`now() - make_interval(days => ${REJECTED_KEPT_DAYS})`),
        ]),
      ]),
    )
    .executeTakeFirst();
  return Number(gone.numDeletedRows);
}
