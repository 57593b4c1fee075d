import { loadModuleMetaById } from '../crm/metadata.js';
import type { Database } from '../db/database.js';
import { exportStatus, readyArchive } from './export-store.js';
import { rectifiableFields } from './rectification.js';
import { findRequest, requestEvents, wasAccepted } from './requests.js';

// A privacy request as administrators handle it (/admin/privacy/requests/:id).

/** The request with its record, history and archive; undefined when there is none by that id. */
export async function staffRequest(db: Database, id: string) {
  const request = await findRequest(db, id);
  if (!request) return undefined;
  const [record, events, exportFile] = await Promise.all([
    // UNSCOPED READ: administrators only (requireAdmin): the record a privacy request is about.
    db
      .selectFrom('records as r')
      .innerJoin('modules as m', 'm.id', 'r.module_id')
      .select(['r.id', 'r.display_name', 'r.data', 'r.module_id', 'm.api_name'])
      .where('r.id', '=', request.record_id)
      .executeTakeFirstOrThrow(),
    requestEvents(db, request.id),
    exportStatus(db, request.id),
  ]);
  const staffIds = [...new Set(events.filter((e) => e.actor_kind === 'staff' && e.actor_id).map((e) => e.actor_id as string))];
  const [staff, meta, accepted] = await Promise.all([
    staffIds.length > 0 ? db.selectFrom('staff_users').select(['id', 'name']).where('id', 'in', staffIds).execute() : [],
    request.kind === 'rectification' ? loadModuleMetaById(db, record.module_id) : undefined,
    wasAccepted(db, request.id),
  ]);
  const data = record.data as Record<string, unknown>;
  return {
    request,
    record: { id: record.id, name: record.display_name, apiName: record.api_name },
    events,
    /** Staff who acted on it, by id. */
    names: new Map(staff.map((s) => [s.id, s.name])),
    exportFile,
    fields: meta
      ? rectifiableFields(meta).map((field) => ({ field, value: typeof data[field.api_name] === 'string' ? (data[field.api_name] as string) : '' }))
      : [],
    accepted,
  };
}

/** The archive of an export request while it may be downloaded. */
export async function staffExportFile(db: Database, id: string) {
  const request = await findRequest(db, id);
  if (request?.kind !== 'export') return undefined;
  return readyArchive(db, request.id);
}
