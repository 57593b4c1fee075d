import { strFromU8, unzipSync } from 'fflate';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifyCustomer } from '../../src/cases/notifications.js';
import { loadModuleMeta, type ModuleMeta } from '../../src/crm/metadata.js';
import { setGdprEnabled } from '../../src/privacy/compliance.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme } from '../support/fixtures.js';
import { localeText } from '../support/locale-strings.js';
import { resetRequestsHandled } from '../support/password-reset.js';
import { addPortalUser, carla, HELP, type PortalWorld, seedPortalWorld } from '../support/portal-world.js';
import { startSmtp, type TestSmtp } from '../support/smtp.js';
import { waitFor } from '../support/wait.js';

// Data privacy from both sides: the customer's page (consent per channel, its
// history, requests), staff's queue and request page (accept, reject, extend,
// complete), the work each kind does, and the rule that a person who may not
// be emailed receives nothing at all.

let t: TestApp;
let w: PortalWorld;
let smtp: TestSmtp;
let customer: BrowserClient;
let staff: BrowserClient;
let carlaUserId: string;
const dora = { email: 'dora@initech.example', password: 'Dora-Portal-2027' };

const setData = async (id: string, patch: Record<string, unknown>) => {
  const r = await t.db.selectFrom('records').select('data').where('id', '=', id).executeTakeFirstOrThrow();
  await t.db
    .updateTable('records')
    .set({ data: JSON.stringify({ ...(r.data as object), ...patch }) })
    .where('id', '=', id)
    .execute();
};
const dataOf = async (id: string) =>
  (await t.db.selectFrom('records').select('data').where('id', '=', id).executeTakeFirstOrThrow()).data as Record<string, unknown>;
const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
const version = (html: string) => /name="version" value="(\d+)"/.exec(html)?.[1] ?? '';

beforeAll(async () => {
  smtp = await startSmtp();
  t = await startTestApp({ worker: true, env: { SMTP_URL: smtp.url } });
  w = await seedPortalWorld(t);
  carlaUserId = await addPortalUser(t, w, { email: carla.email, recordId: w.records.carla, status: 'active', password: carla.password, language: 'fr' });
  await addPortalUser(t, w, { email: dora.email, recordId: w.records.dora, status: 'active', password: dora.password, language: 'pt-BR' });
  await setData(w.records.carla, { processing_basis: 'consent', consent_status: 'given', consent_channels: ['email', 'phone'] });
  await setData(w.records.dora, { processing_basis: 'contract', consent_status: 'given' });
  await setGdprEnabled(t.db, w.staff as never, true);
  customer = browserClient(t.app);
  expect((await customer.post(`${HELP}/login`, { email: carla.email, password: carla.password })).status).toBe(303);
  staff = browserClient(t.app);
  expect((await staff.post('/admin/login', { email: acme.admin.email, password: acme.admin.password })).status).toBe(303);
});
afterAll(async () => {
  await t.close();
  await smtp.close();
});

