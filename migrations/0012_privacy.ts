import { type Kysely, sql } from 'kysely';

// Data privacy: the history of every consent and basis change, data-subject
// requests with their due dates and history, export archives, and emails the
// outbox keeps but does not send because the person may not be emailed.

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not today's types
export async function up(db: Kysely<any>): Promise<void> {
  // Who receives new requests: this address, or every active admin when empty.
  await db.schema.alterTable('org').addColumn('privacy_contact', 'text').execute();

  await db.schema
    .createTable('consent_events')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('record_id', 'uuid', (c) => c.notNull().references('records.id').onDelete('cascade'))
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('actor_kind', 'text', (c) => c.notNull().check(sql`actor_kind in ('staff', 'portal', 'system')`))
    .addColumn('actor_id', 'uuid')
    .addColumn('source', 'text', (c) => c.notNull().check(sql`source in ('portal', 'staff', 'import', 'privacy_request', 'system')`))
    // { processing_basis?: [old, new], consent_status?: [...], consent_channels?: [...], stop_processing?: [...] }
    .addColumn('changes', 'jsonb', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('consent_events_record_idx').on('consent_events').columns(['record_id', 'at desc', 'id desc']).execute();

  await db.schema
    .createTable('privacy_requests')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('number', 'bigserial', (c) => c.notNull().unique())
    .addColumn('record_id', 'uuid', (c) => c.notNull().references('records.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('erasure', 'stop_processing', 'export', 'rectification')`))
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('submitted').check(sql`status in ('submitted', 'in_progress', 'extended', 'completed', 'rejected')`),
    )
    // What the person asked for in their own words (the correction, for a rectification).
    .addColumn('details', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('requested_by_kind', 'text', (c) => c.notNull().check(sql`requested_by_kind in ('portal', 'staff')`))
    .addColumn('requested_by_id', 'uuid')
    // The portal user who follows it in their portal; null once their account is gone.
    .addColumn('portal_user_id', 'uuid', (c) => c.references('portal_users.id').onDelete('set null'))
    .addColumn('language', 'text', (c) => c.notNull())
    .addColumn('submitted_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('due_at', 'timestamptz', (c) => c.notNull())
    .addColumn('extended_at', 'timestamptz')
    .addColumn('extension_reason', 'text')
    .addColumn('rejection_reason', 'text')
    .addColumn('closed_at', 'timestamptz')
    .addColumn('handled_by', 'uuid', (c) => c.references('staff_users.id'))
    // What the work did: fields changed by a rectification, counts of an erasure (never erased values).
    .addColumn('outcome', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema.createIndex('privacy_requests_open_idx').on('privacy_requests').columns(['status', 'due_at']).execute();
  await db.schema.createIndex('privacy_requests_record_idx').on('privacy_requests').columns(['record_id', 'submitted_at desc']).execute();
  await db.schema.createIndex('privacy_requests_user_idx').on('privacy_requests').columns(['portal_user_id', 'submitted_at desc']).execute();

  await db.schema
    .createTable('privacy_request_events')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('request_id', 'uuid', (c) => c.notNull().references('privacy_requests.id').onDelete('cascade'))
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('actor_kind', 'text', (c) => c.notNull().check(sql`actor_kind in ('staff', 'portal', 'system')`))
    .addColumn('actor_id', 'uuid')
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('details', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();
  await db.schema.createIndex('privacy_request_events_idx').on('privacy_request_events').columns(['request_id', 'at', 'id']).execute();

  await db.schema
    .createTable('privacy_exports')
    .addColumn('request_id', 'uuid', (c) => c.primaryKey().references('privacy_requests.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('queued').check(sql`status in ('queued', 'ready', 'failed', 'expired')`))
    .addColumn('filename', 'text')
    .addColumn('size', 'integer')
    .addColumn('content', 'bytea')
    .addColumn('ready_at', 'timestamptz')
    .addColumn('expires_at', 'timestamptz')
    .addColumn('error', 'text')
    .execute();

  // Whether an address may be emailed is asked on every email: by the address of a record or of a portal account.
  await sql`create index records_email_idx on records (lower(data->>'email'))`.execute(db);
  await sql`create index portal_users_lower_email_idx on portal_users (lower(email))`.execute(db);

  await sql`alter table email_outbox drop constraint email_outbox_status_check`.execute(db);
  await sql`alter table email_outbox add constraint email_outbox_status_check check (status in ('pending', 'sent', 'failed', 'held', 'blocked'))`.execute(db);
  await db.schema.alterTable('email_outbox').addColumn('blocked_reason', 'text').execute();
}
