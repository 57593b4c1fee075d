import { randomUUID } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { type Actor, audit } from '../audit/audit.js';
import type { Database } from '../db/database.js';
import type { DB, Module, Profile } from '../db/schema.js';
import { isUuid } from '../http/input.js';
import { type T, translator } from '../i18n/i18n.js';
import { LANGUAGES } from '../i18n/languages.js';
import { listModules } from './metadata.js';
import type { ModulePermissions } from './staff-access.js';

export type ProfileKind = 'administrator' | 'standard' | 'custom';
export type ProfileSummary = Profile & { kind: ProfileKind; userCount: number };
export type ProfileDetail = ProfileSummary & { modules: Module[]; permissions: Map<string, ModulePermissions> };
export type ProfileInput = {
  name: string;
  managePortals: boolean;
  managePortalUsers: boolean;
  /** Module id → what the form asked for; a live module missing here gets nothing. */
  permissions: Map<string, ModulePermissions>;
};
/** Field name → locale key of the problem with it. */
export type ProfileErrors = Record<string, string>;

export const PERMISSION_ACTIONS = ['view', 'create', 'edit', 'delete'] as const;
export const PROFILE_NAME_MAX = 80;

const BUILT_IN = new Set(['administrator', 'standard']);
// Serializes changes to profile names (their uniqueness is a rule, not an index).
const PROFILE_NAME_LOCK = 7_320_101;

export function profileKind(profile: Pick<Profile, 'api_name' | 'is_admin'>): ProfileKind {
  if (profile.is_admin) return 'administrator';
  return profile.api_name === 'standard' ? 'standard' : 'custom';
}

/** Built-in profiles are named by a locale key; admin-made ones by what the admin typed. */
export function profileLabel(t: T, profile: Pick<Profile, 'label_key' | 'name' | 'api_name'>): string {
  return profile.label_key ? t(profile.label_key) : (profile.name ?? profile.api_name);
}

/** Built-in profiles first, then admin-made ones by name, each with how many staff users hold it. */
export async function listProfiles(db: Database): Promise<ProfileSummary[]> {
  const rows = await db
    .selectFrom('profiles as p')
    .leftJoin('staff_users as s', 's.profile_id', 'p.id')
    .selectAll('p')
    .select((eb) => eb.fn.count<string>('s.id').as('user_count'))
    .groupBy('p.id')
    .orderBy('p.is_admin', 'desc')
    .orderBy((eb) => eb.case().when('p.api_name', '=', 'standard').then(0).else(1).end())
    .orderBy((eb) => eb.fn('lower', ['p.name']))
    .execute();
  return rows.map(({ user_count, ...p }) => ({ ...p, kind: profileKind(p), userCount: Number(user_count) }));
}

/** A profile with every live module and its permissions there; modules without a row get nothing. */
export async function getProfile(db: Database, id: string): Promise<ProfileDetail | undefined> {
  if (!isUuid(id)) return undefined;
  const summary = (await listProfiles(db)).find((p) => p.id === id);
  if (!summary) return undefined;
  const [modules, rows] = await Promise.all([listModules(db), db.selectFrom('profile_permissions').selectAll().where('profile_id', '=', id).execute()]);
  const permissions = new Map<string, ModulePermissions>();
  for (const m of modules) {
    const r = rows.find((row) => row.module_id === m.id);
    const all = summary.is_admin;
    permissions.set(m.id, {
      view: all || Boolean(r?.can_view),
      create: all || Boolean(r?.can_view && r.can_create),
      edit: all || Boolean(r?.can_view && r.can_edit),
      delete: all || Boolean(r?.can_view && r.can_delete),
    });
  }
  return { ...summary, modules, permissions };
}

function checkName(name: string): string | undefined {
  if (!name) return 'errors:required';
  if (name.length > PROFILE_NAME_MAX) return 'errors:tooLong';
  return undefined;
}

/** Another profile already answers to this name, in any language the built-in ones are shown in. */
async function nameTaken(db: Kysely<DB>, name: string, exceptId?: string): Promise<boolean> {
  const wanted = name.toLocaleLowerCase();
  const profiles = await db.selectFrom('profiles').select(['id', 'name', 'label_key']).execute();
  return profiles.some((p) => {
    if (p.id === exceptId) return false;
    const names = p.label_key ? LANGUAGES.map((l) => translator(l)(p.label_key as string)) : [p.name ?? ''];
    return names.some((n) => n.toLocaleLowerCase() === wanted);
  });
}

export type ProfileResult = { ok: true; profile: Profile } | { ok: false; errors: ProfileErrors };

