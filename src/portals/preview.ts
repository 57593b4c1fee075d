import { type AccessContext, previewContext, previewUserContext } from '../access/context.js';
import type { Database } from '../db/database.js';
import { containsPattern } from '../db/like.js';
import { isUuid } from '../http/input.js';
import { type PortalBrand, portalBrand } from './branding.js';

// Preview: an admin sees the portal as a user type (standing in for one of
// its base module's records) or as a portal user, through the same engine and
// the same pages, read-only.

export const PREVIEW_PATH = '/admin/settings/portals/preview';
const SAMPLE_LIMIT = 100;
const USER_LIMIT = 200;

export type PreviewSubject =
  | { kind: 'type'; ctx: AccessContext; portalName: string; typeName: string; recordName: string; base: string; brand: PortalBrand }
  | { kind: 'user'; ctx: AccessContext; portalName: string; typeName: string; userName: string; email: string; base: string; brand: PortalBrand };

/** The preview of type T standing in for record R of its base module; undefined when either is unknown or R is not a live record of that module. */
export async function previewAsType(db: Database, typeId: string, sampleId: string): Promise<PreviewSubject | undefined> {
  if (!isUuid(typeId) || !isUuid(sampleId)) return undefined;
  const row = await db
    .selectFrom('portal_user_types as t')
    .innerJoin('portals as p', 'p.id', 't.portal_id')
    // UNSCOPED READ: preview is for administrators only (requireAdmin), who see every record: the sample record's name.
    .innerJoin('records as r', (j) => j.onRef('r.module_id', '=', 't.base_module_id').on('r.id', '=', sampleId).on('r.deleted_at', 'is', null))
    .select(['t.name as type_name', 'p.name as portal_name', 'r.display_name', 'p.slug', 'p.accent_color', 'p.logo_hash'])
    .where('t.id', '=', typeId)
    .executeTakeFirst();
  const ctx = row ? await previewContext(db, { userTypeId: typeId, sampleRecordId: sampleId }) : undefined;
  if (!row || !ctx) return undefined;
  return {
    kind: 'type',
    ctx,
    portalName: row.portal_name,
    typeName: row.type_name,
    recordName: row.display_name,
    base: `${PREVIEW_PATH}/type/${typeId}/${sampleId}`,
    brand: portalBrand(row),
  };
}

export type UserPreview = { ok: true; subject: PreviewSubject } | { ok: false; reason: 'not_found' | 'inactive' };

/** The preview as an existing portal user: only an active user sees anything. */
export async function previewAsUser(db: Database, portalUserId: string): Promise<UserPreview> {
  if (!isUuid(portalUserId)) return { ok: false, reason: 'not_found' };
  const row = await db
    .selectFrom('portal_users as u')
    .innerJoin('portal_user_types as t', 't.id', 'u.user_type_id')
    .innerJoin('portals as p', 'p.id', 'u.portal_id')
    // UNSCOPED READ: preview is for administrators only (requireAdmin), who see every record: the previewed user's own record's name.
    .innerJoin('records as r', 'r.id', 'u.record_id')
    .select(['u.email', 'u.status', 't.name as type_name', 'p.name as portal_name', 'r.display_name', 'p.slug', 'p.accent_color', 'p.logo_hash'])
    .where('u.id', '=', portalUserId)
    .executeTakeFirst();
  if (!row) return { ok: false, reason: 'not_found' };
  const ctx = row.status === 'active' ? await previewUserContext(db, portalUserId) : undefined;
  if (!ctx) return { ok: false, reason: 'inactive' };
  return {
    ok: true,
    subject: {
      kind: 'user',
      ctx,
      portalName: row.portal_name,
      typeName: row.type_name,
      userName: row.display_name,
      email: row.email,
      base: `${PREVIEW_PATH}/user/${portalUserId}`,
      brand: portalBrand(row),
    },
  };
}

export type PreviewChoices = {
  types: { id: string; name: string; portalId: string; portalName: string; baseModuleId: string }[];
  /** Records of the chosen type's base module to stand in for the user (searched by name). */
  samples: { id: string; name: string }[] | undefined;
  users: { id: string; name: string; email: string; typeName: string; portalId: string; portalName: string }[];
};

export async function previewChoices(db: Database, opts: { typeId?: string | undefined; q?: string | undefined }): Promise<PreviewChoices> {
  const [types, users] = await Promise.all([
    db
      .selectFrom('portal_user_types as t')
      .innerJoin('portals as p', 'p.id', 't.portal_id')
      .select(['t.id', 't.name', 'p.id as portalId', 'p.name as portalName', 't.base_module_id as baseModuleId'])
      .orderBy('p.name')
      .orderBy('t.is_default', 'desc')
      .orderBy('t.name')
      .execute(),
    db
      .selectFrom('portal_users as u')
      .innerJoin('portal_user_types as t', 't.id', 'u.user_type_id')
      .innerJoin('portals as p', 'p.id', 'u.portal_id')
      // UNSCOPED READ: preview is for administrators only (requireAdmin), who see every record: active users' own records' names.
      .innerJoin('records as r', 'r.id', 'u.record_id')
      .select(['u.id', 'r.display_name as name', 'u.email', 't.name as typeName', 'p.id as portalId', 'p.name as portalName'])
      .where('u.status', '=', 'active')
      .orderBy('r.display_name')
      .orderBy('u.id')
      .limit(USER_LIMIT)
      .execute(),
  ]);
  const type = types.find((t) => t.id === opts.typeId);
  const q = opts.q?.trim().toLowerCase();
  // UNSCOPED READ: preview is for administrators only (requireAdmin), who see every record: records of the base module to stand in for a user.
  const samples = type
    ? await db
        .selectFrom('records')
        .select(['id', 'display_name as name'])
        .where('module_id', '=', type.baseModuleId)
        .where('deleted_at', 'is', null)
        .$if(Boolean(q), (qb) => qb.where((eb) => eb(eb.fn('lower', ['display_name']), 'like', containsPattern(q ?? ''))))
        .orderBy('display_name')
        .orderBy('id')
        .limit(SAMPLE_LIMIT)
        .execute()
    : undefined;
  return { types, samples, users };
}
