import { strFromU8, unzipSync } from 'fflate';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audit } from '../../src/audit/audit.js';
import { loadModuleMeta, type ModuleMeta } from '../../src/crm/metadata.js';
import { addAttachment, addNote } from '../../src/crm/notes.js';
import { type Actor, createRecord } from '../../src/crm/records.js';
import { saveTabs, tabForm, tabOptions } from '../../src/portals/tabs.js';
import { buildExportArchive } from '../../src/privacy/export.js';
import { expireExports, storeExport } from '../../src/privacy/export-store.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { acme } from '../support/fixtures.js';
import { addPortalUser, carla, type PortalWorld, seedPortalWorld } from '../support/portal-world.js';

// Carla asked for a copy of everything Acme holds about her. Dora is another
// customer of the same portal: nothing of hers may reach Carla's archive.

let t: TestApp;
let w: PortalWorld;
let carlaUser: string;
let requestId: string;
let filename: string;
let files: Record<string, string>;

const TOKEN_HASH = 'c0ffee'.repeat(10);
const TOTP_SECRET = 'JBSWY3DPEHPK3PXPCARLATOTPKEY';
const dora = ['Dora', 'Ortiz', 'initech', 'DORA-STAFF-NOTE', 'DORA-PORTAL-NOTE', 'dora-contract.pdf'];

const json = (name: string) => JSON.parse(files[name] as string);

beforeAll(async () => {
  t = await startTestApp();
  w = await seedPortalWorld(t);
  await t.db.updateTable('org').set({ gdpr_enabled: true }).execute();
  const tabs = tabForm((await tabOptions(t.db, w.helpTypeId)) ?? [], { contacts: {}, cases: { notes: 'view', attachments: 'view' } });
  expect(await saveTabs(t.db, w.staff, w.helpTypeId, tabs)).toEqual({ ok: true });
  carlaUser = await addPortalUser(t, w, { email: carla.email, recordId: w.records.carla, status: 'active', password: carla.password, language: 'fr' });
  const doraUser = await addPortalUser(t, w, { email: 'dora@initech.example', recordId: w.records.dora, status: 'active', password: 'Dora-Portal-2027' });
  const asCarla: Actor = { kind: 'portal', id: carlaUser, ownerId: w.adminId };
  const ana = { kind: 'staff' as const, id: w.adminId };

  const accounts = (await loadModuleMeta(t.db, 'accounts')) as ModuleMeta;
  await createRecord(t.db, asCarla, w.cases, {
    data: { subject: 'Toner order', status: 'open', contact: w.records.carla },
    layoutId: w.cases.defaultLayout?.id as string,
    ownerId: w.adminId,
  });
  await createRecord(t.db, asCarla, accounts, { data: { name: 'Globex Iberia', description: 'Credit risk: high' }, layoutId: null, ownerId: w.adminId });

  await addNote(t.db, w.records.carlaCase1, ana, 'A new drum is on its way.', false);
  await addNote(t.db, w.records.carlaCase1, ana, 'Escalate to the vendor.', true);
  await addNote(t.db, w.records.carla, ana, 'Prefers calls in the morning.', true);
  await addNote(t.db, w.records.carlaCase2, { kind: 'portal', id: carlaUser }, 'Merci, j’attends la copie.', false);
  await addNote(t.db, w.records.carlaCase1, { kind: 'portal', id: doraUser }, 'DORA-PORTAL-NOTE on a shared case', false);
  await addNote(t.db, w.records.doraCase, ana, 'DORA-STAFF-NOTE about the outage', false);
  await addNote(t.db, w.records.dora, ana, 'DORA-STAFF-NOTE internal', true);
  const file = (name: string) => ({ name, type: 'text/plain', bytes: new TextEncoder().encode(`contents of ${name}`) });
  await addAttachment(t.db, w.records.carlaCase1, ana, file('vendor-quote.txt'), true);
  await addAttachment(t.db, w.records.doraCase, ana, file('dora-contract.pdf'), false);

  await t.db
    .insertInto('consent_events')
    .values([
      {
        record_id: w.records.carla,
        actor_kind: 'staff',
        actor_id: w.adminId,
        source: 'staff',
        changes: JSON.stringify({ consent_status: ['not_asked', 'given'] }),
      },
      {
        record_id: w.records.dora,
        actor_kind: 'staff',
        actor_id: w.adminId,
        source: 'staff',
        changes: JSON.stringify({ consent_status: ['given', 'withdrawn'] }),
      },
    ])
    .execute();
  await t.db
    .insertInto('portal_invitations')
    .values({
      portal_user_id: carlaUser,
      token_hash: TOKEN_HASH,
      invited_by: w.adminId,
      expires_at: new Date(Date.now() + 86_400_000),
      accepted_at: new Date(),
    })
    .execute();
  await t.db.insertInto('two_factor').values({ user_kind: 'portal', user_id: carlaUser, secret: TOTP_SECRET, enabled_at: new Date() }).execute();
  await audit(t.db, { kind: 'portal', id: carlaUser }, 'portal_user.password_changed', { type: 'portal_user', id: carlaUser });
  await audit(t.db, { kind: 'staff', id: w.adminId }, 'portal_user.deactivated', { type: 'portal_user', id: doraUser }, { email: 'dora@initech.example' });

  const request = (recordId: string, portalUserId: string) => ({
    record_id: recordId,
    kind: 'export' as const,
    requested_by_kind: 'portal' as const,
    requested_by_id: portalUserId,
    portal_user_id: portalUserId,
    language: 'fr',
    due_at: new Date(Date.now() + 30 * 86_400_000),
  });
  requestId = (await t.db.insertInto('privacy_requests').values(request(w.records.carla, carlaUser)).returning('id').executeTakeFirstOrThrow()).id;
  await t.db.insertInto('privacy_requests').values(request(w.records.dora, doraUser)).execute();
  await t.db
    .insertInto('privacy_request_events')
    .values({ request_id: requestId, actor_kind: 'portal', actor_id: carlaUser, event: 'submitted', details: JSON.stringify({}) })
    .execute();

  const archive = await buildExportArchive(t.db, requestId);
  filename = archive.filename;
  files = Object.fromEntries(Object.entries(unzipSync(archive.bytes)).map(([name, bytes]) => [name, strFromU8(bytes)]));
});
afterAll(() => t.close());

