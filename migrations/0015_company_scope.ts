import type { Kysely } from 'kysely';
import { sql } from 'kysely';

// A related tab reaches either the records linked to the user ("mine") or the
// records linked to anyone at the user's company ("company"): the base
// records that share R_U's account lookup.

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not today's types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('portal_type_tabs')
    .addColumn('reach', 'text', (c) => c.notNull().defaultTo('mine').check(sql`reach in ('mine', 'company')`))
    .execute();
}
