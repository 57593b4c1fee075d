import { randomUUID } from 'node:crypto';
import type { Database } from '../db/database.js';
import type { Labels, Layout, LayoutSection } from '../db/schema.js';
import { LANGUAGES } from '../i18n/languages.js';
import { apiNameFrom, checkLabels, cleanLabels, type FormErrors, keyedLabels, nameSource, type Outcome } from './admin-labels.js';
import type { ModuleMeta } from './metadata.js';

/** A section as submitted: an existing one by id (or a new one), its labels and its fields in order. */
export type SectionInput = { id?: string | undefined; labels: Labels; fields: string[]; remove?: boolean; position?: number };
export type LayoutInput = { labels: Labels; sections: SectionInput[] };

/** The layout editor's form: sections by index, and for each field the section index it goes to and its position there. */
export type SectionDraft = { id?: string | undefined; labelKey?: string | undefined; labels: Labels; remove: boolean; position: string };
export type Placement = { section: string; position: string };
export type LayoutDraft = { labels: Labels; sections: SectionDraft[]; placements: Record<string, Placement> };

const POSITION_MAX = 99_999;

const sameLabels = (a: Labels, b: Labels) => LANGUAGES.every((l) => (a[l] ?? '') === (b[l] ?? ''));

/**
 * Turns submitted sections into stored ones. Every field must be a live,
 * top-level field of the module and appear once; a section to remove must be
 * empty; a new section left blank is ignored.
 */
function checkSections(meta: ModuleMeta, existing: LayoutSection[], inputs: SectionInput[], errors: FormErrors): LayoutSection[] {
  const seen = new Set<string>();
  const out: LayoutSection[] = [];
  const order = new Map<string, number>();
  inputs.forEach((s, i) => {
    for (const id of s.fields) {
      const field = meta.byId.get(id);
      if (!field || field.parent_field_id) errors[`field.${id}.section`] = 'settings:errors.fieldNotInModule';
      else if (seen.has(id)) errors[`field.${id}.section`] = 'settings:errors.fieldTwice';
      seen.add(id);
    }
    const prior = s.id ? existing.find((e) => e.id === s.id) : undefined;
    if (s.remove) {
      if (s.fields.length > 0) errors[`sections.${i}.remove`] = 'settings:errors.sectionNotEmpty';
      return;
    }
    const labels = cleanLabels(s.labels);
    const base = { id: prior?.id ?? randomUUID(), fields: s.fields };
    order.set(base.id, s.position ?? i);
    // A section named by a locale key stays so (translated in every language) until its labels are changed.
    if (prior?.labelKey && (Object.keys(labels).length === 0 || sameLabels(labels, keyedLabels(prior.labelKey)))) {
      out.push({ ...base, labelKey: prior.labelKey });
      return;
    }
    if (!prior && Object.keys(labels).length === 0 && s.fields.length === 0) return;
    checkLabels(`sections.${i}.label`, labels, out, errors);
    out.push({ ...base, labels });
  });
  if (out.length === 0) errors.sections = 'settings:errors.sectionsRequired';
  // Sorted only now: errors name sections by their place in the form.
  return out
    .map((s, i) => ({ s, i }))
    .sort((a, b) => (order.get(a.s.id) ?? 0) - (order.get(b.s.id) ?? 0) || a.i - b.i)
    .map((x) => x.s);
}

function checkLayoutLabels(meta: ModuleMeta, labels: Labels, self: string | undefined, errors: FormErrors) {
  checkLabels(
    'label',
    labels,
    meta.layouts.filter((l) => l.id !== self),
    errors,
  );
}

