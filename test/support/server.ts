import { type Listening, listen } from '../../src/http/serve.js';
import { startTestApp, type TestApp, type TestAppOptions } from './app.js';
import { freePort } from './ports.js';

export type TestServer = TestApp & { url: string; http: Listening };

/** The test app served over real HTTP on a free local port, for the browser. */
export async function startTestServer(opts: TestAppOptions = {}): Promise<TestServer> {
  // Its own address is BASE_URL: Porta answers only for the host it is configured with.
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const app = await startTestApp({ ...opts, env: { BASE_URL: url, ...opts.env } });
  const http = await listen(app.app, port, '127.0.0.1');
  return {
    ...app,
    url,
    http,
    async close() {
      await http.close(1000);
      await app.close();
    },
  };
}
