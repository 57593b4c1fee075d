import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import type { Logger } from 'pino';
import { createApp } from '../app.js';
import { PORTAL_COOKIE } from '../auth/portal-session.js';
import { sessionIdFromToken } from '../auth/sessions.js';
import type { Config } from '../config.js';
import { openDatabase } from '../db/database.js';
import type { Deps } from '../deps.js';
import { loadAssets } from '../http/assets.js';
import { listen } from '../http/serve.js';
import { startBoss } from '../jobs/boss.js';
import { projectRoot } from '../paths.js';
import type { BaselinePlan } from './baseline-server.js';
import { freePort } from './processes.js';

// The statements Porta sends for the portal list, captured from an in-process
// Porta on the bench's data, for the baseline server to replay.

/**
 * Porta's statements for the portal list, as the measured user's third request
 * sends them (the first two load the process's copy of the configuration):
 * the baseline replays them.
 */
async function capturePortalList(url: string, config: Config, log: Logger, token: string, path: string) {
  const handle = openDatabase(url, config.databasePoolMax);
  const boss = await startBoss({ connectionString: url, role: 'web', migrate: true });
  // Porta answers only for its BASE_URL's host: this one's, port included.
  const port = await freePort();
  const deps: Deps = { config: { ...config, baseUrl: `http://127.0.0.1:${port}` }, db: handle.db, boss, log, assets: loadAssets(join(projectRoot, 'static')) };
  const http = await listen(createApp(deps), port, '127.0.0.1');
  const headers = { Cookie: `${PORTAL_COOKIE}=${token}` };
  const captured: { text: string; values: unknown[] }[] = [];
  try {
    for (let i = 0; i < 2; i++) await fetch(`http://127.0.0.1:${http.port}${path}`, { headers }).then((r) => r.text());
    const original = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: pg.Client & { connectionParameters?: { application_name?: string } }, ...args: unknown[]) {
      if (this.connectionParameters?.application_name === 'porta') {
        const [first, values] = args as [string | { text: string; values?: unknown[] }, unknown[] | undefined];
        if (typeof first === 'string') captured.push({ text: first, values: values ?? [] });
        else captured.push({ text: first.text, values: first.values ?? values ?? [] });
      }
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof original;
    try {
      const res = await fetch(`http://127.0.0.1:${http.port}${path}`, { headers });
      await res.text();
      if (res.status !== 200) throw new Error(`the portal list answered ${res.status} while its statements were captured`);
    } finally {
      pg.Client.prototype.query = original;
    }
  } finally {
    await http.close(1000);
    await boss.stop({ graceful: false, close: true });
    await handle.close();
  }
  return captured;
}

/** The portal list's statements written to `<dataDir>/baseline-plan.json`, the file the baseline server reads; returns its path. */
export async function captureBaselinePlan(opts: { url: string; config: Config; log: Logger; token: string; listPath: string; dataDir: string }) {
  const captured = await capturePortalList(opts.url, opts.config, opts.log, opts.token, opts.listPath);
  const sessionValue = sessionIdFromToken(opts.token);
  if (!captured[0]?.values.includes(sessionValue)) throw new Error('the portal list’s first statement does not read the session');
  const planFile = join(opts.dataDir, 'baseline-plan.json');
  await writeFile(planFile, JSON.stringify({ cookie: PORTAL_COOKIE, sessionValue, statements: captured } satisfies BaselinePlan));
  return planFile;
}
