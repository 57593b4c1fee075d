import { sql } from 'kysely';
import { z } from 'zod';
import { ACCOUNTS_MODULE } from '../access/account-lookup.js';
import { type Actor, audit } from '../audit/audit.js';
import type { Database } from '../db/database.js';
import { LANGUAGES } from '../i18n/languages.js';
import { TAB_LABEL_MAX } from './tabs.js';
import { validateWebTab } from './web-tabs.js';

// A portal configuration as a file: every portal, user type, tab, field
// permission, web tab and card design, naming modules, fields and layouts by
// their api names (stable across installations, unlike ids), so it can be
// reviewed, versioned and moved to another Porta with the same metadata.

export const CONFIG_FORMAT = 'porta.portal-config';
export const CONFIG_VERSION = 1;
export const MAX_PORTALS = 5;

const access = z.enum(['none', 'view', 'add']);
const apiName = z.string().min(1).max(100);

const tabSchema = z.object({
  module: apiName,
  kind: z.enum(['base', 'related', 'public']),
  shown: z.boolean(),
  filterBy: apiName.nullable(),
  /** A related tab's reach; files exported before it existed have none and import as 'mine'. */
  reach: z.enum(['mine', 'company']).optional(),
  layouts: z.array(apiName).max(50),
  view: z.boolean(),
  create: z.boolean(),
  edit: z.boolean(),
  delete: z.boolean(),
  viewMode: z.enum(['list', 'canvas']),
  notes: access,
  attachments: access,
  position: z.number().int(),
  labels: z.partialRecord(z.enum(LANGUAGES), z.string().max(TAB_LABEL_MAX)).optional(),
});

const fieldSchema = z.object({ module: apiName, layout: apiName, field: apiName, visible: z.boolean(), readOnly: z.boolean() });
/** A web tab passes the very check the web-tab form applies (https only, the same lengths). */
const webTabSchema = z.object({ name: z.string(), url: z.string(), position: z.number().int() }).superRefine((w, ctx) => {
  const checked = validateWebTab(w);
  if (!checked.ok)
    for (const field of Object.keys(checked.errors))
      ctx.addIssue({
        code: 'custom',
        path: [field],
        message: field === 'url' ? 'must be an https:// address of at most 2,000 characters' : 'must be 1 to 60 characters',
      });
});

const userTypeSchema = z.object({
  name: z.string().min(1).max(100),
  default: z.boolean(),
  baseModule: apiName,
  userLimit: z.number().int().min(0).max(1_000_000),
  requireTwoFactor: z.boolean(),
  tabs: z.array(tabSchema).max(100),
  fields: z.array(fieldSchema).max(10_000),
  webTabs: z.array(webTabSchema).max(50),
});

const portalSchema = z.object({
  name: z.string().min(1).max(100),
  slug: z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/),
  oldSlugs: z.array(z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/)).max(100),
  userTypes: z.array(userTypeSchema).min(1).max(50),
});

const canvasSchema = z.object({ module: apiName, title: apiName.nullable(), subtitles: z.array(apiName).max(10), badge: apiName.nullable() });

export const portalConfigSchema = z.object({
  format: z.literal(CONFIG_FORMAT),
  version: z.literal(CONFIG_VERSION),
  exportedAt: z.string().optional(),
  portals: z.array(portalSchema).max(MAX_PORTALS),
  canvasDesigns: z.array(canvasSchema).max(500),
});

export type PortalConfig = z.infer<typeof portalConfigSchema>;

type Names = {
  modules: Map<string, string>;
  fields: Map<string, { module: string; name: string }>;
  layouts: Map<string, { module: string; name: string }>;
};

async function metadataNames(db: Database): Promise<Names> {
  const [modules, fields, layouts] = await Promise.all([
    db.selectFrom('modules').select(['id', 'api_name']).where('deleted_at', 'is', null).execute(),
    db.selectFrom('fields').select(['id', 'api_name', 'module_id']).where('deleted_at', 'is', null).where('parent_field_id', 'is', null).execute(),
    db.selectFrom('layouts').select(['id', 'api_name', 'module_id']).where('deleted_at', 'is', null).execute(),
  ]);
  const moduleName = new Map(modules.map((m) => [m.id, m.api_name]));
  return {
    modules: moduleName,
    fields: new Map(fields.map((f) => [f.id, { module: moduleName.get(f.module_id) ?? '', name: f.api_name }])),
    layouts: new Map(layouts.map((l) => [l.id, { module: moduleName.get(l.module_id) ?? '', name: l.api_name }])),
  };
}

