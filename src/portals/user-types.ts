import type { Updateable } from 'kysely';
import { type Actor, audit } from '../audit/audit.js';
import { snapshotFor } from '../db/config-snapshot.js';
import type { Database } from '../db/database.js';
import type { Field, Module, PortalUserType, PortalUserTypesTable } from '../db/schema.js';
import { isUuid } from '../http/input.js';
import type { Message } from './portals.js';
import { insertUserType } from './type-defaults.js';

export const TYPE_NAME_MAX = 80;
/** Standard modules whose records can be portal users; any live custom module can too. */
export const STANDARD_BASE_MODULES = ['leads', 'contacts', 'vendors'] as const;

export type LicenceCounts = { invited: number; active: number; deactivated: number };
export type UserTypeWithCounts = PortalUserType & { baseModule: Module; counts: LicenceCounts };
export type TypeErrors = Partial<Record<'name' | 'baseModule' | 'limit' | 'transferTo' | 'form', Message>>;
export type TypeResult = { ok: true; type: PortalUserType } | { ok: false; errors: TypeErrors };

const NO_USERS: LicenceCounts = { invited: 0, active: 0, deactivated: 0 };

/** Invited, active and deactivated users per type, counted in one grouped query. */
export async function licenceCounts(db: Database, typeIds: string[]): Promise<Map<string, LicenceCounts>> {
  const out = new Map<string, LicenceCounts>(typeIds.map((id) => [id, { ...NO_USERS }]));
  if (typeIds.length === 0) return out;
  const rows = await db
    .selectFrom('portal_users')
    .select(['user_type_id', 'status', (eb) => eb.fn.countAll<string>().as('n')])
    .where('user_type_id', 'in', typeIds)
    .where('status', 'in', ['invited', 'active', 'deactivated'])
    .groupBy(['user_type_id', 'status'])
    .execute();
  for (const r of rows) {
    const counts = out.get(r.user_type_id);
    if (counts && r.status !== 'expired') counts[r.status] = Number(r.n);
  }
  return out;
}