describe('the portal’s Data privacy page', () => {
  it('is linked from the account menu and shows the basis only when it is consent', async () => {
    const home = await (await customer.get(`${HELP}/m/cases`)).text();
    expect(home).toContain(`href="${HELP}/privacy"`);
    const page = await (await customer.get(`${HELP}/privacy`)).text();
    expect(page).toContain('lang="fr"');
    const doraClient = browserClient(t.app);
    await doraClient.post(`${HELP}/login`, { email: dora.email, password: dora.password });
    const doraPage = await (await doraClient.get(`${HELP}/privacy`)).text();
    expect(doraPage).toContain('lang="pt-BR"');
    // Dora's basis is a contract: no sentence about processing on the basis of consent.
    const basis = (lang: string) => escapeHtml(localeText(lang, 'privacy:portal.basisConsentSelf'));
    expect(page).toContain(basis('fr'));
    expect(doraPage).not.toContain(basis('pt-BR'));
    expect(doraPage).toContain(escapeHtml(localeText('pt-BR', 'privacy:portal.yourData')));
  });

  it('withdraws consent for email, keeps it for phone, and records who, when and from where', async () => {
    const page = await (await customer.get(`${HELP}/privacy`)).text();
    const res = await customer.post(`${HELP}/privacy/consent`, { record: w.records.carla, channel: 'email', give: '0', version: version(page) });
    expect(res.status).toBe(303);
    const data = await dataOf(w.records.carla);
    expect(data.consent_channels).toEqual(['phone']);
    expect(data.consent_status).toBe('given');
    const events = await t.db.selectFrom('consent_events').selectAll().where('record_id', '=', w.records.carla).execute();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actor_kind: 'portal', actor_id: carlaUserId, source: 'portal' });
    expect(events[0]?.changes).toEqual({ consent_channels: [['email', 'phone'], ['phone']] });
    const after = await (await customer.get(`${HELP}/privacy?saved=consent`)).text();
    const channel = localeText('fr', 'picklists:contacts.consent_channels.email');
    expect(after).toContain(escapeHtml(localeText('fr', 'privacy:history.channelWithdrawn', { channel })));
    expect(after).toContain(escapeHtml(localeText('fr', 'privacy:portal.consentSaved')));
  });

  it('refuses a stale form, an unknown channel and a record that is not theirs, changing nothing', async () => {
    const before = await dataOf(w.records.carla);
    expect((await customer.post(`${HELP}/privacy/consent`, { record: w.records.carla, channel: 'email', give: '1', version: '1' })).status).toBe(409);
    const page = await (await customer.get(`${HELP}/privacy`)).text();
    expect((await customer.post(`${HELP}/privacy/consent`, { record: w.records.carla, channel: 'pigeon', give: '1', version: version(page) })).status).toBe(
      422,
    );
    expect((await customer.post(`${HELP}/privacy/consent`, { record: w.records.dora, channel: 'email', give: '0', version: '1' })).status).toBe(404);
    expect(await dataOf(w.records.carla)).toEqual(before);
    expect((await dataOf(w.records.dora)).consent_channels).toBeUndefined();
  });

  it('sends no email to a person whose basis is consent and who withdrew it for email; the outbox says why', async () => {
    const cases = (await loadModuleMeta(t.db, 'cases')) as ModuleMeta;
    const record = await t.db.selectFrom('records').selectAll().where('id', '=', w.records.carlaCase1).executeTakeFirstOrThrow();
    await t.db.transaction().execute((trx) => notifyCustomer(trx, { boss: t.boss, baseUrl: 'http://porta.test' }, cases, record, 'reply', 'We fixed it'));
    const row = await t.db.selectFrom('email_outbox').selectAll().where('to_address', '=', carla.email).orderBy('created_at', 'desc').executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'blocked', blocked_reason: 'no_consent' });
    const outbox = await (await staff.get(`/admin/outbox/${row.id}`)).text();
    expect(outbox).toContain(escapeHtml(localeText('en', 'privacy:outbox.reasons.no_consent')));
  });
});

