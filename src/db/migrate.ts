import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Kysely } from 'kysely';
import { type Migration, type MigrationProvider, Migrator } from 'kysely/migration';
import { codeRoot } from '../paths.js';

/**
 * Migrations live in migrations/ as .ts (run through tsx) and are compiled to
 * dist/migrations/*.js; the name without extension is the migration's key, so
 * both forms record the same history.
 */
class FolderMigrationProvider implements MigrationProvider {
  constructor(private readonly folder: string) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    const files = (await readdir(this.folder)).filter((f) => /^\d{4}_.+\.(ts|js)$/.test(f) && !f.endsWith('.d.ts'));
    const migrations: Record<string, Migration> = {};
    for (const file of files.sort()) {
      const mod = (await import(pathToFileURL(join(this.folder, file)).href)) as Migration;
      migrations[file.replace(/\.(ts|js)$/, '')] = mod;
    }
    return migrations;
  }
}

export function migrationsFolder(): string {
  return join(codeRoot, 'migrations');
}

export type MigrateResult = { applied: string[] };

/** Applies every pending migration in one transaction (Kysely locks and wraps them on PostgreSQL). */
// biome-ignore lint/suspicious/noExplicitAny: migrations work on the untyped schema
export async function migrateToLatest(db: Kysely<any>, folder = migrationsFolder()): Promise<MigrateResult> {
  const migrator = new Migrator({ db, provider: new FolderMigrationProvider(folder) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    const where = failed ? ` in migration ${failed.migrationName}` : '';
    throw new Error(`Migration failed${where}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}
