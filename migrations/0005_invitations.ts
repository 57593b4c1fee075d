import { type Kysely, sql } from 'kysely';

// How outsiders get into a portal and how they sign in: invitations (hashed
// single-use tokens, 7 days), bulk invitation batches with one outcome per
// record, editable invitation emails, automatic invitation rules, password
// resets, and two-factor sign-in (TOTP with recovery codes) for portal users
// and staff.

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not today's types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('portal_invitations')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('portal_user_id', 'uuid', (c) => c.notNull().references('portal_users.id').onDelete('cascade'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('invited_by', 'uuid', (c) => c.references('staff_users.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('accepted_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('portal_invitations_user_idx').on('portal_invitations').column('portal_user_id').execute();
  // The expiry job looks only at open invitations.
  await sql`create index portal_invitations_open_idx on portal_invitations (expires_at) where accepted_at is null and revoked_at is null`.execute(db);

  await db.schema
    .createTable('invitation_batches')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('portal_id', 'uuid', (c) => c.notNull().references('portals.id').onDelete('cascade'))
    .addColumn('user_type_id', 'uuid', (c) => c.notNull().references('portal_user_types.id').onDelete('cascade'))
    .addColumn('created_by', 'uuid', (c) => c.notNull().references('staff_users.id'))
    .addColumn('dry_run', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('total', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('running').check(sql`status in ('running', 'done')`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz')
    .execute();

  // One outcome per record of a batch (the unique key makes a retried job a no-op);
  // single invitations have no batch.
  await db.schema
    .createTable('invitation_results')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('batch_id', 'uuid', (c) => c.references('invitation_batches.id').onDelete('cascade'))
    .addColumn('record_id', 'uuid', (c) => c.notNull())
    .addColumn('user_type_id', 'uuid', (c) => c.notNull().references('portal_user_types.id').onDelete('cascade'))
    .addColumn('outcome', 'text', (c) => c.notNull().check(sql`outcome in ('sent', 'failed', 'would_send')`))
    .addColumn('reason', 'text')
    .addColumn('portal_user_id', 'uuid', (c) => c.references('portal_users.id').onDelete('set null'))
    .addColumn('created_by', 'uuid', (c) => c.references('staff_users.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create unique index invitation_results_batch_record_key on invitation_results (batch_id, record_id) where batch_id is not null`.execute(db);
  await db.schema.createIndex('invitation_results_record_idx').on('invitation_results').columns(['record_id', 'created_at']).execute();
  await sql`create index invitation_results_failed_idx on invitation_results (batch_id, reason) where outcome = 'failed'`.execute(db);

  await db.schema
    .createTable('invitation_templates')
    .addColumn('portal_id', 'uuid', (c) => c.notNull().references('portals.id').onDelete('cascade'))
    .addColumn('language', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'uuid', (c) => c.references('staff_users.id'))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('invitation_templates_pkey', ['portal_id', 'language'])
    .execute();

  // "Invite records of the base module when field F equals V", evaluated on create and update.
  await db.schema
    .createTable('auto_invite_rules')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('user_type_id', 'uuid', (c) => c.notNull().references('portal_user_types.id').onDelete('cascade'))
    .addColumn('field_id', 'uuid', (c) => c.notNull().references('fields.id'))
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('created_by', 'uuid', (c) => c.references('staff_users.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('auto_invite_rules_key', ['user_type_id', 'field_id', 'value'])
    .execute();

  await db.schema
    .createTable('password_resets')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('user_kind', 'text', (c) => c.notNull().check(sql`user_kind in ('staff', 'portal')`))
    .addColumn('user_id', 'uuid', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('used_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('password_resets_user_idx').on('password_resets').columns(['user_kind', 'user_id']).execute();

  // Two-factor sign-in with an authenticator app, for portal users and staff alike.
  await db.schema
    .createTable('two_factor')
    .addColumn('user_kind', 'text', (c) => c.notNull().check(sql`user_kind in ('staff', 'portal')`))
    .addColumn('user_id', 'uuid', (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('enabled_at', 'timestamptz')
    .addColumn('last_counter', 'bigint')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('two_factor_pkey', ['user_kind', 'user_id'])
    .execute();
  await db.schema
    .createTable('recovery_codes')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('user_kind', 'text', (c) => c.notNull().check(sql`user_kind in ('staff', 'portal')`))
    .addColumn('user_id', 'uuid', (c) => c.notNull())
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('used_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('recovery_codes_user_idx').on('recovery_codes').columns(['user_kind', 'user_id']).execute();
  // A session signed in with a password but still owing its second factor.
  await db.schema
    .alterTable('sessions')
    .addColumn('two_factor_pending', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();

  // Who may invite and manage portal users, apart from who configures portals.
  await db.schema.alterTable('portal_users').addColumn('invited_at', 'timestamptz').execute();
  await db.schema.alterTable('portal_users').addColumn('last_login_at', 'timestamptz').execute();
}
