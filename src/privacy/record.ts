import type { ModuleMeta } from '../crm/metadata.js';
import type { CrmRecord, PrivacyRequest } from '../db/schema.js';
import type { ConsentHistoryEntry } from './consent.js';

/** Whether a staff record page has a privacy panel: compliance on and privacy fields on the module. */
export const showsPrivacy = (gdprEnabled: boolean, meta: ModuleMeta) =>
  gdprEnabled && meta.fields.some((f) => f.api_name === 'stop_processing' && !f.parent_field_id);

/** The panel's data from the history and requests the page read. */
export function privacyPanelData(record: CrmRecord, read: { history: ConsentHistoryEntry[]; requests: RecordPrivacy['requests'] }): RecordPrivacy {
  return {
    history: read.history,
    names: new Map(read.history.filter((h) => h.actor_id && h.actor_name).map((h) => [h.actor_id as string, h.actor_name as string])),
    requests: read.requests,
    stopped: (record.data as Record<string, unknown>).stop_processing === true,
  };
}

export type RecordPrivacy = {
  history: ConsentHistoryEntry[];
  names: Map<string, string>;
  requests: Pick<PrivacyRequest, 'id' | 'number' | 'kind' | 'status' | 'due_at' | 'submitted_at'>[];
  stopped: boolean;
};