describe('a person’s data-privacy export archive', () => {
  it('is named for the request and the day, with a README that names every file', async () => {
    const { number } = await t.db.selectFrom('privacy_requests').select('number').where('id', '=', requestId).executeTakeFirstOrThrow();
    expect(filename).toMatch(new RegExp(`^privacy-export-${number}-\\d{4}-\\d{2}-\\d{2}\\.zip$`));
    const names = Object.keys(files).filter((n) => n !== 'README.txt');
    for (const name of ['record.json', 'record.csv', 'portal-account.json', 'portal-records.json', 'portal-records-cases.csv', 'notes.json', 'notes.csv']) {
      expect(names).toContain(name);
    }
    for (const name of ['attachments.json', 'consent-history.json', 'consent-history.csv', 'invitations.json', 'privacy-requests.json', 'audit.json']) {
      expect(names).toContain(name);
    }
    for (const name of names) expect(files['README.txt']).toContain(name);
  });

  it('holds every field of the person’s record, in JSON and CSV', () => {
    const record = json('record.json');
    expect(record.id).toBe(w.records.carla);
    expect(record.fields).toMatchObject({ first_name: 'Carla', last_name: 'Núñez', email: carla.email, phone: null, consent_status: null });
    expect(Object.keys(record.fields)).toEqual(w.contacts.fields.map((f) => f.api_name));
    const [header, row] = (files['record.csv'] as string).replace('\uFEFF', '').split('\r\n');
    expect(header?.split('","')).toHaveLength(w.contacts.fields.length + 1);
    expect(row).toContain('"Núñez"');
  });

  it('holds their portal account without its password hash or second-factor key', async () => {
    const [account] = json('portal-account.json');
    expect(account).toMatchObject({ id: carlaUser, email: carla.email, status: 'active', language: 'fr', portal: 'Acme Help', two_factor_enabled: true });
    expect(account.activated_at).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    const { password_hash } = await t.db.selectFrom('portal_users').select('password_hash').where('id', '=', carlaUser).executeTakeFirstOrThrow();
    for (const text of Object.values(files)) {
      expect(text).not.toContain('password_hash');
      expect(text).not.toContain(password_hash);
      expect(text).not.toContain(TOTP_SECRET);
      expect(text).not.toContain(TOKEN_HASH);
    }
  });

  it('holds the records their portal showed them and those they created, with only the fields the portal showed', () => {
    const records = json('portal-records.json') as { id: string; name: string; module: string; created_by_you: boolean; fields?: Record<string, unknown> }[];
    const byName = new Map(records.map((r) => [r.name, r]));
    // The account she created is in a module no tab of hers shows: listed without its name or fields.
    expect([...byName.keys()].sort()).toEqual(['', 'Invoice copy', 'Printer jam', 'Toner order']);
    expect(byName.get('Printer jam')?.fields).toEqual({ subject: 'Printer jam', status: 'open', contact: { id: w.records.carla, name: 'Carla Núñez' } });
    expect(byName.get('Toner order')?.created_by_you).toBe(true);
    expect(byName.get('')).toMatchObject({ module: 'accounts', created_by_you: true });
    expect(byName.get('')?.fields).toBeUndefined();
    expect(records.map((r) => r.id)).not.toContain(w.records.carla);
    expect(files['portal-records-cases.csv']).toContain('"Invoice copy"');
    expect(files['portal-records-accounts.csv']).not.toContain('Globex Iberia');
    for (const text of Object.values(files)) {
      expect(text).not.toContain('Secret staff analysis');
      expect(text).not.toContain('Credit risk');
    }
  });

  it('holds the notes and files about them, with staff unnamed and other portal users’ words left out', () => {
    const notes = json('notes.json') as { body: string; author: unknown; internal: boolean }[];
    expect(notes.map((n) => n.body).sort()).toEqual(['A new drum is on its way.', 'Merci, j’attends la copie.', 'Prefers calls in the morning.']);
    expect(notes.find((n) => n.body.startsWith('Merci'))?.author).toEqual({ kind: 'portal', self: true });
    expect(notes.find((n) => n.body.startsWith('Prefers'))).toMatchObject({ author: { kind: 'staff' }, internal: true });
    expect(files['notes.csv']).toContain('"A new drum is on its way."');
    const attachments = json('attachments.json') as { id: string; filename: string; file: string; author: unknown }[];
    expect(attachments.map((a) => a.filename)).toEqual(['manual.txt']);
    expect(attachments[0]?.author).toEqual({ kind: 'staff' });
    expect(files[`files/${w.carlaFile}-manual.txt`]).toBe('drum manual');
    for (const text of Object.values(files)) {
      expect(text).not.toContain('Escalate to the vendor');
      expect(text).not.toContain('vendor-quote');
      expect(text).not.toContain(acme.admin.name);
      expect(text).not.toContain(acme.admin.email);
      expect(text).not.toContain(w.adminId);
    }
  });

  it('holds their consent history, invitations, privacy requests and audit trail', () => {
    const [consent, ...others] = json('consent-history.json');
    expect(others).toEqual([]);
    expect(consent).toMatchObject({ actor: { kind: 'staff' }, source: 'staff', changes: { consent_status: ['not_asked', 'given'] } });
    expect(files['consent-history.csv']?.split('\r\n').filter(Boolean)).toHaveLength(2);
    const [invitation] = json('invitations.json');
    expect(Object.keys(invitation).sort()).toEqual(['accepted_at', 'created_at', 'expires_at', 'portal_user_id', 'revoked_at']);
    const requests = json('privacy-requests.json');
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ kind: 'export', requested_by: { kind: 'portal', self: true }, events: [{ event: 'submitted' }] });
    expect(json('audit.json')).toEqual([expect.objectContaining({ action: 'portal_user.password_changed', actor: { kind: 'portal', self: true } })]);
  });

  it('holds nothing about anyone else', () => {
    for (const [name, text] of Object.entries(files)) {
      for (const marker of dora) expect(text, `${marker} in ${name}`).not.toContain(marker);
    }
    expect(Object.values(files).some((text) => text.includes(w.records.dora) || text.includes(w.records.doraCase))).toBe(false);
  });
});

