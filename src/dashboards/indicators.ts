import { sql } from 'kysely';
import { type AccessContext, typeContext } from '../access/context.js';
import { layoutsShowing, rowScope, visibleTabs } from '../access/engine.js';
import { type Actor, audit } from '../audit/audit.js';
import { loadModuleMetaById, type ModuleMeta } from '../crm/metadata.js';
import { snapshotFor } from '../db/config-snapshot.js';
import type { Database } from '../db/database.js';
import type { Field, Module } from '../db/schema.js';
import { isUuid } from '../http/input.js';

// Indicators per user type, shown on the portal home: a count of records or
// a sum of a currency field, grouped by a picklist or by owner, over a module
// the type can see. Each is computed in one statement over the rows in the
// user's scope, and only over fields visible to the type: a sum or grouping
// by a hidden field cannot be configured, and a record whose layout hides the
// field adds nothing to it.

export const MAX_INDICATORS = 8;
/** Groups shown per indicator, the largest first; the rest are left out. */
const MAX_GROUPS = 12;

export type Indicator = { id: string; moduleId: string; measure: 'count' | 'sum'; sumFieldId: string | null; groupFieldId: string | null };
export type IndicatorInput = { moduleId: string; measure: string; sumFieldId: string; groupBy: string };
export type IndicatorErrors = Partial<Record<'module' | 'measure' | 'sumField' | 'groupBy' | 'form', string>>;

/** What the configurator offers for a type: each module it can see, with its visible currency fields and picklists. */
export type IndicatorOption = { module: Module; currencies: Field[]; picklists: Field[] };

const visibleAnywhere = (ctx: AccessContext, moduleId: string, f: Field) => layoutsShowing(ctx, moduleId, f.id).length > 0;

export async function indicatorOptions(db: Database, userTypeId: string): Promise<IndicatorOption[] | undefined> {
  const ctx = await typeContext(db, userTypeId);
  if (!ctx) return undefined;
  const metas = await Promise.all(visibleTabs(ctx).map((tab) => loadModuleMetaById(db, tab.moduleId)));
  return metas
    .filter((m): m is ModuleMeta => m !== undefined)
    .map((meta) => ({
      module: meta.module,
      currencies: meta.fields.filter((f) => f.type === 'currency' && !f.parent_field_id && visibleAnywhere(ctx, meta.module.id, f)),
      picklists: meta.fields.filter((f) => f.type === 'picklist' && !f.parent_field_id && visibleAnywhere(ctx, meta.module.id, f)),
    }));
}

export async function listIndicators(db: Database, userTypeId: string): Promise<Indicator[]> {
  const snapshot = snapshotFor(db);
  const rows = snapshot
    ? (snapshot.types.get(userTypeId)?.indicators ?? [])
    : await db.selectFrom('portal_indicators').selectAll().where('user_type_id', '=', userTypeId).orderBy('position').orderBy('created_at').execute();
  return rows.map((r) => ({ id: r.id, moduleId: r.module_id, measure: r.measure, sumFieldId: r.sum_field_id, groupFieldId: r.group_field_id }));
}

/** Checks an indicator against what the type can see: its module, a visible currency field to sum, a visible picklist (or owner) to group by. */
export async function addIndicator(
  db: Database,
  actor: Actor,
  userTypeId: string,
  input: IndicatorInput,
): Promise<{ ok: true } | { ok: false; errors: IndicatorErrors }> {
  const options = await indicatorOptions(db, userTypeId);
  const option = options?.find((o) => o.module.id === input.moduleId);
  const errors: IndicatorErrors = {};
  if (!option) errors.module = 'portalconfig:dashboards.errors.module';
  const measure = input.measure === 'sum' ? 'sum' : input.measure === 'count' ? 'count' : undefined;
  if (!measure) errors.measure = 'portalconfig:dashboards.errors.measure';
  const sumField = measure === 'sum' ? option?.currencies.find((f) => f.id === input.sumFieldId) : undefined;
  if (option && measure === 'sum' && !sumField) errors.sumField = 'portalconfig:dashboards.errors.sumField';
  const groupField = input.groupBy === 'owner' ? undefined : option?.picklists.find((f) => f.id === input.groupBy);
  if (option && input.groupBy !== 'owner' && !groupField) errors.groupBy = 'portalconfig:dashboards.errors.groupBy';
  const existing = await listIndicators(db, userTypeId);
  if (existing.length >= MAX_INDICATORS) errors.form = 'portalconfig:dashboards.errors.tooMany';
  if (Object.keys(errors).length > 0 || !option || !measure) return { ok: false, errors };
  await db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('portal_indicators')
      .values({
        user_type_id: userTypeId,
        module_id: option.module.id,
        measure,
        sum_field_id: sumField?.id ?? null,
        group_field_id: groupField?.id ?? null,
        position: existing.length,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await audit(
      trx,
      actor,
      'portals.indicator_added',
      { type: 'portal_user_type', id: userTypeId },
      { indicator: row.id, module: option.module.api_name, measure },
    );
  });
  return { ok: true };
}

