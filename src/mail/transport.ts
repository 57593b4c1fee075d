import nodemailer from 'nodemailer';

export type MailMessage = { from: string; to: string; subject: string; html: string; text: string };

export type MailTransport = {
  send(message: MailMessage): Promise<void>;
  close(): void;
};

export function smtpTransport(smtpUrl: string): MailTransport {
  const transporter = nodemailer.createTransport(smtpUrl);
  return {
    async send(message) {
      await transporter.sendMail(message);
    },
    close: () => transporter.close(),
  };
}
