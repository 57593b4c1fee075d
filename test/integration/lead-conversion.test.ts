import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme, bruno, seedAcme, seedStandardUser } from '../support/fixtures.js';

let t: TestApp;
let ana: BrowserClient;

beforeAll(async () => {
  t = await startTestApp();
  await seedAcme(t.db);
  ana = browserClient(t.app);
  await ana.post('/admin/login', { email: acme.admin.email, password: acme.admin.password });
});
afterAll(() => t.close());

const idFrom = (location: string | null) => /\/([0-9a-f-]{36})(\?|$)/.exec(location ?? '')?.[1] ?? '';

function postPairs(client: BrowserClient, path: string, pairs: [string, string][]) {
  return client.request(path, { method: 'POST', body: new URLSearchParams(pairs), headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
}

async function recordsOf(module: string) {
  return t.db
    .selectFrom('records')
    .innerJoin('modules', 'modules.id', 'records.module_id')
    .selectAll('records')
    .where('modules.api_name', '=', module)
    .orderBy('records.created_at')
    .execute();
}

async function fieldId(module: string, field: string) {
  const row = await t.db
    .selectFrom('fields')
    .innerJoin('modules', 'modules.id', 'fields.module_id')
    .select('fields.id')
    .where('modules.api_name', '=', module)
    .where('fields.api_name', '=', field)
    .where('fields.parent_field_id', 'is', null)
    .executeTakeFirstOrThrow();
  return row.id;
}

async function createLead(client: BrowserClient, pairs: [string, string][]) {
  const res = await postPairs(client, '/admin/m/leads', pairs);
  expect(res.status).toBe(303);
  return idFrom(res.headers.get('Location'));
}

describe('converting a lead with a new account and a deal', () => {
  let leadId = '';
  let contactId = '';

  beforeAll(async () => {
    leadId = await createLead(ana, [
      ['first_name', 'Lúcia'],
      ['last_name', 'Ferreira'],
      ['company', 'Initech Iberia'],
      ['title', 'CTO'],
      ['email', 'Lucia@Initech.example'],
      ['phone', '+34 600 123 456'],
      ['website', 'initech.example'],
      ['lead_source', 'trade_show'],
      ['annual_revenue', '2500000'],
      ['language', 'pt-BR'],
      ['country', 'Spain'],
      ['description', 'Met at the Lisbon fair.'],
      ['processing_basis', 'consent'],
      ['consent_status', 'given'],
      ['consent_date', '2025-03-01'],
      ['consent_channels', 'email'],
      ['consent_channels', 'phone'],
    ]);
    expect((await ana.post(`/admin/m/leads/${leadId}/notes`, { body: 'Wants a demo in May.', visibility: 'customer' })).status).toBe(303);
    expect((await ana.post(`/admin/m/leads/${leadId}/notes`, { body: 'Budget approved internally.' })).status).toBe(303);
    const upload = new FormData();
    upload.set('file', new File([new TextEncoder().encode('requirements')], 'requirements.txt', { type: 'text/plain' }));
    expect((await ana.request(`/admin/m/leads/${leadId}/attachments`, { method: 'POST', body: upload })).status).toBe(303);
  });

  it('offers to create the account from the company by default', async () => {
    const res = await ana.get(`/admin/m/leads/${leadId}/convert`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toMatch(/<input[^>]*id="account-mode-create"[^>]*checked/);
    expect(html).toMatch(/<input[^>]*name="account_name"[^>]*value="Initech Iberia"/);
    expect(html).toContain('<label for="f-deal_stage">');
  });

  it('creates the contact, the account and the deal, and moves the notes and the attachment', async () => {
    const res = await ana.post(`/admin/m/leads/${leadId}/convert`, {
      account_mode: 'create',
      account_name: 'Initech Iberia',
      create_deal: 'on',
      deal_name: 'Initech platform',
      deal_amount: '12500',
      deal_stage: 'proposal',
      deal_closing_date: '2026-09-30',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toMatch(/^\/admin\/m\/contacts\/[0-9a-f-]{36}\?converted=1$/);
    contactId = idFrom(res.headers.get('Location'));

    const [account] = await recordsOf('accounts');
    expect(account?.display_name).toBe('Initech Iberia');
    expect(account?.data).toMatchObject({
      name: 'Initech Iberia',
      website: 'https://initech.example',
      phone: '+34 600 123 456',
      annual_revenue: 2500000,
      billing_country: 'Spain',
    });

    const contact = await t.db.selectFrom('records').selectAll().where('id', '=', contactId).executeTakeFirstOrThrow();
    const admin = await t.db.selectFrom('staff_users').select('id').where('email', '=', acme.admin.email).executeTakeFirstOrThrow();
    expect(contact.display_name).toBe('Lúcia Ferreira');
    expect(contact.owner_id).toBe(admin.id);
    expect(contact.data).toMatchObject({
      first_name: 'Lúcia',
      last_name: 'Ferreira',
      email: 'lucia@initech.example',
      phone: '+34 600 123 456',
      title: 'CTO',
      language: 'pt-BR',
      description: 'Met at the Lisbon fair.',
      mailing_country: 'Spain',
      processing_basis: 'consent',
      consent_status: 'given',
      consent_date: '2025-03-01',
      consent_channels: ['email', 'phone'],
      account: account?.id,
    });
    const contactRefs = await t.db.selectFrom('record_refs').selectAll().where('record_id', '=', contactId).execute();
    expect(contactRefs).toEqual([{ field_id: await fieldId('contacts', 'account'), target_id: account?.id, record_id: contactId }]);

    const [deal] = await recordsOf('deals');
    expect(deal?.data).toMatchObject({
      name: 'Initech platform',
      amount: 12500,
      stage: 'proposal',
      closing_date: '2026-09-30',
      account: account?.id,
      contact: contactId,
    });
    const dealRefs = await t.db
      .selectFrom('record_refs')
      .select(['field_id', 'target_id'])
      .where('record_id', '=', deal?.id ?? '')
      .orderBy('target_id')
      .execute();
    expect(dealRefs).toHaveLength(2);
    expect(dealRefs).toEqual(
      expect.arrayContaining([
        { field_id: await fieldId('deals', 'account'), target_id: account?.id },
        { field_id: await fieldId('deals', 'contact'), target_id: contactId },
      ]),
    );

    const notes = await t.db.selectFrom('notes').select(['record_id', 'body', 'internal']).orderBy('body').execute();
    expect(notes).toEqual([
      { record_id: contactId, body: 'Budget approved internally.', internal: true },
      { record_id: contactId, body: 'Wants a demo in May.', internal: false },
    ]);
    const files = await t.db.selectFrom('attachments').select(['record_id', 'filename']).execute();
    expect(files).toEqual([{ record_id: contactId, filename: 'requirements.txt' }]);

    const lead = await t.db.selectFrom('records').selectAll().where('id', '=', leadId).executeTakeFirstOrThrow();
    expect(lead.converted_at).toBeInstanceOf(Date);
    expect(lead.converted_to).toBe(contactId);
    expect(lead.state).toBe('active');
    expect(lead.deleted_at).toBeNull();
    const converts = await t.db.selectFrom('record_changes').select('record_id').where('action', '=', 'convert').execute();
    expect(converts.map((c) => c.record_id).sort()).toEqual([leadId, contactId].sort());
  });

  it('shows the contact with its moved notes, and the lead linked to it', async () => {
    const contactPage = await (await ana.get(`/admin/m/contacts/${contactId}?converted=1`)).text();
    expect(contactPage).toContain('Lead converted.');
    expect(contactPage).toContain('Wants a demo in May.');
    expect(contactPage).toContain('requirements.txt');
    const leadPage = await (await ana.get(`/admin/m/leads/${leadId}`)).text();
    expect(leadPage).toMatch(/This lead was converted to <a href="\/admin\/m\/contacts\/[0-9a-f-]{36}">Lúcia Ferreira<\/a>/);
    expect(leadPage).toContain(`href="/admin/m/contacts/${contactId}"`);
    expect(leadPage).not.toContain(`href="/admin/m/leads/${leadId}/convert"`);
    expect(leadPage).not.toContain('Wants a demo in May.');
  });

  it('refuses to convert the lead a second time', async () => {
    const again = await ana.post(`/admin/m/leads/${leadId}/convert`, { account_mode: 'none' });
    expect(again.status).toBe(409);
    const html = await again.text();
    expect(html).toContain('has already been converted');
    expect(html).toContain(`href="/admin/m/contacts/${contactId}"`);
    expect((await ana.get(`/admin/m/leads/${leadId}/convert`)).status).toBe(409);
    expect(await recordsOf('contacts')).toHaveLength(1);
    // The converted lead stays editable.
    expect((await ana.get(`/admin/m/leads/${leadId}/edit`)).status).toBe(200);
  });
});

describe('conversion input', () => {
  it('answers 422 with each deal error beside its field, in Portuguese, and creates nothing', async () => {
    const leadId = await createLead(ana, [
      ['last_name', 'Souza'],
      ['company', 'Umbrella Brasil'],
    ]);
    const [contactsBefore, accountsBefore, dealsBefore] = await Promise.all([recordsOf('contacts'), recordsOf('accounts'), recordsOf('deals')]);
    await ana.post('/lang', { lang: 'pt-BR', back: '/admin' });
    try {
      const res = await ana.post(`/admin/m/leads/${leadId}/convert`, {
        account_mode: 'create',
        account_name: 'Umbrella Brasil',
        create_deal: 'on',
        deal_name: 'Umbrella rollout',
        deal_stage: '',
        deal_closing_date: '',
      });
      expect(res.status).toBe(422);
      const html = await res.text();
      expect(html).toMatch(/id="f-deal_stage-error"[^>]*>Este campo é obrigatório/);
      expect(html).toMatch(/id="f-deal_closing_date-error"[^>]*>Este campo é obrigatório/);
      expect(html).not.toContain('id="f-deal_name-error"');
      // What the user typed comes back.
      expect(html).toMatch(/<input[^>]*name="deal_name"[^>]*value="Umbrella rollout"/);
      expect(html).toMatch(/<input[^>]*id="create-deal"[^>]*checked/);
    } finally {
      await ana.post('/lang', { lang: 'en', back: '/admin' });
    }
    expect(await recordsOf('contacts')).toHaveLength(contactsBefore.length);
    expect(await recordsOf('accounts')).toHaveLength(accountsBefore.length);
    expect(await recordsOf('deals')).toHaveLength(dealsBefore.length);
    const lead = await t.db.selectFrom('records').select(['converted_at', 'converted_to']).where('id', '=', leadId).executeTakeFirstOrThrow();
    expect(lead).toEqual({ converted_at: null, converted_to: null });
  });

  it('links an existing account chosen by name', async () => {
    const acc = await ana.post('/admin/m/accounts', { name: 'Globex Iberia' });
    const globexId = idFrom(acc.headers.get('Location'));
    const leadId = await createLead(ana, [
      ['first_name', 'Marta'],
      ['last_name', 'Gil'],
    ]);
    const form = await (await ana.get(`/admin/m/leads/${leadId}/convert`)).text();
    // Without a company, nothing is created unless the user asks.
    expect(form).toMatch(/<input[^>]*id="account-mode-none"[^>]*checked/);
    const accountsBefore = await recordsOf('accounts');

    const unknown = await ana.post(`/admin/m/leads/${leadId}/convert`, { account_mode: 'existing', existing_account: 'Globex Portugal' });
    expect(unknown.status).toBe(422);
    expect(await unknown.text()).toMatch(/id="existing_account-error"[^>]*>No record has this name/);

    const res = await ana.post(`/admin/m/leads/${leadId}/convert`, { account_mode: 'existing', existing_account: 'globex iberia' });
    expect(res.status).toBe(303);
    const contactId = idFrom(res.headers.get('Location'));
    const contact = await t.db.selectFrom('records').select('data').where('id', '=', contactId).executeTakeFirstOrThrow();
    expect(contact.data).toMatchObject({ first_name: 'Marta', last_name: 'Gil', account: globexId });
    expect(await t.db.selectFrom('record_refs').select('target_id').where('record_id', '=', contactId).execute()).toEqual([{ target_id: globexId }]);
    expect(await recordsOf('accounts')).toHaveLength(accountsBefore.length);
  });
});

describe('conversion permissions', () => {
  it('refuses a standard user who may not create contacts with 403', async () => {
    await seedStandardUser(t.db);
    const bob = browserClient(t.app);
    await bob.post('/admin/login', { email: bruno.email, password: bruno.password });
    const leadId = await createLead(bob, [
      ['last_name', 'Own lead'],
      ['company', 'Bruno & Co'],
    ]);
    // With the profile's permission the form opens; the lead is his own.
    expect((await bob.get(`/admin/m/leads/${leadId}/convert`)).status).toBe(200);

    const standard = await t.db.selectFrom('profiles').select('id').where('api_name', '=', 'standard').executeTakeFirstOrThrow();
    const contacts = await t.db.selectFrom('modules').select('id').where('api_name', '=', 'contacts').executeTakeFirstOrThrow();
    const removed = await t.db
      .deleteFrom('profile_permissions')
      .where('profile_id', '=', standard.id)
      .where('module_id', '=', contacts.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    try {
      const contactsBefore = await recordsOf('contacts');
      expect((await bob.get(`/admin/m/leads/${leadId}/convert`)).status).toBe(403);
      const res = await bob.post(`/admin/m/leads/${leadId}/convert`, { account_mode: 'none' });
      expect(res.status).toBe(403);
      expect(await recordsOf('contacts')).toHaveLength(contactsBefore.length);
      const lead = await t.db.selectFrom('records').select('converted_at').where('id', '=', leadId).executeTakeFirstOrThrow();
      expect(lead.converted_at).toBeNull();
      // A lead he does not own is outside his scope: not found, as on its own page.
      const other = await createLead(ana, [['last_name', 'Ana’s lead']]);
      expect((await bob.get(`/admin/m/leads/${other}/convert`)).status).toBe(404);
    } finally {
      await t.db.insertInto('profile_permissions').values(removed).execute();
    }
  });
});
