import type { ModuleMeta } from '../crm/metadata.js';
import type { Database } from '../db/database.js';
import type { CrmRecord } from '../db/schema.js';
import { consentHistory } from './consent.js';

/** What a staff record page shows of a person's privacy: consent history and requests, with compliance on and privacy fields on the module. */
export async function recordPrivacy(db: Database, gdprEnabled: boolean, meta: ModuleMeta, record: CrmRecord) {
  if (!gdprEnabled || !meta.fields.some((f) => f.api_name === 'stop_processing' && !f.parent_field_id)) return undefined;
  const [history, requests] = await Promise.all([
    consentHistory(db, record.id, 50),
    db
      .selectFrom('privacy_requests')
      .select(['id', 'number', 'kind', 'status', 'due_at', 'submitted_at'])
      .where('record_id', '=', record.id)
      .orderBy('submitted_at', 'desc')
      .limit(50)
      .execute(),
  ]);
  return {
    history,
    names: new Map(history.filter((h) => h.actor_id && h.actor_name).map((h) => [h.actor_id as string, h.actor_name as string])),
    requests,
    stopped: (record.data as Record<string, unknown>).stop_processing === true,
  };
}

export type RecordPrivacy = NonNullable<Awaited<ReturnType<typeof recordPrivacy>>>;