/** The whole portal configuration, in a stable order so two exports of the same configuration are identical. */
export async function exportPortalConfig(db: Database, now = new Date()): Promise<PortalConfig> {
  const names = await metadataNames(db);
  const [portals, oldSlugs, types, tabs, fields, webTabs, canvases] = await Promise.all([
    db.selectFrom('portals').selectAll().orderBy('position').orderBy('created_at').execute(),
    db.selectFrom('portal_slugs').selectAll().orderBy('slug').execute(),
    db.selectFrom('portal_user_types').selectAll().orderBy('position').orderBy('created_at').execute(),
    db.selectFrom('portal_type_tabs').selectAll().orderBy('position').orderBy('id').execute(),
    db.selectFrom('portal_type_fields').selectAll().execute(),
    db.selectFrom('web_tabs').selectAll().orderBy('position').orderBy('id').execute(),
    db.selectFrom('canvas_designs').selectAll().execute(),
  ]);
  const fieldName = (id: string | null) => (id ? (names.fields.get(id)?.name ?? null) : null);
  const byName = <T>(a: T, b: T, key: (x: T) => string) => key(a).localeCompare(key(b));
  return {
    format: CONFIG_FORMAT,
    version: CONFIG_VERSION,
    exportedAt: now.toISOString(),
    portals: portals.map((p) => ({
      name: p.name,
      slug: p.slug,
      oldSlugs: oldSlugs.filter((s) => s.portal_id === p.id).map((s) => s.slug),
      userTypes: types
        .filter((t) => t.portal_id === p.id)
        .map((t) => ({
          name: t.name,
          default: t.is_default,
          baseModule: names.modules.get(t.base_module_id) ?? '',
          userLimit: t.user_limit,
          requireTwoFactor: t.require_two_factor,
          tabs: tabs
            .filter((tab) => tab.user_type_id === t.id)
            .map((tab) => ({
              module: names.modules.get(tab.module_id) ?? '',
              kind: tab.kind,
              shown: tab.shown,
              filterBy: fieldName(tab.filter_field_id),
              reach: tab.reach,
              layouts: tab.layout_ids
                .map((id) => names.layouts.get(id)?.name ?? '')
                .filter(Boolean)
                .sort(),
              view: tab.can_view,
              create: tab.can_create,
              edit: tab.can_edit,
              delete: tab.can_delete,
              viewMode: tab.view_mode,
              notes: tab.notes,
              attachments: tab.attachments,
              position: tab.position,
              labels: tab.labels,
            })),
          fields: fields
            .filter((f) => f.user_type_id === t.id && names.fields.has(f.field_id) && names.layouts.has(f.layout_id))
            .map((f) => ({
              module: names.fields.get(f.field_id)?.module ?? '',
              layout: names.layouts.get(f.layout_id)?.name ?? '',
              field: names.fields.get(f.field_id)?.name ?? '',
              visible: f.visible,
              readOnly: f.read_only,
            }))
            .sort((a, b) => byName(a, b, (x) => `${x.module}/${x.layout}/${x.field}`)),
          webTabs: webTabs.filter((w) => w.user_type_id === t.id).map((w) => ({ name: w.name, url: w.url, position: w.position })),
        })),
    })),
    canvasDesigns: canvases
      .filter((c) => names.modules.has(c.module_id))
      .map((c) => ({
        module: names.modules.get(c.module_id) ?? '',
        title: fieldName(c.title_field_id),
        subtitles: c.subtitle_field_ids.map((id) => fieldName(id)).filter((n): n is string => Boolean(n)),
        badge: fieldName(c.badge_field_id),
      }))
      .sort((a, b) => byName(a, b, (x) => x.module)),
  };
}

/** A problem with an imported file: where (a JSON path) and the locale key of what is wrong. */
export type ImportProblem = { path: string; key: string; params?: Record<string, string> };

export type ImportResult = { ok: true; portals: number } | { ok: false; problems: ImportProblem[] };

const IMPORT_LOCK = 7_320_010;

/**
 * Validates a configuration file and recreates it, all or nothing: a file that
 * names a module, field or layout this installation lacks, a slug already in
 * use, or more portals than allowed changes nothing and lists every problem.
 */
