import { sql } from 'kysely';
import { hashPassword } from '../auth/passwords.js';
import { profileId } from '../auth/staff.js';
import { loadModuleMeta } from '../crm/metadata.js';
import { createRecordIn } from '../crm/records.js';
import type { Database } from '../db/database.js';

export const DEMO_ADMIN = { email: 'admin@demo.example', password: 'Porta-demo-2026', name: 'Dana Admin' } as const;

const DEMO_ORG = {
  name: 'Porta Demo',
  email_domains: ['demo.example'],
  default_language: 'en',
  time_zone: 'Europe/Madrid',
  time_format: '24h' as const,
  country: 'ES',
};

const ACCOUNTS = [
  { name: 'Acme Corporation', website: 'https://acme.example', industry: 'manufacturing' },
  { name: 'Globex Iberia', website: 'https://globex.example', industry: 'retail' },
];

const CONTACTS = [
  { first_name: 'Alice', last_name: 'Martin', email: 'alice@acme.example', phone: '+34 600 111 222', account: 0, language: 'en' },
  { first_name: 'Bruno', last_name: 'Costa', email: 'bruno@acme.example', phone: '+55 11 9999 0000', account: 0, language: 'pt-BR' },
  { first_name: 'Camille', last_name: 'Durand', email: 'camille@globex.example', phone: '+33 6 12 34 56 78', account: 1, language: 'fr' },
  { first_name: 'Diego', last_name: 'Ruiz', email: 'diego@globex.example', phone: '+34 611 222 333', account: 1, language: 'es' },
];

export type SeedResult = { seeded: boolean; reason?: 'already_set_up' };

// Serializes two processes seeding the same empty database.
const SEED_LOCK = 7_320_002;

/**
 * Creates the demo organization, its administrator, two companies and a few
 * contacts. Does nothing on a database that already has an organization or a
 * staff user, so it never touches real data.
 */
export async function seedDemo(db: Database): Promise<SeedResult> {
  const passwordHash = await hashPassword(DEMO_ADMIN.password);
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${SEED_LOCK})`.execute(trx);
    const existing = await trx
      .selectNoFrom((eb) => [eb.exists(eb.selectFrom('org').select('id')).as('org'), eb.exists(eb.selectFrom('staff_users').select('id')).as('staff')])
      .executeTakeFirstOrThrow();
    if (existing.org || existing.staff) return { seeded: false, reason: 'already_set_up' };

    await trx
      .insertInto('org')
      .values({ id: 1, ...DEMO_ORG })
      .execute();
    const admin = await trx
      .insertInto('staff_users')
      .values({ email: DEMO_ADMIN.email, name: DEMO_ADMIN.name, password_hash: passwordHash, profile_id: await profileId(trx, 'administrator') })
      .returning('id')
      .executeTakeFirstOrThrow();
    // Through the record service, so lookups, search and history are as if typed in.
    const [accountsMeta, contactsMeta] = await Promise.all([loadModuleMeta(trx, 'accounts'), loadModuleMeta(trx, 'contacts')]);
    if (!accountsMeta || !contactsMeta) throw new Error('the standard modules are missing: run the migrations first');
    const actor = { kind: 'staff' as const, id: admin.id };
    const accountIds: string[] = [];
    for (const a of ACCOUNTS) {
      const rec = await createRecordIn(trx, actor, accountsMeta, { data: { ...a }, layoutId: accountsMeta.defaultLayout?.id ?? null, ownerId: admin.id });
      accountIds.push(rec.id);
    }
    for (const { account, ...c } of CONTACTS) {
      await createRecordIn(trx, actor, contactsMeta, {
        data: { ...c, account: accountIds[account] ?? null },
        layoutId: contactsMeta.defaultLayout?.id ?? null,
        ownerId: admin.id,
      });
    }
    return { seeded: true };
  });
}
