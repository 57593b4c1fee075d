import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/auth/passwords.js';
import { loadModuleMeta, type ModuleMeta } from '../../src/crm/metadata.js';
import { type Actor, createRecord, type RecordData } from '../../src/crm/records.js';
import { runQueuedInvites } from '../../src/invitations/batches.js';
import { inviteRecord } from '../../src/invitations/invite.js';
import { createPortal } from '../../src/portals/portals.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme, bruno, seedAcme, seedStandardUser } from '../support/fixtures.js';
import { waitFor } from '../support/wait.js';

let t: TestApp;
let ana: BrowserClient;
let anaId: string;
let portalId: string;
let typeId: string;
let contacts: ModuleMeta;
let base: string;

const paula = { email: 'paula@acme.example', name: 'Paula Portals', password: 'Portal-Users-55' };
const carlos = { email: 'carlos@acme.example', name: 'Carlos Config', password: 'Portal-Config-66' };

async function staffWithProfile(who: typeof paula, flags: { manage_portals: boolean; manage_portal_users: boolean }) {
  const profile = await t.db
    .insertInto('profiles')
    .values({ id: randomUUID(), api_name: `p_${who.email.split('@')[0]}`, label_key: null, name: who.name, ...flags })
    .returning('id')
    .executeTakeFirstOrThrow();
  await t.db.insertInto('profile_permissions').values({ profile_id: profile.id, module_id: contacts.module.id, can_view: true, can_create: true }).execute();
  return t.db
    .insertInto('staff_users')
    .values({ email: who.email, name: who.name, password_hash: await hashPassword(who.password), profile_id: profile.id })
    .returning('id')
    .executeTakeFirstOrThrow();
}

async function signIn(who: { email: string; password: string }) {
  const client = browserClient(t.app);
  const res = await client.post('/admin/login', { email: who.email, password: who.password });
  expect(res.status).toBe(303);
  return client;
}

const rec = async (data: RecordData, owner = anaId) =>
  (await createRecord(t.db, { kind: 'staff', id: owner } as Actor, contacts, { data, layoutId: contacts.defaultLayout?.id as string, ownerId: owner })).id;

/** Rows written straight into the table, as a large import leaves them (no search text needed here). */
async function bulkRecords(rows: { name: string; email?: string; deleted?: boolean; data?: RecordData }[]) {
  const values = rows.map((r) => ({
    module_id: contacts.module.id,
    layout_id: contacts.defaultLayout?.id as string,
    owner_id: anaId,
    created_by_staff_id: anaId,
    data: JSON.stringify({ last_name: r.name, ...(r.email ? { email: r.email } : {}), ...r.data }),
    display_name: r.name,
    deleted_at: r.deleted ? new Date() : null,
  }));
  const ids: string[] = [];
  for (let i = 0; i < values.length; i += 500) {
    ids.push(
      ...(
        await t.db
          .insertInto('records')
          .values(values.slice(i, i + 500))
          .returning('id')
          .execute()
      ).map((r) => r.id),
    );
  }
  return ids;
}

const batchOf = (res: Response) => {
  const id = /\/batches\/([0-9a-f-]{36})$/.exec(res.headers.get('location') ?? '')?.[1];
  if (!id) throw new Error(`no batch in ${res.status} ${res.headers.get('location')}`);
  return id;
};

async function finished(batchId: string) {
  await waitFor(
    async () => (await t.db.selectFrom('invitation_batches').select('status').where('id', '=', batchId).executeTakeFirstOrThrow()).status === 'done',
    { timeoutMs: 60_000, intervalMs: 100 },
  );
  return t.db.selectFrom('invitation_batches').selectAll().where('id', '=', batchId).executeTakeFirstOrThrow();
}

const results = (batchId: string) => t.db.selectFrom('invitation_results').select(['record_id', 'outcome', 'reason']).where('batch_id', '=', batchId).execute();

/** The page's text without tags, spaces collapsed. */
const text = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, ' ');

