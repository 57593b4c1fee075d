import { type Kysely, sql } from 'kysely';

// Self sign-up, per portal and off by default: the user type it feeds, the
// base-module fields it asks for, the staff user who owns the records it
// creates, and the email domains accepted without approval. Each sign-up is a
// row: unconfirmed until its one-time code is entered, then pending approval,
// waiting for a licence, approved or rejected.

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not today's types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('portals')
    .addColumn('signup_user_type_id', 'uuid', (c) => c.references('portal_user_types.id').onDelete('set null'))
    .addColumn('signup_field_ids', sql`uuid[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('signup_owner_id', 'uuid', (c) => c.references('staff_users.id').onDelete('set null'))
    .addColumn('signup_domains', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .execute();
  await db.schema
    .createTable('portal_signups')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('portal_id', 'uuid', (c) => c.notNull().references('portals.id').onDelete('cascade'))
    .addColumn('user_type_id', 'uuid', (c) => c.references('portal_user_types.id').onDelete('set null'))
    .addColumn('email', 'text', (c) => c.notNull().check(sql`email = lower(email)`))
    .addColumn('data', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('language', 'text')
    .addColumn('consent', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('unconfirmed').check(sql`status in ('unconfirmed', 'pending', 'waiting', 'approved', 'rejected')`),
    )
    /** A failure reason code, or the administrator's reason for a rejection. */
    .addColumn('reason', 'text')
    .addColumn('code_hash', 'text')
    .addColumn('code_expires_at', 'timestamptz')
    .addColumn('code_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('confirmed_at', 'timestamptz')
    .addColumn('decided_by', 'uuid', (c) => c.references('staff_users.id').onDelete('set null'))
    .addColumn('decided_at', 'timestamptz')
    .addColumn('record_id', 'uuid', (c) => c.references('records.id').onDelete('set null'))
    .addColumn('portal_user_id', 'uuid', (c) => c.references('portal_users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create index portal_signups_queue on portal_signups (portal_id, status, created_at)`.execute(db);
  await sql`create index portal_signups_email on portal_signups (portal_id, email, created_at)`.execute(db);
}