describe('requests', () => {
  let exportId: string;

  it('files an export request due in one month, emails the organization, and refuses a second one while it is open', async () => {
    const res = await customer.post(`${HELP}/privacy/requests`, { record: w.records.carla, kind: 'export', details: '' });
    expect(res.status).toBe(303);
    exportId = /requests\/([0-9a-f-]{36})/.exec(res.headers.get('location') ?? '')?.[1] as string;
    const r = await t.db.selectFrom('privacy_requests').selectAll().where('id', '=', exportId).executeTakeFirstOrThrow();
    expect(r).toMatchObject({ kind: 'export', status: 'submitted', portal_user_id: carlaUserId, record_id: w.records.carla, language: 'fr' });
    const month = await sql<{ ok: boolean }>`select ${r.due_at}::timestamptz = ${r.submitted_at}::timestamptz + interval '1 month' as ok`.execute(t.db);
    expect(month.rows[0]?.ok).toBe(true);
    const org = await t.db
      .selectFrom('email_outbox')
      .selectAll()
      .where('to_address', '=', acme.admin.email)
      .where('template', '=', 'privacy-request')
      .execute();
    expect(org).toHaveLength(1);
    expect(org[0]?.text).toContain(`/admin/privacy/requests/${exportId}`);
    const again = await customer.post(`${HELP}/privacy/requests`, { record: w.records.carla, kind: 'export', details: '' });
    expect(again.status).toBe(422);
    expect(await again.text()).toContain(escapeHtml(localeText('fr', 'privacy:problems.already_open')));
    const rect = await customer.post(`${HELP}/privacy/requests`, { record: w.records.carla, kind: 'rectification', details: '  ' });
    expect(rect.status).toBe(422);
    expect(await t.db.selectFrom('privacy_requests').select('id').execute()).toHaveLength(1);
  });

  it('lets nobody else see or download it', async () => {
    const doraClient = browserClient(t.app);
    await doraClient.post(`${HELP}/login`, { email: dora.email, password: dora.password });
    expect((await doraClient.get(`${HELP}/privacy/requests/${exportId}`)).status).toBe(404);
    expect((await doraClient.get(`${HELP}/privacy/requests/${exportId}/archive`)).status).toBe(404);
  });

  it('is built by a job when staff complete it, downloaded from the portal, and gone after 7 days', async () => {
    const page = await (await staff.get(`/admin/privacy/requests/${exportId}`)).text();
    expect((await staff.post(`/admin/privacy/requests/${exportId}/complete`, { version: version(page) })).status).toBe(303);
    await waitFor(
      async () => (await t.db.selectFrom('privacy_requests').select('status').where('id', '=', exportId).executeTakeFirstOrThrow()).status === 'completed',
    );
    const res = await customer.get(`${HELP}/privacy/requests/${exportId}/archive`);
    expect(res.status).toBe(200);
    const files = unzipSync(new Uint8Array(await res.arrayBuffer()));
    expect(Object.keys(files)).toContain('README.txt');
    expect(strFromU8(files['record.json'] as Uint8Array)).toContain(carla.email);
    const all = Object.values(files)
      .map((f) => strFromU8(f))
      .join('\n');
    expect(all).not.toContain('dora@initech.example');
    expect(all).not.toContain('Dora’s outage');
    // Staff can download it too; after its 7 days it is deleted.
    expect((await staff.get(`/admin/privacy/requests/${exportId}/archive`)).status).toBe(200);
    await t.db.updateTable('privacy_exports').set({ expires_at: sql<Date>`now() - interval '1 minute'` }).where('request_id', '=', exportId).execute();
    const { expireExports } = await import('../../src/privacy/export-store.js');
    expect(await expireExports(t.db)).toBe(1);
    expect((await customer.get(`${HELP}/privacy/requests/${exportId}/archive`)).status).toBe(404);
    const x = await t.db.selectFrom('privacy_exports').select(['status', 'content']).where('request_id', '=', exportId).executeTakeFirstOrThrow();
    expect(x).toEqual({ status: 'expired', content: null });
  });
});

