import { sql } from 'kysely';
import type { PgBoss } from 'pg-boss';
import { welcomeStaffEmail } from '../../views/emails/welcome-staff.js';
import { audit } from '../audit/audit.js';
import { hashPassword } from '../auth/passwords.js';
import { profileId } from '../auth/staff.js';
import type { Database } from '../db/database.js';
import type { StaffUser } from '../db/schema.js';
import { enqueueEmail } from '../mail/outbox.js';
import { renderEmail } from '../mail/render.js';
import type { SetupInput } from './setup-input.js';

export type SetupResult = { ok: true; admin: StaffUser } | { ok: false; reason: 'already_done' };

// Serializes concurrent first-run submissions: only one may create the organization.
const SETUP_LOCK = 7_320_001;

/**
 * Creates the organization and its first administrator, once. The welcome
 * email is written in the same transaction. Refused when any staff user exists.
 */
export async function completeSetup(db: Database, boss: PgBoss, input: SetupInput, baseUrl: string): Promise<SetupResult> {
  const passwordHash = await hashPassword(input.password);
  const welcome = await renderEmail(
    welcomeStaffEmail,
    { name: input.adminName, orgName: input.orgName, email: input.adminEmail, loginUrl: `${baseUrl}/admin/login` },
    input.defaultLanguage,
  );
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${SETUP_LOCK})`.execute(trx);
    const existing = await trx.selectFrom('staff_users').select('id').limit(1).executeTakeFirst();
    if (existing) return { ok: false, reason: 'already_done' } as const;
    await trx
      .insertInto('org')
      .values({
        id: 1,
        name: input.orgName,
        email_domains: input.emailDomains,
        default_language: input.defaultLanguage,
        time_zone: input.timeZone,
        time_format: input.timeFormat,
        country: input.country,
      })
      .onConflict((oc) =>
        oc.column('id').doUpdateSet({
          name: input.orgName,
          email_domains: input.emailDomains,
          default_language: input.defaultLanguage,
          time_zone: input.timeZone,
          time_format: input.timeFormat,
          country: input.country,
        }),
      )
      .execute();
    const admin = await trx
      .insertInto('staff_users')
      .values({
        email: input.adminEmail,
        name: input.adminName,
        password_hash: passwordHash,
        profile_id: await profileId(trx, 'administrator'),
        language: input.defaultLanguage,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await audit(trx, { kind: 'staff', id: admin.id }, 'org.setup', { type: 'org', id: '1' }, { orgName: input.orgName });
    await enqueueEmail(trx, boss, { address: admin.email, name: admin.name }, welcome);
    return { ok: true, admin } as const;
  });
}
