import { type Listening, listen } from '../../src/http/serve.js';
import { startTestApp, type TestApp, type TestAppOptions } from './app.js';

export type TestServer = TestApp & { url: string; http: Listening };

/** The test app served over real HTTP on a free local port, for the browser. */
export async function startTestServer(opts: TestAppOptions = {}): Promise<TestServer> {
  const app = await startTestApp(opts);
  const http = await listen(app.app, 0, '127.0.0.1');
  const url = `http://127.0.0.1:${http.port}`;
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