describe('deadlines', () => {
  let id: string;
  beforeAll(async () => {
    const doraClient = browserClient(t.app);
    await doraClient.post(`${HELP}/login`, { email: dora.email, password: dora.password });
    const res = await doraClient.post(`${HELP}/privacy/requests`, { record: w.records.dora, kind: 'rectification', details: 'My last name is Ortiz-Vega' });
    expect(res.status).toBe(303);
    id = /requests\/([0-9a-f-]{36})/.exec(res.headers.get('location') ?? '')?.[1] as string;
  });

  it('flags a request past its due date in the queue and counts it', async () => {
    await t.db.updateTable('privacy_requests').set({ due_at: sql<Date>`now() - interval '2 days'` }).where('id', '=', id).execute();
    const queue = await (await staff.get('/admin/privacy/requests?due=overdue')).text();
    expect(queue).toContain(`/admin/privacy/requests/${id}`);
    expect(queue).toContain('row-danger');
    expect(queue).toMatch(/<strong>1<\/strong> Overdue/);
    expect(await (await staff.get('/admin/privacy/requests?kind=export')).text()).not.toContain(`/admin/privacy/requests/${id}`);
  });

  it('extends once by two months with a reason, moves the date and tells the person in their language', async () => {
    const before = await t.db.selectFrom('privacy_requests').select('due_at').where('id', '=', id).executeTakeFirstOrThrow();
    const page = await (await staff.get(`/admin/privacy/requests/${id}`)).text();
    const noReason = await staff.post(`/admin/privacy/requests/${id}/extend`, { version: version(page), months: '2', reason: ' ' });
    expect(noReason.status).toBe(422);
    expect((await staff.post(`/admin/privacy/requests/${id}/extend`, { version: version(page), months: '2', reason: 'Archives are in storage' })).status).toBe(
      303,
    );
    const after = await t.db.selectFrom('privacy_requests').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(after.status).toBe('extended');
    const moved = await sql<{ ok: boolean }>`select ${after.due_at}::timestamptz = ${before.due_at}::timestamptz + interval '2 months' as ok`.execute(t.db);
    expect(moved.rows[0]?.ok).toBe(true);
    await waitFor(() => smtp.receivedBy(dora.email).length > 0);
    const mail = smtp.receivedBy(dora.email).at(-1);
    const number = (await t.db.selectFrom('privacy_requests').select('number').where('id', '=', id).executeTakeFirstOrThrow()).number;
    expect(mail?.subject).toBe(
      localeText('pt-BR', 'email:privacyRequest.person.subject', { number, status: localeText('pt-BR', 'privacy:statuses.extended') }),
    );
    expect(mail?.text).toContain('Archives are in storage');
    const again = await (await staff.get(`/admin/privacy/requests/${id}`)).text();
    expect(again).not.toContain(`/admin/privacy/requests/${id}/extend`);
    expect((await staff.post(`/admin/privacy/requests/${id}/extend`, { version: version(again), months: '1', reason: 'More' })).status).toBe(422);
  });

  it('applies a rectification on the record and keeps what changed', async () => {
    const page = await (await staff.get(`/admin/privacy/requests/${id}`)).text();
    const res = await staff.post(`/admin/privacy/requests/${id}/rectify`, {
      version: version(page),
      first_name: 'Dora',
      last_name: 'Ortiz-Vega',
      email: dora.email,
    });
    expect(res.status).toBe(303);
    expect((await dataOf(w.records.dora)).last_name).toBe('Ortiz-Vega');
    const r = await t.db.selectFrom('privacy_requests').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(r.status).toBe('completed');
    expect(r.outcome.changes).toEqual([expect.objectContaining({ field: 'last_name', old: 'Ortiz', new: 'Ortiz-Vega' })]);
  });
});

