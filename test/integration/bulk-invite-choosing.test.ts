import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inviteRecord } from '../../src/invitations/invite.js';
import type { BrowserClient, TestApp } from '../support/app.js';
import {
  batchOf,
  bulkRecords,
  carlos,
  finished,
  paula,
  rec,
  results,
  signIn,
  staffWithProfile,
  startBulkInviteWorld,
  text,
} from '../support/bulk-invite-world.js';
import { bruno, seedStandardUser } from '../support/fixtures.js';

// Bulk invitations, the choosing side: which records the invitation page
// lists and pages, what "select all matching" puts in a batch, what it
// refuses, and which staff may invite at all.

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
