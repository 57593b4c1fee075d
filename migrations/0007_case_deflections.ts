import { type Kysely, sql } from 'kysely';

// A knowledge-base article a customer opened from the suggestions beside a
// new case's form. One that no case from the same customer followed within a
// day counts as a case deflected.

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not today's types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('case_deflections')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('portal_id', 'uuid', (c) => c.notNull().references('portals.id').onDelete('cascade'))
    .addColumn('portal_user_id', 'uuid', (c) => c.notNull().references('portal_users.id').onDelete('cascade'))
    .addColumn('article_id', 'uuid', (c) => c.notNull().references('records.id').onDelete('cascade'))
    .addColumn('opened_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('case_deflections_portal_idx').on('case_deflections').columns(['portal_id', 'opened_at']).execute();
}