/** A new layout of the module; without sections it starts as a copy of the default layout's. */
export async function createLayout(db: Database, meta: ModuleMeta, input: { labels: Labels; sections?: SectionInput[] | undefined }): Promise<Outcome<Layout>> {
  const errors: FormErrors = {};
  const labels = cleanLabels(input.labels);
  checkLayoutLabels(meta, labels, undefined, errors);
  const copied = (meta.defaultLayout?.sections ?? []).map((s) => ({ ...s, id: randomUUID(), fields: s.fields.filter((id) => meta.byId.has(id)) }));
  const sections = input.sections
    ? checkSections(meta, [], input.sections, errors)
    : copied.length > 0
      ? copied
      : [{ id: randomUUID(), labelKey: 'crm:sections.details', fields: meta.fields.map((f) => f.id) }];
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const existing = await db.selectFrom('layouts').select(['api_name', 'position']).where('module_id', '=', meta.module.id).execute();
  const layout = await db
    .insertInto('layouts')
    .values({
      id: randomUUID(),
      module_id: meta.module.id,
      api_name: apiNameFrom(nameSource(labels), new Set(existing.map((l) => l.api_name)), new Set(), 'layout'),
      labels: JSON.stringify(labels),
      is_default: meta.layouts.length === 0,
      position: Math.max(0, ...existing.map((l) => l.position)) + 10,
      sections: JSON.stringify(sections),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { ok: true, value: layout };
}

/** Saves a layout's name and sections; `parseErrors` are problems already found reading the form. */
export async function updateLayout(db: Database, meta: ModuleMeta, layout: Layout, input: LayoutInput, parseErrors: FormErrors = {}): Promise<Outcome<Layout>> {
  const errors: FormErrors = { ...parseErrors };
  const labels = cleanLabels(input.labels);
  // The standard layout keeps its translated name unless it is given one.
  const keepKey = Boolean(layout.label_key) && Object.keys(labels).length === 0;
  if (!keepKey) checkLayoutLabels(meta, labels, layout.id, errors);
  const sections = checkSections(meta, layout.sections, input.sections, errors);
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const updated = await db
    .updateTable('layouts')
    .set({ ...(keepKey ? {} : { labels: JSON.stringify(labels), label_key: null }), sections: JSON.stringify(sections) })
    .where('id', '=', layout.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return { ok: true, value: updated };
}

export async function setDefaultLayout(db: Database, meta: ModuleMeta, layout: Layout): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('layouts').set({ is_default: false }).where('module_id', '=', meta.module.id).where('id', '<>', layout.id).execute();
    await trx.updateTable('layouts').set({ is_default: true }).where('id', '=', layout.id).execute();
  });
}

/** Removes a layout; records that used it are shown with the default one from then on. */
export async function deleteLayout(db: Database, meta: ModuleMeta, layout: Layout): Promise<Outcome<Layout>> {
  if (layout.is_default || meta.layouts.length <= 1) return { ok: false, errors: { layout: 'settings:errors.layoutInUse' } };
  const removed = await db.updateTable('layouts').set({ deleted_at: new Date() }).where('id', '=', layout.id).returningAll().executeTakeFirstOrThrow();
  return { ok: true, value: removed };
}

/** The editor's starting point: the layout as it is, plus one blank section to fill in. */
export function draftFromLayout(meta: ModuleMeta, layout: Layout): LayoutDraft {
  const sections: SectionDraft[] = layout.sections.map((s, i) => ({
    id: s.id,
    labelKey: s.labelKey,
    labels: s.labelKey ? keyedLabels(s.labelKey) : (s.labels ?? {}),
    remove: false,
    position: String((i + 1) * 10),
  }));
  const placements: Record<string, Placement> = {};
  for (const f of meta.fields) {
    const index = layout.sections.findIndex((s) => s.fields.includes(f.id));
    const position = index >= 0 ? ((layout.sections[index]?.fields.indexOf(f.id) ?? 0) + 1) * 10 : '';
    placements[f.id] = { section: index >= 0 ? String(index) : '', position: String(position) };
  }
  return {
    labels: layout.label_key ? {} : layout.labels,
    sections: [...sections, { labels: {}, remove: false, position: String((sections.length + 1) * 10) }],
    placements,
  };
}

/** A typed position; left empty it means "at the end". */
function positionOf(text: string, name: string, errors: FormErrors): number {
  const trimmed = text.trim();
  const n = trimmed === '' ? POSITION_MAX : Number(trimmed);
  if (Number.isInteger(n) && n >= 0 && n <= POSITION_MAX) return n;
  errors[name] = 'settings:errors.positionInvalid';
  return POSITION_MAX;
}

/**
 * Orders sections, and each section's fields, by the positions typed (ties keep the module's
 * field order); a field left without a section is not on the layout.
 */
export function layoutInputFromDraft(meta: ModuleMeta, draft: LayoutDraft): { input: LayoutInput; errors: FormErrors } {
  const errors: FormErrors = {};
  const buckets = draft.sections.map(() => [] as { id: string; position: number; order: number }[]);
  meta.fields.forEach((f, order) => {
    const p = draft.placements[f.id];
    if (!p || p.section === '') return;
    const bucket = /^\d{1,3}$/.test(p.section) ? buckets[Number(p.section)] : undefined;
    if (!bucket) {
      errors[`field.${f.id}.section`] = 'settings:errors.sectionInvalid';
      return;
    }
    bucket.push({ id: f.id, position: positionOf(p.position, `field.${f.id}.position`, errors), order });
  });
  const sections = draft.sections.map((s, i) => ({
    id: s.id,
    labels: s.labels,
    remove: s.remove,
    position: positionOf(s.position, `sections.${i}.position`, errors),
    fields: (buckets[i] ?? []).sort((a, b) => a.position - b.position || a.order - b.order).map((x) => x.id),
  }));
  return { input: { labels: draft.labels, sections }, errors };
}
