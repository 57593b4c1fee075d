import { strFromU8, unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addNote } from '../../src/crm/notes.js';
import { createRecord, moveToRecycleBin } from '../../src/crm/records.js';
import { setGdprEnabled } from '../../src/privacy/compliance.js';
import { buildExportArchive } from '../../src/privacy/export.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme } from '../support/fixtures.js';
import { addPortalUser, carla, HELP, type PortalWorld, seedPortalWorld } from '../support/portal-world.js';

// Whose requests a portal user follows, and what a request made on behalf of
// someone holds: Carla added Hugo's contact through the portal and speaks for
// it; Hugo, who has an account of his own, asks for his own export. Neither
// sees the other's request; Carla's export of Hugo holds what her portal
// shows of him and nothing else.

let t: TestApp;
let w: PortalWorld;
let carlaClient: BrowserClient;
let hugoClient: BrowserClient;
let staff: BrowserClient;
let carlaId: string;
let hugoRecord: string;
const hugo = { email: 'hugo.behalf@globex.example', password: 'Hugo-Portal-2027' };
const requestIdOf = (res: Response) => /requests\/([0-9a-f-]{36})/.exec(res.headers.get('location') ?? '')?.[1] as string;
const version = (html: string) => /name="version" value="(\d+)"/.exec(html)?.[1] ?? '';

beforeAll(async () => {
  t = await startTestApp();
  w = await seedPortalWorld(t);
  await setGdprEnabled(t.db, w.staff as never, true);
  carlaId = await addPortalUser(t, w, { email: carla.email, recordId: w.records.carla, status: 'active', password: carla.password, language: 'en' });
  const created = await createRecord(t.db, { kind: 'portal', id: carlaId, ownerId: w.adminId }, w.contacts, {
    data: {
      first_name: 'Hugo',
      last_name: 'Behalf',
      email: hugo.email,
      description: 'Hugo hidden description',
      processing_basis: 'consent',
      consent_status: 'given',
    },
    layoutId: w.contacts.defaultLayout?.id ?? null,
    ownerId: w.adminId,
  });
  hugoRecord = created.id;
  await addNote(t.db, hugoRecord, w.staff as never, 'Hugo internal note', true);
  await addNote(t.db, hugoRecord, w.staff as never, 'Hugo visible note', false);
  await addPortalUser(t, w, { email: hugo.email, recordId: hugoRecord, status: 'active', password: hugo.password, language: 'en' });
  carlaClient = browserClient(t.app);
  expect((await carlaClient.post(`${HELP}/login`, { email: carla.email, password: carla.password })).status).toBe(303);
  hugoClient = browserClient(t.app);
  expect((await hugoClient.post(`${HELP}/login`, { email: hugo.email, password: hugo.password })).status).toBe(303);
  staff = browserClient(t.app);
  expect((await staff.post('/admin/login', { email: acme.admin.email, password: acme.admin.password })).status).toBe(303);
});
afterAll(() => t.close());

