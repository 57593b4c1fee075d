import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModuleMeta, type ModuleMeta } from '../../src/crm/metadata.js';
import { createRecordIn } from '../../src/crm/records.js';
import { addRule } from '../../src/invitations/auto-invite.js';
import { QUEUES } from '../../src/jobs/queues.js';
import { createPortal } from '../../src/portals/portals.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme, seedAcme } from '../support/fixtures.js';
import { waitFor } from '../support/wait.js';

// Automatic invitations follow every write people make, queued in the write's
// own transaction and sent by the worker: a staff form, a CSV import, a lead's
// conversion. A write that rolls back invites nobody.

let t: TestApp;
let ana: BrowserClient;
let anaId: string;
let contacts: ModuleMeta;
let customersType: string;

beforeAll(async () => {
  t = await startTestApp({ worker: true });
  anaId = (await seedAcme(t.db)).admin.id;
  ana = browserClient(t.app);
  expect((await ana.post('/admin/login', { email: acme.admin.email, password: acme.admin.password })).status).toBe(303);
  contacts = (await loadModuleMeta(t.db, 'contacts')) as ModuleMeta;
  const created = await createPortal(t.db, { kind: 'staff', id: anaId }, { name: 'Acme Care' });
  if (!created.ok) throw new Error('no portal');
  const type = await t.db.selectFrom('portal_user_types').selectAll().where('portal_id', '=', created.portal.id).executeTakeFirstOrThrow();
  customersType = type.id;
  // Contacts whose job title is "Partner" are invited to Acme Care.
  const title = contacts.byName.get('title');
  expect((await addRule(t.db, anaId, type, contacts, { fieldId: title?.id ?? '', value: 'Partner' })).ok).toBe(true);
});
afterAll(() => t.close());

const contactByEmail = (email: string) =>
  t.db.selectFrom('records').select('id').where('module_id', '=', contacts.module.id).where(sql<boolean>`data->>'email' = ${email}`).executeTakeFirst();
const portalUserOf = (recordId: string) =>
  t.db.selectFrom('portal_users').select(['user_type_id', 'status', 'invited_by', 'email']).where('record_id', '=', recordId).executeTakeFirst();
const invitationMails = (address: string) =>
  t.db.selectFrom('email_outbox').select(['subject', 'text']).where('to_address', '=', address).where('template', '=', 'portal-invitation').execute();
const autoInviteJobs = async (recordId?: string) =>
  Number(
    (
      await sql<{ n: string }>`select count(*) as n from pgboss.job where name = ${QUEUES.autoInvite} ${
        recordId ? sql`and data->>'recordId' = ${recordId}` : sql``
      }`.execute(t.db)
    ).rows[0]?.n,
  );

/** Waits for the worker to invite the record, then answers its portal user and invitation emails. */
async function invitedAfterJob(recordId: string, email: string) {
  await waitFor(async () => (await portalUserOf(recordId)) !== undefined && (await invitationMails(email)).length > 0);
  return { user: await portalUserOf(recordId), mails: await invitationMails(email) };
}

