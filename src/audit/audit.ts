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