beforeAll(async () => {
  t = await startTestApp({ worker: true });
  anaId = (await seedAcme(t.db)).admin.id;
  contacts = (await loadModuleMeta(t.db, 'contacts')) as ModuleMeta;
  ana = await signIn(acme.admin);
  const created = await createPortal(t.db, { kind: 'staff', id: anaId }, { name: 'Acme Care' });
  if (!created.ok) throw new Error('portal not created');
  portalId = created.portal.id;
  typeId = (await t.db.selectFrom('portal_user_types').select('id').where('portal_id', '=', portalId).executeTakeFirstOrThrow()).id;
  base = `/admin/settings/portals/${portalId}/invite`;
});
afterAll(() => t.close());

describe('choosing whom to invite', () => {
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    ids.alice = await rec({ first_name: 'Alice', last_name: 'Zephyr', email: 'alice.zephyr@globex.example' });
    ids.bob = await rec({ first_name: 'Bob', last_name: 'Zephyr' });
    ids.blank = await rec({ first_name: 'Blanca', last_name: 'Zephyr', email: '   ' });
    ids.carol = await rec({ first_name: 'Carol', last_name: 'Zephyr', email: 'carol.zephyr@initech.example' });
    ids.dan = await rec({ first_name: 'Dan', last_name: 'Zephyr', email: 'dan.zephyr@globex.example' });
    ids.erin = await rec({ first_name: 'Erin', last_name: 'Zephyr', email: 'erin@umbrella.example' });
    expect(
      (await inviteRecord({ db: t.db, boss: t.boss, baseUrl: 'http://porta.test' }, { recordId: ids.carol, userTypeId: typeId, staffId: anaId })).outcome,
    ).toBe('sent');
    await t.db.updateTable('records').set({ deleted_at: new Date() }).where('id', '=', ids.dan).execute();
  });

  it('lists only records with an email address that are not portal users yet, with "select all" for the whole search', async () => {
    const res = await ana.get(`${base}?type=${typeId}&q=zephyr`);
    expect(res.status).toBe(200);
    const html = await res.text();
    const page = text(html);
    expect(page).toContain('Alice Zephyr');
    expect(page).toContain('alice.zephyr@globex.example');
    expect(page).toContain('Erin Zephyr');
    for (const absent of ['Bob Zephyr', 'Blanca Zephyr', 'Carol Zephyr', 'Dan Zephyr']) expect(page).not.toContain(absent);
    expect(page).toContain('2 records match “zephyr”.');
    expect(page).toContain('Select all 2 records matching “zephyr”, on every page');
    expect(html).toContain(`name="record" value="${ids.alice}"`);
    expect(html).toMatch(/<label for="invite-all">/);
  });

  it('searches by name and by part of the address', async () => {
    const byName = text(await (await ana.get(`${base}?type=${typeId}&q=alice`)).text());
    expect(byName).toContain('Alice Zephyr');
    expect(byName).not.toContain('Erin Zephyr');
    const byAddress = text(await (await ana.get(`${base}?type=${typeId}&q=${encodeURIComponent('umbrella.ex')}`)).text());
    expect(byAddress).toContain('Erin Zephyr');
    expect(byAddress).not.toContain('Alice Zephyr');
    expect(byAddress).toContain('1 record matches “umbrella.ex”.');
  });

  it('pages 25 at a time with a next link that keeps the search', async () => {
    await bulkRecords(Array.from({ length: 30 }, (_, i) => ({ name: `Pager ${String(i).padStart(2, '0')}`, email: `pager${i}@globex.example` })));
    const first = await (await ana.get(`${base}?type=${typeId}&q=pager`)).text();
    expect(first.match(/name="record"/g)).toHaveLength(25);
    const next = /href="([^"]*after=[^"]*)"/.exec(first)?.[1]?.replaceAll('&amp;', '&') as string;
    expect(next).toContain('q=pager');
    const second = text(await (await ana.get(next)).text());
    expect(second).toContain('Pager 25');
    expect(second).toContain('Pager 29');
    expect(second).not.toContain('Pager 24');
  });

  it('"select all matching" makes the batch exactly the search, not the page', async () => {
    const res = await ana.post(base, { type: typeId, q: 'pager', all: '1', mode: 'dry' });
    expect(res.status).toBe(303);
    const batch = await finished(batchOf(res));
    expect(batch).toMatchObject({ total: 30, dry_run: true, status: 'done', user_type_id: typeId, created_by: anaId });
    expect(await results(batch.id)).toHaveLength(30);
  });

  it('refuses a send with nothing chosen, or a type of another portal, and queues nothing', async () => {
    const before = await t.db
      .selectFrom('invitation_batches')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    const none = await ana.post(base, { type: typeId, q: '', mode: 'send' });
    expect(none.status).toBe(422);
    expect(text(await none.text())).toContain('Choose at least one record, or select all matching records.');
    const other = await ana.post(base, { type: randomUUID(), record: ids.alice as string, mode: 'send' });
    expect(other.status).toBe(422);
    expect(text(await other.text())).toContain("Choose one of this portal's user types.");
    const after = await t.db
      .selectFrom('invitation_batches')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });
});

