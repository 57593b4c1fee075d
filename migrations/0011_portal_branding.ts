import { type Kysely, sql } from 'kysely';

// A portal's look and address: an accent colour, a logo (stored here, served
// under its hash), and a host name of its own besides /p/:slug.

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not today's types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('portals')
    .addColumn('accent_color', 'text', (c) => c.check(sql`accent_color ~ '^#[0-9a-f]{6}$'`))
    .addColumn('logo_hash', 'text')
    .addColumn('domain', 'text', (c) => c.unique().check(sql`domain = lower(domain)`))
    .execute();
  // Apart from the portal row, which every portal request reads.
  await db.schema
    .createTable('portal_logos')
    .addColumn('portal_id', 'uuid', (c) => c.primaryKey().references('portals.id').onDelete('cascade'))
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('content', 'bytea', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}
