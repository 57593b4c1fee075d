import type { Database } from '../db/database.js';

/** Messages received, newest first, each with the module of the record it was filed on (to link to it). */
export function listInboundMail(db: Database, limit = 200) {
  return (
    db
      .selectFrom('inbound_mail as i')
      // UNSCOPED READ: administrators only (requireAdmin on /admin/outbox); only the module of the record a message was filed on.
      .leftJoin('records as r', 'r.id', 'i.record_id')
      .leftJoin('modules as m', 'm.id', 'r.module_id')
      .select(['i.id', 'i.received_at', 'i.via', 'i.from_address', 'i.subject', 'i.outcome', 'i.reason', 'i.record_id', 'i.attachments', 'm.api_name'])
      .orderBy('i.received_at', 'desc')
      .orderBy('i.id', 'desc')
      .limit(limit)
      .execute()
  );
}
