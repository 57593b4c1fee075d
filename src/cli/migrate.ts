import { loadConfig } from '../config.js';
import { openDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { exitWithFailure } from '../errors.js';
import { startBoss } from '../jobs/boss.js';
import { createLogger } from '../log.js';
import { resolveDatabase } from '../runtime.js';

// `npm run migrate` and the Procfile `release:` phase.
async function main() {
  const config = loadConfig();
  const log = createLogger(config);
  const { url, embedded } = await resolveDatabase(config, log);
  const { db, close } = openDatabase(url, 2);
  try {
    const { applied } = await migrateToLatest(db);
    console.log(applied.length ? `Applied ${applied.length} migration(s): ${applied.join(', ')}` : 'Database is up to date.');
    // The job queue's own schema too, so web processes (which never migrate) find it ready.
    const boss = await startBoss({ connectionString: url, role: 'web', migrate: true });
    await boss.stop({ graceful: false, close: true });
    console.log('Job queue schema is up to date.');
  } finally {
    await close();
    await embedded?.stop();
  }
}

main().catch((err) => exitWithFailure(err, 'Migrating failed'));
