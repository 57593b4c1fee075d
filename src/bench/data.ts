import { findSessionStaff, type SignedInStaff } from '../auth/staff.js';
import { GROWING_TABLES, listQueryPlans, listSamples, planOutline } from '../crm/list-plans.js';
import { type Database, type DatabaseHandle, openDatabase } from '../db/database.js';
import type { EmbeddedPostgres } from '../db/embedded.js';
import { migrateToLatest } from '../db/migrate.js';
import { bulkOwner, bulkSeed, dataSize } from './bulk-seed.js';
import { type BenchPortal, benchSession, MEASURED_CASES, seedBenchPortal } from './portal-data.js';
import { type BenchRun, fmt, ms, type Say } from './report.js';
import { withClient } from './setup.js';

// The bench's data on its own server: the large database (records, portal,
// notes, files) and a small one for how costs grow, generated where they lack
// something and reused otherwise; the sessions the measured requests carry,
// the samples their paths name, and the plans of the list statements.

export type BenchData = Awaited<ReturnType<typeof ensureData>>;

export type Tokens = { portal: string; submitter: string; staff: string; smallPortal: string; smallStaff: string };

export type Prepared = {
  big: BenchData;
  little: BenchData;
  smallUrl: string;
  tokens: Tokens;
  samples: Awaited<ReturnType<typeof listSamples>>;
  smallSamples: Awaited<ReturnType<typeof listSamples>>;
};

function databaseUrl(serverUrl: string, name: string) {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** The second active user of the first type: submits cases, so the measured user's list stays as it is. */
async function submitter(db: Database, portal: BenchPortal): Promise<string> {
  const row = await db
    .selectFrom('portal_users')
    .select('id')
    .where('user_type_id', '=', portal.measured.typeId)
    .where('id', '!=', portal.measured.userId)
    .orderBy('email')
    .limit(1)
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Generates what the data set lacks; returns the portal. */
async function ensureData(db: Database, records: number, portalUsers: number | undefined, say: Say) {
  await migrateToLatest(db);
  const before = await dataSize(db);
  let seeded = `reused (${fmt(before.records)} records)`;
  if (before.records < records) {
    const missing = records - before.records;
    say(`Generating ${fmt(missing)} records (once; later runs reuse them)…`);
    const result = await bulkSeed(db, { records: missing });
    seeded = `${fmt(missing)} records generated in ${(result.ms / 1000).toFixed(1)} s`;
  }
  const ownerId = await bulkOwner(db);
  const started = performance.now();
  const portal = await seedBenchPortal(db, ownerId, portalUsers);
  return { ownerId, portal, seeded, portalSeconds: (performance.now() - started) / 1000, size: await dataSize(db) };
}

/** What the data holds, in the report and on the terminal. */
function describeData({ report, say }: BenchRun, big: BenchData, little: BenchData, embedded: EmbeddedPostgres | undefined) {
  report.postgres = big.size.postgres;
  report.data = {
    records: big.size.records,
    byModule: big.size.byModule,
    lookupReferences: big.size.refs,
    portalUsers: big.portal.users,
    userTypes: big.portal.types.map((t) => t.name),
    notes: big.portal.notes,
    attachments: big.portal.attachments,
    measuredUserCases: MEASURED_CASES,
    seeded: big.seeded,
  };
  say(`Database: PostgreSQL ${report.postgres}, ${embedded ? `embedded in ${embedded.dataDir}` : 'BENCH_DATABASE_URL'}`);
  say(
    `Data: ${fmt(big.size.records)} records (${Object.entries(big.size.byModule)
      .map(([m, n]) => `${fmt(n)} ${m}`)
      .join(', ')}), ${fmt(big.size.refs)} lookup references; ${big.seeded}`,
  );
  say(
    `      ${fmt(big.portal.users)} portal users over ${big.portal.types.length} user types (${big.portal.types.map((t) => t.name).join(', ')}), ${fmt(big.portal.notes)} notes, ${fmt(big.portal.attachments)} files (portal data checked in ${big.portalSeconds.toFixed(1)} s)`,
  );
  say(`      and a second database of ${fmt(little.size.records)} records and ${fmt(little.portal.users)} portal users, for how costs grow`);
}

/** EXPLAIN ANALYZE of the list functions' statements: a sequential read of a growing table is a failure. */
async function checkPlans({ report, say, fail }: BenchRun, handle: DatabaseHandle, staff: SignedInStaff) {
  say();
  say('Query plans (EXPLAIN ANALYZE of the statements the list, search, related-list and lookup functions send, as an administrator):');
  const plans = await listQueryPlans(handle, staff, { analyze: true });
  const width = Math.max(...plans.map((p) => p.label.length));
  for (const p of plans) {
    const seq = p.seqScans.filter((t) => GROWING_TABLES.includes(t));
    report.plans.push({ label: p.label, ms: p.executionMs, seqScans: seq });
    say(`  ${seq.length ? 'SEQ ' : 'ok  '} ${ms(p.executionMs).padStart(6)} ms  ${p.label.padEnd(width)}  ${planOutline(p.plan)}`);
    if (seq.length) fail(`${p.label}: sequential scan of ${seq.join(', ')}`);
  }
}

/** Both databases ready and described, their sessions and samples taken, the plans checked on the large one. */
export async function prepareData(
  run: BenchRun,
  opts: { url: string; poolMax: number; embedded: EmbeddedPostgres | undefined; records: number; smallRecords: number; smallDb: string },
): Promise<Prepared> {
  const { url, smallDb } = opts;
  const smallUrl = databaseUrl(url, smallDb);
  await withClient(url, async (c) => {
    if ((await c.query('select 1 from pg_database where datname = $1', [smallDb])).rowCount === 0) await c.query(`create database ${smallDb}`);
  });
  const handle = openDatabase(url, opts.poolMax);
  const small = openDatabase(smallUrl, 4);
  const { db } = handle;
  try {
    const big = await ensureData(db, opts.records, undefined, run.say);
    const little = await ensureData(small.db, opts.smallRecords, 500, run.say);
    describeData(run, big, little, opts.embedded);
    const staff = await benchSession(db, { kind: 'staff', id: big.ownerId });
    const signedIn = await findSessionStaff(db, staff, 30);
    if (!signedIn) throw new Error('the bench session was not accepted');
    const tokens: Tokens = {
      portal: await benchSession(db, { kind: 'portal', id: big.portal.measured.userId }),
      submitter: await benchSession(db, { kind: 'portal', id: await submitter(db, big.portal) }),
      staff,
      smallPortal: await benchSession(small.db, { kind: 'portal', id: little.portal.measured.userId }),
      smallStaff: await benchSession(small.db, { kind: 'staff', id: little.ownerId }),
    };
    const samples = await listSamples(db);
    const smallSamples = await listSamples(small.db);
    await checkPlans(run, handle, signedIn.staff);
    return { big, little, smallUrl, tokens, samples, smallSamples };
  } finally {
    await small.close();
    await handle.close();
  }
}
