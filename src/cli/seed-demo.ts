import { findStaffByEmail } from '../auth/staff.js';
import { loadConfig } from '../config.js';
import { openDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { DEMO_PORTAL_PASSWORD, DEMO_PORTAL_SLUG, DEMO_PORTAL_USERS, seedDemoPortal } from '../demo/portal.js';
import { DEMO_ADMIN, seedDemo } from '../demo/seed.js';
import { exitWithFailure } from '../errors.js';
import { startBoss } from '../jobs/boss.js';
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
    const admin = result.seeded ? await findStaffByEmail(db, DEMO_ADMIN.email) : undefined;
    if (result.seeded && admin) {
      // The demo's invitations go through the outbox and its delivery queue; the worker delivers them later.
      const boss = await startBoss({ connectionString: url, role: 'web', migrate: true });
      try {
        await seedDemoPortal({ db, boss, baseUrl: config.baseUrl }, admin.id);
      } finally {
        await boss.stop({ graceful: false, close: true });
      }
      console.log(
        [
          'Demo organization created.',
          `  Sign in at ${config.baseUrl}/admin/login`,
          `  email ${DEMO_ADMIN.email}  password ${DEMO_ADMIN.password}`,
          `  Customer portal: ${config.baseUrl}/p/${DEMO_PORTAL_SLUG}/login`,
          ...DEMO_PORTAL_USERS.map((email) => `  email ${email}  password ${DEMO_PORTAL_PASSWORD}`),
        ].join('\n'),
      );
    } else {
      console.log('This database already has an organization; nothing was seeded.');
    }
  } finally {
    await close();
    await embedded?.stop();
  }
}

main().catch((err) => exitWithFailure(err, 'Seeding the demo failed'));
