import type { Logger } from 'pino';
import { SESSION_COOKIE } from '../auth/cookies.js';
import { benchInvites } from '../cli/bench-invites.js';
import { findImport, validateImport } from '../crm/import.js';
import { saveMapping, suggestMapping } from '../crm/import-mapping.js';
import { loadModuleMeta } from '../crm/metadata.js';
import { type Database, openDatabase } from '../db/database.js';
import { startBoss } from '../jobs/boss.js';
import { actOnRequest, findRequest } from '../privacy/requests.js';
import { requestWork } from '../privacy/work.js';
import { bulkOwner } from './bulk-seed.js';
import type { Prepared } from './data.js';
import { BENCH_PORTAL_SLUG, type BenchPortal } from './portal-data.js';
import { type BenchRun, fmt, type Say } from './report.js';
import { portalHeaders } from './servers.js';

// Work done in the background by the Porta under test: a CSV import, one
// person's privacy export, and bulk invitations (in a scratch database of
// their own).

/** A CSV of contacts uploaded as a browser uploads it, mapped and checked, then imported by the worker of the Porta under test. */
async function benchImport(db: Database, origin: string, staffToken: string, staffId: string, importRows: number, say: Say) {
  const contacts = await loadModuleMeta(db, 'contacts');
  if (!contacts) throw new Error('no contacts module');
  const run = Date.now().toString(36);
  const rows = Array.from(
    { length: importRows },
    (_, i) => `Imported,Person ${i + 1},imported.${run}.${i + 1}@import-${i % 500}.example,+34 600 ${String(i).padStart(6, '0')},Buyer`,
  );
  const csv = `first_name,last_name,email,phone,title\n${rows.join('\n')}\n`;
  const headers = { cookie: `${SESSION_COOKIE}=${staffToken}`, origin, 'sec-fetch-site': 'same-origin' };
  let started = performance.now();
  const body = new FormData();
  body.append('file', new Blob([csv], { type: 'text/csv' }), `contacts-${run}.csv`);
  const upload = await fetch(`${origin}/admin/m/contacts/import`, { method: 'POST', body, headers, redirect: 'manual' });
  const id = /\/import\/([0-9a-f-]{36})\/mapping/.exec(upload.headers.get('location') ?? '')?.[1];
  if (upload.status !== 303 || !id) throw new Error(`the CSV upload answered ${upload.status}`);
  const uploadSeconds = (performance.now() - started) / 1000;
  started = performance.now();
  const imp = await findImport(db, { staffId, moduleId: contacts.module.id }, id);
  if (!imp) throw new Error('the uploaded import is not found');
  const columns = ['first_name', 'last_name', 'email', 'phone', 'title'];
  const mapping = suggestMapping(contacts, columns);
  if (Object.values(mapping).filter(Boolean).length !== columns.length) throw new Error(`the columns were not all mapped: ${JSON.stringify(mapping)}`);
  const saved = await saveMapping(db, imp, contacts, columns, Object.fromEntries(columns.map((c) => [c, mapping[c] ?? undefined])));
  if (!saved.ok) throw new Error('the mapping was refused');
  const mapped = await findImport(db, { staffId, moduleId: contacts.module.id }, id);
  if (!mapped) throw new Error('the import went missing');
  await validateImport(db, mapped, contacts);
  const checkSeconds = (performance.now() - started) / 1000;
  started = performance.now();
  const start = await fetch(`${origin}/admin/m/contacts/import/${id}/start`, {
    method: 'POST',
    body: new URLSearchParams({}),
    headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
    redirect: 'manual',
  });
  if (start.status !== 303) throw new Error(`starting the import answered ${start.status}`);
  for (;;) {
    const row = await db.selectFrom('imports').select(['status', 'imported_rows']).where('id', '=', id).executeTakeFirstOrThrow();
    if (row.status === 'done' || row.status === 'failed') {
      const seconds = (performance.now() - started) / 1000;
      if (row.status === 'failed' || row.imported_rows !== importRows)
        throw new Error(`the import ended ${row.status} with ${row.imported_rows} of ${importRows} rows`);
      const detail = `${fmt(importRows / seconds)} rows/s imported (upload ${uploadSeconds.toFixed(1)} s, mapping and check of every row ${checkSeconds.toFixed(1)} s)`;
      say(`  CSV import of ${fmt(importRows)} contacts: ${seconds.toFixed(1)} s in the worker, ${detail}`);
      return { label: `CSV import of ${fmt(importRows)} contacts`, seconds, detail };
    }
    if (performance.now() - started > 600_000) throw new Error('the import did not finish within 10 minutes');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The measured user's own export: asked for in the portal, accepted and completed by staff, built by the worker, downloaded. */
async function benchExport(db: Database, url: string, origin: string, headers: Record<string, string>, measured: BenchPortal['measured'], say: Say) {
  const user = { id: measured.userId, record_id: measured.contactId };
  // Requests of earlier runs are closed, so this run's is the one open export.
  await db
    .updateTable('privacy_requests')
    .set({ status: 'completed' })
    .where('record_id', '=', user.record_id)
    .where('status', 'in', ['submitted', 'in_progress', 'extended'])
    .execute();
  const post = { ...headers, 'content-type': 'application/x-www-form-urlencoded', origin, 'sec-fetch-site': 'same-origin' };
  const filed = await fetch(`${origin}/p/${BENCH_PORTAL_SLUG}/privacy/requests`, {
    method: 'POST',
    headers: post,
    body: new URLSearchParams({ record: user.record_id, kind: 'export', details: '' }),
    redirect: 'manual',
  });
  const requestId = /\/privacy\/requests\/([0-9a-f-]{36})/.exec(filed.headers.get('location') ?? '')?.[1];
  if (filed.status !== 303 || !requestId) throw new Error(`asking for the export answered ${filed.status}`);
  const boss = await startBoss({ connectionString: url, role: 'web', migrate: false });
  const staff = await bulkOwner(db);
  let started = 0;
  try {
    for (const kind of ['accept', 'complete'] as const) {
      const request = await findRequest(db, requestId);
      if (!request) throw new Error('the export request went missing');
      if (kind === 'complete') started = performance.now();
      const acted = await actOnRequest(db, { boss, baseUrl: origin }, staff, requestId, request.version, { kind }, requestWork(boss, staff));
      if (!acted.ok) throw new Error(`${kind} of the export was refused: ${acted.problem}`);
    }
  } finally {
    await boss.stop({ graceful: false, close: true });
  }
  for (;;) {
    const row = await db.selectFrom('privacy_exports').select(['status', 'size']).where('request_id', '=', requestId).executeTakeFirstOrThrow();
    if (row.status === 'ready') {
      const seconds = (performance.now() - started) / 1000;
      const archive = await fetch(`${origin}/p/${BENCH_PORTAL_SLUG}/privacy/requests/${requestId}/archive`, { headers });
      const bytes = (await archive.arrayBuffer()).byteLength;
      if (archive.status !== 200) throw new Error(`downloading the export answered ${archive.status}`);
      const detail = `an archive of ${fmt(bytes / 1024)} KB, then downloaded through the portal`;
      say(`  privacy export of one person: ${seconds.toFixed(2)} s from completion to a ready archive, ${detail}`);
      return { label: 'privacy export of one person', seconds, detail };
    }
    if (row.status === 'failed') throw new Error('the export failed');
    if (performance.now() - started > 120_000) throw new Error('the export was not ready within 2 minutes');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The three jobs into the report; a failed import or export is a failure, and the invitations run regardless. */
export async function runBackgroundWork(
  { report, say, fail }: BenchRun,
  opts: { url: string; log: Logger; origin: string; data: Prepared; importRows: number },
) {
  const { url, log, origin } = opts;
  const { big, tokens } = opts.data;
  say();
  say('Background work:');
  const jobs = openDatabase(url, 4);
  try {
    report.jobs.push(await benchImport(jobs.db, origin, tokens.staff, big.ownerId, opts.importRows, say));
    report.jobs.push(await benchExport(jobs.db, url, origin, portalHeaders(tokens.portal), big.portal.measured, say));
  } catch (err) {
    fail(`background work: ${(err as Error).message}`);
  } finally {
    await jobs.close();
  }
  const invites = await benchInvites(url, log, say);
  report.jobs.push({ label: 'bulk invitation of 10,000 contacts', seconds: invites.seconds, detail: `${fmt(invites.perSecond)} invitations/s` });
  if (!invites.ok) report.failures.push('bulk invitations');
}
