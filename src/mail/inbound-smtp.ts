import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { SMTPServer } from 'smtp-server';
import { type Envelope, INBOUND_MAX_BYTES } from './inbound.js';

// The built-in SMTP listener for replies: it accepts mail for the inbound
// address (replies@… and replies+<token>@…) and nothing else, reads each
// message whole (up to INBOUND_MAX_BYTES) and hands it over. A refusal by
// policy (wrong sender, auto-reply, …) is still accepted at the SMTP level,
// so no bounce goes back to whoever sent it; only a failure on our side
// answers 451, so the sending server tries again later.

export type InboundHandler = (raw: Buffer, envelope: Envelope) => Promise<void>;

export type InboundSmtp = { port: number; close(): Promise<void> };

const smtpError = (message: string, responseCode: number) => Object.assign(new Error(message), { responseCode });

export async function startInboundSmtp(opts: {
  port: number;
  host: string;
  inboundAddress: string;
  handler: InboundHandler;
  log: Logger;
}): Promise<InboundSmtp> {
  const at = opts.inboundAddress.lastIndexOf('@');
  const local = opts.inboundAddress.slice(0, at);
  const domain = opts.inboundAddress.slice(at + 1);
  const ours = (address: string) => {
    const [l = '', d = ''] = [address.slice(0, address.lastIndexOf('@')).toLowerCase(), address.slice(address.lastIndexOf('@') + 1).toLowerCase()];
    return d === domain && (l === local || l.startsWith(`${local}+`));
  };
  const server = new SMTPServer({
    name: domain,
    banner: 'Porta',
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: INBOUND_MAX_BYTES,
    logger: false,
    onRcptTo(address, _session, callback) {
      if (ours(address.address)) return callback();
      callback(smtpError('No such recipient here', 550));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', (err) => callback(err));
      stream.on('end', () => {
        if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded) return callback(smtpError('Message too large', 552));
        const mailFrom = session.envelope.mailFrom;
        const envelope: Envelope = {
          from: mailFrom ? mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
        };
        opts
          .handler(Buffer.concat(chunks), envelope)
          .then(() => callback())
          .catch((err: unknown) => {
            opts.log.error({ err }, 'inbound mail could not be processed; the sender will retry');
            callback(smtpError('Temporary failure, try again later', 451));
          });
      });
    },
  });
  server.on('error', (err) => opts.log.warn({ err }, 'inbound SMTP connection error'));
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.server.once('error', onError);
    server.listen(opts.port, opts.host, () => {
      server.server.off('error', onError);
      resolve();
    });
  });
  const port = (server.server.address() as AddressInfo).port;
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
