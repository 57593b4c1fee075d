import type { ModuleMeta } from '../../src/crm/metadata.js';
import type { Database } from '../../src/db/database.js';
import { type RefNote, type RefRecord, type RefWorld, refCanDownload, refInScope, refMask, refNotes } from '../unit/access-reference.js';
import { MARKER, type MarkerSource } from './leak-world.js';

// What a portal user may receive, from the reference of ACCESS.md (never from
// src/access), and a judge of every answer: each record id, marker and file
// in it must be one the reference allows.

export type Allowed = { records: Set<string>; markers: Set<string>; attachments: Set<string>; notes: Set<string> };

export type Known = {
  records: Set<string>;
  attachments: Set<string>;
  notes: Set<string>;
  markers: Map<string, MarkerSource>;
};

type World = RefWorld & { notes: RefNote[] };

/**
 * Everything U may be shown in portal P: the records in scope with their
 * visible fields, notes and files; and the names of records a visible lookup
 * of theirs points at (from the target's own visible name fields).
 */
export function allowedFor(w: World, metas: Map<string, ModuleMeta>, userId: string, portalId: string): Allowed {
  const out: Allowed = { records: new Set(), markers: new Set(), attachments: new Set(), notes: new Set() };
  const metaOf = new Map([...metas.values()].map((m) => [m.module.id, m]));
  /** `recordId:field` for each field of the record U's type shows (narrowed by `only`). */
  const shownFields = (r: RefRecord, only?: (api: string) => boolean) => {
    const m = metaOf.get(r.moduleId);
    if (!m || r.layoutId === null) return [];
    const { visible } = refMask(w, userId, portalId, r.moduleId, r.layoutId);
    return [...visible]
      .map((id) => m.byId.get(id)?.api_name)
      .filter((api): api is string => api !== undefined && (!only || only(api)))
      .map((api) => `${r.id}:${api}`);
  };
  for (const r of w.records) {
    if (!refInScope(w, userId, portalId, r.moduleId, r)) continue;
    out.records.add(r.id);
    for (const key of shownFields(r)) out.markers.add(key);
    for (const id of refNotes(w, userId, portalId, r.moduleId, r.id)) out.notes.add(id);
    for (const a of w.attachments) if (a.recordId === r.id && refCanDownload(w, userId, portalId, r.moduleId, r.id, a.id)) out.attachments.add(a.id);
    const m = metaOf.get(r.moduleId);
    const mask = r.layoutId === null ? undefined : refMask(w, userId, portalId, r.moduleId, r.layoutId);
    for (const ref of r.refs) {
      // A line item's lookup is shown with its subform.
      const field = m?.byId.get(ref.fieldId);
      if (!mask?.visible.has(field?.parent_field_id ?? ref.fieldId)) continue;
      const target = w.records.find((x) => x.id === ref.targetId);
      if (!target || target.deleted) continue;
      out.records.add(target.id);
      const names = new Set(metaOf.get(target.moduleId)?.module.name_fields ?? []);
      for (const key of shownFields(target, (api) => names.has(api))) out.markers.add(key);
    }
  }
  return out;
}

/** Record, attachment and note ids and markers as they are now (markers by source). */
export async function knownIds(db: Database, markers: Map<string, MarkerSource>): Promise<Known> {
  const [records, attachments, notes] = await Promise.all([
    db.selectFrom('records').select('id').execute(),
    db.selectFrom('attachments').select('id').execute(),
    db.selectFrom('notes').select('id').execute(),
  ]);
  return {
    records: new Set(records.map((r) => r.id)),
    attachments: new Set(attachments.map((a) => a.id)),
    notes: new Set(notes.map((n) => n.id)),
    markers,
  };
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** What in one answer the user may not have: described, for the failure message. */
export function leaksIn(text: string, known: Known, allowed: Allowed[]): string[] {
  const found: string[] = [];
  const ok = (pick: (a: Allowed) => Set<string>, value: string) => allowed.some((a) => pick(a).has(value));
  for (const id of new Set((text.match(UUID) ?? []).map((s) => s.toLowerCase()))) {
    if (known.records.has(id) && !ok((a) => a.records, id)) found.push(`record ${id}`);
    if (known.attachments.has(id) && !ok((a) => a.attachments, id)) found.push(`file ${id}`);
    if (known.notes.has(id) && !ok((a) => a.notes, id)) found.push(`note ${id}`);
  }
  for (const code of new Set(text.match(MARKER) ?? [])) {
    const source = known.markers.get(code);
    if (!source) continue;
    const allowedHere =
      source.kind === 'field'
        ? ok((a) => a.markers, `${source.recordId}:${source.field}`)
        : source.kind === 'note'
          ? ok((a) => a.notes, source.noteId)
          : ok((a) => a.attachments, source.attachmentId);
    if (!allowedHere) found.push(`${code} (${JSON.stringify(source)})`);
  }
  return found;
}
