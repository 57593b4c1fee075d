import { createApp } from './app.js';
import { findStaffByEmail } from './auth/staff.js';
import { startReplyListener } from './cases/email-replies.js';
import { loadConfig } from './config.js';
import { migrateToLatest } from './db/migrate.js';
import { DEMO_PORTAL_PASSWORD, DEMO_PORTAL_SLUG, DEMO_PORTAL_USERS, seedDemoPortal } from './demo/portal.js';
import { DEMO_ADMIN, seedDemo } from './demo/seed.js';
import { exitWithFailure } from './errors.js';
import { listen, onShutdownSignal } from './http/serve.js';
import { createLogger } from './log.js';
import { EMBEDDED_RELOCATED_NOTE, startRuntime } from './runtime.js';

// Single-process default (`npm start`): database (embedded unless DATABASE_URL),
// migrations, demo data on first run, web server and job worker together.
async function main() {
  const config = loadConfig();
  const log = createLogger(config);
  let demoSeeded = false;
  const runtime = await startRuntime(config, log, {
    role: config.workerInProcess ? 'both' : 'web',
    beforeBoss: async ({ db }) => {
      const { applied } = await migrateToLatest(db);
      if (applied.length) log.info({ applied }, 'migrations applied');
      if (config.seedDemo) demoSeeded = (await seedDemo(db)).seeded;
    },
  });
  // The demo portal needs the job queue for its invitation emails, so it comes once the runtime runs.
  const demoAdmin = config.seedDemo ? await findStaffByEmail(runtime.deps.db, DEMO_ADMIN.email) : undefined;
  if (demoSeeded && demoAdmin) await seedDemoPortal({ db: runtime.deps.db, boss: runtime.deps.boss, baseUrl: config.baseUrl }, demoAdmin.id);
  const app = createApp(runtime.deps);
  const http = await listen(app, config.port, config.host);
  // Replies to case emails; a port already taken leaves this process without it, said below.
  const inbound = config.inboundSmtpPort > 0 ? await startReplyListener(runtime.deps).catch((err: NodeJS.ErrnoException) => err) : undefined;
  onShutdownSignal(log, async () => {
    if (inbound && !(inbound instanceof Error)) await inbound.close();
    await http.close(config.shutdownTimeoutMs);
    await runtime.stop();
  });

  const lines = [
    '',
    `  Porta is running at ${config.baseUrl}`,
    runtime.embedded ? `  Database: embedded PostgreSQL, data in ${runtime.embedded.dataDir} (port ${runtime.embedded.port})` : '  Database: DATABASE_URL',
  ];
  if (runtime.embedded?.relocated) lines.push(`    ${EMBEDDED_RELOCATED_NOTE}`);
  if (inbound instanceof Error)
    lines.push(
      `  Replies by email: the SMTP listener could not listen on port ${config.inboundSmtpPort} (${inbound.code ?? inbound.message}); set INBOUND_SMTP_PORT`,
    );
  else if (inbound) lines.push(`  Replies by email: SMTP on port ${inbound.port}, for ${config.inboundAddress}`);
  if (demoAdmin) {
    lines.push(
      `  Demo staff sign-in: ${config.baseUrl}/admin/login`,
      `    email ${DEMO_ADMIN.email}  password ${DEMO_ADMIN.password}${demoSeeded ? '  (demo organization created now)' : ''}`,
    );
    if (await runtime.deps.db.selectFrom('portals').select('id').where('slug', '=', DEMO_PORTAL_SLUG).executeTakeFirst()) {
      lines.push(
        `  Demo customer portal sign-in: ${config.baseUrl}/p/${DEMO_PORTAL_SLUG}/login`,
        ...DEMO_PORTAL_USERS.map((email) => `    email ${email}  password ${DEMO_PORTAL_PASSWORD}`),
      );
    }
  }
  lines.push('');
  console.log(lines.join('\n'));
}

main().catch((err) => exitWithFailure(err));