/** A new admin-made profile: no permission on any module until the admin grants some. */
export async function createProfile(db: Database, actor: Actor, input: { name: string }): Promise<ProfileResult> {
  const name = input.name.trim();
  const problem = checkName(name);
  if (problem) return { ok: false, errors: { name: problem } };
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${PROFILE_NAME_LOCK})`.execute(trx);
    if (await nameTaken(trx, name)) return { ok: false, errors: { name: 'access:profiles.errors.nameTaken' } } as const;
    const id = randomUUID();
    const profile = await trx
      .insertInto('profiles')
      .values({ id, api_name: `custom_${id.replace(/-/g, '')}`, name })
      .returningAll()
      .executeTakeFirstOrThrow();
    await audit(trx, actor, 'profile.create', { type: 'profile', id }, { name });
    return { ok: true, profile } as const;
  });
}

export type UpdateProfileResult = ProfileResult | { ok: false; reason: 'not_found' | 'builtin_admin' };

/**
 * Saves a profile's permissions on every live module. Create, edit and delete
 * imply view. The Administrator profile always has everything and is never
 * changed; the Standard profile keeps its translated name.
 */
export async function updateProfile(db: Database, actor: Actor, id: string, input: ProfileInput): Promise<UpdateProfileResult> {
  const current = await getProfile(db, id);
  if (!current) return { ok: false, reason: 'not_found' };
  if (current.is_admin) return { ok: false, reason: 'builtin_admin' };
  const custom = current.kind === 'custom';
  const name = input.name.trim();
  const problem = custom ? checkName(name) : undefined;
  if (problem) return { ok: false, errors: { name: problem } };
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${PROFILE_NAME_LOCK})`.execute(trx);
    if (custom && (await nameTaken(trx, name, id))) return { ok: false, errors: { name: 'access:profiles.errors.nameTaken' } } as const;
    const profile = await trx
      .updateTable('profiles')
      .set({ ...(custom ? { name } : {}), manage_portals: input.managePortals, manage_portal_users: input.managePortalUsers })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    const rows = current.modules.map((m) => {
      const asked = input.permissions.get(m.id);
      const view = Boolean(asked && (asked.view || asked.create || asked.edit || asked.delete));
      return {
        profile_id: id,
        module_id: m.id,
        can_view: view,
        can_create: Boolean(asked?.create),
        can_edit: Boolean(asked?.edit),
        can_delete: Boolean(asked?.delete),
      };
    });
    if (rows.length > 0) {
      await trx
        .insertInto('profile_permissions')
        .values(rows)
        .onConflict((oc) =>
          oc.columns(['profile_id', 'module_id']).doUpdateSet((eb) => ({
            can_view: eb.ref('excluded.can_view'),
            can_create: eb.ref('excluded.can_create'),
            can_edit: eb.ref('excluded.can_edit'),
            can_delete: eb.ref('excluded.can_delete'),
          })),
        )
        .execute();
    }
    await audit(
      trx,
      actor,
      'profile.update',
      { type: 'profile', id },
      {
        ...(custom && name !== current.name ? { name: { old: current.name, new: name } } : {}),
        managePortals: input.managePortals,
        managePortalUsers: input.managePortalUsers,
        permissions: Object.fromEntries(rows.filter((r) => changed(current.permissions.get(r.module_id), r)).map((r) => [r.module_id, grantedActions(r)])),
      },
    );
    return { ok: true, profile } as const;
  });
}

type PermissionRow = { can_view: boolean; can_create: boolean; can_edit: boolean; can_delete: boolean };

function grantedActions(r: PermissionRow): string[] {
  return PERMISSION_ACTIONS.filter((a) => r[`can_${a}`]);
}

function changed(before: ModulePermissions | undefined, after: PermissionRow): boolean {
  return PERMISSION_ACTIONS.some((a) => Boolean(before?.[a]) !== after[`can_${a}`]);
}

export type DeleteProfileResult = { ok: true; moved: number } | { ok: false; reason: 'not_found' | 'builtin' } | { ok: false; errors: ProfileErrors };

/** Deletes an admin-made profile once its users hold another one (chosen by the admin). */
export async function deleteProfile(db: Database, actor: Actor, id: string, moveToId: string): Promise<DeleteProfileResult> {
  if (!isUuid(id)) return { ok: false, reason: 'not_found' };
  return db.transaction().execute(async (trx) => {
    // Locks the profile row so no user is given it while it goes away.
    const profile = await trx.selectFrom('profiles').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!profile) return { ok: false, reason: 'not_found' } as const;
    if (profile.is_admin || BUILT_IN.has(profile.api_name)) return { ok: false, reason: 'builtin' } as const;
    const users = await trx.selectFrom('staff_users').select('id').where('profile_id', '=', id).forUpdate().execute();
    let target: Profile | undefined;
    if (users.length > 0) {
      target = isUuid(moveToId) && moveToId !== id ? await trx.selectFrom('profiles').selectAll().where('id', '=', moveToId).executeTakeFirst() : undefined;
      if (!target) return { ok: false, errors: { moveTo: moveToId ? 'errors:choose' : 'access:profiles.errors.moveToRequired' } } as const;
      await trx.updateTable('staff_users').set({ profile_id: target.id, updated_at: new Date() }).where('profile_id', '=', id).execute();
    }
    await trx.deleteFrom('profiles').where('id', '=', id).execute();
    await audit(trx, actor, 'profile.delete', { type: 'profile', id }, { name: profile.name, movedUsers: users.map((u) => u.id), movedTo: target?.id ?? null });
    return { ok: true, moved: users.length } as const;
  });
}
