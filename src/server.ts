import { createApp } from './app.js';
import { loadConfig } from './config.js';
import { exitWithFailure } from './errors.js';
import { listen, onShutdownSignal } from './http/serve.js';
import { createLogger } from './log.js';
import { startRuntime } from './runtime.js';

// Web process (Procfile `web:`): serves HTTP only; jobs run in `worker` processes.
// Migrations run in the `release:` phase, never here, so many web processes can start at once.
async function main() {
  const config = loadConfig();
  const log = createLogger(config);
  const runtime = await startRuntime(config, log, { role: 'web' });
  const http = await listen(createApp(runtime.deps), config.port, config.host);
  log.info({ port: http.port }, `Porta web listening on ${config.baseUrl}`);
  onShutdownSignal(log, async () => {
    await http.close(config.shutdownTimeoutMs);
    await runtime.stop();
  });
}

main().catch((err) => exitWithFailure(err));