/** Licences in use: invited and active users of the type (deactivated and expired users free theirs). */
export async function licencesUsed(db: Database, userTypeId: string): Promise<number> {
  const row = await db
    .selectFrom('portal_users')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('user_type_id', '=', userTypeId)
    .where('status', 'in', ['invited', 'active'])
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The user types of the given portals, default first, with their base module and licence counts. */
export async function userTypesOf(db: Database, portalIds: string[]): Promise<UserTypeWithCounts[]> {
  if (portalIds.length === 0) return [];
  const types = await db
    .selectFrom('portal_user_types')
    .selectAll()
    .where('portal_id', 'in', portalIds)
    .orderBy('is_default', 'desc')
    .orderBy('position')
    .orderBy('created_at')
    .execute();
  const moduleIds = [...new Set(types.map((t) => t.base_module_id))];
  const [modules, counts] = await Promise.all([
    moduleIds.length ? modulesById(db, moduleIds) : Promise.resolve([]),
    licenceCounts(
      db,
      types.map((t) => t.id),
    ),
  ]);
  const byId = new Map(modules.map((m) => [m.id, m]));
  return types.flatMap((t) => {
    const baseModule = byId.get(t.base_module_id);
    return baseModule ? [{ ...t, baseModule, counts: counts.get(t.id) ?? { ...NO_USERS } }] : [];
  });
}

export function findUserType(db: Database, portalId: string, typeId: string): Promise<PortalUserType | undefined> {
  if (!isUuid(typeId)) return Promise.resolve(undefined);
  return db.selectFrom('portal_user_types').selectAll().where('id', '=', typeId).where('portal_id', '=', portalId).executeTakeFirst();
}

/** Modules whose records may be portal users: Leads, Contacts, Vendors and live custom modules. */
/** Modules in the order the database's "order by position, api_name" gives. */
const positionThenName = (a: Module, b: Module) => a.position - b.position || (a.api_name < b.api_name ? -1 : a.api_name > b.api_name ? 1 : 0);
const byPositionAndName = (modules: Module[]) => [...modules].sort(positionThenName);

/** Modules by id, from the request's configuration when it has one. */
async function modulesById(db: Database, ids: string[]): Promise<Module[]> {
  const snapshot = snapshotFor(db);
  if (snapshot) return ids.flatMap((id) => snapshot.byId.get(id)?.module ?? []);
  return db.selectFrom('modules').selectAll().where('id', 'in', ids).execute();
}

export function baseModuleChoices(db: Database): Promise<Module[]> {
  const snapshot = snapshotFor(db);
  if (snapshot)
    return Promise.resolve(
      snapshot.modules
        .map((m) => m.module)
        .filter((m) => !m.deleted_at && ((STANDARD_BASE_MODULES as readonly string[]).includes(m.api_name) || m.kind === 'custom'))
        .sort(positionThenName),
    );
  return db
    .selectFrom('modules')
    .selectAll()
    .where('deleted_at', 'is', null)
    .where((eb) => eb.or([eb('api_name', 'in', [...STANDARD_BASE_MODULES]), eb('kind', '=', 'custom')]))
    .orderBy('position')
    .orderBy('api_name')
    .execute();
}

export type RelatedModule = { module: Module; lookups: Field[] };

/**
 * Live modules with a live top-level lookup to the base module, each with those
 * lookups: when there are several, the admin chooses which one ties a record to the portal user.
 */
export async function relatedModules(db: Database, baseModuleId: string): Promise<RelatedModule[]> {
  const snapshot = snapshotFor(db);
  if (snapshot)
    return byPositionAndName(snapshot.modules.map((m) => m.module)).flatMap((module) => {
      const lookups = (snapshot.byId.get(module.id)?.fields ?? []).filter(
        (f) => f.type === 'lookup' && !f.parent_field_id && (f.options as { targetModuleId?: string }).targetModuleId === baseModuleId,
      );
      return lookups.length ? [{ module, lookups }] : [];
    });
  const rows = await db
    .selectFrom('fields as f')
    .innerJoin('modules as m', 'm.id', 'f.module_id')
    .selectAll('f')
    .select('m.id as m_id')
    .where('f.type', '=', 'lookup')
    .where('f.parent_field_id', 'is', null)
    .where('f.deleted_at', 'is', null)
    .where('m.deleted_at', 'is', null)
    .where((eb) => eb(eb.ref('f.options', '->>').key('targetModuleId'), '=', baseModuleId))
    .orderBy('m.position')
    .orderBy('f.position')
    .execute();
  const moduleIds = [...new Set(rows.map((r) => r.m_id))];
  if (moduleIds.length === 0) return [];
  const modules = await db.selectFrom('modules').selectAll().where('id', 'in', moduleIds).orderBy('position').orderBy('api_name').execute();
  return modules.map((module) => ({ module, lookups: rows.filter((r) => r.m_id === module.id).map(({ m_id: _m, ...field }) => field) }));
}

/** Modules shared as public: portal users see all their records, view only. */
export function publicModules(db: Database): Promise<Module[]> {
  const snapshot = snapshotFor(db);
  if (snapshot)
    return Promise.resolve(byPositionAndName(snapshot.modules.map((m) => m.module).filter((m) => m.sharing === 'public_read' || m.sharing === 'public_full')));
  return db
    .selectFrom('modules')
    .selectAll()
    .where('deleted_at', 'is', null)
    .where('sharing', 'in', ['public_read', 'public_full'])
    .orderBy('position')
    .orderBy('api_name')
    .execute();
}

function checkName(name: string): Message | undefined {
  if (!name) return { key: 'portals:types.nameRequired' };
  if (name.length > TYPE_NAME_MAX) return { key: 'portals:types.nameTooLong', params: { max: TYPE_NAME_MAX } };
  return undefined;
}

async function nameTaken(db: Database, portalId: string, name: string, exceptId?: string): Promise<boolean> {
  let q = db
    .selectFrom('portal_user_types')
    .select('id')
    .where('portal_id', '=', portalId)
    .where((eb) => eb(eb.fn('lower', ['name']), '=', name.toLowerCase()));
  if (exceptId) q = q.where('id', '<>', exceptId);
  return Boolean(await q.executeTakeFirst());
}

const isUniqueViolation = (err: unknown) => (err as { code?: string })?.code === '23505';

/** A new user type of a portal, with the base tab showing the user's own record. */
export async function addUserType(db: Database, actor: Actor, portalId: string, input: { name: string; baseModuleId: string }): Promise<TypeResult> {
  const name = input.name.trim();
  const errors: TypeErrors = {};
  const nameError = checkName(name);
  if (nameError) errors.name = nameError;
  const choices = await baseModuleChoices(db);
  const base = choices.find((m) => m.id === input.baseModuleId);
  if (!base) errors.baseModule = { key: 'portals:types.baseModuleRequired' };
  if (!errors.name && (await nameTaken(db, portalId, name))) errors.name = { key: 'portals:types.nameTaken' };
  if (errors.name || errors.baseModule || !base) return { ok: false, errors };
  try {
    return await db.transaction().execute(async (trx) => {
      const position = Number(
        (
          await trx
            .selectFrom('portal_user_types')
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .where('portal_id', '=', portalId)
            .executeTakeFirstOrThrow()
        ).n,
      );
      const type = await insertUserType(trx, { portal_id: portalId, name, base_module_id: base.id, position });
      await audit(trx, actor, 'portal_user_type.created', { type: 'portal_user_type', id: type.id }, { portalId, name, baseModule: base.api_name });
      return { ok: true as const, type };
    });
  } catch (err) {
    if (isUniqueViolation(err)) return { ok: false, errors: { name: { key: 'portals:types.nameTaken' } } };
    throw err;
  }
}

/**
 * What the user-type step's form sends. A setting left out (undefined) keeps
 * its value.
 */
export type UserTypeSettingsInput = { name?: string | undefined; limit?: string | undefined; requireTwoFactor?: boolean | undefined };

/**
 * Saves the user-type step at once: its name (unique in the portal), its user
 * limit (never below the users already invited or active) and whether its
 * users must sign in with two factors. Every setting is checked first; when
 * one is refused nothing is saved. Each change is audited.
 */
export async function saveUserTypeSettings(db: Database, actor: Actor, type: PortalUserType, input: UserTypeSettingsInput): Promise<TypeResult> {
  try {
    return await db.transaction().execute(async (trx): Promise<TypeResult> => {
      const before = await trx.selectFrom('portal_user_types').selectAll().where('id', '=', type.id).forUpdate().executeTakeFirst();
      if (!before) return { ok: false, errors: { form: { key: 'portals:types.notFound' } } };
      const errors: TypeErrors = {};
      const set: Updateable<PortalUserTypesTable> = {};
      const events: [string, Record<string, unknown>][] = [];
      if (input.name !== undefined) {
        const name = input.name.trim();
        const error = checkName(name) ?? ((await nameTaken(trx, before.portal_id, name, before.id)) ? { key: 'portals:types.nameTaken' } : undefined);
        if (error) errors.name = error;
        else if (name !== before.name) {
          set.name = name;
          events.push(['portal_user_type.renamed', { from: before.name, to: name }]);
        }
      }
      if (input.limit !== undefined) {
        const limit = /^\d{1,9}$/.test(input.limit.trim()) ? Number(input.limit.trim()) : Number.NaN;
        const counts = (await licenceCounts(trx, [before.id])).get(before.id) ?? NO_USERS;
        const inUse = counts.active + counts.invited;
        if (!Number.isInteger(limit) || limit < 0) errors.limit = { key: 'portals:types.limitInvalid' };
        else if (limit < inUse) errors.limit = { key: 'portals:types.limitBelowUsers', params: { users: inUse } };
        else if (limit !== before.user_limit) {
          set.user_limit = limit;
          events.push(['portal_user_type.limit_set', { from: before.user_limit, to: limit }]);
        }
      }
      if (input.requireTwoFactor !== undefined && input.requireTwoFactor !== before.require_two_factor) {
        set.require_two_factor = input.requireTwoFactor;
        events.push(['portals.type_two_factor', { required: input.requireTwoFactor }]);
      }
      if (Object.keys(errors).length > 0) return { ok: false, errors };
      if (events.length === 0) return { ok: true, type: before };
      const updated = await trx.updateTable('portal_user_types').set(set).where('id', '=', before.id).returningAll().executeTakeFirstOrThrow();
      for (const [action, data] of events) await audit(trx, actor, action, { type: 'portal_user_type', id: before.id }, data);
      return { ok: true, type: updated };
    });
  } catch (err) {
    if (isUniqueViolation(err)) return { ok: false, errors: { name: { key: 'portals:types.nameTaken' } } };
    throw err;
  }
}

/** Other types of the same portal with the same base module: where a deleted type's users may go. */
export function transferTargets(db: Database, type: PortalUserType): Promise<PortalUserType[]> {
  return db
    .selectFrom('portal_user_types')
    .selectAll()
    .where('portal_id', '=', type.portal_id)
    .where('base_module_id', '=', type.base_module_id)
    .where('id', '<>', type.id)
    .orderBy('is_default', 'desc')
    .orderBy('position')
    .execute();
}

/** What deleting a type does: how many portal users move and where, how many invitation batches it leaves behind. */
export type DeleteTypePlan = { moved: number; movedTo: PortalUserType | undefined; batches: number };
export type DeleteTypeResult = ({ ok: true; type: PortalUserType } & DeleteTypePlan) | { ok: false; errors: TypeErrors };

/**
 * Deletes a user type that is not the default. Its portal users, if any, move
 * to the chosen type of the same portal and base module in the same transaction;
 * its invitation batches stay, under the name it had. With `preview` every
 * check runs and the plan is returned, and nothing changes.
 */
export async function deleteUserType(
  db: Database,
  actor: Actor,
  type: PortalUserType,
  transferToId: string | undefined,
  opts: { preview?: boolean } = {},
): Promise<DeleteTypeResult> {
  if (type.is_default) return { ok: false, errors: { form: { key: 'portals:types.defaultLocked' } } };
  return db.transaction().execute(async (trx): Promise<DeleteTypeResult> => {
    await trx.selectFrom('portal_user_types').select('id').where('id', '=', type.id).forUpdate().executeTakeFirstOrThrow();
    const users = Number(
      (
        await trx
          .selectFrom('portal_users')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('user_type_id', '=', type.id)
          .executeTakeFirstOrThrow()
      ).n,
    );
    let movedTo: PortalUserType | undefined;
    if (users > 0) {
      const target =
        transferToId && isUuid(transferToId)
          ? await trx
              .selectFrom('portal_user_types')
              .selectAll()
              .where('id', '=', transferToId)
              .where('id', '<>', type.id)
              .where('portal_id', '=', type.portal_id)
              .where('base_module_id', '=', type.base_module_id)
              .executeTakeFirst()
          : undefined;
      if (!target) return { ok: false as const, errors: { transferTo: { key: 'portals:types.transferRequired', params: { users } } } };
      // Moved users keep their licence: the receiving type must have room for its own and theirs.
      const counts = await licenceCounts(trx, [type.id, target.id]);
      const seats = (c: LicenceCounts | undefined) => (c ? c.active + c.invited : 0);
      const needed = seats(counts.get(type.id)) + seats(counts.get(target.id));
      if (needed > target.user_limit) {
        return { ok: false as const, errors: { transferTo: { key: 'portals:types.transferOverLimit', params: { users: needed, limit: target.user_limit } } } };
      }
      movedTo = target;
    }
    const batches = Number(
      (
        await trx
          .selectFrom('invitation_batches')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('user_type_id', '=', type.id)
          .executeTakeFirstOrThrow()
      ).n,
    );
    const plan = { moved: users, movedTo, batches };
    if (opts.preview) return { ok: true as const, type, ...plan };
    if (movedTo) await trx.updateTable('portal_users').set({ user_type_id: movedTo.id }).where('user_type_id', '=', type.id).execute();
    await trx.deleteFrom('portal_user_types').where('id', '=', type.id).execute();
    await audit(
      trx,
      actor,
      'portal_user_type.deleted',
      { type: 'portal_user_type', id: type.id },
      { name: type.name, movedUsers: users, movedTo: movedTo?.id },
    );
    return { ok: true as const, type, ...plan };
  });
}