describe('sending 1,000 mixed records through the worker', () => {
  let batchId: string;
  const expected: Record<string, number> = {};
  const kinds = ['valid', 'noConsent', 'company', 'disposable', 'invited', 'binned', 'accent', 'twin'] as const;
  type Kind = (typeof kinds)[number];
  const kindOf = (i: number) => kinds[i % kinds.length] as Kind;

  beforeAll(async () => {
    await t.db.updateTable('org').set({ gdpr_enabled: true }).execute();
    const rows = Array.from({ length: 1000 }, (_, i) => {
      const kind = kindOf(i);
      const n = String(i).padStart(4, '0');
      const email = {
        valid: `mixed${n}@globex.example`,
        noConsent: `mixed${n}@initech.example`,
        company: `mixed${n}@acme.example`,
        disposable: `mixed${n}@mailinator.com`,
        invited: `mixed${n}@invited.example`,
        binned: `mixed${n}@binned.example`,
        accent: `mïxed${n}@globex.example`,
        // Two records, one address: the portal signs people in by address, so only the first is invited.
        twin: `twins${Math.floor(i / 16)}@globex.example`,
      }[kind];
      const consent = kind === 'noConsent' ? 'not_asked' : 'given';
      return { name: `Mixed ${n}`, email, deleted: kind === 'binned', data: { consent_status: consent } };
    });
    const ids = await bulkRecords(rows);
    // Records that became portal users after the list was drawn.
    const invited = ids.filter((_, i) => kindOf(i) === 'invited');
    const deps = { db: t.db, boss: t.boss, baseUrl: 'http://porta.test' };
    for (const recordId of invited) expect((await inviteRecord(deps, { recordId, userTypeId: typeId, staffId: anaId })).outcome).toBe('sent');
    const res = await ana.request(base, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams([['type', typeId], ['mode', 'send'], ...ids.map((id) => ['record', id] as [string, string])]),
    });
    expect(res.status).toBe(303);
    batchId = batchOf(res);
    // 125 of each kind; the 125 twins share 63 addresses (62 pairs and one alone).
    Object.assign(expected, {
      sent: 125 + 63,
      no_consent: 125,
      company_domain: 125,
      disposable_domain: 125,
      already_portal_user: 125 + 62,
      recycle_bin: 125,
      invalid_characters: 125,
    });
  });
  afterAll(() => t.db.updateTable('org').set({ gdpr_enabled: false }).execute());

  it('ends with exactly one result per record, and the batch done', { timeout: 90_000 }, async () => {
    const batch = await finished(batchId);
    expect(batch.total).toBe(1000);
    expect(batch.finished_at).toBeInstanceOf(Date);
    const rows = await results(batchId);
    expect(rows).toHaveLength(1000);
    expect(new Set(rows.map((r) => r.record_id)).size).toBe(1000);
    const count = (outcome: string, reason: string | null) => rows.filter((r) => r.outcome === outcome && r.reason === reason).length;
    expect(count('sent', null)).toBe(expected.sent);
    for (const reason of ['no_consent', 'company_domain', 'disposable_domain', 'already_portal_user', 'recycle_bin', 'invalid_characters'])
      expect([reason, count('failed', reason)]).toEqual([reason, expected[reason]]);
    // Every invitation sent made one portal user and one email; failures made neither.
    const sentIds = rows.filter((r) => r.outcome === 'sent').map((r) => r.record_id);
    const users = await t.db.selectFrom('portal_users').select(['record_id', 'email']).where('record_id', 'in', sentIds).execute();
    expect(users).toHaveLength(188);
    const mails = await t.db
      .selectFrom('email_outbox')
      .select('to_address')
      .where(
        'to_address',
        'in',
        users.map((u) => u.email),
      )
      .execute();
    expect(mails).toHaveLength(188);
  });

  it('shows the summary with the counts, and the failed list with each reason in words', async () => {
    const page = text(await (await ana.get(`${base}/batches/${batchId}`)).text());
    expect(page).toContain('Done with failures: 188 sent, 812 failed.');
    expect(page).toContain('1,000 of 1,000');
    expect(page).toContain('View failed invitees');

    const nextOf = (html: string) => /href="([^"]*\/failed\?after=[^"]*)"/.exec(html)?.[1]?.replaceAll('&amp;', '&');
    const pages: string[] = [];
    for (let url: string | undefined = `${base}/batches/${batchId}/failed`; url; url = nextOf(pages.at(-1) ?? '')) {
      const res = await ana.get(url);
      expect(res.status).toBe(200);
      pages.push(await res.text());
    }
    expect(pages).toHaveLength(Math.ceil(812 / 25));
    expect(pages[0]?.match(/<tr>/g)).toHaveLength(26);
    const first = text(pages[0] ?? '');
    // Name order: Mixed 0001 (no consent) is the first failure.
    expect(first).toMatch(/Mixed 0001 mixed0001@initech\.example Failed Data protection is on and the record has not given consent/);
    expect(first).toContain('Mixed 0002 mixed0002@acme.example Failed The email address is in one of the company');
    expect(text(pages[1] ?? '')).not.toContain('Mixed 0001 ');
    const all = pages.map(text).join(' ');
    for (const reason of [
      'The record is in the recycle bin.',
      'The record is already a portal user.',
      'disposable or anonymous email provider',
      'characters other than',
    ])
      expect(all).toContain(reason);
    // Every failed record once, each with its reason.
    expect(pages.join('').match(/badge-failed/g)).toHaveLength(812);
    expect(new Set([...all.matchAll(/Mixed (\d{4})/g)].map((m) => m[1])).size).toBe(812);
  });

  it('answers the polling fragment alone, without polling once the batch is done', async () => {
    const res = await ana.get(`${base}/batches/${batchId}/progress`, { 'HX-Request': 'true' });
    const html = await res.text();
    expect(html.startsWith('<div id="batch-status"')).toBe(true);
    expect(html).toContain('<progress aria-labelledby="batch-progress-label" max="1000" value="1000">');
    expect(html).not.toContain('hx-trigger');
  });
});

