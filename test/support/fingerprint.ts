import { sql } from 'kysely';
import type { Database } from '../../src/db/database.js';

/**
 * Tables a request may write without changing anyone's data, left out of the
 * fingerprint:
 * - `sessions`: every request of a signed-in user may slide its expiry, and
 *   signing in or out adds and removes rows;
 * - `login_attempts`: the sign-in throttle counts refused sign-ins (a 401 that
 *   writes here is the throttle working);
 * - `audit_log`: refusals and readings of secrets are audited on purpose;
 * - `config_version`: a counter moved by triggers on the configuration
 *   tables, so any real change already shows in the table that caused it;
 * - `kysely_migration`, `kysely_migration_lock`: the migrator's own records.
 * pg-boss keeps its queue in a schema of its own (`pgboss`), never read here.
 */
export const BOOKKEEPING_TABLES: readonly string[] = ['sessions', 'login_attempts', 'audit_log', 'config_version', 'kysely_migration', 'kysely_migration_lock'];

/** Table name → md5 of all its rows as text, in a stable order. */
export type Fingerprint = Readonly<Record<string, string>>;

/** The data tables of the public schema: every base table except the bookkeeping ones (and any in `exclude`). */
export async function dataTables(db: Database, exclude: readonly string[] = BOOKKEEPING_TABLES): Promise<string[]> {
  const rows = await sql<{ name: string }>`
    select table_name as name from information_schema.tables
    where table_schema = 'public' and table_type = 'BASE TABLE'
    order by table_name`.execute(db);
  return rows.rows.map((r) => r.name).filter((name) => !exclude.includes(name));
}

/**
 * A fingerprint of every data table in one statement: per table, the md5 of
 * the string_agg of each row's text form (as md5s, ordered, so wide rows sort
 * cheaply and equal contents give equal fingerprints whatever the physical
 * row order). Compare
 * two with `changedTables`; pass `tables` (from `dataTables`) when taking many
 * to skip the catalogue query.
 */
export async function fingerprint(db: Database, tables?: readonly string[]): Promise<Fingerprint> {
  const names = tables ?? (await dataTables(db));
  if (names.length === 0) return {};
  const parts = names.map(
    (name) => sql`select ${name}::text as name, md5(coalesce(string_agg(md5(x::text), '' order by md5(x::text)), '')) as hash from ${sql.table(name)} as x`,
  );
  const rows = await sql<{ name: string; hash: string }>`${sql.join(parts, sql` union all `)}`.execute(db);
  return Object.fromEntries(rows.rows.map((r) => [r.name, r.hash]));
}

/** The tables whose contents differ between two fingerprints (added or dropped tables included). */
export function changedTables(before: Fingerprint, after: Fingerprint): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter((name) => before[name] !== after[name]).sort();
}
