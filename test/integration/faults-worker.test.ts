import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding';
import { sql } from 'kysely';
import nodemailer from 'nodemailer';
import type { PgBoss } from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/cases/reply-tokens.js';
import { createRecord } from '../../src/crm/records.js';
import { QUEUES } from '../../src/jobs/queues.js';
import { saveTabs, tabForm, tabOptions } from '../../src/portals/tabs.js';
import { fileRequest } from '../../src/privacy/requests.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import {
  assertExactlyOnce,
  exactlyOnceProblems,
  killMidWork,
  killStartedProcesses,
  type PortaProcess,
  shortenHeartbeat,
  startPorta,
  startSupervisor,
  transactionOpen,
} from '../support/faults.js';
import { acme } from '../support/fixtures.js';
import { addPortalUser, type PortalWorld, seedPortalWorld } from '../support/portal-world.js';
import { freePort } from '../support/ports.js';
import { waitFor } from '../support/wait.js';

// The process doing background work is killed (SIGKILL, no goodbye) in the
// middle of it, and another takes over: a CSV import, privacy exports, and
// replies to case emails arriving over SMTP. Each item still ends with
// exactly one outcome: no record, row, note or email twice, none missing.
// The web side runs in this process; the worker and the inbound mail
// listener are Porta's own entry points, run as child processes.

let t: TestApp;
let w: PortalWorld;
let ana: BrowserClient;
let supervisor: PgBoss;

const workerEnv = () => ({ DATABASE_URL: t.database.url, BASE_URL: 'http://porta.test' });
async function startWorker(): Promise<PortaProcess> {
  const worker = startPorta('src/worker.ts', workerEnv());
  await worker.logged('Porta worker running');
  return worker;
}
/** The worker doing the jobs now: each test kills it midway and leaves its replacement in charge. */
let inCharge: PortaProcess | undefined;
async function workerInCharge(): Promise<PortaProcess> {
  inCharge ??= await startWorker();
  return inCharge;
}

const jobCount = async (queue: string, states: string[]) =>
  Number((await sql<{ n: string }>`select count(*) as n from pgboss.job where name = ${queue} and state::text = any(${states})`.execute(t.db)).rows[0]?.n ?? 0);
/** Jobs of a queue a worker has fetched and not settled. */
const claimed = (queue: string) => jobCount(queue, ['active']);
/** Jobs of a queue still to run: waiting, waiting to be retried, or in a worker's hands. */
const unsettled = (queue: string) => jobCount(queue, ['created', 'retry', 'active']);

beforeAll(async () => {
  t = await startTestApp();
  w = await seedPortalWorld(t);
  ana = browserClient(t.app);
  expect((await ana.post('/admin/login', { email: acme.admin.email, password: acme.admin.password })).status).toBe(303);
  supervisor = await startSupervisor(t.database.url);
}, 60_000);

afterAll(async () => {
  await killStartedProcesses();
  await supervisor?.stop({ graceful: false, close: true });
  await t?.close();
});

describe('the outcome checker', () => {
  it('reports an item that came out twice, one that never did, and one nobody asked for', () => {
    expect(exactlyOnceProblems(['row 2', 'row 3', 'row 4'], ['row 2', 'row 3', 'row 4'])).toEqual([]);
    expect(exactlyOnceProblems(['row 2', 'row 3', 'row 4'], ['row 2', 'row 4', 'row 4', 'row 9'])).toEqual([
      '1 lost: row 3',
      '1 duplicated: row 4 ×2',
      '1 unexpected: row 9',
    ]);
    expect(() => assertExactlyOnce('rows of the file', ['row 2'], ['row 2', 'row 2'])).toThrow('rows of the file: 1 duplicated: row 2 ×2');
  });
});

