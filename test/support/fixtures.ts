import { hashPassword } from '../../src/auth/passwords.js';
import { profileId } from '../../src/auth/staff.js';
import type { Database } from '../../src/db/database.js';

export const acme = {
  org: { name: 'Acme Iberia', email_domains: ['acme.example'], default_language: 'en', time_zone: 'Europe/Madrid', time_format: '24h' as const, country: 'ES' },
  admin: { email: 'ana@acme.example', name: 'Ana Admin', password: 'Correct-Horse-42' },
};

/** The organization and its first administrator, as setup would leave them. */
export async function seedAcme(db: Database, overrides: { language?: string | null } = {}) {
  await db
    .insertInto('org')
    .values({ id: 1, ...acme.org })
    .execute();
  const admin = await db
    .insertInto('staff_users')
    .values({
      email: acme.admin.email,
      name: acme.admin.name,
      password_hash: await hashPassword(acme.admin.password),
      profile_id: await profileId(db, 'administrator'),
      language: overrides.language ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { admin };
}

export const bruno = { email: 'bruno@acme.example', name: 'Bruno Standard', password: 'Standard-User-77' };

/** A staff user with the Standard profile. */
export async function seedStandardUser(db: Database, who = bruno) {
  return db
    .insertInto('staff_users')
    .values({ email: who.email, name: who.name, password_hash: await hashPassword(who.password), profile_id: await profileId(db, 'standard') })
    .returningAll()
    .executeTakeFirstOrThrow();
}