export async function importPortalConfig(db: Database, actor: Actor, text: string): Promise<ImportResult> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, problems: [{ path: '', key: 'portalconfig:errors.notJson' }] };
  }
  const parsed = portalConfigSchema.safeParse(json);
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.slice(0, 50).map((i) => ({ path: i.path.join('.'), key: 'portalconfig:errors.shape', params: { detail: i.message } })),
    };
  }
  const config = parsed.data;
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${IMPORT_LOCK})`.execute(trx);
    const problems: ImportProblem[] = [];
    const names = await metadataNames(trx);
    const moduleId = new Map([...names.modules].map(([id, name]) => [name, id]));
    const fieldId = new Map([...names.fields].map(([id, f]) => [`${f.module}/${f.name}`, id]));
    const layoutId = new Map([...names.layouts].map(([id, l]) => [`${l.module}/${l.name}`, id]));
    const lookups = await trx
      .selectFrom('fields')
      .select(['id', 'module_id', 'deleted_at', 'parent_field_id', sql<string | null>`options->>'targetModuleId'`.as('target')])
      .where('type', '=', 'lookup')
      .execute();
    const lookupTargets = new Map(lookups.map((f) => [f.id, f.target]));
    // The base modules with an account lookup (src/access/account-lookup.ts): only their types' tabs may reach the user's company.
    const accountsId = moduleId.get(ACCOUNTS_MODULE);
    const withAccount = new Set(lookups.filter((f) => !f.deleted_at && !f.parent_field_id && accountsId && f.target === accountsId).map((f) => f.module_id));

    const existing = await trx.selectFrom('portals').select(['slug']).execute();
    const taken = new Set([...existing.map((p) => p.slug), ...(await trx.selectFrom('portal_slugs').select('slug').execute()).map((s) => s.slug)]);
    if (existing.length + config.portals.length > MAX_PORTALS)
      problems.push({ path: 'portals', key: 'portalconfig:errors.tooManyPortals', params: { max: String(MAX_PORTALS) } });
    const seen = new Set<string>();
    config.portals.forEach((portal, pi) => {
      for (const [si, slug] of [portal.slug, ...portal.oldSlugs].entries()) {
        const path = si === 0 ? `portals.${pi}.slug` : `portals.${pi}.oldSlugs.${si - 1}`;
        if (taken.has(slug) || seen.has(slug)) problems.push({ path, key: 'portalconfig:errors.slugTaken', params: { slug } });
        seen.add(slug);
      }
      if (portal.userTypes.filter((t) => t.default).length !== 1) problems.push({ path: `portals.${pi}.userTypes`, key: 'portalconfig:errors.oneDefault' });
      const typeNames = new Set<string>();
      portal.userTypes.forEach((type, ti) => {
        const at = `portals.${pi}.userTypes.${ti}`;
        if (typeNames.has(type.name.toLowerCase()))
          problems.push({ path: `${at}.name`, key: 'portalconfig:errors.duplicateType', params: { name: type.name } });
        typeNames.add(type.name.toLowerCase());
        const base = moduleId.get(type.baseModule);
        if (!base) problems.push({ path: `${at}.baseModule`, key: 'portalconfig:errors.unknownModule', params: { name: type.baseModule } });
        type.tabs.forEach((tab, xi) => {
          const tabAt = `${at}.tabs.${xi}`;
          if (!moduleId.has(tab.module)) problems.push({ path: `${tabAt}.module`, key: 'portalconfig:errors.unknownModule', params: { name: tab.module } });
          for (const l of tab.layouts) {
            if (!layoutId.has(`${tab.module}/${l}`))
              problems.push({ path: `${tabAt}.layouts`, key: 'portalconfig:errors.unknownLayout', params: { name: `${tab.module}/${l}` } });
          }
          if (tab.filterBy) {
            const f = fieldId.get(`${tab.module}/${tab.filterBy}`);
            if (!f) problems.push({ path: `${tabAt}.filterBy`, key: 'portalconfig:errors.unknownField', params: { name: `${tab.module}/${tab.filterBy}` } });
            else if (lookupTargets.get(f) !== base)
              problems.push({ path: `${tabAt}.filterBy`, key: 'portalconfig:errors.notLookupToBase', params: { name: `${tab.module}/${tab.filterBy}` } });
          } else if (tab.kind === 'related')
            problems.push({ path: `${tabAt}.filterBy`, key: 'portalconfig:errors.filterRequired', params: { name: tab.module } });
          if (tab.kind === 'related' && tab.reach === 'company' && !(base && withAccount.has(base)))
            problems.push({ path: `${tabAt}.reach`, key: 'portaltabs:errors.importCompanyNeedsAccount', params: { name: tab.module } });
        });
        type.fields.forEach((f, fi) => {
          if (!fieldId.has(`${f.module}/${f.field}`))
            problems.push({ path: `${at}.fields.${fi}`, key: 'portalconfig:errors.unknownField', params: { name: `${f.module}/${f.field}` } });
          if (!layoutId.has(`${f.module}/${f.layout}`))
            problems.push({ path: `${at}.fields.${fi}`, key: 'portalconfig:errors.unknownLayout', params: { name: `${f.module}/${f.layout}` } });
        });
      });
    });
    config.canvasDesigns.forEach((c, ci) => {
      for (const name of [c.title, c.badge, ...c.subtitles].filter((n): n is string => Boolean(n))) {
        if (!fieldId.has(`${c.module}/${name}`))
          problems.push({ path: `canvasDesigns.${ci}`, key: 'portalconfig:errors.unknownField', params: { name: `${c.module}/${name}` } });
      }
    });
    if (problems.length > 0) return { ok: false, problems: problems.slice(0, 100) };

    const position = existing.length;
    for (const [pi, portal] of config.portals.entries()) {
      const { id: portalId } = await trx
        .insertInto('portals')
        .values({ name: portal.name, slug: portal.slug, position: position + pi })
        .returning('id')
        .executeTakeFirstOrThrow();
      if (portal.oldSlugs.length)
        await trx
          .insertInto('portal_slugs')
          .values(portal.oldSlugs.map((slug) => ({ slug, portal_id: portalId })))
          .execute();
      for (const [ti, type] of portal.userTypes.entries()) {
        const { id: typeId } = await trx
          .insertInto('portal_user_types')
          .values({
            portal_id: portalId,
            name: type.name,
            base_module_id: moduleId.get(type.baseModule) as string,
            is_default: type.default,
            user_limit: type.userLimit,
            require_two_factor: type.requireTwoFactor,
            position: ti,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        if (type.tabs.length) {
          await trx
            .insertInto('portal_type_tabs')
            .values(
              type.tabs.map((tab) => ({
                user_type_id: typeId,
                module_id: moduleId.get(tab.module) as string,
                kind: tab.kind,
                shown: tab.shown,
                filter_field_id: tab.filterBy ? (fieldId.get(`${tab.module}/${tab.filterBy}`) ?? null) : null,
                reach: tab.kind === 'related' ? (tab.reach ?? 'mine') : 'mine',
                layout_ids: tab.layouts.map((l) => layoutId.get(`${tab.module}/${l}`) as string),
                can_view: tab.view,
                can_create: tab.create,
                can_edit: tab.edit,
                can_delete: tab.delete,
                view_mode: tab.viewMode,
                notes: tab.notes,
                attachments: tab.attachments,
                position: tab.position,
                labels: JSON.stringify(tab.labels ?? {}),
              })),
            )
            .execute();
        }
        if (type.fields.length) {
          await trx
            .insertInto('portal_type_fields')
            .values(
              type.fields.map((f) => ({
                user_type_id: typeId,
                layout_id: layoutId.get(`${f.module}/${f.layout}`) as string,
                field_id: fieldId.get(`${f.module}/${f.field}`) as string,
                visible: f.visible,
                read_only: f.readOnly,
              })),
            )
            .execute();
        }
        if (type.webTabs.length)
          await trx
            .insertInto('web_tabs')
            .values(type.webTabs.map((w) => ({ user_type_id: typeId, ...w })))
            .execute();
      }
    }
    for (const c of config.canvasDesigns) {
      const values = {
        title_field_id: c.title ? (fieldId.get(`${c.module}/${c.title}`) ?? null) : null,
        subtitle_field_ids: c.subtitles.map((n) => fieldId.get(`${c.module}/${n}`) as string),
        badge_field_id: c.badge ? (fieldId.get(`${c.module}/${c.badge}`) ?? null) : null,
      };
      await trx
        .insertInto('canvas_designs')
        .values({ module_id: moduleId.get(c.module) as string, ...values })
        .onConflict((oc) => oc.column('module_id').doUpdateSet(values))
        .execute();
    }
    await audit(trx, actor, 'portals.config_import', undefined, { portals: config.portals.map((p) => p.slug) });
    return { ok: true, portals: config.portals.length };
  });
}