describe('a worker killed in the middle of', () => {
  it('a CSV import skipping bad rows: every row of the file is one record or one reported problem', { timeout: 120_000 }, async () => {
    const ROWS = 1500;
    const bad = (i: number) => i % 9 === 0;
    const first = await workerInCharge();
    await shortenHeartbeat(t.boss, QUEUES.csvImport);
    const lines = ['last_name,email'];
    for (let i = 1; i <= ROWS; i++) lines.push(`Row ${i},${bad(i) ? 'not-an-address' : `row${i}@import.example`}`);
    const form = new FormData();
    form.set('file', new File([`${lines.join('\n')}\n`], 'people.csv', { type: 'text/csv' }));
    const uploaded = await ana.request('/admin/m/contacts/import', { method: 'POST', body: form });
    expect(uploaded.status).toBe(303);
    const id = /\/import\/([0-9a-f-]{36})/.exec(uploaded.headers.get('Location') ?? '')?.[1] as string;
    const url = `/admin/m/contacts/import/${id}`;
    const fieldId = (name: string) => w.contacts.fields.find((f) => f.api_name === name)?.id as string;
    expect((await ana.post(`${url}/mapping`, { 'col-0': fieldId('last_name'), 'col-1': fieldId('email') })).status).toBe(303);
    expect((await ana.post(`${url}/start`, { skip: 'on' })).status).toBe(303);

    // Killed with some batches committed and the next one half written.
    const progress = () => t.db.selectFrom('imports').select(['status', 'processed_rows']).where('id', '=', id).executeTakeFirstOrThrow();
    await killMidWork(first, t.db, async () => {
      const p = await progress();
      return p.status === 'running' && p.processed_rows > 0 && (await claimed(QUEUES.csvImport)) > 0 && (await transactionOpen(t.db, first));
    });
    const atKill = await progress();
    expect(atKill.processed_rows).toBeGreaterThan(0);
    expect(atKill.processed_rows).toBeLessThan(ROWS);
    // The dead worker's job stays claimed by it until its heartbeat is missed.
    expect(await claimed(QUEUES.csvImport)).toBe(1);

    inCharge = await startWorker();
    await waitFor(async () => (await progress()).status === 'done', { timeoutMs: 60_000, intervalMs: 200 });
    await waitFor(async () => (await unsettled(QUEUES.csvImport)) === 0, { timeoutMs: 30_000, intervalMs: 200 });

    const records = await t.db.selectFrom('records').select('display_name').where('display_name', 'like', 'Row %').execute();
    const done = await t.db.selectFrom('imports').select(['processed_rows', 'imported_rows', 'row_errors']).where('id', '=', id).executeTakeFirstOrThrow();
    // Rows are numbered as lines of the file: the header is line 1, so "Row i" is on line i + 1.
    assertExactlyOnce(
      'rows of the file',
      Array.from({ length: ROWS }, (_, i) => `row ${i + 2}`),
      [...records.map((r) => `row ${Number(r.display_name.slice(4)) + 1}`), ...done.row_errors.map((p) => `row ${p.row}`)],
    );
    expect(done.row_errors.every((p) => bad(p.row - 1))).toBe(true);
    expect(done).toMatchObject({ processed_rows: ROWS, imported_rows: records.length });
  });

  it('privacy exports: each request is completed once, with one archive and one email to its person', { timeout: 120_000 }, async () => {
    const first = await workerInCharge();
    await shortenHeartbeat(t.boss, QUEUES.privacyWork);
    const requests: { id: string; email: string }[] = [];
    for (let i = 0; i < 4; i++) {
      const data = { first_name: 'Export', last_name: `Person ${i}`, email: `export${i}@privacy.example` };
      const record = await createRecord(t.db, w.staff, w.contacts, { data, layoutId: w.contacts.defaultLayout?.id ?? null, ownerId: w.adminId });
      const requester = { kind: 'staff' as const, id: w.adminId };
      const filed = await fileRequest(t.db, { boss: t.boss, baseUrl: 'http://porta.test' }, { recordId: record.id, kind: 'export', details: '', requester });
      if (!filed.ok) throw new Error(`request not filed: ${filed.problem}`);
      requests.push({ id: filed.request.id, email: data.email });
    }
    // Staff complete each request: its archive is built by a job.
    for (const r of requests) {
      const { version } = await t.db.selectFrom('privacy_requests').select('version').where('id', '=', r.id).executeTakeFirstOrThrow();
      expect((await ana.post(`/admin/privacy/requests/${r.id}/complete`, { version: String(version) })).status).toBe(303);
    }
    const ids = requests.map((r) => r.id);
    const completed = async () =>
      (await t.db.selectFrom('privacy_request_events').select('request_id').where('request_id', 'in', ids).where('event', '=', 'completed').execute()).map(
        (e) => e.request_id,
      );

    await killMidWork(first, t.db, async () => (await completed()).length >= 1 && (await claimed(QUEUES.privacyWork)) > 0);
    expect((await completed()).length).toBeLessThan(ids.length);
    expect(await claimed(QUEUES.privacyWork)).toBeGreaterThan(0);

    const second = await startWorker();
    inCharge = undefined;
    await waitFor(async () => (await completed()).length >= ids.length, { timeoutMs: 60_000, intervalMs: 200 });
    // The dead worker's job is retried too, and finds its request already done.
    await waitFor(async () => (await unsettled(QUEUES.privacyWork)) === 0, { timeoutMs: 30_000, intervalMs: 200 });

    assertExactlyOnce('completed requests', ids, await completed());
    const archives = await t.db.selectFrom('privacy_exports').select(['request_id', 'status']).where('request_id', 'in', ids).execute();
    assertExactlyOnce(
      'ready archives',
      ids,
      archives.filter((a) => a.status === 'ready').map((a) => a.request_id),
    );
    const emails = requests.map((r) => r.email);
    const told = await t.db.selectFrom('email_outbox').select('to_address').where('to_address', 'in', emails).where('subject', 'like', '%Completed%').execute();
    assertExactlyOnce(
      'emails saying the export is ready',
      emails,
      told.map((e) => e.to_address),
    );
    second.process.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });

  it('replies to case emails arriving over SMTP: each lands as one note, with one email to the case owner', { timeout: 120_000 }, async () => {
    const tabs = tabForm((await tabOptions(t.db, w.helpTypeId)) ?? [], { contacts: {}, cases: { notes: 'add' } });
    expect(await saveTabs(t.db, w.staff, w.helpTypeId, tabs)).toEqual({ ok: true });
    // Carla and Dora have three open cases each, each with the reply address its last email carried.
    const threads: { caseId: string; from: string; to: string }[] = [];
    for (const customer of [
      { email: 'carla@globex.example', recordId: w.records.carla },
      { email: 'dora@initech.example', recordId: w.records.dora },
    ]) {
      const userId = await addPortalUser(t, w, { email: customer.email, recordId: customer.recordId, status: 'active' });
      for (let n = 0; n < 3; n++) {
        const data = { subject: `Outage ${n}`, status: 'open', contact: customer.recordId };
        const record = await createRecord(t.db, w.staff, w.cases, { data, layoutId: w.cases.defaultLayout?.id ?? null, ownerId: w.adminId });
        const token = encodeBase32LowerCaseNoPadding(crypto.getRandomValues(new Uint8Array(16)));
        await t.db
          .insertInto('case_reply_tokens')
          .values({ token_hash: hashToken(token), record_id: record.id, portal_user_id: userId })
          .execute();
        threads.push({ caseId: record.id, from: customer.email, to: `replies+${token}@porta.test` });
      }
    }
    // Six replies per case, in order, so several replies to one case are in flight at once.
    const messages = threads.flatMap((thread, c) =>
      Array.from({ length: 6 }, (_, i) => ({ ...thread, marker: `fault-reply-${c * 6 + i}`, messageId: `<fault-reply-${c * 6 + i}@mail.example>` })),
    );

    const port = await freePort();
    const inboundEnv = {
      ...workerEnv(),
      HOST: '127.0.0.1',
      INBOUND_SMTP_PORT: String(port),
      INBOUND_ADDRESS: 'replies@porta.test',
      MAIL_FROM: 'Acme <crm@porta.test>',
    };
    const startInbound = async () => {
      const inbound = startPorta('src/inbound.ts', inboundEnv);
      await inbound.logged(`Porta inbound mail listening on port ${port}`);
      return inbound;
    };
    const first = await startInbound();

    // The sending mail server, four connections at once: a message stays its to deliver until Porta answers 250.
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, connectionTimeout: 2_000 });
    const queue = [...messages];
    const sender = async () => {
      for (let m = queue.shift(); m; m = queue.shift()) {
        for (;;) {
          try {
            await transport.sendMail({ from: m.from, to: m.to, subject: 'Re: Outage', messageId: m.messageId, text: `${m.marker}\nStill down here.` });
            break;
          } catch {
            // Refused, cut off, or answered "try again later" (451): tried again, as mail servers do.
            await new Promise((r) => setTimeout(r, 100));
          }
        }
      }
    };
    const sending = Promise.all(Array.from({ length: 4 }, sender));

    // Killed while writing what a message does: the rest of that work is cut off.
    await killMidWork(first, t.db, () => transactionOpen(t.db, first));
    expect(queue.length).toBeGreaterThan(0);
    const second = await startInbound();
    await sending;
    transport.close();

    const markers = messages.map((m) => m.marker);
    const firstLine = (text: string) => text.split('\n')[0] ?? '';
    const notes = await t.db.selectFrom('notes').select(['body', 'record_id']).where('body', 'like', 'fault-reply-%').execute();
    assertExactlyOnce(
      'replies written as notes',
      markers,
      notes.map((n) => firstLine(n.body)),
    );
    const caseOf = new Map(messages.map((m) => [m.marker, m.caseId]));
    expect(notes.filter((n) => caseOf.get(firstLine(n.body)) !== n.record_id)).toEqual([]);
    const accepted = await t.db.selectFrom('inbound_mail').select('message_id').where('outcome', '=', 'accepted').execute();
    assertExactlyOnce(
      'messages accepted',
      messages.map((m) => m.messageId.slice(1, -1)),
      accepted.map((r) => r.message_id ?? ''),
    );
    const toOwner = await t.db
      .selectFrom('email_outbox')
      .select('text')
      .where('to_address', '=', acme.admin.email)
      .where('text', 'like', '%fault-reply-%')
      .execute();
    assertExactlyOnce(
      'emails to the case owner',
      markers,
      toOwner.map((e) => /fault-reply-\d+/.exec(e.text)?.[0] ?? ''),
    );
    second.process.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});
