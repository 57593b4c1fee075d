import { type Kysely, sql } from 'kysely';

// A tab's own name per language ("Leads" shown to parents as "My children");
// empty means the module's own plural label.

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not today's types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('portal_type_tabs')
    .addColumn('labels', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();
}
