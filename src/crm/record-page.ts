import { sql } from 'kysely';
import { jsonArrayFrom, jsonObjectFrom } from 'kysely/helpers/postgres';
import type { SignedInStaff } from '../auth/staff.js';
import type { Database } from '../db/database.js';
import type { CrmRecord, Field, Module, Note, PrivacyRequest, RecordChange } from '../db/schema.js';
import { type PortalUserRow, portalUserRows, type TypeChoice } from '../portals/portal-users.js';
import type { ConsentHistoryEntry } from '../privacy/consent.js';
import { privacyPanelData, type RecordPrivacy } from '../privacy/record.js';
import { referencingFields } from './list.js';
import { collectLookupIds, linkedNames, lookupNames, type StaffLookupNames } from './lookups.js';
import { layoutFor, layoutSections, listModules, type ModuleMeta } from './metadata.js';
import type { Scope } from './records.js';
import { type ModulePermissions, permissionsByModule, permissionsIn, type RecordAccess, staffRecordAccess, staffRecordScope } from './staff-access.js';

// What a staff record page shows around the record — its notes, files,
// history, related lists, the people named in them, its portal account and
// privacy — read in one statement: a page's cost does not grow with the
// modules that point at it.

export type RelatedSpec = { field: Field; scope: Scope };
export type RelatedRows = { records: { id: string; display_name: string }[]; total: number };

export type RecordSurroundings = {
  notes: Note[];
  attachments: {
    id: string;
    filename: string;
    size: number;
    content_type: string;
    created_at: Date;
    internal: boolean;
    author_kind: 'staff' | 'portal';
    author_id: string;
  }[];
  history: RecordChange[];
  staffOptions: { id: string; name: string }[];
  /** `staff:<id>` and `portal:<id>` → a name (portal users by their address). */
  people: Map<string, string>;
  related: RelatedRows[];
  portal: { types: TypeChoice[]; user: PortalUserRow | undefined };
  privacy: { history: ConsentHistoryEntry[]; requests: Pick<PrivacyRequest, 'id' | 'number' | 'kind' | 'status' | 'due_at' | 'submitted_at'>[] } | undefined;
};

const RELATED_ROWS = 5;

