import { ConfigError, loadConfig } from '../config.js';
import { openDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { DEMO_ADMIN, seedDemo } from '../demo/seed.js';
import { createLogger } from '../log.js';
import { resolveDatabase } from '../runtime.js';

// `npm run seed:demo`: the demo organization on any database (migrated first), never over existing data.
async function main() {
  const config = loadConfig();
  const log = createLogger(config);
  const { url, embedded } = await resolveDatabase(config, log);
  const { db, close } = openDatabase(url, 2);
  try {
    await migrateToLatest(db);
    const result = await seedDemo(db);
    if (result.seeded) {
      console.log(`Demo organization created.\n  Sign in at ${config.baseUrl}/admin/login\n  email ${DEMO_ADMIN.email}  password ${DEMO_ADMIN.password}`);
    } else {
      console.log('This database already has an organization; nothing was seeded.');
    }
  } finally {
    await close();
    await embedded?.stop();
  }
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
