import pg from 'pg';
import { type Config, loadConfig } from '../config.js';
import { defaultEmbeddedDir, serverAccount } from '../db/embedded-host.js';
import { projectRoot } from '../paths.js';

/**
 * The configuration of a measuring tool (`npm run bench`, `npm run load`):
 * its own embedded server in `.data/<name>/postgres` on its own port, or the
 * URL given for it, never the application's DATABASE_URL, since the tool
 * writes generated data into whatever it is given.
 */
export function toolConfig(name: 'bench' | 'load', databaseUrl: string | undefined, port: string): { config: Config; embeddedDir: string } {
  const embeddedDir = defaultEmbeddedDir(projectRoot, serverAccount(), `${name}/postgres`).dir;
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: databaseUrl ?? '',
    EMBEDDED_PG_DIR: embeddedDir,
    EMBEDDED_PG_PORT: port,
    NODE_ENV: 'production',
    BASE_URL: 'http://127.0.0.1',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    SERVER_TIMING: 'false',
  });
  return { config, embeddedDir };
}

/** One client of the server for `fn` (creating or dropping databases), ended afterwards. */
export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
