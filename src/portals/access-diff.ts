import { type AccessContext, type ProposedConfig, proposedTypeContext, typeContext } from '../access/context.js';
import { fieldMask, typeScope } from '../access/engine.js';
import type { Database } from '../db/database.js';
import type { Field, Layout, Module, TabReach } from '../db/schema.js';
import { type FieldPermissionInput, validateFieldPermissions } from './field-permissions.js';
import { type TabErrors, type TabInput, validateTabs } from './tabs.js';

// What saving a configuration would change for the users of a type, computed
// by the engine itself on the saved and the proposed configuration, so the
// review shows exactly what the next request of each user will get.

export type FieldChanges = { nowVisible: Field[]; noLongerVisible: Field[]; nowReadOnly: Field[]; noLongerReadOnly: Field[] };
export type LayoutDiff = FieldChanges & { layout: Layout };
export type ModuleDiff = {
  module: Module;
  /** Whether the condition deciding which records are reached changes (even when no current record moves). */
  scopeChanged: boolean;
  /** Records that at least one active user reaches after the change and none before. */
  gained: number;
  lost: number;
  /** The related tab's new reach, when it changes (records linked to the user, or to anyone at the user's company). */
  reach: TabReach | undefined;
  layouts: LayoutDiff[];
};
export type TypeDiff = { userTypeId: string; typeName: string; portalName: string; activeUsers: number; modules: ModuleDiff[] };
export type AccessDiff = { changed: boolean; types: TypeDiff[] };

export type TabsProposal = { tabs: Record<string, TabInput> };
export type FieldsProposal = { moduleId: string; layoutId: string; fields: FieldPermissionInput[] };
export type DiffResult<E> = { ok: true; diff: AccessDiff } | ({ ok: false } & E);

type TabsInvalid = { errors: TabErrors };
type FieldsInvalid = { error: 'portalfields:errors.unknownField'; fieldId: string };

/**
 * What saving `proposed` for the type would change, after the same validation
 * saving runs: the diff is computed on exactly the rows that would be written.
 */
export async function diffAccess(db: Database, userTypeId: string, proposed: TabsProposal): Promise<DiffResult<TabsInvalid>>;
export async function diffAccess(db: Database, userTypeId: string, proposed: FieldsProposal): Promise<DiffResult<FieldsInvalid>>;
export async function diffAccess(
  db: Database,
  userTypeId: string,
  proposed: TabsProposal | FieldsProposal,
): Promise<DiffResult<TabsInvalid> | DiffResult<FieldsInvalid>> {
  if ('tabs' in proposed) {
    const valid = await validateTabs(db, userTypeId, proposed.tabs);
    if (!valid.ok) return { ok: false, errors: valid.errors };
    return { ok: true, diff: await compare(db, userTypeId, { tabs: valid.rows }) };
  }
  const valid = await validateFieldPermissions(db, userTypeId, proposed.moduleId, proposed.layoutId, proposed.fields);
  if (!valid.ok) return { ok: false, error: valid.error, fieldId: valid.fieldId };
  return { ok: true, diff: await compare(db, userTypeId, { layoutId: proposed.layoutId, fields: valid.values }) };
}

const noChange: AccessDiff = { changed: false, types: [] };

