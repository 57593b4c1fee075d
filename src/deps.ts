import type { PgBoss } from 'pg-boss';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Database } from './db/database.js';
import type { Assets } from './http/assets.js';

/** Everything a request or job needs from the outside world, built once by the entry points. */
export type Deps = {
  config: Config;
  db: Database;
  boss: PgBoss;
  log: Logger;
  assets: Assets;
};
