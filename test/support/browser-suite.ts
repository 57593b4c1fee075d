import { afterAll, beforeAll } from 'vitest';
import type { TestAppOptions } from './app.js';
import { type BrowserHandle, hasChromium, launchBrowser } from './browser.js';
import { startTestServer, type TestServer } from './server.js';

export type BrowserSuite = { server: TestServer; chrome: BrowserHandle };

/** A served test app and a Chromium for the file, started once (nothing when Chromium is missing). */
export function browserSuite(setup?: (server: TestServer) => Promise<void>, opts: TestAppOptions = {}): BrowserSuite {
  const suite = {} as BrowserSuite;
  beforeAll(async () => {
    if (!hasChromium) return;
    suite.server = await startTestServer(opts);
    await setup?.(suite.server);
    suite.chrome = await launchBrowser();
  });
  afterAll(async () => {
    await suite.chrome?.close();
    await suite.server?.close();
  });
  return suite;
}
