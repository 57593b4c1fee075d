import { loadConfig } from './config.js';
import { exitWithFailure } from './errors.js';
import { onShutdownSignal } from './http/serve.js';
import { createLogger } from './log.js';
import { startRuntime } from './runtime.js';

// Worker process (Procfile `worker:`, `npm run worker`): runs every job handler.
async function main() {
  const config = loadConfig();
  const log = createLogger(config);
  const runtime = await startRuntime(config, log, { role: 'worker' });
  log.info('Porta worker running');
  onShutdownSignal(log, () => runtime.stop());
}

main().catch((err) => exitWithFailure(err, 'The worker failed to start'));