describe('a stored export', () => {
  it('is ready for seven days, then expires without its content', async () => {
    await storeExport(t.db, requestId);
    const stored = await t.db
      .selectFrom('privacy_exports')
      .select(['status', 'filename', 'size', 'content', 'error', sql<number>`extract(epoch from expires_at - ready_at)::int`.as('seconds')])
      .where('request_id', '=', requestId)
      .executeTakeFirstOrThrow();
    expect(stored).toMatchObject({ status: 'ready', filename, error: null, seconds: 7 * 86_400 });
    expect(Object.keys(unzipSync(new Uint8Array(stored.content as Buffer)))).toContain('record.json');
    expect(stored.size).toBe(stored.content?.byteLength);

    expect(await expireExports(t.db)).toBe(0);
    await t.db.updateTable('privacy_exports').set({ expires_at: sql<Date>`now() - interval '1 minute'` }).where('request_id', '=', requestId).execute();
    expect(await expireExports(t.db)).toBe(1);
    const expired = await t.db.selectFrom('privacy_exports').select(['status', 'content']).where('request_id', '=', requestId).executeTakeFirstOrThrow();
    expect(expired).toEqual({ status: 'expired', content: null });
    expect(await expireExports(t.db)).toBe(0);
  });

  it('is built again in place when the request is exported once more', async () => {
    await storeExport(t.db, requestId);
    const rows = await t.db.selectFrom('privacy_exports').select(['status', 'content']).where('request_id', '=', requestId).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.status).toBe('ready');
    expect(rows[0]?.content).not.toBeNull();
  });
});