describe('the requests a portal user follows', () => {
  let hugosOwn: string;
  let onBehalf: string;

  it('are only those they filed: Carla does not see the export Hugo asked for himself', async () => {
    const own = await hugoClient.post(`${HELP}/privacy/requests`, { record: hugoRecord, kind: 'export', details: 'Mine only' });
    expect(own.status).toBe(303);
    hugosOwn = requestIdOf(own);
    const page = await (await carlaClient.get(`${HELP}/privacy`)).text();
    expect(page).not.toContain(hugosOwn);
    expect(page).not.toContain('Mine only');
    expect((await carlaClient.get(`${HELP}/privacy/requests/${hugosOwn}`)).status).toBe(404);
    expect((await carlaClient.get(`${HELP}/privacy/requests/${hugosOwn}/archive`)).status).toBe(404);
    expect((await hugoClient.get(`${HELP}/privacy/requests/${hugosOwn}`)).status).toBe(200);
  });

  it('on behalf of a record they added, holds only what their portal shows of it', async () => {
    const filed = await carlaClient.post(`${HELP}/privacy/requests`, { record: hugoRecord, kind: 'export', details: '' });
    expect(filed.status).toBe(303);
    onBehalf = requestIdOf(filed);
    const { bytes } = await buildExportArchive(t.db, onBehalf);
    const files = Object.fromEntries(Object.entries(unzipSync(bytes)).map(([name, data]) => [name, strFromU8(data)]));
    const record = JSON.parse(files['record.json'] as string) as { fields: Record<string, unknown> };
    expect(Object.keys(record.fields).sort()).toEqual([
      'consent_channels',
      'consent_date',
      'consent_status',
      'email',
      'first_name',
      'last_name',
      'processing_basis',
      'stop_processing',
    ]);
    const all = Object.values(files).join('\n');
    for (const secret of ['Hugo hidden description', 'Hugo internal note', 'Mine only', hugo.password]) expect(all, secret).not.toContain(secret);
    expect(JSON.parse(files['portal-account.json'] as string)).toEqual([]);
    expect(JSON.parse(files['audit.json'] as string)).toEqual([]);
    expect((JSON.parse(files['privacy-requests.json'] as string) as unknown[]).length).toBe(1);
    // Hugo's own export has all of his record, internal notes included.
    const mine = unzipSync((await buildExportArchive(t.db, hugosOwn)).bytes);
    const mineText = Object.values(mine)
      .map((f) => strFromU8(f))
      .join('\n');
    expect(mineText).toContain('Hugo hidden description');
    expect(mineText).toContain('Hugo internal note');
  });

  it('answers an address that is not an id with "not found", never an error', async () => {
    for (const id of ['-'.repeat(36), 'a'.repeat(36), 'x']) {
      expect((await carlaClient.get(`${HELP}/privacy/requests/${id}`)).status).toBe(404);
      expect((await carlaClient.get(`${HELP}/privacy/requests/${id}/archive`)).status).toBe(404);
      expect((await carlaClient.post(`${HELP}/privacy/consent`, { record: id, channel: 'email', give: '0', version: '1' })).status).toBe(404);
      expect((await staff.get(`/admin/privacy/requests/${id}`)).status).toBe(404);
    }
    expect((await carlaClient.post(`${HELP}/privacy/requests`, { record: '-'.repeat(36), kind: 'export', details: '' })).status).toBe(422);
  });

  it('are gone from the portal while compliance is off', async () => {
    await setGdprEnabled(t.db, w.staff as never, false);
    expect((await carlaClient.get(`${HELP}/privacy/requests/${onBehalf}`)).status).toBe(404);
    expect((await carlaClient.get(`${HELP}/privacy/requests/${onBehalf}/archive`)).status).toBe(404);
    await setGdprEnabled(t.db, w.staff as never, true);
    expect((await carlaClient.get(`${HELP}/privacy/requests/${onBehalf}`)).status).toBe(200);
  });

  it('can be extended before they are accepted, and accepted afterwards', async () => {
    const page = await (await staff.get(`/admin/privacy/requests/${onBehalf}`)).text();
    expect((await staff.post(`/admin/privacy/requests/${onBehalf}/extend`, { version: version(page), months: '1', reason: 'Busy season' })).status).toBe(303);
    const extended = await (await staff.get(`/admin/privacy/requests/${onBehalf}`)).text();
    expect(extended).toContain(`/admin/privacy/requests/${onBehalf}/accept`);
    expect((await staff.post(`/admin/privacy/requests/${onBehalf}/accept`, { version: version(extended) })).status).toBe(303);
    const r = await t.db.selectFrom('privacy_requests').select(['status', 'extended_at']).where('id', '=', onBehalf).executeTakeFirstOrThrow();
    expect(r.status).toBe('in_progress');
    expect(r.extended_at).not.toBeNull();
    const accepted = await (await staff.get(`/admin/privacy/requests/${onBehalf}`)).text();
    expect(accepted).not.toContain(`/admin/privacy/requests/${onBehalf}/accept`);
    expect(accepted).not.toContain(`/admin/privacy/requests/${onBehalf}/extend`);
  });

  it('stops processing a record even while it is in the recycle bin, which it stays in', async () => {
    const filed = await carlaClient.post(`${HELP}/privacy/requests`, { record: hugoRecord, kind: 'stop_processing', details: '' });
    const id = requestIdOf(filed);
    const record = await t.db.selectFrom('records').selectAll().where('id', '=', hugoRecord).executeTakeFirstOrThrow();
    await moveToRecycleBin(t.db, w.staff, record);
    const page = await (await staff.get(`/admin/privacy/requests/${id}`)).text();
    expect((await staff.post(`/admin/privacy/requests/${id}/complete`, { version: version(page) })).status).toBe(303);
    const after = await t.db.selectFrom('records').select(['data', 'deleted_at']).where('id', '=', hugoRecord).executeTakeFirstOrThrow();
    expect((after.data as Record<string, unknown>).stop_processing).toBe(true);
    expect(after.deleted_at).not.toBeNull();
  });
});
