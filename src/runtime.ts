import { join } from 'node:path';
import type { PgBoss } from 'pg-boss';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { type DatabaseHandle, openDatabase } from './db/database.js';
import { type EmbeddedPostgres, startEmbeddedPostgres } from './db/embedded.js';
import type { Deps } from './deps.js';
import { loadAssets } from './http/assets.js';
import { startBoss } from './jobs/boss.js';
import { registerWorkers } from './jobs/handlers.js';
import { smtpTransport } from './mail/transport.js';
import { projectRoot } from './paths.js';

/** Said wherever the data folder is printed, when the project folder was out of the postgres user's reach. */
export const EMBEDDED_RELOCATED_NOTE =
  'The project folder is closed to the OS user "postgres", which runs the server when Porta runs as root, so the data lives under /var/lib/porta. Set EMBEDDED_PG_DIR to choose another place.';

export type Runtime = {
  deps: Deps;
  embedded: EmbeddedPostgres | undefined;
  databaseUrl: string;
  /** Stops pg-boss (letting running jobs finish), closes the pool, then stops the embedded database if this process started it. */
  stop(): Promise<void>;
};

/**
 * Resolves the database: DATABASE_URL, or the embedded server started (and
 * created on first run) here. When another Porta process already runs the
 * embedded server on the same folder, this one shares it and leaves it running.
 */
export async function resolveDatabase(config: Config, log: Logger): Promise<{ url: string; embedded: EmbeddedPostgres | undefined }> {
  if (config.databaseUrl) return { url: config.databaseUrl, embedded: undefined };
  const embedded = await startEmbeddedPostgres({
    dataDir: config.embeddedDir,
    port: config.embeddedPort,
    log: (line) => log.debug({ postgres: line }, 'embedded postgres'),
  });
  const { dataDir, port, owner, relocated, runsAs } = embedded;
  log.info(
    { dataDir, port, owner, runsAs },
    owner ? `embedded PostgreSQL running, data in ${dataDir}` : `using the embedded PostgreSQL another process runs on ${dataDir} (port ${port})`,
  );
  if (relocated) log.info({ dataDir }, EMBEDDED_RELOCATED_NOTE);
  return { url: embedded.url, embedded };
}

export async function startRuntime(
  config: Config,
  log: Logger,
  opts: { role: 'web' | 'worker' | 'both'; beforeBoss?: (db: DatabaseHandle) => Promise<void> },
): Promise<Runtime> {
  const { url, embedded } = await resolveDatabase(config, log);
  let handle: DatabaseHandle | undefined;
  let boss: PgBoss | undefined;
  try {
    handle = openDatabase(url, config.databasePoolMax, { countStatements: config.serverTiming });
    await opts.beforeBoss?.(handle);
    boss = await startBoss({ connectionString: url, role: opts.role });
    const transport = config.smtpUrl ? smtpTransport(config.smtpUrl) : undefined;
    if (opts.role !== 'web') await registerWorkers({ db: handle.db, boss, log, transport, mailFrom: config.mailFrom, baseUrl: config.baseUrl });
    const deps: Deps = { config, db: handle.db, boss, log, assets: loadAssets(join(projectRoot, 'static')) };
    const h = handle;
    const b = boss;
    return {
      deps,
      embedded,
      databaseUrl: url,
      async stop() {
        // Each step runs even if the one before failed: the database is always left stopped.
        try {
          await b.stop({ graceful: true, timeout: config.shutdownTimeoutMs, close: true });
        } finally {
          transport?.close();
          try {
            await h.close();
          } finally {
            await embedded?.stop();
          }
        }
      },
    };
  } catch (err) {
    await boss?.stop({ graceful: false }).catch(() => {});
    await handle?.close().catch(() => {});
    await embedded?.stop().catch(() => {});
    throw err;
  }
}
