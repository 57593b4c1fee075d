/** Every pg-boss queue Porta uses, in one place (their settings: src/jobs/boss.ts). */
export const QUEUES = {
  mailDeliver: 'mail.deliver',
  mailSweep: 'mail.sweep',
  maintenance: 'maintenance.hourly',
  invitationExpiry: 'invitations.expire',
  passwordReset: 'password-reset.request',
  csvImport: 'crm.import',
  inviteRecord: 'invite.record',
  autoInvite: 'invitations.auto',
  privacyWork: 'privacy.work',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export type MailDeliverJob = { outboxId: string };

/**
 * A record was written: its automatic invitation rules are judged by the job.
 * `before` holds the previous values, by field id, of the fields the write
 * changed (null for a new record), enough to tell "now matches" from "matched already".
 */
export type AutoInviteJob = { recordId: string; inviterId: string; before: Record<string, unknown> | null };
