import { startReplyListener } from './cases/email-replies.js';
import { loadConfig } from './config.js';
import { exitWithFailure, OperatorError } from './errors.js';
import { onShutdownSignal } from './http/serve.js';
import { createLogger } from './log.js';
import { startRuntime } from './runtime.js';

// Inbound mail process (Procfile `inbound:`): the SMTP listener for replies
// to case emails, on INBOUND_SMTP_PORT. Where the platform cannot take SMTP
// connections, a mail provider posts raw messages to /inbound/mail instead.
async function main() {
  const config = loadConfig();
  const log = createLogger(config);
  if (config.inboundSmtpPort === 0)
    throw new OperatorError('INBOUND_SMTP_PORT is 0: the inbound mail listener is turned off, so this process has nothing to do.');
  const runtime = await startRuntime(config, log, { role: 'web' });
  const smtp = await startReplyListener(runtime.deps).catch(async (err: NodeJS.ErrnoException) => {
    await runtime.stop();
    throw new OperatorError(
      `The inbound SMTP listener could not listen on ${config.host}:${config.inboundSmtpPort} (${err.code ?? err.message}). Set INBOUND_SMTP_PORT.`,
    );
  });
  log.info({ port: smtp.port, address: config.inboundAddress }, `Porta inbound mail listening on port ${smtp.port}`);
  onShutdownSignal(log, async () => {
    await smtp.close();
    await runtime.stop();
  });
}

main().catch((err) => exitWithFailure(err));
