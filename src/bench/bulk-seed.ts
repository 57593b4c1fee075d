import { randomBytes } from 'node:crypto';
import { type RawBuilder, sql } from 'kysely';
import { loadModuleMeta, type ModuleMeta } from '../crm/metadata.js';
import type { Database } from '../db/database.js';
import { seedDemo } from '../demo/seed.js';

// Generated data for benchmarks: many records, written set-based (INSERT … SELECT
// over generate_series) so a million rows take a minute or two, not hours of
// row-by-row inserts. Values are spread like a real CRM's: one account per
// twenty records, half the records contacts at those accounts, the rest deals
// and cases of those contacts.

export type BulkModule = 'accounts' | 'contacts' | 'deals' | 'cases';
export const BULK_MODULES: BulkModule[] = ['accounts', 'contacts', 'deals', 'cases'];
export const BULK_MAX_RECORDS = 20_000_000;

export type BulkSeedOptions = {
  records: number;
  /** Rows per INSERT statement. */
  batchSize?: number;
  /** Statements running at once (each on its own connection: the pool must allow as many). */
  concurrency?: number;
  onProgress?: (module: BulkModule, done: number, total: number) => void;
};

export type BulkSeedResult = { ownerId: string; counts: Record<BulkModule, number>; ms: number };

/** How N records split between the modules. */
export function bulkCounts(records: number): Record<BulkModule, number> {
  const accounts = records > 0 ? Math.max(1, Math.floor(records / 20)) : 0;
  const contacts = Math.min(Math.floor(records / 2), records - accounts);
  const rest = records - accounts - contacts;
  const deals = Math.floor(rest / 2);
  return { accounts, contacts, deals, cases: rest - deals };
}

const words = (list: string) => list.trim().split(/\s+/);
const FIRST_NAMES = words(`Alice Bruno Camille Diego Emma Felipe Gabriel Hélène Inès João Karin Lucas Marta Noah Olivia Pablo Quentin Rosa Sofia
  Thomas Ursula Valentina William Xavier Yasmin Zoé Ana Benoît Carla David Elena François Giulia Hugo Isabel Jules Laura Manuel Nina Oscar Paula
  Raphaël Sara Tiago Victor Léa Mateo Beatriz Chloé Daniel`);
const LAST_NAMES = words(`Martin Costa Durand Ruiz García Silva Bernard López Santos Dubois Fernández Oliveira Moreau Martínez Pereira Laurent
  Sánchez Almeida Simon Romero Ferreira Michel Navarro Rodrigues Lefebvre Torres Carvalho Leroy Díaz Gomes Roux Moreno Ribeiro Fournier Jiménez
  Souza Girard Álvarez Lima Bonnet Muñoz Araújo Dupont Castro Barbosa Lambert Ortega Rocha Fontaine Smith Johnson Brown Taylor Wilson Evans Müller
  Schmidt Rossi Bianchi Novak`);
/** An account's name is one word of each list: 51,200 distinct names before numbers are added. */
const COMPANY_PARTS = [
  words('Blue Silver Northern Atlantic Golden Green Bright Iron Pacific Royal Summit Crystal Red Swift Prime Urban Alpine Coastal Eastern Nova'),
  words('Harbor Ridge Valley River Peak Bridge Forge Field Stone Lake Crest Grove Point Bay Works Gate Tower Mill Park Cross'),
  words('Logistics Foods Systems Textiles Energy Health Consulting Retail Motors Labs Media Finance Construction Pharma Software Travel'),
  words('Ltd S.A. GmbH SARL Ltda. Inc. S.L. B.V.'),
];
const CITIES =
  'Madrid:ES,Barcelona:ES,Sevilla:ES,Paris:FR,Lyon:FR,Marseille:FR,São Paulo:BR,Rio de Janeiro:BR,Lisboa:PT,Porto:PT,London:GB,Manchester:GB,Berlin:DE,München:DE,Milano:IT,Amsterdam:NL,Bruxelles:BE,Ciudad de México:MX,Buenos Aires:AR,Montréal:CA'
    .split(',')
    .map((c) => c.split(':') as [string, string]);
