import { type Kysely, sql } from 'kysely';

// The core of the CRM: modules (metadata, keyed by stable ids) and their records.
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not today's types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('modules')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('api_name', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('standard', 'custom')`))
    // Standard modules are named by locale keys; custom ones carry their labels per language.
    .addColumn('label_key', 'text')
    .addColumn('labels', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('sharing', 'text', (c) => c.notNull().defaultTo('private').check(sql`sharing in ('private', 'public_read', 'public_full')`))
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('records')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('module_id', 'uuid', (c) => c.notNull().references('modules.id'))
    .addColumn('owner_id', 'uuid', (c) => c.notNull().references('staff_users.id'))
    .addColumn('data', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('active').check(sql`state in ('active', 'pending_approval', 'under_review')`))
    .addColumn('deleted_at', 'timestamptz')
    .addColumn('created_by_staff_id', 'uuid', (c) => c.references('staff_users.id'))
    .addColumn('created_by_portal_user_id', 'uuid')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await sql`create index records_module_name_idx on records (module_id, lower(display_name), id) where deleted_at is null`.execute(db);
  await sql`create index records_module_created_idx on records (module_id, created_at desc, id desc) where deleted_at is null`.execute(db);
  await db.schema.createIndex('records_owner_idx').on('records').columns(['owner_id', 'module_id']).execute();

  await db
    .insertInto('modules')
    .values([
      { api_name: 'accounts', kind: 'standard', label_key: 'accounts', position: 10 },
      { api_name: 'contacts', kind: 'standard', label_key: 'contacts', position: 20 },
    ])
    .execute();
}
