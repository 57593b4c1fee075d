import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audit } from '../../src/audit/audit.js';
import { addNote } from '../../src/crm/notes.js';
import { createRecord, type RecordData, updateRecord } from '../../src/crm/records.js';
import type { PrivacyRequest } from '../../src/db/schema.js';
import { enqueueEmail } from '../../src/mail/outbox.js';
import { runPrivacyWork } from '../../src/privacy/work.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { acme } from '../support/fixtures.js';
import { addPortalUser, type PortalWorld, seedPortalWorld } from '../support/portal-world.js';

// What an erasure must not touch, and what it must reach beyond the person's
// own rows: Carla is "Ann Smith", CEO in Paris, common words in other
// people's text, which stays as it was; the cases about her and the notes on
// them lose what names her; the job, delivered twice, erases once; an export
// of her waiting to be built is not built afterwards.

let t: TestApp;
let w: PortalWorld;
let erasure: PrivacyRequest;
let exportRequest: PrivacyRequest;
const ann = { first_name: 'Ann', last_name: 'Smithwick', email: 'ann.smithwick@globex.example', title: 'CEO', mailing_city: 'Paris' };
const rendered = (subject: string, text: string) => ({ subject, html: `<p>${text}</p>`, text, language: 'en' as const, template: 'test' });
const deps = () => ({ boss: t.boss, baseUrl: 'http://porta.test' });

beforeAll(async () => {
  t = await startTestApp();
  w = await seedPortalWorld(t);
  await sql`update org set gdpr_enabled = true`.execute(t.db);
  const carla = await t.db.selectFrom('records').selectAll().where('id', '=', w.records.carla).executeTakeFirstOrThrow();
  expect((await updateRecord(t.db, w.staff, w.contacts, carla, { ...(carla.data as RecordData), ...ann }, carla.version)).ok).toBe(true);
  await addPortalUser(t, w, { email: ann.email, recordId: w.records.carla, status: 'active' });
  // A case about her whose description quotes her address, and a staff note on it naming her.
  const kase = await t.db.selectFrom('records').selectAll().where('id', '=', w.records.carlaCase1).executeTakeFirstOrThrow();
  const described = { ...(kase.data as RecordData), description: `Reported by ${ann.email} by phone` };
  expect((await updateRecord(t.db, w.staff, w.cases, kase, described, kase.version)).ok).toBe(true);
  await addNote(t.db, w.records.carlaCase1, w.staff as never, `Called ${ann.first_name} ${ann.last_name} back`, false);
  // Dora's things share words with Ann's values, and say nothing of Ann.
  await addNote(t.db, w.records.doraCase, w.staff as never, 'Annual planning with the CEO in Paris', false);
  await createRecord(t.db, w.staff, w.cases, {
    data: { subject: 'Joanne’s annual report', status: 'open', contact: w.records.dora, description: 'The CEO flies to Paris' },
    layoutId: w.cases.defaultLayout?.id ?? null,
    ownerId: w.adminId,
  });
  await t.db.transaction().execute(async (trx) => {
    await enqueueEmail(trx, t.boss, { address: 'dora@initech.example' }, rendered('Annual report', 'Joanne and JoAnn: the CEO is in Paris.'));
    await enqueueEmail(trx, t.boss, { address: acme.admin.email }, rendered(`Call ${ann.first_name} ${ann.last_name}`, `${ann.title} in ${ann.mailing_city}`));
  });
  await audit(t.db, w.staff, 'test.dora', { type: 'record', id: w.records.dora }, { note: 'planning', CEO: 'Paris' });
  const insert = (kind: 'erasure' | 'export') =>
    t.db
      .insertInto('privacy_requests')
      .values({
        record_id: w.records.carla,
        kind,
        requested_by_kind: 'staff',
        requested_by_id: w.adminId,
        language: 'en',
        status: 'in_progress',
        due_at: new Date(Date.now() + 30 * 86_400_000),
        outcome: JSON.stringify({ working: true }),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  exportRequest = await insert('export');
  erasure = await insert('erasure');
});
afterAll(() => t.close());

describe('an erasure, beyond the person’s own rows', () => {
  it('runs once even when its job is delivered twice, and cancels an export of the person waiting to be built', async () => {
    const job = { requestId: erasure.id, staffId: w.adminId };
    const [a, b] = await Promise.all([runPrivacyWork(t.db, deps(), job), runPrivacyWork(t.db, deps(), job)]);
    expect([a, b].sort()).toEqual(['done', 'nothing']);
    expect(await runPrivacyWork(t.db, deps(), job)).toBe('nothing');
    expect(await t.db.selectFrom('audit_log').select('id').where('action', '=', 'privacy.erasure').execute()).toHaveLength(1);
    expect(await runPrivacyWork(t.db, deps(), { requestId: exportRequest.id, staffId: w.adminId })).toBe('nothing');
    expect(await t.db.selectFrom('privacy_exports').select('request_id').execute()).toEqual([]);
  });

  it('removes what names her from the cases about her and the notes on them', async () => {
    const kase = await t.db.selectFrom('records').selectAll().where('id', '=', w.records.carlaCase1).executeTakeFirstOrThrow();
    expect(JSON.stringify(kase.data)).not.toContain(ann.email);
    expect((kase.data as RecordData).description).toBe('Reported by Erased by phone');
    const search = await sql<{ hit: boolean }>`select search @@ plainto_tsquery('simple', ${ann.email}) as hit from records where id = ${kase.id}`.execute(
      t.db,
    );
    expect(search.rows[0]?.hit).toBe(false);
    const history = await t.db.selectFrom('record_changes').select('changes').where('record_id', '=', kase.id).execute();
    expect(JSON.stringify(history)).not.toContain(ann.email);
    const notes = await t.db.selectFrom('notes').select('body').where('record_id', '=', kase.id).execute();
    expect(notes.map((n) => n.body)).toEqual(['Called Erased back']);
    const staffMail = await t.db.selectFrom('email_outbox').select(['subject', 'text']).where('to_address', '=', acme.admin.email).executeTakeFirstOrThrow();
    expect(staffMail).toEqual({ subject: 'Call Erased', text: 'Erased in Erased' });
  });

  it('leaves other people’s text alone, even where it shares words with her values', async () => {
    const dora = await t.db.selectFrom('email_outbox').select(['subject', 'text']).where('to_address', '=', 'dora@initech.example').executeTakeFirstOrThrow();
    expect(dora).toEqual({ subject: 'Annual report', text: 'Joanne and JoAnn: the CEO is in Paris.' });
    const note = await t.db.selectFrom('notes').select('body').where('record_id', '=', w.records.doraCase).executeTakeFirstOrThrow();
    expect(note.body).toBe('Annual planning with the CEO in Paris');
    const entry = await t.db.selectFrom('audit_log').select('details').where('action', '=', 'test.dora').executeTakeFirstOrThrow();
    expect(entry.details).toEqual({ note: 'planning', CEO: 'Paris' });
    const report = await t.db.selectFrom('records').select('data').where(sql<boolean>`data->>'subject' = 'Joanne’s annual report'`).executeTakeFirstOrThrow();
    expect((report.data as RecordData).description).toBe('The CEO flies to Paris');
  });
});
