import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audit } from '../../src/audit/audit.js';
import { addAttachment, addNote } from '../../src/crm/notes.js';
import { type RecordData, updateRecord } from '../../src/crm/records.js';
import type { CrmRecord, PrivacyRequest } from '../../src/db/schema.js';
import { enqueueEmail } from '../../src/mail/outbox.js';
import { saveTabs, tabForm, tabOptions } from '../../src/portals/tabs.js';
import { eraseSubject } from '../../src/privacy/erasure.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme } from '../support/fixtures.js';
import { addPortalUser, carla, HELP, type PortalWorld, seedPortalWorld } from '../support/portal-world.js';

// An erasure leaves Carla's contact in place with nothing that names her:
// no column of any table in the database holds a value of hers afterwards,
// raw, HTML-escaped or JSON-escaped. Dora, who asked for nothing, keeps all.

let t: TestApp;
let w: PortalWorld;
let customer: BrowserClient;
let request: PrivacyRequest;
let doraBefore: CrmRecord;
let carlaUser: string;

const zyx = {
  first_name: 'Zyxwarla',
  last_name: "O’Qvnunez-d'Arc",
  email: 'carla.erase@globex.example',
  phone: '+34 611 222 333',
  mobile: '+34 699 888 777',
  title: 'Chief "Qwxt" Officer',
  department: 'Zzdept Logistics',
  mailing_street: 'Calle Vwxyzpq 42',
  mailing_city: 'Qqvillanueva',
  mailing_postal_code: '28999',
  description: 'Allergic to Pqrstuvw & <Jjkl> pollen',
};
/** Values Carla's record held before and that only its history still holds. */
const earlier = { phone: '+34 600 000 111', last_name: 'Núñez', email: carla.email };
const noteBody = 'Zyxnote: my printer still jams';
const values = [...Object.values(zyx), ...Object.values(earlier), noteBody, `${zyx.first_name} ${zyx.last_name}`];
const placeholder = 'Erased';

const html = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
const rendered = (subject: string, body: string) => ({ subject, html: `<p>${html(body)}</p>`, text: body, language: 'en' as const, template: 'test' });

