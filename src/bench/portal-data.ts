import { sql } from 'kysely';
import { hashPassword } from '../auth/passwords.js';
import { createSession, generateSessionToken } from '../auth/sessions.js';
import { loadModuleMeta, type ModuleMeta } from '../crm/metadata.js';
import { type Actor, createRecord } from '../crm/records.js';
import { addIndicator } from '../dashboards/indicators.js';
import type { Database } from '../db/database.js';
import type { PortalUserType } from '../db/schema.js';
import { getCanvasDesign, saveCanvasDesign } from '../portals/canvas.js';
import { saveFieldPermissions } from '../portals/field-permissions.js';
import { createPortal } from '../portals/portals.js';
import { saveTabs, type TabInput, tabForm, tabOptions } from '../portals/tabs.js';
import { addUserType, saveUserTypeSettings } from '../portals/user-types.js';
import { setGdprEnabled } from '../privacy/compliance.js';

// The portal side of the benchmark's data: one portal, five user types of
// contacts configured as customers, key accounts, partners, resellers and
// read-only viewers would be, 20,000 active portal users on generated
// contacts, and on their cases the conversation a portal carries (staff notes,
// internal and visible, the customer's replies, a file each). One customer,
// the "measured" user, has a long history of cases, so the pages the
// benchmark times are full pages. Configured through the same functions the
// configurator calls; users, notes and files are written set-based.

export const BENCH_PORTAL_SLUG = 'bench';
export const BENCH_PORTAL_PASSWORD = 'Bench-portal-2026';
export const BENCH_PORTAL_USERS = Number(process.env.BENCH_PORTAL_USERS ?? 20_000);
/** The measured user's own cases: two list pages and a bit. */
export const MEASURED_CASES = 60;
/** And deals: a canvas page of cards. */
export const MEASURED_DEALS = 12;

type TypeSpec = { name: string; tabs: Record<string, Partial<TabInput>>; indicators?: boolean };

export const BENCH_TYPES: TypeSpec[] = [
  {
    name: 'Customers',
    tabs: {
      contacts: { edit: true },
      deals: { viewMode: 'canvas' },
      cases: { create: true, edit: true, notes: 'add', attachments: 'add' },
      products: {},
    },
    indicators: true,
  },
  { name: 'Key accounts', tabs: { contacts: { edit: true }, deals: {}, cases: { create: true, notes: 'add', attachments: 'view' } } },
  { name: 'Partners', tabs: { contacts: {}, deals: { viewMode: 'canvas' }, cases: { notes: 'view' } } },
  { name: 'Resellers', tabs: { contacts: {}, deals: {}, cases: { create: true, notes: 'add' } } },
  { name: 'Viewers', tabs: { contacts: {}, cases: {} } },
];

const FIELDS: Record<string, { visible: string[]; readOnly?: string[] }> = {
  contacts: { visible: ['first_name', 'last_name', 'email', 'phone', 'mobile', 'title', 'language'], readOnly: ['email'] },
  deals: { visible: ['name', 'stage', 'amount', 'closing_date', 'account'] },
  cases: { visible: ['subject', 'status', 'priority', 'description', 'contact', 'account'], readOnly: ['status'] },
  products: { visible: ['name', 'code', 'unit_price', 'description'] },
};

export type BenchPortal = {
  portalId: string;
  types: PortalUserType[];
  users: number;
  /** The portal user the pages are timed as, with their contact and one of their cases. */
  measured: { userId: string; email: string; contactId: string; caseId: string; typeId: string };
  notes: number;
  attachments: number;
};

async function meta(db: Database, name: string): Promise<ModuleMeta> {
  const m = await loadModuleMeta(db, name);
  if (!m) throw new Error(`the standard module ${name} is missing: run the migrations first`);
  return m;
}

