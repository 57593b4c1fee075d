import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export type ReceivedMail = { from: string; to: string[]; subject: string; text: string; html: string; raw: string };

export type TestSmtp = {
  url: string;
  received: ReceivedMail[];
  /** The next `n` messages are refused with a temporary error (451). */
  failNext(n: number): void;
  /** Every message to this address is refused at RCPT TO with a permanent error (550). */
  refuseRecipient(address: string): void;
  refused: number;
  /** Messages accepted for this address. */
  receivedBy(address: string): ReceivedMail[];
  close(): Promise<void>;
};

/** A real SMTP server on a free local port (or the one given), recording every message it accepts. */
export async function startSmtp(opts: { port?: number } = {}): Promise<TestSmtp> {
  const received: ReceivedMail[] = [];
  let failures = 0;
  const refusedRecipients = new Set<string>();
  const state = { refused: 0 };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (!refusedRecipients.has(address.address)) return callback();
      const err = new Error('No such user here') as Error & { responseCode: number };
      err.responseCode = 550;
      callback(err);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', async () => {
        if (failures > 0) {
          failures--;
          state.refused++;
          const err = new Error('Mailbox temporarily unavailable') as Error & { responseCode: number };
          err.responseCode = 451;
          return callback(err);
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        const parsed = await simpleParser(raw);
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          subject: parsed.subject ?? '',
          text: parsed.text ?? '',
          html: typeof parsed.html === 'string' ? parsed.html : '',
          raw,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    failNext(n) {
      failures = n;
    },
    refuseRecipient(address) {
      refusedRecipients.add(address);
    },
    receivedBy: (address) => received.filter((m) => m.to.includes(address)),
    get refused() {
      return state.refused;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
