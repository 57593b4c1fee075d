import { type Actor, audit } from '../audit/audit.js';
import { layoutSections, loadModuleMetaById, type ModuleMeta } from '../crm/metadata.js';
import type { Database } from '../db/database.js';
import type { Field, Layout } from '../db/schema.js';

export type FieldPermissionRow = { field: Field; visible: boolean; readOnly: boolean; required: boolean; type: Field['type'] };
export type FieldPermissionSection = { id: string; labelKey: string | undefined; labels: Layout['sections'][number]['labels']; rows: FieldPermissionRow[] };
export type FieldPermissionInput = { fieldId: string; visible: boolean; readOnly: boolean };
export type FieldPermissionWarning = { key: 'portalfields:warnings.requiredHidden'; fields: Field[] };
export type FieldPermissionValue = { user_type_id: string; layout_id: string; field_id: string; visible: boolean; read_only: boolean };
export type ValidateFieldPermissionsResult =
  | { ok: true; meta: ModuleMeta; fields: Field[]; values: FieldPermissionValue[] }
  | { ok: false; error: 'portalfields:errors.unknownField'; fieldId: string };
export type SaveFieldPermissionsResult =
  | { ok: true; warnings: FieldPermissionWarning[] }
  | { ok: false; error: 'portalfields:errors.unknownField'; fieldId: string };

function layoutOf(meta: ModuleMeta, layoutId: string): Layout | undefined {
  return meta.layouts.find((l) => l.id === layoutId);
}

/**
 * The layout's fields in display order with the type's current permissions,
 * or with `proposed` ones (a form being edited again) instead.
 * A subform is one row: its children follow the subform's permission.
 */
export async function fieldPermissionGrid(
  db: Database,
  userTypeId: string,
  moduleId: string,
  layoutId: string,
  proposed?: FieldPermissionInput[],
): Promise<FieldPermissionSection[] | undefined> {
  const meta = await loadModuleMetaById(db, moduleId);
  const layout = meta && layoutOf(meta, layoutId);
  if (!meta || !layout) return undefined;
  const current = proposed
    ? proposed.map((r) => ({ field_id: r.fieldId, visible: r.visible || r.readOnly, read_only: r.readOnly }))
    : await db
        .selectFrom('portal_type_fields')
        .select(['field_id', 'visible', 'read_only'])
        .where('user_type_id', '=', userTypeId)
        .where('layout_id', '=', layoutId)
        .execute();
  const byField = new Map(current.map((r) => [r.field_id, r]));
  return layoutSections(meta, layout).map((s) => ({
    id: s.id,
    labelKey: s.labelKey,
    labels: s.labels,
    rows: s.fields.map((field) => {
      const perm = byField.get(field.id);
      const visible = perm?.visible ?? false;
      return { field, visible, readOnly: visible && (perm?.read_only ?? false), required: field.required, type: field.type };
    }),
  }));
}

/**
 * The rows saving would store for one layout: one per field of the layout,
 * read-only implying visible. Fields outside the layout are refused rather
 * than ignored, so a stale form cannot grant something unseen.
 */
export async function validateFieldPermissions(
  db: Database,
  userTypeId: string,
  moduleId: string,
  layoutId: string,
  rows: FieldPermissionInput[],
): Promise<ValidateFieldPermissionsResult> {
  const meta = await loadModuleMetaById(db, moduleId);
  if (!meta) return { ok: false, error: 'portalfields:errors.unknownField', fieldId: '' };
  const layout = layoutOf(meta, layoutId);
  const fields = layout ? layoutSections(meta, layout).flatMap((s) => s.fields) : [];
  const inLayout = new Set(fields.map((f) => f.id));
  for (const row of rows) {
    if (!inLayout.has(row.fieldId)) return { ok: false, error: 'portalfields:errors.unknownField', fieldId: row.fieldId };
  }
  const submitted = new Map(rows.map((r) => [r.fieldId, r]));
  const values = fields.map((f) => {
    const row = submitted.get(f.id);
    const readOnly = row?.readOnly ?? false;
    return { user_type_id: userTypeId, layout_id: layoutId, field_id: f.id, visible: readOnly || (row?.visible ?? false), read_only: readOnly };
  });
  return { ok: true, meta, fields, values };
}

/**
 * Replaces the type's permissions on one layout (see validateFieldPermissions).
 * Hiding a CRM-required field while the tab can create is allowed but warned
 * about: portal users could then never fill it in.
 */
export async function saveFieldPermissions(
  db: Database,
  actor: Actor,
  userTypeId: string,
  moduleId: string,
  layoutId: string,
  rows: FieldPermissionInput[],
): Promise<SaveFieldPermissionsResult> {
  const valid = await validateFieldPermissions(db, userTypeId, moduleId, layoutId, rows);
  if (!valid.ok) return valid;
  const { meta, fields, values } = valid;
  const inLayout = new Map(fields.map((f) => [f.id, f]));
  return db.transaction().execute(async (trx) => {
    await trx.deleteFrom('portal_type_fields').where('user_type_id', '=', userTypeId).where('layout_id', '=', layoutId).execute();
    if (values.length > 0) await trx.insertInto('portal_type_fields').values(values).execute();
    const tab = await trx
      .selectFrom('portal_type_tabs')
      .select('can_create')
      .where('user_type_id', '=', userTypeId)
      .where('module_id', '=', meta.module.id)
      .executeTakeFirst();
    const hiddenRequired = tab?.can_create ? fields.filter((f) => f.required && !values.find((v) => v.field_id === f.id)?.visible) : [];
    await audit(
      trx,
      actor,
      'portals.field_permissions',
      { type: 'portal_user_type', id: userTypeId },
      {
        module: meta.module.api_name,
        layout: layoutId,
        visible: values.filter((v) => v.visible).map((v) => inLayout.get(v.field_id)?.api_name),
        readOnly: values.filter((v) => v.read_only).map((v) => inLayout.get(v.field_id)?.api_name),
      },
    );
    const warnings: FieldPermissionWarning[] = hiddenRequired.length ? [{ key: 'portalfields:warnings.requiredHidden', fields: hiddenRequired }] : [];
    return { ok: true as const, warnings };
  });
}
