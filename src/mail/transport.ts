import nodemailer, { type SendMailOptions } from 'nodemailer';

/** Every email Porta sends carries this header; a message that has it is our own, come back. */
export const LOOP_HEADER = 'X-Porta-Loop';

export type MailMessage = {
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  /** The same for every attempt at one outbox email, so a repeated delivery is recognisable as the same message. */
  messageId?: string;
  replyTo?: string | undefined;
  headers?: Record<string, string>;
};

export type MailTransport = {
  /** `signal` cuts a send short; it is also cut short after SEND_DEADLINE_MS whatever the server does. */
  send(message: MailMessage, signal?: AbortSignal): Promise<void>;
  close(): void;
};

// nodemailer waits up to 2 minutes to connect and 10 minutes on a silent
// socket: longer than a delivery job lives (expireInSeconds 120), after which
// pg-boss retries it while the first send may still go through.
const TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };
// socketTimeout only catches silence; a server trickling bytes resets it, so
// the whole send gets a deadline too, still well inside the job's expiry.
export const SEND_DEADLINE_MS = 60_000;

export function smtpTransport(smtpUrl: string): MailTransport {
  const transporter = nodemailer.createTransport({ url: smtpUrl, ...TIMEOUTS });
  return {
    async send(message, signal) {
      const deadline = AbortSignal.timeout(SEND_DEADLINE_MS);
      // nodemailer honours `signal` on SMTP sends; its type definitions do not list it yet.
      const options: SendMailOptions & { signal: AbortSignal } = { ...message, signal: signal ? AbortSignal.any([signal, deadline]) : deadline };
      await transporter.sendMail(options);
    },
    close: () => transporter.close(),
  };
}
