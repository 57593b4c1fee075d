import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pruneSignups, REJECTED_KEPT_DAYS, UNCONFIRMED_KEPT_HOURS } from '../../src/signup/prune.js';
import { type SignupWorld, startSignupWorld } from '../support/signup-world.js';

let w: SignupWorld;
beforeAll(async () => {
  w = await startSignupWorld();
});
afterAll(() => w.t.close());

/** A sign-up row as the flow leaves it, made `hours` ago (its decision too). */
async function signupAged(email: string, status: 'unconfirmed' | 'pending' | 'waiting' | 'approved' | 'rejected', hours: number) {
  const portal = await w.portal();
  const at = sql<Date>`now() - make_interval(hours => ${hours})`;
  await w.t.db
    .insertInto('portal_signups')
    .values({
      portal_id: portal.id,
      user_type_id: w.typeId,
      email,
      data: { first_name: 'Typed' },
      status,
      created_at: at,
      decided_at: status === 'rejected' || status === 'approved' ? at : null,
    })
    .execute();
}

const left = async () => (await w.t.db.selectFrom('portal_signups').select('email').orderBy('email').execute()).map((r) => r.email);

describe('keeping sign-ups', () => {
  it('deletes unconfirmed sign-ups after a day and rejected ones after a month, and keeps everything still in play', async () => {
    await signupAged('fresh-unconfirmed@example.org', 'unconfirmed', UNCONFIRMED_KEPT_HOURS - 1);
    await signupAged('old-unconfirmed@example.org', 'unconfirmed', UNCONFIRMED_KEPT_HOURS + 1);
    await signupAged('recent-rejected@example.org', 'rejected', (REJECTED_KEPT_DAYS - 1) * 24);
    await signupAged('old-rejected@example.org', 'rejected', (REJECTED_KEPT_DAYS + 1) * 24);
    // Waiting for a staff decision or a licence, however long: never pruned.
    await signupAged('old-pending@example.org', 'pending', 1000 * 24);
    await signupAged('old-waiting@example.org', 'waiting', 1000 * 24);
    await signupAged('old-approved@example.org', 'approved', 1000 * 24);

    expect(await pruneSignups(w.t.db)).toBe(2);
    expect(await left()).toEqual([
      'fresh-unconfirmed@example.org',
      'old-approved@example.org',
      'old-pending@example.org',
      'old-waiting@example.org',
      'recent-rejected@example.org',
    ]);
    expect(await pruneSignups(w.t.db)).toBe(0);
  });
});
