import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runQueuedInvites } from '../../src/invitations/batches.js';
import { inviteRecord } from '../../src/invitations/invite.js';
import type { BrowserClient, TestApp } from '../support/app.js';
import { batchOf, bulkRecords, finished, results, startBulkInviteWorld, text } from '../support/bulk-invite-world.js';

// Bulk invitations, the sending side: a batch of 1,000 mixed records through
// the worker, one record the database refuses, and a batch still running.

let t: TestApp;
let ana: BrowserClient;
let anaId: string;
let portalId: string;
let typeId: string;
let base: string;

beforeAll(async () => {
  ({ t, ana, anaId, portalId, typeId, base } = await startBulkInviteWorld());
});
afterAll(() => t.close());

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
