import { CompiledQuery, Kysely, PostgresDialect, sql } from 'kysely';
import type pg from 'pg';
import type { SignedInStaff } from '../auth/staff.js';
import type { Database } from '../db/database.js';
import type { DB } from '../db/schema.js';
import { listRecords } from './list.js';
import { lookupNames } from './lookups.js';
import { loadModuleMeta, type ModuleMeta } from './metadata.js';
import { recordSurroundings } from './record-page.js';
import { type RecordData, validateRecordInput } from './records.js';
import { staffRecordScope } from './staff-access.js';

// The plans PostgreSQL chooses for the queries behind record lists, related
// lists and lookups. The SQL is not written out here: the real domain
// functions run against a connection that records what they send, and each
// statement is then EXPLAINed with its own parameters, so the plans are those
// of the queries the pages issue.

/** A node of EXPLAIN (FORMAT JSON) output. */
export type PlanNode = {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Alias?: string;
  Plans?: PlanNode[];
  [key: string]: unknown;
};

export type QueryPlan = {
  label: string;
  sql: string;
  parameters: readonly unknown[];
  plan: PlanNode;
  /** Tables read from start to end. */
  seqScans: string[];
  /** Indexes the plan reads. */
  indexes: string[];
  /** With `analyze`: how long the statement ran, in ms. */
  executionMs: number | undefined;
};

/** The tables that grow with the records: a sequential scan of either is what must never happen. */
export const GROWING_TABLES = ['records', 'record_refs'];

export function planNodes(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(planNodes)];
}

/** "Limit → Index Scan using records_module_name_idx on records": the first few steps of a plan. */
export function planOutline(node: PlanNode, depth = 3): string {
  const steps: string[] = [];
  let current: PlanNode | undefined = node;
  while (current && steps.length < depth) {
    const on = current['Relation Name'] ? ` on ${current['Relation Name']}` : '';
    const using = current['Index Name'] ? ` using ${current['Index Name']}` : '';
    const children: PlanNode[] = current.Plans ?? [];
    steps.push(`${current['Node Type']}${using}${on}${children.length > 1 ? ` (${children.length} inputs)` : ''}`);
    current = children.length === 1 ? children[0] : undefined;
  }
  return steps.join(' → ');
}

export type ListSamples = {
  accountId: string;
  accountName: string;
  /** The start of a contact's surname: matches spread through the name order. */
  contactWord: string;
  /** The first name of the contact that sorts last: every match sits at the end of the name order. */
  lateWord: string;
  caseWord: string;
  status: string;
};

async function moduleMeta(db: Database, name: string): Promise<ModuleMeta> {
  const m = await loadModuleMeta(db, name);
  if (!m) throw new Error(`module ${name} missing: run the migrations first`);
  return m;
}

/** Values to query with, taken from the data: an account that has contacts, a surname to search, a word of a case subject. */
export async function listSamples(db: Database): Promise<ListSamples> {
  const [contacts, cases] = [await moduleMeta(db, 'contacts'), await moduleMeta(db, 'cases')];
  // UNSCOPED READ: operator tool (npm run bench): values to query with, taken from the generated data; no request reaches it.
  const ref = await db
    .selectFrom('record_refs')
    .innerJoin('records', 'records.id', 'record_refs.target_id')
    .select(['records.id', 'records.display_name'])
    .where('record_refs.field_id', '=', contacts.byName.get('account')?.id ?? '')
    .where('records.deleted_at', 'is', null)
    .orderBy('record_refs.target_id')
    .limit(1)
    .executeTakeFirst();
  if (!ref) throw new Error('No contact points at an account: generate records first (npm run seed:bulk).');
  // UNSCOPED READ: operator tool (npm run bench): a surname to search for, from the generated data.
  const contact = await db
    .selectFrom('records')
    .select('data')
    .where('module_id', '=', contacts.module.id)
    .where(sql<boolean>`data ? 'last_name'`)
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
  // UNSCOPED READ: operator tool (npm run bench): the contact that sorts last, from the generated data.
  const last = await db
    .selectFrom('records')
    .select('display_name')
    .where('module_id', '=', contacts.module.id)
    .where('deleted_at', 'is', null)
    .orderBy(sql`lower(display_name)`, 'desc')
    .limit(1)
    .executeTakeFirst();
  // UNSCOPED READ: operator tool (npm run bench): a word of a case subject, from the generated data.
  const aCase = await db.selectFrom('records').select('display_name').where('module_id', '=', cases.module.id).orderBy('id').limit(1).executeTakeFirst();
  const lastName = String((contact?.data as RecordData | undefined)?.last_name ?? 'martin');
  const longest = (text: string) => text.split(/\s+/).reduce((a, b) => (b.length > a.length ? b : a), '');
  return {
    accountId: ref.id,
    accountName: ref.display_name,
    contactWord: lastName.slice(0, 4),
    lateWord: last?.display_name.split(/\s+/)[0] ?? 'zoe',
    caseWord: longest(aCase?.display_name ?? 'refund'),
    status: cases.byName.get('status')?.options.values?.[0]?.value ?? 'open',
  };
}

