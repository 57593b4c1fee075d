/** Every pg-boss queue Porta uses, in one place. */
export const QUEUES = {
  mailDeliver: 'mail.deliver',
  mailSweep: 'mail.sweep',
  maintenance: 'maintenance.hourly',
  invitationExpiry: 'invitations.expire',
  passwordReset: 'password-reset.request',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export type MailDeliverJob = { outboxId: string };