export async function recordSurroundings(
  db: Database,
  record: { id: string; module_id: string; owner_id: string },
  opts: { related: RelatedSpec[]; privacy: boolean },
): Promise<RecordSurroundings> {
  const id = record.id;
  const relatedRows = (spec: RelatedSpec) =>
    db
      .selectFrom('record_refs')
      .innerJoin('records', 'records.id', 'record_refs.record_id')
      .where('record_refs.field_id', '=', spec.field.id)
      .where('record_refs.target_id', '=', id)
      .where('records.deleted_at', 'is', null)
      .where(spec.scope);
  const row = await db
    .selectNoFrom((eb) => [
      jsonArrayFrom(eb.selectFrom('notes').selectAll().where('record_id', '=', id).orderBy('created_at', 'desc').orderBy('id').limit(200)).as('notes'),
      jsonArrayFrom(
        eb
          .selectFrom('attachments')
          .select(['id', 'filename', 'size', 'content_type', 'created_at', 'internal', 'author_kind', 'author_id'])
          .where('record_id', '=', id)
          .orderBy('created_at', 'desc')
          .orderBy('id')
          .limit(200),
      ).as('attachments'),
      jsonArrayFrom(eb.selectFrom('record_changes').selectAll().where('record_id', '=', id).orderBy('at', 'desc').orderBy('id', 'desc').limit(100)).as(
        'history',
      ),
      jsonArrayFrom(eb.selectFrom('staff_users').select(['id', 'name']).where('active', '=', true).orderBy('name')).as('staff_options'),
      // Everyone who wrote, attached or changed something here, and the owner: a superset of the names shown.
      sql<{ kind: string; id: string; name: string }[]>`(select coalesce(json_agg(json_build_object('kind', p.kind, 'id', p.id, 'name', p.name)), '[]') from (
        select 'staff' as kind, s.id, s.name from staff_users s where s.id = ${record.owner_id}
          or s.id in (select author_id from notes where record_id = ${id} and author_kind = 'staff')
          or s.id in (select author_id from attachments where record_id = ${id} and author_kind = 'staff')
          or s.id in (select actor_id from record_changes where record_id = ${id} and actor_kind = 'staff')
        union all
        select 'portal', u.id, u.email from portal_users u where u.id in (select author_id from notes where record_id = ${id} and author_kind = 'portal')
          or u.id in (select author_id from attachments where record_id = ${id} and author_kind = 'portal')
          or u.id in (select actor_id from record_changes where record_id = ${id} and actor_kind = 'portal')
      ) p)`.as('people'),
      sql<RelatedRows[]>`json_build_array(${sql.join(
        opts.related.map(
          (spec) =>
            sql`json_build_object('records', ${jsonArrayFrom(
              relatedRows(spec)
                .select(['records.id', 'records.display_name'])
                .orderBy('records.created_at', 'desc')
                .orderBy('records.id', 'desc')
                .limit(RELATED_ROWS),
            )}, 'total', (${relatedRows(spec).select((e) => e.fn.countAll().as('n'))}))`,
        ),
      )})`.as('related'),
      jsonArrayFrom(
        eb
          .selectFrom('portal_user_types as t')
          .innerJoin('portals as p', 'p.id', 't.portal_id')
          .select(['t.id', 't.name', 't.portal_id as portalId', 'p.name as portalName', 't.base_module_id as baseModuleId'])
          .where('t.base_module_id', '=', record.module_id)
          .orderBy('p.position')
          .orderBy('p.created_at')
          .orderBy('t.is_default', 'desc')
          .orderBy('t.position'),
      ).as('portal_types'),
      jsonObjectFrom(portalUserRows(db).where('u.record_id', '=', id)).as('portal_user'),
      // Privacy only where the page shows it: otherwise the planner answers these from a constant.
      jsonArrayFrom(
        eb
          .selectFrom('consent_events as e')
          .leftJoin('staff_users as s', (j) => j.onRef('s.id', '=', 'e.actor_id').on('e.actor_kind', '=', 'staff'))
          .selectAll('e')
          .select('s.name as actor_name')
          .where('e.record_id', '=', id)
          .where(sql<boolean>`${sql.lit(opts.privacy)}`)
          .orderBy('e.at', 'desc')
          .orderBy('e.id', 'desc')
          .limit(50),
      ).as('consent'),
      jsonArrayFrom(
        eb
          .selectFrom('privacy_requests')
          .select(['id', 'number', 'kind', 'status', 'due_at', 'submitted_at'])
          .where('record_id', '=', id)
          .where(sql<boolean>`${sql.lit(opts.privacy)}`)
          .orderBy('submitted_at', 'desc')
          .limit(50),
      ).as('requests'),
    ])
    .executeTakeFirstOrThrow();
  const people = new Map((row.people as { kind: string; id: string; name: string }[]).map((p) => [`${p.kind}:${p.id}`, p.name]));
  return {
    notes: revive(row.notes) as unknown as Note[],
    attachments: revive(row.attachments) as unknown as RecordSurroundings['attachments'],
    history: revive(row.history) as unknown as RecordChange[],
    staffOptions: row.staff_options,
    people,
    related: (opts.related.length ? (row.related as RelatedRows[]) : []).map((r) => ({ records: r.records, total: Number(r.total) })),
    portal: { types: row.portal_types, user: row.portal_user ? (revive([row.portal_user])[0] as unknown as PortalUserRow) : undefined },
    privacy: opts.privacy
      ? {
          history: revive(row.consent) as unknown as ConsentHistoryEntry[],
          requests: revive(row.requests) as unknown as NonNullable<RecordSurroundings['privacy']>['requests'],
        }
      : undefined,
  };
}

/** JSON carries times as text: the columns that are times become dates again. */
function revive<T extends object>(rows: T[]): T[] {
  return rows.map((r) => {
    const out = { ...r } as Record<string, unknown>;
    for (const [k, v] of Object.entries(out)) if (typeof v === 'string' && (k === 'at' || /(_at|At)$/.test(k))) out[k] = new Date(v);
    return out as T;
  });
}

/** Who wrote, attached or changed something: the view words it (the system, a portal user). */
export type PageAuthor = { kind: 'system' | 'staff' | 'portal'; name: string | undefined };

