import { type Actor, audit } from '../audit/audit.js';
import type { Database } from '../db/database.js';

/** Turns the organization's GDPR compliance on or off; only an actual change is written to the audit log. */
export async function setGdprEnabled(db: Database, actor: Actor, on: boolean): Promise<{ changed: boolean }> {
  return db.transaction().execute(async (trx) => {
    const org = await trx.selectFrom('org').select('gdpr_enabled').where('id', '=', 1).forUpdate().executeTakeFirstOrThrow();
    if (org.gdpr_enabled === on) return { changed: false };
    await trx.updateTable('org').set({ gdpr_enabled: on }).where('id', '=', 1).execute();
    await audit(trx, actor, on ? 'org.gdpr_enabled' : 'org.gdpr_disabled', { type: 'org', id: '1' }, { gdprEnabled: on });
    return { changed: true };
  });
}