describe('stop processing', () => {
  it('sets the flag, shows it on the record, and from then on the person gets no email of any kind', async () => {
    await setData(w.records.dora, { processing_basis: 'contract' });
    const doraClient = browserClient(t.app);
    await doraClient.post(`${HELP}/login`, { email: dora.email, password: dora.password });
    const filed = await doraClient.post(`${HELP}/privacy/requests`, { record: w.records.dora, kind: 'stop_processing', details: '' });
    const id = /requests\/([0-9a-f-]{36})/.exec(filed.headers.get('location') ?? '')?.[1] as string;
    const page = await (await staff.get(`/admin/privacy/requests/${id}`)).text();
    expect((await staff.post(`/admin/privacy/requests/${id}/complete`, { version: version(page) })).status).toBe(303);
    expect((await dataOf(w.records.dora)).stop_processing).toBe(true);
    const events = await t.db.selectFrom('consent_events').selectAll().where('record_id', '=', w.records.dora).execute();
    expect(events.at(-1)).toMatchObject({ source: 'privacy_request', changes: { stop_processing: [null, true] } });
    const recordPage = await (await staff.get(`/admin/m/contacts/${w.records.dora}`)).text();
    expect(recordPage).toContain(escapeHtml(localeText('en', 'privacy:record.stopped')));
    // The consent history on the record says who did it, from where.
    expect(recordPage).toContain(`${acme.admin.name} · ${escapeHtml(localeText('en', 'privacy:sources.privacy_request'))}`);
    expect(recordPage).toContain(escapeHtml(localeText('en', 'privacy:history.stopped')));

    const delivered = smtp.receivedBy(dora.email).length;
    // The request's own completion, a case notification and a password reset: each is kept, none is sent.
    const cases = (await loadModuleMeta(t.db, 'cases')) as ModuleMeta;
    const record = await t.db.selectFrom('records').selectAll().where('id', '=', w.records.doraCase).executeTakeFirstOrThrow();
    await t.db.transaction().execute((trx) => notifyCustomer(trx, { boss: t.boss, baseUrl: 'http://porta.test' }, cases, record, 'status', 'closed'));
    await browserClient(t.app).post(`${HELP}/password/forgot`, { email: dora.email });
    await resetRequestsHandled(t);
    // And staff mail still flows meanwhile.
    const other = await customer.post(`${HELP}/privacy/requests`, { record: w.records.carla, kind: 'erasure', details: '' });
    expect(other.status).toBe(303);
    await waitFor(() => smtp.receivedBy(acme.admin.email).length >= 2);
    const rows = await t.db
      .selectFrom('email_outbox')
      .selectAll()
      .where('to_address', '=', dora.email)
      .where('created_at', '>', sql<Date>`now() - interval '1 minute'`)
      .execute();
    const stoppedAt = events.at(-1)?.at as Date;
    const afterStop = rows.filter((r) => r.created_at >= stoppedAt);
    expect(afterStop.map((r) => r.template).sort()).toEqual(['case-update', 'portal-password-reset', 'privacy-request']);
    for (const row of afterStop) expect(row).toMatchObject({ status: 'blocked', blocked_reason: 'stop_processing' });
    expect(smtp.receivedBy(dora.email).length).toBe(delivered);
  });
});

describe('erasure', () => {
  it('asks staff to confirm, then a job erases the person, ends their portal access and completes the request', async () => {
    const request = await t.db
      .selectFrom('privacy_requests')
      .selectAll()
      .where('record_id', '=', w.records.carla)
      .where('kind', '=', 'erasure')
      .executeTakeFirstOrThrow();
    const page = await (await staff.get(`/admin/privacy/requests/${request.id}`)).text();
    const unconfirmed = await staff.post(`/admin/privacy/requests/${request.id}/complete`, { version: version(page) });
    expect(unconfirmed.status).toBe(422);
    expect(await unconfirmed.text()).toContain(escapeHtml(localeText('en', 'privacy:problems.confirm_erasure')));
    expect((await dataOf(w.records.carla)).email).toBe(carla.email);

    expect((await staff.post(`/admin/privacy/requests/${request.id}/complete`, { version: version(page), confirm: 'yes' })).status).toBe(303);
    await waitFor(
      async () => (await t.db.selectFrom('privacy_requests').select('status').where('id', '=', request.id).executeTakeFirstOrThrow()).status === 'completed',
    );
    const data = await dataOf(w.records.carla);
    expect(data.last_name).toBe(localeText('en', 'privacy:erasure.placeholder'));
    expect(data.email ?? null).toBeNull();
    expect(await t.db.selectFrom('portal_users').select('id').where('id', '=', carlaUserId).executeTakeFirst()).toBeUndefined();
    expect((await customer.get(`${HELP}/privacy`)).status).toBe(303);
    expect(await t.db.selectFrom('privacy_exports').select('request_id').where('request_id', 'in', [request.id]).execute()).toEqual([]);
    const entry = await t.db.selectFrom('audit_log').selectAll().where('action', '=', 'privacy.erasure').executeTakeFirstOrThrow();
    expect(JSON.stringify(entry.details)).not.toContain(carla.email);
    const done = await (await staff.get(`/admin/privacy/requests/${request.id}`)).text();
    expect(done).toContain(escapeHtml(localeText('en', 'privacy:statuses.completed')));
  });
});
