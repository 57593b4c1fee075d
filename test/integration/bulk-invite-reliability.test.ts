import { type ChildProcess, spawn } from 'node:child_process';
import { sql } from 'kysely';
import { PgBoss } from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUES } from '../../src/jobs/queues.js';
import { projectRoot } from '../../src/paths.js';
import { createPortal } from '../../src/portals/portals.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme, seedAcme } from '../support/fixtures.js';
import { startSmtp, type TestSmtp } from '../support/smtp.js';
import { waitFor } from '../support/wait.js';

// A worker process killed in the middle of a 2,000-record batch, and another
// started after it: every record still ends with exactly one result, and every
// invitation sent reaches the mail server exactly once.

const RECORDS = 2000;

let t: TestApp;
let smtp: TestSmtp;
let ana: BrowserClient;
let supervisor: PgBoss;
let portalId: string;
let typeId: string;
const workers: ChildProcess[] = [];

type Worker = { process: ChildProcess; output: () => string; exited: Promise<number | null> };

function startWorker(): Worker {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/worker.ts'], {
    cwd: projectRoot,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      DATABASE_URL: t.database.url,
      BASE_URL: 'http://porta.test',
      SMTP_URL: smtp.url,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  workers.push(child);
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { process: child, output: () => output, exited };
}

const ready = (w: Worker) => waitFor(() => w.output().includes('"msg":"Porta worker running"'), { timeoutMs: 30_000, intervalMs: 100 });

/** Invitation jobs a worker has fetched and not settled. */
async function claimed() {
  const { rows } = await sql<{ n: string }>`select count(*) as n from pgboss.job where name = 'invite.record' and state = 'active'`.execute(t.db);
  return Number(rows[0]?.n ?? 0);
}

/** No other connection to this database is running a statement (a frozen worker's open transaction is idle). */
async function statementsSettled() {
  const { rows } = await sql<{ n: string }>`
    select count(*) as n from pg_stat_activity
    where datname = current_database() and state = 'active' and pid <> pg_backend_pid()`.execute(t.db);
  return Number(rows[0]?.n ?? 0) === 0;
}

const resultCount = async (batchId: string) =>
  Number(
    (
      await t.db
        .selectFrom('invitation_results')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('batch_id', '=', batchId)
        .executeTakeFirstOrThrow()
    ).n,
  );

beforeAll(async () => {
  smtp = await startSmtp();
  t = await startTestApp();
  const anaId = (await seedAcme(t.db)).admin.id;
  ana = browserClient(t.app);
  await ana.post('/admin/login', { email: acme.admin.email, password: acme.admin.password });
  const created = await createPortal(t.db, { kind: 'staff', id: anaId }, { name: 'Acme Care' });
  if (!created.ok) throw new Error('portal not created');
  portalId = created.portal.id;
  typeId = (await t.db.selectFrom('portal_user_types').select('id').where('portal_id', '=', portalId).executeTakeFirstOrThrow()).id;
  const contacts = await t.db.selectFrom('modules').select('id').where('api_name', '=', 'contacts').executeTakeFirstOrThrow();
  const layout = await t.db.selectFrom('layouts').select('id').where('module_id', '=', contacts.id).orderBy('position').executeTakeFirstOrThrow();
  // One in five is valid; the rest fail for a reason of their own.
  const domains = ['globex.example', 'mailinator.com', 'acme.example', 'initech.example', 'mailinator.com'];
  const rows = Array.from({ length: RECORDS }, (_, i) => ({
    module_id: contacts.id,
    layout_id: layout.id,
    owner_id: anaId,
    created_by_staff_id: anaId,
    data: JSON.stringify({ last_name: `Crash ${i}`, email: i % 5 === 3 ? `crásh${i}@${domains[3]}` : `crash${i}@${domains[i % 5]}` }),
    display_name: `Crash ${String(i).padStart(4, '0')}`,
  }));
  for (let i = 0; i < rows.length; i += 500)
    await t.db
      .insertInto('records')
      .values(rows.slice(i, i + 500))
      .execute();
  // pg-boss's supervisor requeues the jobs of a worker whose heartbeat stopped.
  // Workers run it once a minute; here it runs every second so the test does not wait a minute for it.
  supervisor = new PgBoss({
    connectionString: t.database.url,
    supervise: true,
    schedule: false,
    migrate: false,
    superviseIntervalSeconds: 1,
    monitorIntervalSeconds: 1,
  });
  supervisor.on('error', () => {});
  await supervisor.start();
}, 60_000);

afterAll(async () => {
  for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
  await supervisor?.stop({ graceful: false, close: true });
  await t?.close();
  await smtp?.close();
});

