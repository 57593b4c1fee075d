import type { Database } from '../../src/db/database.js';
import type { LayoutSection } from '../../src/db/schema.js';
import type { RefAttachment, RefFieldPerm, RefNote, RefRecord, RefTab, RefType, RefUser } from '../unit/access-reference.js';
import type { RefField, RefLayout, RefWriteWorld } from '../unit/access-reference-writes.js';
import { drawCompanies, insertCompanies } from './access-company.js';
import { prng } from './prng.js';

// Generated configurations and data for the access property tests: the same
// world as plain arrays for the reference and as rows for the engine.

export type GenModule = {
  id: string;
  /** The module's api_name, for the portal's URLs and write path. */
  apiName: string;
  role: 'base' | 'related' | 'public' | 'absent';
  fields: string[];
  lookups: string[];
  required: string[];
  layouts: string[];
};

export type AccessCase = {
  seed: number;
  world: RefWriteWorld;
  modules: GenModule[];
  portalSlugs: Map<string, string>;
  /** Each record's stored display name, which the portal never shows U. */
  displayNames: Map<string, string>;
};

export type GenerateOptions = {
  /** Who invited every generated portal user (and owns every record). */
  staffId: string;
  /** Prefix of the generated modules' and portals' names, so several generators can share a database. */
  prefix?: string;
  /**
   * Records hold values matching their references and versions, layouts
   * place every field of their module, so records can be written through the
   * portal's forms, and each related module has one more lookup, into the
   * public or the absent module (never F(M)). Drawn from a generator of its
   * own: the rest of the configuration and rows stay those of the same seed without it.
   */
  writable?: boolean;
  /** The share of a module's fields required in the CRM. */
  requiredChance?: number;
  /** The chance that a tab grants each of create, edit and delete. */
  grantChance?: number;
  /** Accounts, the base module's account lookup and company-scoped tabs (access-company.ts); on unless turned off. */
  company?: boolean;
};

const STATES = ['active', 'active', 'pending_approval', 'under_review'] as const;
const STATUSES = ['active', 'active', 'active', 'deactivated', 'invited', 'expired'] as const;
const ACCESS = ['none', 'view', 'add'] as const;