describe('automatic invitations queued with the write', () => {
  it('follow a staff save, with a notice that the invitation will be sent', async () => {
    const res = await ana.post('/admin/m/contacts', { first_name: 'Sara', last_name: 'Staff', email: 'sara@globex.example', title: 'Partner' });
    expect(res.status).toBe(303);
    const location = res.headers.get('Location') ?? '';
    expect(location).toContain('created=1&autoInvite=queued');
    const id = /\/([0-9a-f-]{36})\?/.exec(location)?.[1] ?? '';
    const { user, mails } = await invitedAfterJob(id, 'sara@globex.example');
    expect(user).toEqual({ user_type_id: customersType, status: 'invited', invited_by: anaId, email: 'sara@globex.example' });
    expect(mails).toHaveLength(1);
    expect(mails[0]?.text).toMatch(/http:\/\/porta\.test\/p\/acme-care\/invite\/[a-z2-7]{32}/);
  });

  it('follow a CSV import of a matching row, by the staff user who imported it', async () => {
    const form = new FormData();
    const csv = 'First name,Last name,Email,Title\nIris,Import,iris@globex.example,Partner\nOtto,Other,otto@globex.example,Buyer\n';
    form.set('file', new File([csv], 'partners.csv', { type: 'text/csv' }));
    const uploaded = await ana.request('/admin/m/contacts/import', { method: 'POST', body: form });
    expect(uploaded.status).toBe(303);
    const url = `/admin/m/contacts/import/${/\/import\/([0-9a-f-]{36})/.exec(uploaded.headers.get('Location') ?? '')?.[1]}`;
    const mapping = await (await ana.get(`${url}/mapping`)).text();
    const chosen = [...mapping.matchAll(/<select id="col-\d+"[^>]*>([\s\S]*?)<\/select>/g)].map(
      (m) => /<option value="([^"]*)" selected/.exec(m[1] ?? '')?.[1] ?? '',
    );
    expect(chosen).toEqual(['first_name', 'last_name', 'email', 'title'].map((n) => contacts.byName.get(n)?.id));
    expect((await ana.post(`${url}/mapping`, Object.fromEntries(chosen.map((id, i) => [`col-${i}`, id])))).status).toBe(303);
    expect((await ana.post(`${url}/start`, {})).status).toBe(303);

    await waitFor(async () => (await contactByEmail('iris@globex.example')) !== undefined, { timeoutMs: 60_000 });
    const iris = (await contactByEmail('iris@globex.example'))?.id ?? '';
    const { user, mails } = await invitedAfterJob(iris, 'iris@globex.example');
    expect(user).toMatchObject({ user_type_id: customersType, status: 'invited', invited_by: anaId });
    expect(mails).toHaveLength(1);
    // The row that matches no rule was judged too, and left alone.
    const otto = (await contactByEmail('otto@globex.example'))?.id ?? '';
    const ottoJob = () => sql<{ state: string }>`select state from pgboss.job where name = ${QUEUES.autoInvite} and data->>'recordId' = ${otto}`.execute(t.db);
    await waitFor(async () => (await ottoJob()).rows[0]?.state === 'completed');
    expect((await ottoJob()).rows).toHaveLength(1);
    expect(await portalUserOf(otto)).toBeUndefined();
  });

  it('follow the conversion of a matching lead into a contact', async () => {
    const created = await ana.post('/admin/m/leads', {
      first_name: 'Luz',
      last_name: 'Lead',
      email: 'luz@globex.example',
      title: 'Partner',
      company: 'Globex',
    });
    expect(created.status).toBe(303);
    const leadId = /\/([0-9a-f-]{36})/.exec(created.headers.get('Location') ?? '')?.[1] ?? '';
    const converted = await ana.post(`/admin/m/leads/${leadId}/convert`, { account_mode: 'none' });
    expect(converted.status).toBe(303);
    const contactId = /\/contacts\/([0-9a-f-]{36})/.exec(converted.headers.get('Location') ?? '')?.[1] ?? '';
    const { user, mails } = await invitedAfterJob(contactId, 'luz@globex.example');
    expect(user).toMatchObject({ user_type_id: customersType, status: 'invited', invited_by: anaId });
    expect(mails).toHaveLength(1);
  });

  it('are never queued by a write whose transaction rolls back', async () => {
    let recordId = '';
    await expect(
      t.db.transaction().execute(async (trx) => {
        const record = await createRecordIn(
          trx,
          { kind: 'staff', id: anaId },
          contacts,
          { data: { last_name: 'Rolf', email: 'rolf@globex.example', title: 'Partner' }, layoutId: contacts.defaultLayout?.id ?? null, ownerId: anaId },
          { jobs: t.boss },
        );
        recordId = record.id;
        // Inside the transaction the job is there, with the write.
        expect(Number((await sql<{ n: string }>`select count(*) as n from pgboss.job where data->>'recordId' = ${record.id}`.execute(trx)).rows[0]?.n)).toBe(1);
        throw new Error('the rest of the change failed');
      }),
    ).rejects.toThrow('the rest of the change failed');
    expect(recordId).not.toBe('');
    expect(await autoInviteJobs(recordId)).toBe(0);
    expect(await t.db.selectFrom('portal_users').select('id').where('email', '=', 'rolf@globex.example').execute()).toEqual([]);
    expect(await invitationMails('rolf@globex.example')).toEqual([]);
  });
});