describe('one record that cannot be written', () => {
  it('fails only its own job: the rest of its group is invited one by one', async () => {
    // A rule of the database's own refuses one address, as a constraint added by an administrator would.
    await sql`create function refuse_one() returns trigger language plpgsql as $$
      begin if new.email = 'refused@globex.example' then raise exception 'refused by a database rule'; end if; return new; end $$`.execute(t.db);
    await sql`create trigger refuse_one before insert on portal_users for each row execute function refuse_one()`.execute(t.db);
    try {
      const ids = await bulkRecords(
        Array.from({ length: 10 }, (_, i) => ({ name: `Group ${i}`, email: i === 4 ? 'refused@globex.example' : `group${i}@globex.example` })),
      );
      const batch = await t.db
        .insertInto('invitation_batches')
        .values({ portal_id: portalId, user_type_id: typeId, created_by: anaId, total: 10 })
        .returning('id')
        .executeTakeFirstOrThrow();
      const errors: number[] = [];
      const outcomes = await runQueuedInvites(
        { db: t.db, boss: t.boss, baseUrl: 'http://porta.test' },
        ids.map((recordId, i) => ({ jobId: `job-${i}`, job: { batchId: batch.id, recordId, userTypeId: typeId, staffId: anaId, dryRun: false } })),
        (_err, _job, size) => errors.push(size),
      );
      expect(errors).toEqual([10, 1]);
      expect([...outcomes.entries()].filter(([, o]) => !o.ok).map(([id]) => id)).toEqual(['job-4']);
      const rows = await results(batch.id);
      expect(rows).toHaveLength(9);
      expect(rows.every((r) => r.outcome === 'sent')).toBe(true);
      expect(rows.map((r) => r.record_id)).not.toContain(ids[4]);
      // Its job is retried later; until its record has a result, the batch is not done.
      expect((await t.db.selectFrom('invitation_batches').select('status').where('id', '=', batch.id).executeTakeFirstOrThrow()).status).toBe('running');

      // Its last attempt fails too: the record gets "could not be processed" and the batch finishes.
      const last = await runQueuedInvites(
        { db: t.db, boss: t.boss, baseUrl: 'http://porta.test' },
        [{ jobId: 'job-4', job: { batchId: batch.id, recordId: ids[4] as string, userTypeId: typeId, staffId: anaId, dryRun: false }, final: true }],
        () => {},
      );
      expect(last.get('job-4')).toEqual({ ok: true });
      const after = await results(batch.id);
      expect(after.find((r) => r.record_id === ids[4])).toMatchObject({ outcome: 'failed', reason: 'processing_error' });
      expect((await t.db.selectFrom('invitation_batches').select('status').where('id', '=', batch.id).executeTakeFirstOrThrow()).status).toBe('done');
    } finally {
      await sql`drop trigger refuse_one on portal_users`.execute(t.db);
      await sql`drop function refuse_one()`.execute(t.db);
    }
  });
});