beforeAll(async () => {
  t = await startTestApp();
  w = await seedPortalWorld(t);
  await sql`update org set gdpr_enabled = true`.execute(t.db);
  const tabs = tabForm((await tabOptions(t.db, w.helpTypeId)) ?? [], { contacts: {}, cases: { notes: 'add', attachments: 'add' } });
  expect(await saveTabs(t.db, w.staff, w.helpTypeId, tabs)).toEqual({ ok: true });

  const contact = () => t.db.selectFrom('records').selectAll().where('id', '=', w.records.carla).executeTakeFirstOrThrow();
  const first = await contact();
  const filled = {
    ...(first.data as RecordData),
    ...zyx,
    phone: earlier.phone,
    processing_basis: 'consent',
    consent_status: 'given',
    consent_date: '2024-05-06',
  };
  expect((await updateRecord(t.db, w.staff, w.contacts, first, filled, first.version)).ok).toBe(true);
  const second = await contact();
  expect((await updateRecord(t.db, w.staff, w.contacts, second, { ...(second.data as RecordData), phone: zyx.phone }, second.version)).ok).toBe(true);

  carlaUser = await addPortalUser(t, w, { email: zyx.email, recordId: w.records.carla, status: 'active', password: carla.password, language: 'en' });
  await addPortalUser(t, w, { email: 'dora@initech.example', recordId: w.records.dora, status: 'invited' });
  customer = browserClient(t.app);
  expect((await customer.post(`${HELP}/login`, { email: zyx.email, password: carla.password })).status).toBe(303);
  expect((await customer.get(`${HELP}/m/cases`)).status).toBe(200);
  // Her reply reaches the case's owner by email, quoting her address and her words.
  expect((await customer.post(`${HELP}/m/cases/${w.records.carlaCase1}/notes`, { body: noteBody })).status).toBe(303);
  const upload = new FormData();
  upload.set('file', new File([`Receipt for ${zyx.first_name} ${zyx.last_name}`], 'receipt.txt', { type: 'text/plain' }));
  expect((await customer.request(`${HELP}/m/cases/${w.records.carlaCase1}/attachments`, { method: 'POST', body: upload })).status).toBe(303);

  await addNote(t.db, w.records.carla, { kind: 'staff', id: w.adminId }, `Met ${zyx.first_name} at the fair, call ${zyx.mobile}`, true);
  await addNote(t.db, w.records.dora, { kind: 'staff', id: w.adminId }, 'Dora prefers mornings', false);
  await addAttachment(
    t.db,
    w.records.carla,
    { kind: 'staff', id: w.adminId },
    { name: 'id-card.txt', type: 'text/plain', bytes: new TextEncoder().encode(zyx.mailing_street) },
    true,
  );
  await t.db.transaction().execute(async (trx) => {
    await enqueueEmail(
      trx,
      t.boss,
      { address: zyx.email, name: `${zyx.first_name} ${zyx.last_name}` },
      rendered(`Hello ${zyx.first_name}`, `Dear ${zyx.last_name}`),
    );
    await enqueueEmail(
      trx,
      t.boss,
      { address: acme.admin.email, name: acme.admin.name },
      rendered(`Call ${zyx.first_name} ${zyx.last_name}`, `${zyx.title} at ${zyx.mailing_city}: ${zyx.description}. Also Dora Ortiz.`),
    );
    await enqueueEmail(trx, t.boss, { address: 'dora@initech.example', name: 'Dora Ortiz' }, rendered('Hello Dora', 'Dear Ortiz'));
  });
  await audit(t.db, w.staff, 'test.mention', { type: 'record', id: w.records.carla }, { email: zyx.email, title: zyx.title, also: 'dora@initech.example' });
  await t.db
    .insertInto('inbound_mail')
    .values({ via: 'http', message_id: '<m1@globex.example>', from_address: zyx.email, subject: `Re: ${zyx.first_name}`, outcome: 'refused', details: '{}' })
    .execute();
  await t.db
    .insertInto('password_resets')
    .values({ user_kind: 'portal', user_id: carlaUser, token_hash: 'h1', expires_at: new Date(Date.now() + 3_600_000) })
    .execute();
  await t.db
    .insertInto('imports')
    .values({
      module_id: w.contacts.module.id,
      staff_id: w.adminId,
      filename: 'contacts.csv',
      content: Buffer.from(`first_name,last_name,email\n${zyx.first_name},"${zyx.last_name}",${zyx.email}\nDora,Ortiz,dora@initech.example\n`),
      mapping: '{}',
      row_errors: '[]',
    })
    .execute();
  request = await t.db
    .insertInto('privacy_requests')
    .values({
      record_id: w.records.carla,
      kind: 'erasure',
      details: `Please forget ${zyx.first_name} ${zyx.last_name} (${zyx.email})`,
      requested_by_kind: 'portal',
      requested_by_id: carlaUser,
      portal_user_id: carlaUser,
      language: 'en',
      due_at: new Date(Date.now() + 30 * 86_400_000),
      outcome: '{}',
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await t.db
    .insertInto('privacy_request_events')
    .values({ request_id: request.id, actor_kind: 'portal', event: 'submitted', details: JSON.stringify({ from: zyx.email }) })
    .execute();
  await t.db
    .insertInto('privacy_exports')
    .values({ request_id: request.id, status: 'ready', content: Buffer.from(JSON.stringify(zyx)) })
    .execute();

  for (const v of values) expect(await columnsHolding(v), v).not.toEqual([]);
  doraBefore = await t.db.selectFrom('records').selectAll().where('id', '=', w.records.dora).executeTakeFirstOrThrow();
  await t.db.transaction().execute((trx) => eraseSubject(trx, request, w.adminId, placeholder));
});
afterAll(() => t.close());

type Column = { table_schema: string; table_name: string; column_name: string; data_type: string };

/** Every column of every table where the value occurs, in any letter case, as it is or escaped for HTML or JSON. */
async function columnsHolding(value: string): Promise<string[]> {
  const { rows: columns } = await sql<Column>`
    select c.table_schema, c.table_name, c.column_name, c.data_type
      from information_schema.columns c
      join information_schema.tables tb on tb.table_schema = c.table_schema and tb.table_name = c.table_name and tb.table_type = 'BASE TABLE'
     where c.table_schema not in ('pg_catalog', 'information_schema')
       and (c.data_type in ('text', 'character varying', 'character', 'jsonb', 'json', 'tsvector', 'bytea') or (c.data_type = 'ARRAY' and c.udt_name in ('_text', '_varchar')))`.execute(
    t.db,
  );
  const forms = [...new Set([value, html(value), JSON.stringify(value).slice(1, -1)].map((f) => f.toLowerCase()))];
  const hits: string[] = [];
  for (const c of columns) {
    const col = sql`${sql.ref(c.column_name)}`;
    // Files are searched as their bytes, escaped to text the same way on both sides.
    const holds =
      c.data_type === 'bytea'
        ? sql`strpos(lower(encode(${col}, 'escape')), encode(convert_to(f, 'UTF8'), 'escape')) > 0`
        : sql`strpos(lower(${col}::text), f) > 0`;
    const { rows } = await sql<{ n: string }>`
      select count(*) as n from ${sql.table(`${c.table_schema}.${c.table_name}`)}
       where exists (select 1 from unnest(${forms}::text[]) f where ${holds})`.execute(t.db);
    if (Number(rows[0]?.n) > 0) hits.push(`${c.table_schema}.${c.table_name}.${c.column_name}`);
  }
  return hits;
}

describe('erasing a person', () => {
  it('leaves none of their values in any column of any table', async () => {
    const found: Record<string, string[]> = {};
    for (const v of values) {
      const hits = await columnsHolding(v);
      if (hits.length) found[v] = hits;
    }
    expect(found).toEqual({});
  });

  it('keeps the contact, anonymized, with its choices and no history of values', async () => {
    const contact = await t.db.selectFrom('records').selectAll().where('id', '=', w.records.carla).executeTakeFirstOrThrow();
    const data = contact.data as RecordData;
    expect(data.last_name).toBe(placeholder);
    expect(contact.display_name).toBe(placeholder);
    expect([data.first_name, data.email, data.phone, data.consent_date, data.consent_channels, data.description]).toEqual([null, null, null, null, null, null]);
    expect([data.processing_basis, data.consent_status, data.stop_processing]).toEqual(['consent', 'given', true]);
    const history = await t.db.selectFrom('record_changes').select('changes').where('record_id', '=', w.records.carla).execute();
    const entries = history.flatMap((h) => h.changes);
    expect(entries.length).toBeGreaterThan(10);
    expect(entries.every((e) => e.old === null && e.new === null && typeof e.field === 'string')).toBe(true);
    const cases = await t.db.selectFrom('records').select('id').where('id', 'in', [w.records.carlaCase1, w.records.carlaCase2]).execute();
    expect(cases).toHaveLength(2);
  });

  it('writes one audit entry naming the fields erased and the counts, never a value', async () => {
    const entries = await t.db.selectFrom('audit_log').selectAll().where('action', '=', 'privacy.erasure').execute();
    expect(entries).toHaveLength(1);
    const [entry] = entries;
    expect([entry?.target_type, entry?.target_id]).toEqual(['record', w.records.carla]);
    expect(entry?.details).toMatchObject({ notes: 2, attachments: 2, portalUsers: 1, emails: 3 });
    expect(entry?.details.erasedFields).toEqual(expect.arrayContaining(['first_name', 'last_name', 'email', 'phone', 'description', 'consent_date']));
    const text = JSON.stringify(entry?.details).toLowerCase();
    for (const v of values) expect(text).not.toContain(v.toLowerCase());
  });

  it('ends their portal access: the session no longer works and signing in again fails', async () => {
    const page = await customer.get(`${HELP}/m/cases`);
    expect([302, 303, 401]).toContain(page.status);
    if (page.status !== 401) expect(page.headers.get('Location')).toContain(`${HELP}/login`);
    const again = await browserClient(t.app).post(`${HELP}/login`, { email: zyx.email, password: carla.password });
    expect(again.status).not.toBe(303);
    expect(await t.db.selectFrom('portal_users').select('id').where('record_id', '=', w.records.carla).execute()).toEqual([]);
    expect(await t.db.selectFrom('sessions').select('id').where('user_id', '=', carlaUser).execute()).toEqual([]);
    expect(await t.db.selectFrom('password_resets').select('id').where('user_id', '=', carlaUser).execute()).toEqual([]);
  });

  it('leaves a person not involved with all her values', async () => {
    const dora = await t.db.selectFrom('records').selectAll().where('id', '=', w.records.dora).executeTakeFirstOrThrow();
    expect(dora.data).toEqual(doraBefore.data);
    expect([dora.display_name, dora.version]).toEqual([doraBefore.display_name, doraBefore.version]);
    expect(await t.db.selectFrom('portal_users').select('email').where('record_id', '=', w.records.dora).execute()).toEqual([
      { email: 'dora@initech.example' },
    ]);
    expect(await t.db.selectFrom('notes').select('body').where('record_id', '=', w.records.dora).execute()).toEqual([{ body: 'Dora prefers mornings' }]);
    const mails = await t.db.selectFrom('email_outbox').select(['to_address', 'subject', 'text']).orderBy('created_at').execute();
    expect(mails.find((m) => m.to_address === 'dora@initech.example')).toMatchObject({ subject: 'Hello Dora', text: 'Dear Ortiz' });
    expect(mails.find((m) => m.subject === `Call ${placeholder}`)?.text).toBe(`${placeholder} at ${placeholder}: ${placeholder}. Also Dora Ortiz.`);
    const mention = await t.db.selectFrom('audit_log').select('details').where('action', '=', 'test.mention').executeTakeFirstOrThrow();
    expect(mention.details).toEqual({ email: placeholder, title: placeholder, also: 'dora@initech.example' });
    for (const v of ['Dora', 'Ortiz', 'dora@initech.example']) expect((await columnsHolding(v)).length).toBeGreaterThan(0);
  });
});