/** The bench portal and its five configured types, created once. */
async function ensurePortal(db: Database, actor: Actor): Promise<{ portalId: string; types: PortalUserType[] }> {
  const existing = await db.selectFrom('portals').select('id').where('slug', '=', BENCH_PORTAL_SLUG).executeTakeFirst();
  const typesOf = (portalId: string) => db.selectFrom('portal_user_types').selectAll().where('portal_id', '=', portalId).orderBy('created_at').execute();
  if (existing) return { portalId: existing.id, types: await typesOf(existing.id) };

  const contacts = await meta(db, 'contacts');
  const deals = await meta(db, 'deals');
  const cases = await meta(db, 'cases');
  const products = await meta(db, 'products');
  const created = await createPortal(db, actor, { name: 'Bench portal', slug: BENCH_PORTAL_SLUG });
  if (!created.ok) throw new Error('the bench portal could not be created');
  const portalId = created.portal.id;
  const first = (await typesOf(portalId))[0];
  if (!first) throw new Error('the bench portal has no user type');
  const [spec0, ...rest] = BENCH_TYPES;
  if (!spec0) throw new Error('no user types to configure');
  const renamed = await saveUserTypeSettings(db, actor, first, { name: spec0.name });
  if (!renamed.ok) throw new Error('the first bench user type could not be renamed');
  for (const spec of rest) {
    const added = await addUserType(db, actor, portalId, { name: spec.name, baseModuleId: contacts.module.id });
    if (!added.ok) throw new Error(`the bench user type ${spec.name} was refused: ${JSON.stringify(added.errors)}`);
  }
  await db.updateTable('portal_user_types').set({ user_limit: 1_000_000 }).where('portal_id', '=', portalId).execute();

  if (!(await getCanvasDesign(db, deals.module.id)).titleFieldId) {
    const id = (name: string) => deals.byName.get(name)?.id;
    const saved = await saveCanvasDesign(db, actor, deals.module.id, deals.fields, {
      titleFieldId: id('name') ?? null,
      subtitleFieldIds: [id('amount'), id('closing_date')].filter((f): f is string => Boolean(f)),
      badgeFieldId: id('stage') ?? null,
    });
    if (!saved.ok) throw new Error('the bench card design was refused');
  }
  const types = await typesOf(portalId);
  for (const [i, type] of types.entries()) {
    const spec = BENCH_TYPES[i];
    if (!spec) continue;
    const saved = await saveTabs(db, actor, type.id, tabForm((await tabOptions(db, type.id)) ?? [], spec.tabs));
    if (!saved.ok) throw new Error(`the tabs of ${spec.name} were refused: ${JSON.stringify(saved.errors)}`);
    for (const m of [contacts, deals, cases, products]) {
      if (!(m.module.api_name in spec.tabs)) continue;
      const fields = FIELDS[m.module.api_name] ?? { visible: [] };
      for (const layout of m.layouts) {
        const rows = m.fields.map((f) => ({
          fieldId: f.id,
          visible: fields.visible.includes(f.api_name),
          readOnly: fields.readOnly?.includes(f.api_name) ?? false,
        }));
        const result = await saveFieldPermissions(db, actor, type.id, m.module.id, layout.id, rows);
        if (!result.ok) throw new Error(`the field permissions of ${spec.name} on ${m.module.api_name} were refused`);
      }
    }
    if (spec.indicators) {
      const id = (m: ModuleMeta, name: string) => m.byName.get(name)?.id ?? '';
      for (const indicator of [
        { moduleId: cases.module.id, measure: 'count', sumFieldId: '', groupBy: id(cases, 'status') },
        { moduleId: deals.module.id, measure: 'sum', sumFieldId: id(deals, 'amount'), groupBy: id(deals, 'stage') },
      ]) {
        const added = await addIndicator(db, actor, type.id, indicator);
        if (!added.ok) throw new Error(`a bench indicator was refused: ${JSON.stringify(added.errors)}`);
      }
    }
  }
  return { portalId, types };
}

/**
 * Portal users on contacts that are not portal users yet (one address each),
 * spread over the types in turn, all active with the same password, their
 * languages and time zones spread as an international customer base's are.
 */