async function compare(db: Database, userTypeId: string, proposed: ProposedConfig): Promise<AccessDiff> {
  const [before, after, type] = await Promise.all([
    typeContext(db, userTypeId),
    proposedTypeContext(db, userTypeId, proposed),
    db
      .selectFrom('portal_user_types as t')
      .innerJoin('portals as p', 'p.id', 't.portal_id')
      .select(['t.id', 't.name', 'p.name as portal_name'])
      .select((eb) =>
        eb
          .selectFrom('portal_users as pu')
          .select((x) => x.fn.countAll<string>().as('n'))
          .whereRef('pu.user_type_id', '=', 't.id')
          .whereRef('pu.portal_id', '=', 't.portal_id')
          .where('pu.status', '=', 'active')
          .as('active_users'),
      )
      .where('t.id', '=', userTypeId)
      .executeTakeFirst(),
  ]);
  if (!before || !after || !type) return noChange;

  const moduleIds = [...new Set([...before.tabs.keys(), ...after.tabs.keys()])];
  const scopeChanged = new Set(moduleIds.filter((m) => scopeSql(db, before, m) !== scopeSql(db, after, m)));
  const masks = moduleIds.flatMap((moduleId) => {
    const layoutIds = new Set([...(before.tabs.get(moduleId)?.layoutIds ?? []), ...(after.tabs.get(moduleId)?.layoutIds ?? [])]);
    return [...layoutIds].flatMap((layoutId) => {
      const changes = maskChanges(before, after, moduleId, layoutId);
      return changes ? [{ moduleId, layoutId, changes }] : [];
    });
  });
  const changedModuleIds = moduleIds.filter((m) => scopeChanged.has(m) || masks.some((x) => x.moduleId === m));
  if (changedModuleIds.length === 0) return noChange;

  const fieldIds = [...new Set(masks.flatMap((x) => Object.values(x.changes).flat()))];
  const [modules, layouts, fields, counts] = await Promise.all([
    db.selectFrom('modules').selectAll().where('id', 'in', changedModuleIds).orderBy('position').orderBy('api_name').execute(),
    masks.length
      ? db
          .selectFrom('layouts')
          .selectAll()
          .where('id', 'in', [...new Set(masks.map((x) => x.layoutId))])
          .execute()
      : [],
    fieldIds.length ? db.selectFrom('fields').selectAll().where('id', 'in', fieldIds).execute() : [],
    Promise.all(
      [...scopeChanged].map(async (m) => {
        const [gained, lost] = await Promise.all([countMoved(db, after, before, m), countMoved(db, before, after, m)]);
        return [m, { gained, lost }] as const;
      }),
    ),
  ]);
  const countsOf = new Map(counts);
  const fieldById = new Map(fields.map((f) => [f.id, f]));
  const layoutById = new Map(layouts.map((l) => [l.id, l]));

  const moduleDiffs = modules.map((module): ModuleDiff => {
    const moved = countsOf.get(module.id) ?? { gained: 0, lost: 0 };
    const layoutDiffs = masks
      .filter((x) => x.moduleId === module.id)
      .flatMap((x) => {
        const layout = layoutById.get(x.layoutId);
        if (!layout) return [];
        const order = layout.sections.flatMap((s) => s.fields);
        const pick = (ids: string[]) =>
          ids
            .map((id) => fieldById.get(id))
            .filter((f): f is Field => f !== undefined)
            .sort((a, b) => rank(order, a.id) - rank(order, b.id));
        return [
          {
            layout,
            nowVisible: pick(x.changes.nowVisible),
            noLongerVisible: pick(x.changes.noLongerVisible),
            nowReadOnly: pick(x.changes.nowReadOnly),
            noLongerReadOnly: pick(x.changes.noLongerReadOnly),
          },
        ];
      })
      .sort((a, b) => a.layout.position - b.layout.position);
    const [was, is] = [before.tabs.get(module.id), after.tabs.get(module.id)];
    const reach = was && is && was.reach !== is.reach ? is.reach : undefined;
    return { module, scopeChanged: scopeChanged.has(module.id), gained: moved.gained, lost: moved.lost, reach, layouts: layoutDiffs };
  });
  return {
    changed: true,
    types: [{ userTypeId: type.id, typeName: type.name, portalName: type.portal_name, activeUsers: Number(type.active_users ?? 0), modules: moduleDiffs }],
  };
}

const rank = (order: string[], id: string) => {
  const i = order.indexOf(id);
  return i === -1 ? order.length : i;
};

/**
 * The type-wide scope of M as compiled SQL: two configurations reach the same
 * records exactly when the engine builds the same condition for them. The
 * allowed layouts are a set, so their order is not a change.
 */
function scopeSql(db: Database, ctx: AccessContext, moduleId: string): string {
  const tab = ctx.tabs.get(moduleId);
  const normalized: AccessContext = tab ? { ...ctx, tabs: new Map(ctx.tabs).set(moduleId, { ...tab, layoutIds: [...tab.layoutIds].sort() }) } : ctx;
  const query = db.selectFrom('records').select('records.id').where(typeScope(normalized, moduleId)).compile();
  return JSON.stringify([query.sql, query.parameters]);
}

/** Records of M that the active users reach with `to` and do not reach with `from`: one count, whatever the number of users. */
async function countMoved(db: Database, to: AccessContext, from: AccessContext, moduleId: string): Promise<number> {
  const row = await db
    .selectFrom('records')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where(typeScope(to, moduleId))
    .where((eb) => eb.not(typeScope(from, moduleId)(eb)))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

type FieldIdChanges = { nowVisible: string[]; noLongerVisible: string[]; nowReadOnly: string[]; noLongerReadOnly: string[] };

/** How one layout's field mask changes, or undefined when it does not. */
function maskChanges(before: AccessContext, after: AccessContext, moduleId: string, layoutId: string): FieldIdChanges | undefined {
  const was = fieldMask(before, moduleId, layoutId);
  const is = fieldMask(after, moduleId, layoutId);
  const minus = (a: Set<string>, b: Set<string>) => [...a].filter((id) => !b.has(id));
  const changes = {
    nowVisible: minus(is.visible, was.visible),
    noLongerVisible: minus(was.visible, is.visible),
    nowReadOnly: minus(is.readOnly, was.readOnly),
    // A field that stops being visible is reported as such, not also as writable.
    noLongerReadOnly: minus(was.readOnly, is.readOnly).filter((id) => is.visible.has(id)),
  };
  return Object.values(changes).some((ids) => ids.length > 0) ? changes : undefined;
}