/** One configuration and data set, inserted under fresh modules so cases never see each other. */
export async function generateAccessCase(db: Database, seed: number, opts: GenerateOptions): Promise<AccessCase> {
  const { staffId } = opts;
  const prefix = opts.prefix ?? '';
  const grant = opts.grantChance ?? 0.5;
  const g = prng(seed);
  const mod = (role: GenModule['role'], lookups: number): Omit<GenModule, 'apiName'> => {
    const lookupIds = Array.from({ length: lookups }, () => g.uuid());
    const plain = Array.from({ length: 2 + g.int(3) }, () => g.uuid());
    const fields = [...plain, ...lookupIds];
    return {
      id: g.uuid(),
      role,
      fields,
      lookups: lookupIds,
      required: g.subset(fields, opts.requiredChance ?? 0.3),
      layouts: Array.from({ length: 1 + g.int(3) }, () => g.uuid()),
    };
  };
  const drawn = [mod('base', 0), mod('related', 1), mod('related', 2), mod('public', 0), mod('absent', 1)];
  if (g.chance(0.5)) drawn.push(mod('related', 1 + g.int(2)));
  const modules: GenModule[] = drawn.map((m, i) => ({ ...m, apiName: `${prefix}m${seed}_${i}` }));
  const base = modules[0] as GenModule;

  const [portalP, portalQ] = [g.uuid(), g.uuid()];
  const typeIds = [g.uuid(), g.uuid(), g.uuid()];
  const typePortals = [portalP, portalP, portalQ];
  const types: RefType[] = typeIds.map((id, i) => ({
    id,
    portalId: typePortals[i] as string,
    baseModuleId: base.id,
    tabs: modules
      .filter((m) => m.role !== 'absent' && g.chance(0.9))
      .map(
        (m): RefTab => ({
          moduleId: m.id,
          kind: m.role === 'base' ? 'base' : m.role === 'public' ? 'public' : 'related',
          shown: g.chance(0.85),
          filterFieldId: m.role === 'related' && g.chance(0.9) ? g.pick(m.lookups) : null,
          layoutIds: g.chance(0.1) ? [] : g.subset(m.layouts, 0.7),
          canView: g.chance(0.85),
          canCreate: g.chance(grant),
          canEdit: g.chance(grant),
          canDelete: g.chance(grant),
          notes: g.pick(ACCESS),
          attachments: g.pick(ACCESS),
        }),
      ),
  }));
  const fieldPerms: RefFieldPerm[] = [];
  for (const type of types) {
    for (const m of modules) {
      for (const layoutId of m.layouts) {
        for (const fieldId of m.fields) {
          if (g.chance(0.2)) continue;
          fieldPerms.push({ typeId: type.id, layoutId, fieldId, visible: g.chance(0.6), readOnly: g.chance(0.4) });
        }
      }
    }
  }

  const records: RefRecord[] = [];
  const counts = { base: 8, related: 7, public: 4, absent: 3 };
  for (const m of modules) {
    for (let i = 0; i < counts[m.role]; i++) {
      records.push({
        id: g.uuid(),
        moduleId: m.id,
        layoutId: g.chance(0.08) ? null : g.pick(m.layouts),
        deleted: g.chance(0.15),
        state: g.pick(STATES),
        createdBy: null,
        refs: [],
      });
    }
  }
  const baseRecords = records.filter((r) => r.moduleId === base.id);
  const users: RefUser[] = baseRecords.slice(0, 4).map((r, i) => {
    const typeIndex = i === 3 ? 2 : g.int(2);
    return {
      id: g.uuid(),
      portalId: typePortals[typeIndex] as string,
      typeId: typeIds[typeIndex] as string,
      recordId: r.id,
      status: g.pick(STATUSES),
      invitedBy: staffId,
    };
  });
  const others = records.filter((r) => r.moduleId !== base.id);
  for (const r of records) {
    if (g.chance(0.45)) r.createdBy = g.pick(users).id;
    const m = modules.find((x) => x.id === r.moduleId) as GenModule;
    for (const fieldId of m.lookups) {
      if (!g.chance(0.75)) continue;
      const target = g.chance(0.85) ? g.pick(baseRecords).id : g.chance(0.5) ? g.pick(others).id : g.uuid();
      r.refs.push({ fieldId, targetId: target });
    }
  }
  const publicModule = modules.find((m) => m.role === 'public') as GenModule;
  const companies =
    opts.company === false
      ? undefined
      : await drawCompanies(db, seed, { baseModuleId: base.id, otherModuleId: publicModule.id, types, records, writable: Boolean(opts.writable) });
  const attachments: RefAttachment[] = Array.from({ length: 8 }, () => ({ id: g.uuid(), recordId: g.pick(records).id, internal: g.chance(0.3) }));
  const notes: RefNote[] = Array.from({ length: 8 }, () => ({ id: g.uuid(), recordId: g.pick(records).id, internal: g.chance(0.3) }));
  /** Lookups that do not target the base module (all others do). */
  const targetOf = new Map<string, string>();

  if (opts.writable) {
    const v = prng(seed ^ 0x0f0f0f);
    for (const r of records) {
      const m = modules.find((x) => x.id === r.moduleId) as GenModule;
      r.version = 1 + v.int(3);
      // Fewer locked records, so that more of them can be edited.
      if (r.state !== 'active' && v.chance(0.4)) r.state = 'active';
      r.values = {};
      for (const fieldId of m.fields) if (!m.lookups.includes(fieldId) && v.chance(0.7)) r.values[fieldId] = `s${v.int(1000)}`;
    }
    // A lookup of each related module into the public or the absent module, never F(M): whether U reaches its
    // targets depends on that module's tab, not the base tab's.
    for (const m of modules.filter((x) => x.role === 'related')) {
      const target = v.pick(modules.filter((x) => x.role === 'public' || x.role === 'absent'));
      const id = v.uuid();
      m.fields.push(id);
      m.lookups.push(id);
      targetOf.set(id, target.id);
      for (const type of types)
        for (const layoutId of m.layouts)
          if (v.chance(0.8)) fieldPerms.push({ typeId: type.id, layoutId, fieldId: id, visible: v.chance(0.6), readOnly: v.chance(0.4) });
      const targets = records.filter((r) => r.moduleId === target.id);
      for (const r of records) if (r.moduleId === m.id && v.chance(0.6)) r.refs.push({ fieldId: id, targetId: v.pick(targets).id });
    }
  }
  const fields: RefField[] = modules.flatMap((m) =>
    m.fields.map((id) =>
      m.lookups.includes(id) ? { id, moduleId: m.id, lookup: true, target: targetOf.get(id) ?? base.id } : { id, moduleId: m.id, lookup: false },
    ),
  );
  const apiOf = new Map<string, string>(modules.flatMap((m) => m.fields.map((id, i) => [id, `f${i}`] as const)));
  // The base module's lookups into accounts (and elsewhere) hold their values too, so that writes keep them.
  for (const [i, f] of (companies?.lookupFields ?? []).entries()) apiOf.set(f.id, `acct${i}`);
  const dataOf = (r: RefRecord): Record<string, string> => {
    if (!opts.writable) return {};
    const data: Record<string, string> = {};
    for (const [fieldId, value] of Object.entries(r.values ?? {})) data[apiOf.get(fieldId) as string] = value;
    for (const ref of r.refs) data[apiOf.get(ref.fieldId) as string] = ref.targetId;
    return data;
  };
  const sectionsOf = (m: GenModule): LayoutSection[] => (opts.writable ? [{ id: 'main', fields: m.fields }] : []);
  const layouts: RefLayout[] = modules.flatMap((m) => m.layouts.map((id) => ({ id, moduleId: m.id, fields: sectionsOf(m).flatMap((sec) => sec.fields) })));
  const displayNames = new Map(records.map((r, i) => [r.id, `r${i}`]));

  const world: RefWriteWorld = {
    notes,
    portals: [portalP, portalQ],
    types,
    users,
    records,
    fieldPerms,
    requiredFields: new Set(modules.flatMap((m) => m.required)),
    attachments,
    fields,
    layouts,
    lookupFields: companies?.lookupFields ?? [],
  };
  const portalSlugs = new Map([portalP, portalQ].map((id, i) => [id, `${prefix}p${seed}-${i}`]));

  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('modules')
      .values(modules.map((m, i) => ({ id: m.id, api_name: m.apiName, kind: i === 0 && g.chance(0.5) ? 'custom' : 'standard', labels: {}, name_fields: [] })))
      .execute();
    await trx
      .insertInto('fields')
      .values(
        modules.flatMap((m) =>
          m.fields.map((id, i) => ({
            id,
            module_id: m.id,
            parent_field_id: null,
            api_name: `f${i}`,
            kind: 'custom' as const,
            type: m.lookups.includes(id) ? ('lookup' as const) : ('text' as const),
            required: m.required.includes(id),
            label_key: null,
            labels: {},
            options: m.lookups.includes(id) ? { targetModuleId: targetOf.get(id) ?? base.id } : {},
          })),
        ),
      )
      .execute();
    if (companies) await insertCompanies(trx, companies, base.id, staffId);
    await trx
      .insertInto('layouts')
      .values(
        modules.flatMap((m) =>
          m.layouts.map((id, i) => ({
            id,
            module_id: m.id,
            api_name: `l${i}`,
            label_key: null,
            labels: {},
            sections: opts.writable ? JSON.stringify(sectionsOf(m)) : [],
          })),
        ),
      )
      .execute();
    await trx
      .insertInto('portals')
      .values([portalP, portalQ].map((id, i) => ({ id, name: `P${seed}-${i}`, slug: portalSlugs.get(id) as string })))
      .execute();
    await trx
      .insertInto('portal_user_types')
      .values(types.map((ty, i) => ({ id: ty.id, portal_id: ty.portalId, name: `T${i}`, base_module_id: base.id })))
      .execute();
    const tabs = types.flatMap((ty) =>
      ty.tabs.map((tab) => ({
        user_type_id: ty.id,
        module_id: tab.moduleId,
        kind: tab.kind,
        shown: tab.shown,
        filter_field_id: tab.filterFieldId,
        reach: tab.reach ?? 'mine',
        layout_ids: tab.layoutIds,
        can_view: tab.canView,
        can_create: tab.canCreate,
        can_edit: tab.canEdit,
        can_delete: tab.canDelete,
        notes: tab.notes,
        attachments: tab.attachments,
      })),
    );
    if (tabs.length) await trx.insertInto('portal_type_tabs').values(tabs).execute();
    if (fieldPerms.length)
      await trx
        .insertInto('portal_type_fields')
        .values(fieldPerms.map((p) => ({ user_type_id: p.typeId, layout_id: p.layoutId, field_id: p.fieldId, visible: p.visible, read_only: p.readOnly })))
        .execute();
    const t0 = Date.UTC(2026, 0, 1);
    await trx
      .insertInto('records')
      .values(
        records.map((r) => ({
          id: r.id,
          module_id: r.moduleId,
          owner_id: staffId,
          data: opts.writable ? JSON.stringify(dataOf(r)) : {},
          display_name: displayNames.get(r.id) as string,
          state: r.state,
          deleted_at: r.deleted ? new Date(t0) : null,
          created_by_portal_user_id: r.createdBy,
          layout_id: r.layoutId,
          ...(r.version === undefined ? {} : { version: r.version }),
          // Repeated timestamps exercise the keyset's tie-break on id.
          created_at: new Date(t0 + g.int(4) * 1000),
        })),
      )
      .execute();
    const refs = records.flatMap((r) => r.refs.map((ref) => ({ field_id: ref.fieldId, target_id: ref.targetId, record_id: r.id })));
    if (refs.length) await trx.insertInto('record_refs').values(refs).execute();
    await trx
      .insertInto('portal_users')
      .values(
        users.map((u, i) => ({
          id: u.id,
          portal_id: u.portalId,
          user_type_id: u.typeId,
          record_id: u.recordId,
          email: `u${i}@${prefix}case${seed}.example`,
          status: u.status,
          invited_by: staffId,
        })),
      )
      .execute();
    await trx
      .insertInto('attachments')
      .values(
        attachments.map((a) => ({
          id: a.id,
          record_id: a.recordId,
          author_kind: 'staff' as const,
          author_id: staffId,
          filename: 'f.txt',
          content_type: 'text/plain',
          size: 1,
          content: Buffer.from('x'),
          internal: a.internal,
        })),
      )
      .execute();
    await trx
      .insertInto('notes')
      .values(notes.map((n) => ({ id: n.id, record_id: n.recordId, author_kind: 'staff' as const, author_id: staffId, body: 'note', internal: n.internal })))
      .execute();
  });
  return { seed, world, modules, portalSlugs, displayNames };
}
