import { type Kysely, sql } from 'kysely';

// One number that every change to configuration moves on, in the change's own
// transaction (by triggers, so no code path can forget it): processes keep
// metadata and portal configuration in memory and check this number on each
// request, so a change made through any process applies to the next request.

const CONFIG_TABLES = [
  'org',
  'modules',
  'fields',
  'layouts',
  'profiles',
  'profile_permissions',
  'portals',
  'portal_slugs',
  'portal_user_types',
  'portal_type_tabs',
  'portal_type_fields',
  'canvas_designs',
  'web_tabs',
  'portal_indicators',
];

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not today's types
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table config_version (id integer primary key default 1 check (id = 1), version bigint not null default 1)`.execute(db);
  await sql`insert into config_version (id, version) values (1, 1)`.execute(db);
  await sql`create function bump_config_version() returns trigger language plpgsql as $$
    begin
      update config_version set version = version + 1 where id = 1;
      return null;
    end $$`.execute(db);
  for (const table of CONFIG_TABLES) {
    await sql`create trigger ${sql.raw(`${table}_config_version`)} after insert or update or delete or truncate on ${sql.table(table)}
      for each statement execute function bump_config_version()`.execute(db);
  }
}
