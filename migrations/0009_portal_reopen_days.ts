import { type Kysely, sql } from 'kysely';

// How many days after closing a customer may reopen a case, per portal.

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not today's types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('portals')
    .addColumn('reopen_days', 'integer', (c) => c.notNull().defaultTo(30).check(sql`reopen_days between 0 and 365`))
    .execute();
}
