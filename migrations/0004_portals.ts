import { type Kysely, sql } from 'kysely';

// Portals and what each kind of portal user may see: user types, their tabs
// (modules, with record permissions and the lookup that ties records to the
// user), field permissions per layout, card designs, web tabs, and the portal
// users themselves.

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not today's types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('portals')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  // Earlier slugs keep redirecting to the portal's current one.
  await db.schema
    .createTable('portal_slugs')
    .addColumn('slug', 'text', (c) => c.primaryKey())
    .addColumn('portal_id', 'uuid', (c) => c.notNull().references('portals.id').onDelete('cascade'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('portal_user_types')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('portal_id', 'uuid', (c) => c.notNull().references('portals.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('base_module_id', 'uuid', (c) => c.notNull().references('modules.id'))
    // The default type ("Customer portal") cannot be deleted and accepts customers only.
    .addColumn('is_default', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('user_limit', 'integer', (c) => c.notNull().defaultTo(10000).check(sql`user_limit >= 0`))
    .addColumn('require_two_factor', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('portal_user_types_name_key', ['portal_id', 'name'])
    .execute();
  await sql`create unique index portal_user_types_default_key on portal_user_types (portal_id) where is_default`.execute(db);

  await db.schema
    .createTable('portal_type_tabs')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('user_type_id', 'uuid', (c) => c.notNull().references('portal_user_types.id').onDelete('cascade'))
    .addColumn('module_id', 'uuid', (c) => c.notNull().references('modules.id'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('base', 'related', 'public')`))
    .addColumn('shown', 'boolean', (c) => c.notNull().defaultTo(true))
    // The lookup of this module that points at the base module (related tabs).
    .addColumn('filter_field_id', 'uuid', (c) => c.references('fields.id'))
    .addColumn('layout_ids', sql`uuid[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('can_view', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('can_create', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('can_edit', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('can_delete', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('view_mode', 'text', (c) => c.notNull().defaultTo('list').check(sql`view_mode in ('list', 'canvas')`))
    .addColumn('notes', 'text', (c) => c.notNull().defaultTo('none').check(sql`notes in ('none', 'view', 'add')`))
    .addColumn('attachments', 'text', (c) => c.notNull().defaultTo('none').check(sql`attachments in ('none', 'view', 'add')`))
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .addUniqueConstraint('portal_type_tabs_module_key', ['user_type_id', 'module_id'])
    .execute();

  await db.schema
    .createTable('portal_type_fields')
    .addColumn('user_type_id', 'uuid', (c) => c.notNull().references('portal_user_types.id').onDelete('cascade'))
    .addColumn('layout_id', 'uuid', (c) => c.notNull().references('layouts.id').onDelete('cascade'))
    .addColumn('field_id', 'uuid', (c) => c.notNull().references('fields.id').onDelete('cascade'))
    .addColumn('visible', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('read_only', 'boolean', (c) => c.notNull().defaultTo(false))
    .addPrimaryKeyConstraint('portal_type_fields_pkey', ['user_type_id', 'layout_id', 'field_id'])
    .execute();

  // How a module's records look as cards when a tab uses the canvas view.
  await db.schema
    .createTable('canvas_designs')
    .addColumn('module_id', 'uuid', (c) => c.primaryKey().references('modules.id'))
    .addColumn('title_field_id', 'uuid', (c) => c.references('fields.id'))
    .addColumn('subtitle_field_ids', sql`uuid[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('badge_field_id', 'uuid', (c) => c.references('fields.id'))
    .execute();

  await db.schema
    .createTable('web_tabs')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('user_type_id', 'uuid', (c) => c.notNull().references('portal_user_types.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema
    .createTable('portal_users')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('portal_id', 'uuid', (c) => c.notNull().references('portals.id'))
    .addColumn('user_type_id', 'uuid', (c) => c.notNull().references('portal_user_types.id'))
    .addColumn('record_id', 'uuid', (c) => c.notNull().references('records.id'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('invited').check(sql`status in ('invited', 'active', 'deactivated', 'expired')`))
    .addColumn('invited_by', 'uuid', (c) => c.notNull().references('staff_users.id'))
    .addColumn('language', 'text')
    .addColumn('time_format', 'text', (c) => c.check(sql`time_format in ('12h', '24h')`))
    .addColumn('time_zone', 'text')
    .addColumn('country', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('activated_at', 'timestamptz')
    .addColumn('deactivated_at', 'timestamptz')
    .execute();
  // A record is a portal user once, whatever the type; an email signs in to a portal once.
  await sql`create unique index portal_users_record_key on portal_users (record_id)`.execute(db);
  await sql`create unique index portal_users_email_key on portal_users (portal_id, lower(email))`.execute(db);
  await db.schema.createIndex('portal_users_type_idx').on('portal_users').columns(['user_type_id', 'status']).execute();
  await sql`create index records_portal_creator_idx on records (created_by_portal_user_id, module_id) where created_by_portal_user_id is not null and deleted_at is null`.execute(
    db,
  );
}
