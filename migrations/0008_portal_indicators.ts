import { type Kysely, sql } from 'kysely';

// Indicators a user type's portal home shows: a count of records, or a sum of
// a currency field, grouped by a picklist or by owner, over a module the
// type can see.

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not today's types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('portal_indicators')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('user_type_id', 'uuid', (c) => c.notNull().references('portal_user_types.id').onDelete('cascade'))
    .addColumn('module_id', 'uuid', (c) => c.notNull().references('modules.id').onDelete('cascade'))
    .addColumn('measure', 'text', (c) => c.notNull().check(sql`measure in ('count', 'sum')`))
    .addColumn('sum_field_id', 'uuid', (c) => c.references('fields.id').onDelete('cascade'))
    // NULL: grouped by owner.
    .addColumn('group_field_id', 'uuid', (c) => c.references('fields.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('portal_indicators_sum_field', sql`(measure = 'sum') = (sum_field_id is not null)`)
    .execute();
  await db.schema.createIndex('portal_indicators_type_idx').on('portal_indicators').column('user_type_id').execute();
}