export async function removeIndicator(db: Database, actor: Actor, userTypeId: string, id: string): Promise<void> {
  if (!isUuid(id)) return;
  await db.transaction().execute(async (trx) => {
    const removed = await trx.deleteFrom('portal_indicators').where('id', '=', id).where('user_type_id', '=', userTypeId).executeTakeFirst();
    if (Number(removed.numDeletedRows) > 0)
      await audit(trx, actor, 'portals.indicator_removed', { type: 'portal_user_type', id: userTypeId }, { indicator: id });
  });
}

export type IndicatorResult = {
  id: string;
  module: Module;
  measure: 'count' | 'sum';
  sumField: Field | undefined;
  /** Undefined: grouped by owner. */
  groupField: Field | undefined;
  groups: { key: string; label: string | undefined; value: number }[];
};

/**
 * The indicators of U's type, each computed in one statement over the
 * records in U's scope, counting or summing only where the fields are
 * visible in the record's layout. Owners are named by their staff name.
 */
export async function computeIndicators(db: Database, ctx: AccessContext | undefined): Promise<IndicatorResult[]> {
  if (!ctx) return [];
  const indicators = await listIndicators(db, ctx.userTypeId);
  const reachable = new Set(visibleTabs(ctx).map((t) => t.moduleId));
  const planned = (
    await Promise.all(
      indicators
        .filter((i) => reachable.has(i.moduleId))
        .map(async (i) => {
          const meta = await loadModuleMetaById(db, i.moduleId);
          if (!meta) return undefined;
          const sumField = i.sumFieldId ? meta.byId.get(i.sumFieldId) : undefined;
          const groupField = i.groupFieldId ? meta.byId.get(i.groupFieldId) : undefined;
          // Configured fields that are no longer visible to the type make the indicator disappear, never leak.
          if ((i.measure === 'sum' && (!sumField || layoutsShowing(ctx, meta.module.id, sumField.id).length === 0)) || (i.groupFieldId && !groupField))
            return undefined;
          const groupLayouts = groupField ? layoutsShowing(ctx, meta.module.id, groupField.id) : undefined;
          if (groupLayouts && groupLayouts.length === 0) return undefined;
          const sumLayouts = sumField ? layoutsShowing(ctx, meta.module.id, sumField.id) : [];
          const key = groupField ? sql<string | null>`records.data->>${groupField.api_name}` : sql<string>`records.owner_id::text`;
          const value =
            i.measure === 'sum' && sumField
              ? sql<string>`coalesce(sum(case when records.layout_id = any(${sumLayouts}::uuid[]) then (records.data->>${sumField.api_name})::numeric end), 0)`
              : sql<string>`count(*)`;
          const query = db
            .selectFrom('records')
            .leftJoin('staff_users as owner', 'owner.id', 'records.owner_id')
            .select([key.as('key'), value.as('value'), sql<string | null>`min(owner.name)`.as('owner_name')])
            .where(rowScope(ctx, meta.module.id))
            .$if(groupLayouts !== undefined, (q) => q.where('records.layout_id', 'in', groupLayouts as string[]))
            .groupBy(sql`1`)
            .orderBy(sql`2 desc`)
            .limit(MAX_GROUPS);
          return { indicator: i, meta, sumField, groupField, query };
        }),
    )
  ).filter((p) => p !== undefined);
  if (planned.length === 0) return [];
  // Every indicator of the home in one statement, whatever their number.
  type Group = { key: string | null; value: number | string; owner_name: string | null };
  const row = await db
    .selectNoFrom(planned.map((p, k) => sql<Group[]>`(select coalesce(json_agg(g order by g.value desc), '[]') from (${p.query}) g)`.as(`i${k}`)))
    .executeTakeFirstOrThrow();
  const groupsOf = row as Record<string, Group[]>;
  return planned.map((p, k) => ({
    id: p.indicator.id,
    module: p.meta.module,
    measure: p.indicator.measure,
    sumField: p.sumField,
    groupField: p.groupField,
    groups: (groupsOf[`i${k}`] ?? [])
      .filter((r) => r.key !== null)
      .map((r) => ({ key: r.key as string, label: p.groupField ? undefined : (r.owner_name ?? undefined), value: Number(r.value) })),
  }));
}