async function addUsers(db: Database, portalId: string, types: PortalUserType[], ownerId: string, count: number) {
  if (count <= 0) return;
  const contacts = await meta(db, 'contacts');
  const hash = await hashPassword(BENCH_PORTAL_PASSWORD);
  const typeIds = types.map((t) => t.id);
  await db.connection().execute(async (conn) => {
    await sql`set statement_timeout = 0`.execute(conn);
    try {
      // UNSCOPED READ: operator tools (npm run bench, npm run load): makes the benchmark's portal users from the generated contacts; no request reaches it.
      await sql`
        insert into portal_users (portal_id, user_type_id, record_id, email, password_hash, status, invited_by, language, time_format, time_zone, country,
                                  created_at, activated_at, invited_at)
        select ${portalId}::uuid, (${typeIds}::uuid[])[1 + (row_number() over (order by c.id) - 1) % ${typeIds.length}],
               c.id, c.email, ${hash}, 'active', ${ownerId}::uuid,
               (array['en', 'es', 'fr', 'pt-BR'])[1 + (hashtext(c.id::text) & 2147483647) % 4], '24h',
               (array['Europe/Madrid', 'Europe/Paris', 'America/Sao_Paulo', 'Europe/London', 'America/Mexico_City'])[1 + (hashtext(c.id::text) & 2147483647) % 5],
               (array['ES', 'FR', 'BR', 'GB', 'MX'])[1 + (hashtext(c.id::text) & 2147483647) % 5],
               now(), now(), now()
        from (
          select distinct on (lower(r.data->>'email')) r.id, lower(r.data->>'email') as email
          from records r
          where r.module_id = ${contacts.module.id}::uuid and r.deleted_at is null and r.data->>'email' is not null
            and not exists (select 1 from portal_users u where u.record_id = r.id)
            and not exists (select 1 from portal_users u where u.portal_id = ${portalId}::uuid and lower(u.email) = lower(r.data->>'email'))
          order by lower(r.data->>'email'), r.id
        ) c
        order by c.id
        limit ${count}`.execute(conn);
    } finally {
      await sql`reset statement_timeout`.execute(conn);
    }
  });
}

/** The measured user: the first of the first type by address, given their long history of cases once. */
async function measuredUser(db: Database, ownerId: string, types: PortalUserType[]): Promise<BenchPortal['measured']> {
  const actor: Actor = { kind: 'staff', id: ownerId };
  const type = types[0];
  if (!type) throw new Error('the bench portal has no user type');
  const user = await db
    .selectFrom('portal_users')
    .select(['id', 'email', 'record_id'])
    .where('user_type_id', '=', type.id)
    .orderBy('email')
    .limit(1)
    .executeTakeFirstOrThrow();
  const cases = await meta(db, 'cases');
  const contactField = cases.byName.get('contact');
  if (!contactField) throw new Error('cases have no contact lookup');
  // UNSCOPED READ: operator tools (npm run bench, npm run load): the measured user's cases, counted to give them a history once.
  const own = () =>
    db
      .selectFrom('record_refs')
      .innerJoin('records', 'records.id', 'record_refs.record_id')
      .select('records.id')
      .where('record_refs.field_id', '=', contactField.id)
      .where('record_refs.target_id', '=', user.record_id)
      .where('records.deleted_at', 'is', null)
      .orderBy('records.created_at', 'desc')
      .execute();
  const have = (await own()).length;
  // UNSCOPED READ: operator tools (npm run bench, npm run load): the measured user's own record, for the account their cases name.
  const account = await db.selectFrom('records').select(sql<string | null>`data->>'account'`.as('account')).where('id', '=', user.record_id).executeTakeFirst();
  const statuses = cases.byName.get('status')?.options.values?.map((v) => v.value) ?? [];
  const priorities = cases.byName.get('priority')?.options.values?.map((v) => v.value) ?? [];
  const subjects = ['Invoice amount is wrong', 'Delivery arrived damaged', 'Cannot sign in', 'Export fails with an error', 'Warranty claim', 'Shipping delay'];
  for (let i = have; i < MEASURED_CASES; i++) {
    await createRecord(db, actor, cases, {
      data: {
        subject: `${subjects[i % subjects.length]} #${i + 1}`,
        description: 'Reported through the portal. The order number is in the attached file.',
        status: statuses[i % Math.max(statuses.length, 1)] ?? null,
        priority: priorities[i % Math.max(priorities.length, 1)] ?? null,
        contact: user.record_id,
        account: account?.account ?? null,
      },
      layoutId: cases.defaultLayout?.id ?? null,
      ownerId,
    });
  }
  // And deals, so the canvas of deals shows a page of cards.
  const deals = await meta(db, 'deals');
  const dealContact = deals.byName.get('contact');
  if (!dealContact) throw new Error('deals have no contact lookup');
  const haveDeals = Number(
    (
      await db
        .selectFrom('record_refs')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('field_id', '=', dealContact.id)
        .where('target_id', '=', user.record_id)
        .executeTakeFirstOrThrow()
    ).n,
  );
  const stages = deals.byName.get('stage')?.options.values?.map((v) => v.value) ?? [];
  for (let i = haveDeals; i < MEASURED_DEALS; i++) {
    await createRecord(db, actor, deals, {
      data: {
        name: `${['Renewal', 'Expansion', 'Support plan', 'Training'][i % 4]} ${2026 + Math.floor(i / 4)}`,
        stage: stages[i % Math.max(stages.length, 1)] ?? null,
        amount: 1_000 + i * 750,
        closing_date: `2027-${String(1 + (i % 12)).padStart(2, '0')}-15`,
        contact: user.record_id,
        account: account?.account ?? null,
      },
      layoutId: deals.defaultLayout?.id ?? null,
      ownerId,
    });
  }
  const caseId = (await own())[0]?.id;
  if (!caseId) throw new Error('the measured user has no case');
  return { userId: user.id, email: user.email, contactId: user.record_id, caseId, typeId: type.id };
}

