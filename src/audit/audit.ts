import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';

export type Actor = { kind: 'staff' | 'portal'; id: string } | { kind: 'system' };

/** Appends to the audit trail, in the caller's transaction when given one. */
export async function audit(
  db: Kysely<DB>,
  actor: Actor,
  action: string,
  target: { type: string; id: string } | undefined,
  details: Record<string, unknown> = {},
): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      actor_kind: actor.kind,
      actor_id: actor.kind === 'system' ? null : actor.id,
      action,
      target_type: target?.type ?? null,
      target_id: target?.id ?? null,
      details: JSON.stringify(details),
    })
    .execute();
}

export type AuditEntry = { action: string; target?: { type: string; id: string } | undefined; details?: Record<string, unknown> };

/** Several entries by one actor in one statement (bulk work writes its trail at once). */
export async function auditMany(db: Kysely<DB>, actor: Actor, entries: AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await db
    .insertInto('audit_log')
    .values(
      entries.map((e) => ({
        actor_kind: actor.kind,
        actor_id: actor.kind === 'system' ? null : actor.id,
        action: e.action,
        target_type: e.target?.type ?? null,
        target_id: e.target?.id ?? null,
        details: JSON.stringify(e.details ?? {}),
      })),
    )
    .execute();
}