export type RelatedList = RelatedRows & { module: Module; field: Field; base: string; createHref: string | undefined };

/** Everything the staff record page shows, read in a bounded number of statements whatever points at the record. */
export type StaffRecordPage = {
  access: RecordAccess;
  sections: ReturnType<typeof layoutSections>;
  names: StaffLookupNames;
  related: RelatedList[];
  notes: (Note & { author: PageAuthor })[];
  attachments: (RecordSurroundings['attachments'][number] & { author: PageAuthor })[];
  history: (RecordChange & { actor: PageAuthor })[];
  owner: string;
  staffOptions: RecordSurroundings['staffOptions'];
  convertedTo: { name: string; href: string } | undefined;
  portal: RecordSurroundings['portal'];
  privacy: RecordPrivacy | undefined;
};

export async function staffRecordPage(
  db: Database,
  staff: SignedInStaff,
  meta: ModuleMeta,
  perms: ModulePermissions,
  record: CrmRecord,
  opts: { privacy: boolean },
): Promise<StaffRecordPage> {
  const [referencing, modules, byModule] = await Promise.all([referencingFields(db, meta.module.id), listModules(db), permissionsByModule(db, staff)]);
  const moduleById = new Map(modules.map((m) => [m.id, m]));
  // Related lists: records of other modules whose lookups point here, each within its own permissions.
  const lists = referencing.flatMap((field) => {
    const module = moduleById.get(field.module_id);
    const modulePerms = module && permissionsIn(byModule, staff, module.id);
    return module && modulePerms?.view ? [{ field, module, perms: modulePerms }] : [];
  });
  const around = await recordSurroundings(db, record, {
    related: lists.map((l) => ({ field: l.field, scope: staffRecordScope(staff, l.module) })),
    privacy: opts.privacy,
  });
  const sections = layoutSections(meta, layoutFor(meta, record.layout_id));
  const historyIds = around.history.flatMap((h) => h.changes.flatMap((ch) => [ch.old, ch.new])).filter((v): v is string => typeof v === 'string');
  const ids = [
    ...collectLookupIds(
      meta,
      [record],
      sections.flatMap((s) => s.fields),
    ),
    ...historyIds,
    ...(record.converted_to ? [record.converted_to] : []),
  ];
  const names = linkedNames(await lookupNames(db, ids), modules, byModule, staff);
  const author = (kind: string, id: string | null): PageAuthor =>
    kind === 'system' ? { kind, name: undefined } : { kind: kind === 'portal' ? 'portal' : 'staff', name: around.people.get(`${kind}:${id}`) };
  const converted = record.converted_to ? names.get(record.converted_to) : undefined;
  return {
    access: staffRecordAccess(staff, meta.module, perms, record),
    sections,
    names,
    related: lists.map(({ field, module, perms: listPerms }, i) => {
      const base = `/admin/m/${module.api_name}`;
      const rows = around.related[i] ?? { records: [], total: 0 };
      return { ...rows, module, field, base, createHref: listPerms.create ? `${base}/new?${field.api_name}=${record.id}` : undefined };
    }),
    notes: around.notes.map((n) => ({ ...n, author: author(n.author_kind, n.author_id) })),
    attachments: around.attachments.map((a) => ({ ...a, author: author(a.author_kind, a.author_id) })),
    history: around.history.map((h) => ({ ...h, actor: author(h.actor_kind, h.actor_id) })),
    owner: around.people.get(`staff:${record.owner_id}`) ?? '',
    staffOptions: around.staffOptions,
    convertedTo: converted?.href ? { name: converted.name, href: converted.href } : undefined,
    portal: around.portal,
    privacy: around.privacy && privacyPanelData(record, around.privacy),
  };
}

/** The notices a staff record page shows after the redirect that follows a change, in the order they are looked for. */
const FLASHES = ['created', 'saved', 'restored', 'noted', 'attached', 'stateChanged', 'reassigned', 'converted'] as const;
export type RecordFlash = (typeof FLASHES)[number];

/** Which notice the address asks for (`?saved=1`): the first one named, or none. */
export function recordFlash(query: (key: string) => string | undefined): RecordFlash | undefined {
  return FLASHES.find((key) => query(key) === '1');
}