/**
 * The conversation on the portal users' cases, where there is none yet: an
 * internal staff note, a staff answer the customer sees, the customer's reply,
 * and a small file the customer sent.
 */
async function addConversations(db: Database, portalId: string, ownerId: string) {
  const cases = await meta(db, 'cases');
  const contactField = cases.byName.get('contact');
  if (!contactField) throw new Error('cases have no contact lookup');
  const file = `Order 2026-0001\n${'Item, quantity, price\n'.repeat(60)}`;
  await db.connection().execute(async (conn) => {
    await sql`set statement_timeout = 0`.execute(conn);
    try {
      // UNSCOPED READ: operator tools (npm run bench, npm run load): the cases of every benchmark portal user, to write their conversations.
      await sql`
        with targets as (
          select rr.record_id as case_id, u.id as user_id, r.created_at
          from portal_users u
          join record_refs rr on rr.field_id = ${contactField.id}::uuid and rr.target_id = u.record_id
          join records r on r.id = rr.record_id and r.deleted_at is null
          where u.portal_id = ${portalId}::uuid
            and not exists (select 1 from notes n where n.record_id = rr.record_id)
        ), staff_notes as (
          insert into notes (record_id, author_kind, author_id, body, internal, created_at)
          select case_id, 'staff', ${ownerId}::uuid, body, internal, created_at + step * interval '1 hour'
          from targets cross join (values
            ('Checked the account: the customer is on the current plan.', true, 1),
            ('Thank you for your message. We are looking into it and will come back to you today.', false, 2)
          ) as v(body, internal, step)
          returning record_id
        ), replies as (
          insert into notes (record_id, author_kind, author_id, body, internal, created_at)
          select case_id, 'portal', user_id, 'Thanks. Here is the order the problem is about; it happened again this morning.', false, created_at + interval '3 hours'
          from targets
          returning record_id
        )
        insert into attachments (record_id, author_kind, author_id, filename, content_type, size, content, internal, created_at)
        select case_id, 'portal', user_id, 'order.csv', 'text/csv', octet_length(convert_to(${file}, 'UTF8')), convert_to(${file}, 'UTF8'), false,
               created_at + interval '3 hours'
        from targets`.execute(conn);
      await sql`analyze portal_users, notes, attachments`.execute(conn);
    } finally {
      await sql`reset statement_timeout`.execute(conn);
    }
  });
}

/** Creates what is missing of the bench portal's data (all of it on the first run) and describes it. */
export async function seedBenchPortal(db: Database, ownerId: string, users = BENCH_PORTAL_USERS): Promise<BenchPortal> {
  const actor: Actor = { kind: 'staff', id: ownerId };
  const { portalId, types } = await ensurePortal(db, actor);
  // Customers' Data privacy page and their exports.
  await setGdprEnabled(db, actor, true);
  const count = async () =>
    Number(
      (
        await db
          .selectFrom('portal_users')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('portal_id', '=', portalId)
          .executeTakeFirstOrThrow()
      ).n,
    );
  await addUsers(db, portalId, types, ownerId, users - (await count()));
  const measured = await measuredUser(db, ownerId, types);
  await addConversations(db, portalId, ownerId);
  const totals = await sql<{ notes: string; attachments: string }>`
    select (select count(*) from notes) as notes, (select count(*) from attachments) as attachments`.execute(db);
  return {
    portalId,
    types,
    users: await count(),
    measured,
    notes: Number(totals.rows[0]?.notes ?? 0),
    attachments: Number(totals.rows[0]?.attachments ?? 0),
  };
}

/** A signed-in session for the load generator to send (a portal user's or a staff user's), as sign-in creates it. */
export async function benchSession(db: Database, user: { kind: 'staff' | 'portal'; id: string }): Promise<string> {
  const token = generateSessionToken();
  await createSession(db, token, user, 30, { userAgent: 'porta-bench' });
  return token;
}