describe('a batch still running', () => {
  it('polls every second, and offers a plain Refresh link without JavaScript', async () => {
    const batch = await t.db
      .insertInto('invitation_batches')
      .values({ portal_id: portalId, user_type_id: typeId, created_by: anaId, total: 3 })
      .returning('id')
      .executeTakeFirstOrThrow();
    const html = await (await ana.get(`${base}/batches/${batch.id}`)).text();
    expect(html).toContain(`hx-get="${base}/batches/${batch.id}/progress"`);
    expect(html).toContain('hx-trigger="every 1s"');
    expect(html).toContain('<progress aria-labelledby="batch-progress-label" max="3" value="0">');
    expect(html).toMatch(new RegExp(`<a href="${base}/batches/${batch.id}">Refresh</a>`));
    expect(html).not.toContain('http-equiv');
    expect(text(html)).toMatch(/Sending invitations… 0% 0 of 3/);
  });
});

describe('a dry run', () => {
  it('predicts every outcome, sends nothing, creates no portal user, and downloads as CSV', { timeout: 60_000 }, async () => {
    const ids = [
      await rec({ first_name: 'Quinn', last_name: 'Smith, "Q"', email: 'quinn@globex.example' }),
      await rec({ first_name: 'Renée', last_name: 'Dry', email: 'renee@mailinator.com' }),
      await rec({ first_name: '=SUM(A1)', last_name: 'Dry', email: 'formula@globex.example' }),
    ];
    const res = await ana.request(base, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams([['type', typeId], ['mode', 'dry'], ...ids.map((id) => ['record', id] as [string, string])]),
    });
    const batch = await finished(batchOf(res));
    expect(batch.dry_run).toBe(true);
    const rows = await results(batch.id);
    expect(rows.map((r) => [r.outcome, r.reason]).sort()).toEqual([
      ['failed', 'disposable_domain'],
      ['would_send', null],
      ['would_send', null],
    ]);
    expect(await t.db.selectFrom('portal_users').select('id').where('record_id', 'in', ids).execute()).toEqual([]);
    expect(
      await t.db
        .selectFrom('email_outbox')
        .select('id')
        .where('to_address', 'in', ['quinn@globex.example', 'renee@mailinator.com', 'formula@globex.example'])
        .execute(),
    ).toEqual([]);

    const page = text(await (await ana.get(`${base}/batches/${batch.id}`)).text());
    expect(page).toContain('Prediction done with failures: 2 would be sent, 1 would fail.');
    expect(page).toContain('Renée Dry renee@mailinator.com Would fail The email address is at a disposable or anonymous email provider.');
    expect(page).toContain('Quinn Smith, "Q" quinn@globex.example Would be sent');

    const csv = await ana.get(`${base}/batches/${batch.id}/outcomes.csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toContain('attachment; filename="predicted-invitations.csv"');
    const bytes = new Uint8Array(await csv.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(new TextDecoder().decode(bytes.slice(3))).toBe(
      [
        '"Name","Email","Outcome","Reason code","Reason"',
        `"'=SUM(A1) Dry","formula@globex.example","Would be sent","",""`,
        '"Quinn Smith, ""Q""","quinn@globex.example","Would be sent","",""',
        '"Renée Dry","renee@mailinator.com","Would fail","disposable_domain","The email address is at a disposable or anonymous email provider."',
        '',
      ].join('\r\n'),
    );
  });

  it('writes the CSV in the reader’s language', async () => {
    const batch = await t.db.selectFrom('invitation_batches').select('id').where('dry_run', '=', true).orderBy('created_at', 'desc').executeTakeFirstOrThrow();
    await t.db.updateTable('staff_users').set({ language: 'fr' }).where('id', '=', anaId).execute();
    try {
      const body = (await (await ana.get(`${base}/batches/${batch.id}/outcomes.csv`)).text()).replace(/^\uFEFF/, '');
      expect(body.split('\r\n')[0]).toBe('"Nom","Adresse e-mail","Résultat","Code du motif","Motif"');
      expect(body).toContain(
        `"Renée Dry","renee@mailinator.com","Échouerait","disposable_domain","L'adresse e-mail est chez un fournisseur de messagerie jetable ou anonyme."`,
      );
    } finally {
      await t.db.updateTable('staff_users').set({ language: null }).where('id', '=', anaId).execute();
    }
  });
});

describe('who may invite', () => {
  it('refuses staff without "manage portal users" (403), even with "manage portals"', async () => {
    await seedStandardUser(t.db);
    const standard = await signIn(bruno);
    expect((await standard.get(base)).status).toBe(403);
    expect((await standard.post(base, { type: typeId, all: '1', mode: 'send' })).status).toBe(403);
    await staffWithProfile(carlos, { manage_portals: true, manage_portal_users: false });
    const configurator = await signIn(carlos);
    expect((await configurator.get(base)).status).toBe(403);
    // The configurator itself still answers them.
    expect((await configurator.get(`/admin/settings/portals/${portalId}`)).status).toBe(200);
  });

  it('lets "manage portal users" alone invite, within the records that user can reach', { timeout: 60_000 }, async () => {
    const paulaId = (await staffWithProfile(paula, { manage_portals: false, manage_portal_users: true })).id;
    const own = await rec({ first_name: 'Owned', last_name: 'ByPaula', email: 'owned.bypaula@globex.example' }, paulaId);
    await rec({ first_name: 'Owned', last_name: 'ByAna', email: 'owned.byana@globex.example' });
    const client = await signIn(paula);
    expect((await client.get(`/admin/settings/portals/${portalId}`)).status).toBe(403);
    const page = text(await (await client.get(`${base}?type=${typeId}&q=owned`)).text());
    expect(page).toContain('Owned ByPaula');
    expect(page).not.toContain('Owned ByAna');
    expect(page).toContain('1 record matches “owned”.');
    const res = await client.post(base, { type: typeId, q: 'owned', all: '1', mode: 'send' });
    const batch = await finished(batchOf(res));
    expect(batch.total).toBe(1);
    expect(await results(batch.id)).toEqual([{ record_id: own, outcome: 'sent', reason: null }]);
    // Another user's batch is not found, whoever asks.
    const anasBatch = await t.db.selectFrom('invitation_batches').select('id').where('created_by', '=', anaId).executeTakeFirstOrThrow();
    expect((await client.get(`${base}/batches/${anasBatch.id}`)).status).toBe(404);
  });
});
