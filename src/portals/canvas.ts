import type { Actor } from '../audit/audit.js';
import { audit } from '../audit/audit.js';
import { loadModuleMetaById } from '../crm/metadata.js';
import { snapshotFor } from '../db/config-snapshot.js';
import type { Database } from '../db/database.js';
import type { Field, Module } from '../db/schema.js';

export type CanvasDesign = { titleFieldId: string | null; subtitleFieldIds: string[]; badgeFieldId: string | null };
/** A module's card design; `saved` is false while the default one is used. */
export type ModuleCardDesign = CanvasDesign & { saved: boolean };
export const MAX_SUBTITLES = 3;

/** Fields that can appear on a card: plain values, not subforms or long text. */
export function cardFields(fields: Field[]): Field[] {
  return fields.filter((f) => !f.parent_field_id && !f.deleted_at && f.type !== 'subform' && f.type !== 'textarea');
}

/**
 * The design a module without a saved one uses: its first name field as the
 * title, nothing else. None when no name field can be a card's title.
 */
export function defaultCanvasDesign(module: Module, fields: Field[]): CanvasDesign | undefined {
  const card = cardFields(fields).filter((f) => f.module_id === module.id);
  const title = module.name_fields.map((name) => card.find((f) => f.api_name === name)).find((f) => f !== undefined);
  return title ? { titleFieldId: title.id, subtitleFieldIds: [], badgeFieldId: null } : undefined;
}

const EMPTY_DESIGN: CanvasDesign = { titleFieldId: null, subtitleFieldIds: [], badgeFieldId: null };

/** The saved design of a module, else its default one. */
export async function getCanvasDesign(db: Database, moduleId: string): Promise<ModuleCardDesign> {
  const snapshot = snapshotFor(db);
  const row = snapshot
    ? snapshot.canvasDesigns.get(moduleId)
    : await db.selectFrom('canvas_designs').selectAll().where('module_id', '=', moduleId).executeTakeFirst();
  if (row) return { titleFieldId: row.title_field_id, subtitleFieldIds: row.subtitle_field_ids, badgeFieldId: row.badge_field_id, saved: true };
  const meta = await loadModuleMetaById(db, moduleId);
  return { ...((meta && defaultCanvasDesign(meta.module, meta.fields)) ?? EMPTY_DESIGN), saved: false };
}

/** Every live module's card title field, from its saved design or else its default one. */
export async function cardTitles(db: Database): Promise<Map<string, { field: Field; saved: boolean }>> {
  const snapshot = snapshotFor(db);
  const [modules, fields, designs] = snapshot
    ? [snapshot.modules.map((m) => m.module), snapshot.modules.flatMap((m) => m.fields), [...snapshot.canvasDesigns.values()]]
    : await Promise.all([
        db.selectFrom('modules').selectAll().where('deleted_at', 'is', null).execute(),
        db.selectFrom('fields').selectAll().where('deleted_at', 'is', null).execute(),
        db.selectFrom('canvas_designs').selectAll().execute(),
      ]);
  const byId = new Map(fields.map((f) => [f.id, f]));
  const saved = new Map(designs.map((d) => [d.module_id, d.title_field_id]));
  const out = new Map<string, { field: Field; saved: boolean }>();
  for (const m of modules) {
    const titleId = saved.has(m.id) ? saved.get(m.id) : defaultCanvasDesign(m, fields)?.titleFieldId;
    const field = titleId ? byId.get(titleId) : undefined;
    if (field) out.set(m.id, { field, saved: saved.has(m.id) });
  }
  return out;
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