/**
 * EXPLAINs the statements behind: a module list (name order, newest first,
 * their second pages), a picklist filter with a search, a search, a related
 * list, a lookup typed by name or kept by id, lookup suggestions, and the
 * names of a page's lookups — as the given staff user would run them.
 * `analyze` runs them too and reports their time.
 */
export async function listQueryPlans(handle: { db: Database; pool: pg.Pool }, staff: SignedInStaff, opts: { analyze?: boolean } = {}): Promise<QueryPlan[]> {
  const { db } = handle;
  const [accounts, contacts, cases] = [await moduleMeta(db, 'accounts'), await moduleMeta(db, 'contacts'), await moduleMeta(db, 'cases')];
  const accountField = contacts.byName.get('account');
  if (!accountField) throw new Error('contacts.account is missing');
  const s = await listSamples(db);
  const scope = (m: ModuleMeta) => staffRecordScope(staff, m.module);

  const sent: CompiledQuery[] = [];
  // Shares the pool; never destroyed, since that would end the pool too.
  const recording = new Kysely<DB>({ dialect: new PostgresDialect({ pool: handle.pool }), log: (event) => void sent.push(event.query) });
  const scenarios: [string, (q: Database) => Promise<unknown>][] = [];
  const add = (label: string, run: (q: Database) => Promise<unknown>) => scenarios.push([label, run]);

  const firstPage = await listRecords(db, contacts, scope(contacts), {});
  const newest = await listRecords(db, contacts, scope(contacts), { sort: 'created' });
  add('contacts list, by name', (q) => listRecords(q, contacts, scope(contacts), {}));
  add('contacts list, by name, page 2', (q) => listRecords(q, contacts, scope(contacts), { after: firstPage.next }));
  add('contacts list, newest first', (q) => listRecords(q, contacts, scope(contacts), { sort: 'created' }));
  add('contacts list, newest first, page 2', (q) => listRecords(q, contacts, scope(contacts), { sort: 'created', after: newest.next }));
  add(`contacts search "${s.contactWord}"`, (q) => listRecords(q, contacts, scope(contacts), { q: s.contactWord }));
  add(`contacts search "${s.lateWord}" (sorts last)`, (q) => listRecords(q, contacts, scope(contacts), { q: s.lateWord }));
  add(`cases list, status ${s.status}`, (q) => listRecords(q, cases, scope(cases), { filters: { status: s.status } }));
  add(`cases list, status ${s.status} + search "${s.caseWord}"`, (q) => listRecords(q, cases, scope(cases), { filters: { status: s.status }, q: s.caseWord }));
  // What an account's record page reads around it: notes, files, history and its related contacts with their count.
  add('an account page with its related contacts', (q) =>
    recordSurroundings(
      q,
      { id: s.accountId, module_id: accounts.module.id, owner_id: staff.id },
      { related: [{ field: accountField, scope: scope(contacts) }], privacy: false },
    ),
  );
  add('lookup typed by name', (q) => validateRecordInput(q, contacts, [accountField], { account: { text: s.accountName } }, { timeZone: 'UTC' }));
  add('lookup kept by id', (q) => validateRecordInput(q, contacts, [accountField], { account: { text: s.accountName, id: s.accountId } }, { timeZone: 'UTC' }));
  add(`lookup suggestions "${s.accountName.slice(0, 4)}"`, (q) => listRecords(q, accounts, scope(accounts), { q: s.accountName.slice(0, 4), limit: 10 }));
  add('lookup names of a list page', (q) =>
    lookupNames(
      q,
      firstPage.records.map((r) => (r.data as RecordData).account).filter((v): v is string => typeof v === 'string'),
    ),
  );

  const statements: { label: string; query: CompiledQuery }[] = [];
  for (const [label, run] of scenarios) {
    sent.length = 0;
    await run(recording);
    for (const [i, query] of sent.entries()) statements.push({ label: sent.length > 1 ? `${label} (${i + 1}/${sent.length})` : label, query });
  }

  const plans: QueryPlan[] = [];
  for (const { label, query } of statements) {
    const explain = opts.analyze ? 'explain (analyze, format json)' : 'explain (format json)';
    const result = await db.executeQuery<{ 'QUERY PLAN': [{ Plan: PlanNode; 'Execution Time'?: number }] }>(
      CompiledQuery.raw(`${explain} ${query.sql}`, [...query.parameters]),
    );
    const top = result.rows[0]?.['QUERY PLAN'][0];
    if (!top) throw new Error(`no plan for ${label}`);
    const nodes = planNodes(top.Plan);
    plans.push({
      label,
      sql: query.sql,
      parameters: query.parameters,
      plan: top.Plan,
      seqScans: nodes.filter((n) => n['Node Type'] === 'Seq Scan' && n['Relation Name']).map((n) => n['Relation Name'] as string),
      indexes: [...new Set(nodes.map((n) => n['Index Name']).filter((i): i is string => Boolean(i)))],
      executionMs: top['Execution Time'],
    });
  }
  return plans;
}
