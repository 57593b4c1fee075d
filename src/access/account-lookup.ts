import { sql } from 'kysely';
import { snapshotFor } from '../db/config-snapshot.js';
import type { Database } from '../db/database.js';
import type { Field } from '../db/schema.js';

// The account lookup of a base module, which a related tab's company reach
// compares (ACCESS.md, "Rows").

/** The module whose records are the companies portal users work for. */
export const ACCOUNTS_MODULE = 'accounts';

type LookupCandidate = Pick<Field, 'id' | 'type' | 'parent_field_id' | 'deleted_at' | 'options'>;

/**
 * The **account lookup** of a base module B is B's live, top-level lookup
 * field whose target is the Accounts module (api_name 'accounts'), e.g.
 * Contacts' `account`. A base module without one (Leads) cannot have
 * company-scoped tabs. `fields` are B's fields in their order (the first such field counts).
 */
export function accountLookupOf<F extends LookupCandidate>(fields: readonly F[], accountsModuleId: string | undefined): F | undefined {
  if (!accountsModuleId) return undefined;
  return fields.find((f) => f.type === 'lookup' && !f.parent_field_id && !f.deleted_at && f.options.targetModuleId === accountsModuleId);
}

/** The account lookup of a base module (see accountLookupOf), from the request's snapshot when there is one. */
export async function accountLookup(db: Database, baseModuleId: string): Promise<Field | undefined> {
  const snapshot = snapshotFor(db);
  if (snapshot) {
    const base = snapshot.byId.get(baseModuleId);
    return base ? accountLookupOf(base.fields, snapshot.byApiName.get(ACCOUNTS_MODULE)?.module.id) : undefined;
  }
  return db
    .selectFrom('fields as f')
    .selectAll('f')
    .where('f.module_id', '=', baseModuleId)
    .where('f.type', '=', 'lookup')
    .where('f.deleted_at', 'is', null)
    .where('f.parent_field_id', 'is', null)
    .where(sql<boolean>`f.options->>'targetModuleId' = (select id::text from modules where api_name = ${ACCOUNTS_MODULE} and deleted_at is null)`)
    .orderBy('f.position')
    .orderBy('f.created_at')
    .limit(1)
    .executeTakeFirst();
}
