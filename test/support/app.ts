import { join } from 'node:path';
import type { PgBoss } from 'pg-boss';
import { type App, createApp } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config.js';
import type { Deps } from '../../src/deps.js';
import { loadAssets } from '../../src/http/assets.js';
import { startBoss } from '../../src/jobs/boss.js';
import { registerWorkers } from '../../src/jobs/handlers.js';
import { createLogger } from '../../src/log.js';
import { smtpTransport } from '../../src/mail/transport.js';
import { projectRoot } from '../../src/paths.js';
import { createTestDatabase, type TestDatabase } from './db.js';

export type TestAppOptions = {
  env?: Record<string, string>;
  /** Run the job handlers in this process (needed for email delivery). */
  worker?: boolean;
  mailRetryDelaySeconds?: number;
  /** Retries after the first delivery attempt, set on the mail queue (the only place the limit lives). */
  mailRetryLimit?: number;
};

export type TestApp = {
  app: App;
  deps: Deps;
  db: TestDatabase['db'];
  database: TestDatabase;
  boss: PgBoss;
  config: Config;
  close(): Promise<void>;
};

/** A real app on a fresh database of its own, with pg-boss started (and the worker when asked). */
export async function startTestApp(opts: TestAppOptions = {}): Promise<TestApp> {
  const database = await createTestDatabase({ countStatements: ['1', 'true', 'yes'].includes(opts.env?.SERVER_TIMING ?? '') });
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: database.url, BASE_URL: 'http://porta.test', ...opts.env });
  const log = createLogger(config);
  const boss = await startBoss({
    connectionString: database.url,
    role: opts.worker ? 'both' : 'web',
    mailRetryDelaySeconds: opts.mailRetryDelaySeconds ?? 1,
    mailRetryLimit: opts.mailRetryLimit,
    mailRetryBackoff: false,
  });
  const transport = config.smtpUrl ? smtpTransport(config.smtpUrl) : undefined;
  if (opts.worker) {
    await registerWorkers({ db: database.db, boss, log, transport, mailFrom: config.mailFrom, baseUrl: config.baseUrl });
  }
  const deps: Deps = { config, db: database.db, boss, log, assets: loadAssets(join(projectRoot, 'static')) };
  return {
    app: createApp(deps),
    deps,
    db: database.db,
    database,
    boss,
    config,
    async close() {
      await boss.stop({ graceful: false, close: true, timeout: 2000 });
      transport?.close();
      await database.drop();
    },
  };
}

/**
 * A browser-like client for `app.request()`: keeps cookies, and sends the
 * Origin and Sec-Fetch-Site headers a browser sends from our own pages.
 */
export function browserClient(app: App, origin = 'http://porta.test') {
  const jar = new Map<string, string>();
  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const remember = (res: Response) => {
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /max-age=0/i.test(a) || /expires=thu, 01 jan 1970/i.test(a.trim()));
      if (expired || value === '') jar.delete(name);
      else jar.set(name, value);
    }
    return res;
  };
  const request = async (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (jar.size && !headers.has('Cookie')) headers.set('Cookie', cookieHeader());
    if (init.method && init.method !== 'GET') {
      if (!headers.has('Origin')) headers.set('Origin', origin);
      if (!headers.has('Sec-Fetch-Site')) headers.set('Sec-Fetch-Site', 'same-origin');
    }
    return remember(await app.request(`${origin}${path}`, { ...init, headers, redirect: 'manual' }));
  };
  return {
    cookies: jar,
    get: (path: string, headers?: Record<string, string>) => request(path, { method: 'GET', headers }),
    post: (path: string, form: Record<string, string>, headers?: Record<string, string>) =>
      request(path, { method: 'POST', body: new URLSearchParams(form), headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers } }),
    request,
  };
}

export type BrowserClient = ReturnType<typeof browserClient>;
