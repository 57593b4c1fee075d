import type { Actor } from '../audit/audit.js';
import { audit } from '../audit/audit.js';
import { snapshotFor } from '../db/config-snapshot.js';
import type { Database } from '../db/database.js';
import type { Field } from '../db/schema.js';

export type CanvasDesign = { titleFieldId: string | null; subtitleFieldIds: string[]; badgeFieldId: string | null };
export const MAX_SUBTITLES = 3;

/** Fields that can appear on a card: plain values, not subforms or long text. */
export function cardFields(fields: Field[]): Field[] {
  return fields.filter((f) => !f.parent_field_id && !f.deleted_at && f.type !== 'subform' && f.type !== 'textarea');
}

export async function getCanvasDesign(db: Database, moduleId: string): Promise<CanvasDesign> {
  const snapshot = snapshotFor(db);
  const row = snapshot
    ? snapshot.canvasDesigns.get(moduleId)
    : await db.selectFrom('canvas_designs').selectAll().where('module_id', '=', moduleId).executeTakeFirst();
  return { titleFieldId: row?.title_field_id ?? null, subtitleFieldIds: row?.subtitle_field_ids ?? [], badgeFieldId: row?.badge_field_id ?? null };
}

/** Field name → locale key of the problem. */
export type CanvasErrors = Record<string, string>;

/**
 * Saves how a module's records look as cards in a canvas tab: a title, up to
 * three subtitle fields and a badge (typically a status). Only live card
 * fields of the module are accepted; a field is used once.
 */
export async function saveCanvasDesign(
  db: Database,
  actor: Actor,
  moduleId: string,
  fields: Field[],
  design: CanvasDesign,
): Promise<{ ok: true } | { ok: false; errors: CanvasErrors }> {
  const allowed = new Set(cardFields(fields).map((f) => f.id));
  const errors: CanvasErrors = {};
  if (!design.titleFieldId) errors.title = 'portalconfig:canvas.errors.titleRequired';
  else if (!allowed.has(design.titleFieldId)) errors.title = 'errors:choose';
  const subtitles = design.subtitleFieldIds.filter(Boolean);
  if (subtitles.some((id) => !allowed.has(id))) errors.subtitles = 'errors:choose';
  else if (subtitles.length > MAX_SUBTITLES) errors.subtitles = 'portalconfig:canvas.errors.tooMany';
  if (design.badgeFieldId && !allowed.has(design.badgeFieldId)) errors.badge = 'errors:choose';
  const used = [design.titleFieldId, ...subtitles, design.badgeFieldId].filter(Boolean);
  if (!errors.title && !errors.subtitles && !errors.badge && new Set(used).size !== used.length) errors.subtitles = 'portalconfig:canvas.errors.repeated';
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const values = { title_field_id: design.titleFieldId, subtitle_field_ids: subtitles, badge_field_id: design.badgeFieldId };
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('canvas_designs')
      .values({ module_id: moduleId, ...values })
      .onConflict((oc) => oc.column('module_id').doUpdateSet(values))
      .execute();
    await audit(trx, actor, 'portals.canvas_design', { type: 'module', id: moduleId }, { ...values });
  });
  return { ok: true };
}
