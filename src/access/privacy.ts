import { sql } from 'kysely';
import type { Database } from '../db/database.js';
import type { Field } from '../db/schema.js';
import { isUuid } from '../http/input.js';
import { PRIVACY_FIELD_NAMES } from '../privacy/consent.js';
import { type AccessContext, getsAnything } from './context.js';
import { fieldMask } from './engine.js';

// Whose data privacy a portal user speaks for: their own record (R_U) and the
// leads and contacts they created through the portal, while those are not in
// the recycle bin; only for an active user whose own record is not binned,
// and only with the organization's GDPR compliance on. The privacy page may
// read and write these records' privacy fields whatever the field
// permissions say (it is where those rights are exercised); everything else
// about them follows the field mask: a name is shown only when every one of
// its name fields is visible to the user.

export type PrivacySubject = {
  id: string;
  moduleId: string;
  apiName: string;
  labelKey: string | null;
  /** R_U, the user themself. */
  self: boolean;
  /** The record's name, when its name fields are all visible to the user; otherwise undefined. */
  name: string | undefined;
  createdAt: Date;
  /** The record's privacy fields only. */
  privacy: Record<string, unknown>;
  version: number;
};

/** The records whose privacy U may manage, U's own first: one statement. */
export async function privacySubjects(db: Database, ctx: AccessContext | undefined, onlyId?: string): Promise<PrivacySubject[]> {
  if (!ctx || !getsAnything(ctx.user) || ctx.readOnly) return [];
  const user = ctx.user;
  // UNSCOPED READ: the records U speaks for: R_U and those U created (X_U), by the ids on U's account; names follow the field mask.
  let q = db
    .selectFrom('records as r')
    .innerJoin('modules as m', 'm.id', 'r.module_id')
    .select(['r.id', 'r.module_id', 'r.layout_id', 'r.data', 'r.created_at', 'r.version', 'm.api_name', 'm.label_key', 'm.name_fields'])
    .select(
      sql<Pick<Field, 'id' | 'api_name'>[]>`(select coalesce(json_agg(json_build_object('id', f.id, 'api_name', f.api_name)), '[]')
        from fields f where f.module_id = r.module_id and f.deleted_at is null and f.parent_field_id is null and f.api_name = any(m.name_fields))`.as(
        'name_fields_of',
      ),
    )
    .where('r.deleted_at', 'is', null)
    .where(sql<boolean>`(select gdpr_enabled from org where id = 1)`)
    .where((eb) => eb.or([eb('r.id', '=', user.recordId), eb.and([eb('r.created_by_portal_user_id', '=', user.id), eb('r.id', '!=', user.recordId)])]))
    .where(
      'r.module_id',
      'in',
      db
        .selectFrom('fields')
        .select('module_id')
        .where('api_name', '=', 'stop_processing')
        .where('deleted_at', 'is', null)
        .where('parent_field_id', 'is', null),
    )
    .orderBy(sql`r.id = ${user.recordId}`, 'desc')
    .orderBy('r.created_at')
    .limit(200);
  if (onlyId !== undefined) q = q.where('r.id', '=', onlyId);
  const rows = await q.execute();
  return rows.map((r) => {
    const data = r.data as Record<string, unknown>;
    const mask = fieldMask(ctx, r.module_id, r.layout_id);
    const nameFields = r.name_fields_of;
    const named = nameFields.length > 0 && nameFields.every((f) => mask.visible.has(f.id));
    const name = named
      ? r.name_fields
          .map((n) => data[n])
          .filter((v) => typeof v === 'string' && v.trim() !== '')
          .join(' ')
      : '';
    const privacy: Record<string, unknown> = {};
    for (const n of PRIVACY_FIELD_NAMES) privacy[n] = data[n] ?? null;
    return {
      id: r.id,
      moduleId: r.module_id,
      apiName: r.api_name,
      labelKey: r.label_key,
      self: r.id === user.recordId,
      name: name || undefined,
      createdAt: r.created_at,
      privacy,
      version: r.version,
    };
  });
}

/** One record whose privacy U may manage, or undefined (not theirs, binned, or compliance off). */
export async function privacySubject(db: Database, ctx: AccessContext | undefined, id: string): Promise<PrivacySubject | undefined> {
  if (!isUuid(id)) return undefined;
  return (await privacySubjects(db, ctx, id))[0];
}
