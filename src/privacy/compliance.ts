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

const EMAIL = /^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$/;

/** Where new data-privacy requests are emailed: an address, or every active admin when empty. */
export async function setPrivacyContact(db: Database, actor: Actor, value: string): Promise<{ ok: true } | { ok: false; error: 'invalid' }> {
  const contact = value.trim().toLowerCase();
  if (contact !== '' && (!EMAIL.test(contact) || contact.length > 254)) return { ok: false, error: 'invalid' };
  await db.transaction().execute(async (trx) => {
    const org = await trx.selectFrom('org').select('privacy_contact').where('id', '=', 1).forUpdate().executeTakeFirstOrThrow();
    if ((org.privacy_contact ?? '') === contact) return;
    await trx
      .updateTable('org')
      .set({ privacy_contact: contact || null })
      .where('id', '=', 1)
      .execute();
    await audit(trx, actor, 'org.privacy_contact', { type: 'org', id: '1' }, { set: contact !== '' });
  });
  return { ok: true };
}