describe('a worker killed in the middle of a batch', () => {
  it('loses and duplicates nothing: one result per record, one email per invitation sent', { timeout: 240_000 }, async () => {
    // While the first worker runs, the mail server turns every message away (451, try later): the kill
    // cannot then land between the server accepting a message and the outbox recording it, the one gap
    // at-least-once delivery admits (see deliverOutboxEmail). Refused messages are tried again later.
    smtp.failNext(Number.MAX_SAFE_INTEGER);
    const first = startWorker();
    await ready(first);
    // Refused messages are tried again every 10 s, six times: after the second worker is up, well within their attempts.
    // (A delivery claimed by the killed worker is requeued after 30 s rather than the usual 120 s.)
    await t.boss.updateQueue(QUEUES.mailDeliver, { retryDelay: 10, retryBackoff: false, expireInSeconds: 30 });

    const res = await ana.post(`/admin/settings/portals/${portalId}/invite`, { type: typeId, q: '', all: '1', mode: 'send' });
    expect(res.status).toBe(303);
    const batchId = /\/batches\/([0-9a-f-]{36})$/.exec(res.headers.get('location') ?? '')?.[1] as string;
    expect((await t.db.selectFrom('invitation_batches').select('total').where('id', '=', batchId).executeTakeFirstOrThrow()).total).toBe(RECORDS);

    // Killed with some results in and jobs in its hands, so some of its work is lost mid-transaction.
    // The worker is frozen first (SIGSTOP) so that "jobs in its hands" is still true when the kill lands;
    // if it froze between two fetches, it is let go and frozen again a moment later.
    for (let tries = 0; ; tries++) {
      await waitFor(async () => (await resultCount(batchId)) >= RECORDS / 5 && (await claimed()) > 0, { timeoutMs: 60_000, intervalMs: 20 });
      first.process.kill('SIGSTOP');
      // A statement the worker sent just before freezing (completing its jobs) still runs in PostgreSQL:
      // count what it holds only once that has settled, or the count can drop to 0 right after.
      await waitFor(statementsSettled, { timeoutMs: 5_000, intervalMs: 20 }).catch(() => {});
      if ((await claimed()) > 0 || tries >= 50) break;
      first.process.kill('SIGCONT');
    }
    first.process.kill('SIGKILL');
    await first.exited;
    const atKill = await resultCount(batchId);
    expect(atKill).toBeGreaterThan(0);
    expect(atKill).toBeLessThan(RECORDS);
    // Jobs the dead worker held stay claimed by it until their heartbeat is missed.
    expect(await claimed()).toBeGreaterThan(0);

    smtp.failNext(0);
    const second = startWorker();
    await ready(second);
    await waitFor(
      async () => (await t.db.selectFrom('invitation_batches').select('status').where('id', '=', batchId).executeTakeFirstOrThrow()).status === 'done',
      { timeoutMs: 120_000, intervalMs: 200 },
    );

    const results = await t.db.selectFrom('invitation_results').select(['record_id', 'outcome', 'reason']).where('batch_id', '=', batchId).execute();
    expect(results).toHaveLength(RECORDS);
    expect(new Set(results.map((r) => r.record_id)).size).toBe(RECORDS);
    const sent = results.filter((r) => r.outcome === 'sent');
    expect(sent).toHaveLength(RECORDS / 5);
    const reasons = Object.fromEntries(
      ['disposable_domain', 'company_domain', 'invalid_characters'].map((k) => [k, results.filter((r) => r.reason === k).length]),
    );
    expect(reasons).toEqual({ disposable_domain: 800, company_domain: 400, invalid_characters: 400 });

    const users = await t.db
      .selectFrom('portal_users')
      .select(['record_id', 'email'])
      .where(
        'record_id',
        'in',
        sent.map((r) => r.record_id),
      )
      .execute();
    expect(users).toHaveLength(sent.length);
    const outbox = await t.db.selectFrom('email_outbox').select(['to_address', 'status']).execute();
    expect(outbox).toHaveLength(sent.length);

    // Every invitation reaches the mail server, once.
    await waitFor(() => smtp.received.length >= sent.length, { timeoutMs: 120_000, intervalMs: 200 });
    await waitFor(async () => (await t.db.selectFrom('email_outbox').select('id').where('status', '!=', 'sent').execute()).length === 0, {
      timeoutMs: 30_000,
    });
    const perAddress = new Map<string, number>();
    for (const m of smtp.received) for (const to of m.to) perAddress.set(to, (perAddress.get(to) ?? 0) + 1);
    expect(perAddress.size).toBe(sent.length);
    expect([...perAddress.values()].every((n) => n === 1)).toBe(true);
    expect(smtp.received).toHaveLength(sent.length);
    expect([...perAddress.keys()].sort()).toEqual(users.map((u) => u.email).sort());

    second.process.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});
