import type { SignedInStaff } from '../auth/staff.js';
import { loadModuleMetaById } from '../crm/metadata.js';
import type { Database } from '../db/database.js';
import type { Field, Portal } from '../db/schema.js';
import { emailField } from '../invitations/reasons.js';
import { matchingRecords } from './decide.js';
import type { PortalSignup } from './types.js';

// The approval queue of a portal: confirmed sign-ups waiting for a staff
// decision or for a licence, oldest first, with the records already at their
// address for the staff user to link instead of creating a new one.

export type QueueEntry = { signup: PortalSignup; matches: { id: string; display_name: string }[] };
export type SignupQueue = { fields: Field[]; email: Field | undefined; moduleApiName: string | undefined; entries: QueueEntry[] };

const QUEUE_LIMIT = 200;

/** The queue as a staff user sees it: the matching records are those they may view. */
export async function signupQueue(db: Database, portal: Portal, viewer: SignedInStaff | undefined): Promise<SignupQueue> {
  const rows = await db
    .selectFrom('portal_signups')
    .selectAll()
    .where('portal_id', '=', portal.id)
    .where('status', 'in', ['pending', 'waiting'])
    .orderBy('created_at')
    .limit(QUEUE_LIMIT)
    .execute();
  const type = portal.signup_user_type_id
    ? await db.selectFrom('portal_user_types').select('base_module_id').where('id', '=', portal.signup_user_type_id).executeTakeFirst()
    : undefined;
  const meta = type ? await loadModuleMetaById(db, type.base_module_id) : undefined;
  const email = meta ? emailField(meta.fields) : undefined;
  // What the form asked: the chosen fields and the ones the CRM requires.
  const fields = meta ? meta.fields.filter((f) => f.id !== email?.id && (portal.signup_field_ids.includes(f.id) || (f.required && !f.options.computed))) : [];
  const open = rows.filter((r) => !r.record_id).map((r) => r.email);
  const matches = meta ? await matchingRecords(db, meta, [...new Set(open)], viewer) : [];
  const entries = rows.map((signup) => ({
    signup,
    matches: signup.record_id ? [] : matches.filter((m) => m.email === signup.email).map((m) => ({ id: m.id, display_name: m.display_name })),
  }));
  return { fields, email, moduleApiName: meta?.module.api_name, entries };
}

/** How many sign-ups wait in the queue, for the link on the users page. */
export async function queueCount(db: Database, portalId: string): Promise<number> {
  const row = await db
    .selectFrom('portal_signups')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('portal_id', '=', portalId)
    .where('status', 'in', ['pending', 'waiting'])
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