const TITLES = 'CEO,CFO,Head of Sales,Account Manager,Buyer,Office Manager,IT Director,Engineer,Consultant,Marketing Lead,Operations Manager,Analyst'.split(
  ',',
);
const DEPARTMENTS = words('Sales Purchasing Finance IT Operations Marketing Management Support');
const DEAL_KINDS = 'New business,Renewal,Expansion,Upgrade,Pilot,Support plan,Training,Licences'.split(',');
const CASE_SUBJECTS = [
  'Cannot sign in to the portal',
  'Invoice amount is wrong',
  'Delivery arrived damaged',
  'Request for a refund',
  'Password reset email not received',
  'Product stopped working',
  'Question about my contract',
  'Change of billing address',
  'Missing items in my order',
  'Export fails with an error',
  'How do I add a user?',
  'Update payment details',
  'Slow loading of reports',
  'Duplicate charge on my card',
  'Warranty claim',
  'Cancel my subscription',
  'Wrong language in emails',
  'Shipping delay',
  'Data correction request',
  'Access for a new colleague',
];

/** "Hélène" → "helene", "S.A." → "s-a": names as they appear in email and web addresses. */
function slug(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

type Sql = RawBuilder<unknown>;

// The row number: generate_series's column in the innermost query, carried outwards under the same name.
const n = sql`n`;
/** A stable pseudo-random integer in [0, 2^31) for a row; each salt gives an independent spread. */
const hash = (of: Sql, salt: number) => sql`(hashint8extended((${of})::bigint, ${sql.lit(salt)}) & 2147483647)`;
/** 1…count, picked by row. */
const oneOf = (count: number, salt: number, of: Sql = n) => sql`(1 + ${hash(of, salt)} % ${sql.lit(Math.max(count, 1))})`;
const item = (values: string[], index: Sql) => sql`(${values}::text[])[(${index})::int]`;
/** One of the values, picked by row; NULL when there are none. */
const pick = (values: string[], salt: number, of: Sql = n) => (values.length ? item(values, oneOf(values.length, salt, of)) : sql`null::text`);
const chance = (percent: number, salt: number) => sql`(${hash(n, salt)} % 100 < ${sql.lit(percent)})`;

/** Picklist values the field offers today (an admin may have changed them). */
function picklist(meta: ModuleMeta, name: string): string[] {
  return meta.byName.get(name)?.options.values?.map((v) => v.value) ?? [];
}

/** Row i of a module gets an id computed from the run and i, so lookups can point at it without reading it back. */
function recordId(run: string, module: BulkModule, i: Sql) {
  return sql`overlay(overlay(md5(${`${run}:${module}:`}::text || (${i})::text) placing '4' from 13) placing '8' from 17)::uuid`;
}

/** The account of row i, named (or slugged) from its number: distinct names up to 51,200 accounts, numbered beyond. */
function company(i: Sql, form: 'name' | 'slug') {
  const k = sql`((${i}) - 1)`;
  let span = 1;
  const parts = COMPANY_PARTS.map((list) => {
    const part = item(form === 'name' ? list : list.map(slug), sql`1 + ${k} / ${sql.lit(span)} % ${sql.lit(list.length)}`);
    span *= list.length;
    return part;
  });
  const number = sql`case when ${k} >= ${sql.lit(span)} then (${k} / ${sql.lit(span)} + 1)::text end`;
  return sql`concat_ws(${form === 'name' ? ' ' : '-'}::text, ${sql.join([...parts, number])})`;
}

/**
 * How one module's rows are made: `columns` from the row number `n`; the
 * display name and each field's value (by api_name) from those columns, read
 * as `s.<column>`.
 */
type ModulePlan = { columns: Record<string, Sql>; name: Sql; data: Record<string, Sql> };

function modulePlans(run: string, counts: Record<BulkModule, number>, metas: Record<BulkModule, ModuleMeta>): Record<BulkModule, ModulePlan> {
  const created = sql`now() - (${hash(n, 1)} % ${sql.lit(3 * 365 * 86_400)}) * interval '1 second'`;
  const city = (salt: number) => oneOf(CITIES.length, salt);
  const cityName = item(
    CITIES.map((c) => c[0]),
    sql`s.city`,
  );
  const country = item(
    CITIES.map((c) => c[1]),
    sql`s.city`,
  );
  const phone = (prefix: string, salt: number) => sql`${prefix}::text || lpad((${hash(n, salt)} % 100000000)::text, 8, '0')`;
  // A contact works at one account; its deals and cases are with that account.
  const accountOf = (contact: Sql) => oneOf(counts.accounts, 11, contact);
  const withContacts = counts.contacts > 0;
  const ref = (module: BulkModule, i: Sql) => (withContacts ? recordId(run, module, i) : sql`null::uuid`);
  return {
    accounts: {
      columns: { name: company(n, 'name'), slug: company(n, 'slug'), city: city(2), employees: sql`5 + ${hash(n, 3)} % 5000`, created },
      name: sql`s.name`,
      data: {
        name: sql`s.name`,
        website: sql`'https://' || s.slug || '.example'`,
        phone: phone('+34 9', 4),
        industry: pick(picklist(metas.accounts, 'industry'), 5),
        account_type: pick(picklist(metas.accounts, 'account_type'), 6),
        employees: sql`s.employees`,
        annual_revenue: sql`s.employees * 85000`,
        billing_city: cityName,
        billing_country: country,
        description: sql`null::text`,
      },
    },
    contacts: {
      columns: {
        first: pick(FIRST_NAMES, 2),
        last: pick(LAST_NAMES, 3),
        email: sql`${pick(FIRST_NAMES.map(slug), 2)} || '.' || ${pick(LAST_NAMES.map(slug), 3)} || '@' || ${company(accountOf(n), 'slug')} || '.example'`,
        account: accountOf(n),
        city: city(4),
        created,
      },
      name: sql`s.first || ' ' || s.last`,
      data: {
        first_name: sql`s.first`,
        last_name: sql`s.last`,
        email: sql`s.email`,
        phone: phone('+33 6 ', 5),
        mobile: sql`case when ${chance(40, 6)} then ${phone('+34 6', 7)} end`,
        title: pick(TITLES, 8),
        department: pick(DEPARTMENTS, 9),
        account: recordId(run, 'accounts', sql`s.account`),
        language: pick(picklist(metas.contacts, 'language'), 10),
        mailing_city: cityName,
        mailing_country: country,
        processing_basis: pick(picklist(metas.contacts, 'processing_basis'), 12),
        consent_status: pick(picklist(metas.contacts, 'consent_status'), 13),
        stop_processing: sql`false`,
      },
    },
    deals: {
      columns: { kind: pick(DEAL_KINDS, 2), contact: oneOf(counts.contacts, 21), created },
      name: sql`s.kind || ' · ' || ${company(accountOf(sql`s.contact`), 'name')}`,
      data: {
        name: sql`s.kind || ' · ' || ${company(accountOf(sql`s.contact`), 'name')}`,
        account: ref('accounts', accountOf(sql`s.contact`)),
        contact: ref('contacts', sql`s.contact`),
        amount: sql`500 + ${hash(n, 22)} % 200000`,
        stage: pick(picklist(metas.deals, 'stage'), 23),
        closing_date: sql`to_char(s.created + (${hash(n, 24)} % 180) * interval '1 day', 'YYYY-MM-DD')`,
        probability: sql`(${hash(n, 25)} % 11) * 10`,
        description: sql`null::text`,
      },
    },
    cases: {
      columns: { subject: pick(CASE_SUBJECTS, 2), contact: oneOf(counts.contacts, 31), created },
      name: sql`s.subject`,
      data: {
        subject: sql`s.subject`,
        description: sql`'Reported by phone. ' || s.subject`,
        priority: pick(picklist(metas.cases, 'priority'), 32),
        status: pick(picklist(metas.cases, 'status'), 33),
        contact: ref('contacts', sql`s.contact`),
        account: ref('accounts', accountOf(sql`s.contact`)),
        resolution: sql`null::text`,
      },
    },
  };
}

const SEARCHABLE = ['text', 'email', 'phone', 'url'];

/**
 * One statement for rows lo…hi of a module: the records, and the record_refs of
 * their lookups. Only fields the module still has are written, stored as the
 * record pages store them (display name from the name fields, search vector of
 * the name and text fields). `offset 0` keeps each level a separate step, so
 * every value is computed once however often the next level reads it.
 */
function insertBatch(meta: ModuleMeta, plan: ModulePlan, run: string, module: BulkModule, ownerId: string, lo: number, hi: number) {
  const live = meta.fields.filter((f) => f.api_name in plan.data);
  const col = (apiName: string) => sql.ref(`v.f_${apiName}`);
  const columns = Object.entries(plan.columns).map(([name, expr]) => sql`${expr} as ${sql.ref(name)}`);
  const values = live.map((f) => sql`${plan.data[f.api_name]} as ${sql.ref(`f_${f.api_name}`)}`);
  const data = live.flatMap((f) => [sql`${f.api_name}::text`, col(f.api_name)]);
  const searchable = live.filter((f) => SEARCHABLE.includes(f.type)).map((f) => col(f.api_name));
  const insert = sql`insert into records (id, module_id, owner_id, layout_id, data, display_name, search, created_by_staff_id, created_at, updated_at, deleted_at)
    select v.id, ${meta.module.id}::uuid, ${ownerId}::uuid, ${meta.defaultLayout?.id ?? null}::uuid,
      jsonb_build_object(${sql.join(data)}), v.display_name,
      to_tsvector('simple', left(concat_ws(' ', ${sql.join([sql`v.display_name`, ...searchable])}), 10000)),
      ${ownerId}::uuid, v.created, least(now(), v.created + (${hash(n, 91)} % 60) * interval '1 day'),
      case when ${chance(1, 90)} then v.created + interval '1 day' end
    from (
      select s.n, s.id, s.created, left(${plan.name}, 500) as display_name ${values.length ? sql`, ${sql.join(values)}` : sql``}
      from (
        select n, ${recordId(run, module, n)} as id, ${sql.join(columns)}
        from generate_series(${sql.lit(lo)}::bigint, ${sql.lit(hi)}::bigint) as g(n)
        offset 0
      ) s
      offset 0
    ) v`;
  const lookups = live.filter((f) => f.type === 'lookup');
  if (lookups.length === 0) return insert;
  return sql`with inserted as (${insert} returning id, data)
    insert into record_refs (field_id, target_id, record_id)
    select f.field_id, (inserted.data->>f.name)::uuid, inserted.id
    from inserted cross join (values ${sql.join(lookups.map((f) => sql`(${f.id}::uuid, ${f.api_name}::text)`))}) as f(field_id, name)
    where inserted.data->>f.name is not null`;
}

/** An active administrator to own the records: the first one, or the demo organization's on an empty database. */
export async function bulkOwner(db: Database): Promise<string> {
  const find = () =>
    db
      .selectFrom('staff_users')
      .innerJoin('profiles', 'profiles.id', 'staff_users.profile_id')
      .select('staff_users.id')
      .where('profiles.is_admin', '=', true)
      .where('staff_users.active', '=', true)
      .orderBy('staff_users.created_at')
      .limit(1)
      .executeTakeFirst();
  const found = (await find()) ?? ((await seedDemo(db)).seeded ? await find() : undefined);
  if (!found) throw new Error('This database has staff users but no active administrator to own the generated records.');
  return found.id;
}

/**
 * Adds `records` generated records (accounts, contacts, deals, cases) with
 * their lookups mirrored in record_refs, then refreshes the planner's
 * statistics. Each batch commits on its own.
 */
export async function bulkSeed(db: Database, opts: BulkSeedOptions): Promise<BulkSeedResult> {
  if (!Number.isInteger(opts.records) || opts.records < 1 || opts.records > BULK_MAX_RECORDS) {
    throw new RangeError(`records must be a whole number from 1 to ${BULK_MAX_RECORDS}`);
  }
  const started = performance.now();
  const batchSize = opts.batchSize ?? 100_000;
  const ownerId = await bulkOwner(db);
  const counts = bulkCounts(opts.records);
  const metas = {} as Record<BulkModule, ModuleMeta>;
  for (const name of BULK_MODULES) {
    const meta = await loadModuleMeta(db, name);
    if (!meta) throw new Error(`module ${name} missing: run the migrations first`);
    metas[name] = meta;
  }
  const run = randomBytes(8).toString('hex');
  const plans = modulePlans(run, counts, metas);
  // Rows point at each other only through computed ids, so batches may run in any order, side by side.
  const batches = BULK_MODULES.flatMap((name) =>
    Array.from({ length: Math.ceil(counts[name] / batchSize) }, (_, i) => ({ name, lo: i * batchSize + 1, hi: Math.min(counts[name], (i + 1) * batchSize) })),
  );
  const done = Object.fromEntries(BULK_MODULES.map((m) => [m, 0])) as Record<BulkModule, number>;
  let failed = false;
  const worker = async () => {
    for (let batch = batches.shift(); batch && !failed; batch = batches.shift()) {
      const { name, lo, hi } = batch;
      try {
        await db.transaction().execute(async (trx) => {
          // A batch outlasts the pool's statement timeout, which is meant for requests; a larger
          // pending list and more memory let the GIN indexes take their entries in fewer, bigger merges.
          await sql`set local statement_timeout = 0`.execute(trx);
          await sql`set local work_mem = '64MB'`.execute(trx);
          await sql`set local gin_pending_list_limit = '32MB'`.execute(trx);
          await insertBatch(metas[name], plans[name], run, name, ownerId, lo, hi).execute(trx);
        });
      } catch (err) {
        failed = true;
        throw err;
      }
      done[name] += hi - lo + 1;
      opts.onProgress?.(name, done[name], counts[name]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 2) }, worker));
  await db.connection().execute(async (conn) => {
    await sql`set statement_timeout = 0`.execute(conn);
    try {
      // VACUUM also merges the GIN indexes' pending lists and marks pages all-visible for index-only scans.
      await sql`vacuum (analyze) records, record_refs`.execute(conn);
    } finally {
      await sql`reset statement_timeout`.execute(conn);
    }
  });
  return { ownerId, counts, ms: Math.round(performance.now() - started) };
}

export type DataSize = { records: number; refs: number; byModule: Record<string, number>; postgres: string };

/** How much there is to query: records per module (recycle bin included) and lookup references. */
export async function dataSize(db: Database): Promise<DataSize> {
  // UNSCOPED READ: counts only, per module, for the operator tools' reports (bench, load); no request reaches it.
  const rows = await db
    .selectFrom('records')
    .innerJoin('modules', 'modules.id', 'records.module_id')
    .select(['modules.api_name', (eb) => eb.fn.countAll<string>().as('n')])
    .groupBy('modules.api_name')
    .execute();
  const refs = await db
    .selectFrom('record_refs')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  const version = await sql<{ server_version: string }>`show server_version`.execute(db);
  const byModule = Object.fromEntries(rows.map((r) => [r.api_name, Number(r.n)]));
  return {
    records: Object.values(byModule).reduce((a, b) => a + b, 0),
    refs: Number(refs.n),
    byModule,
    postgres: version.rows[0]?.server_version ?? 'unknown',
  };
}
