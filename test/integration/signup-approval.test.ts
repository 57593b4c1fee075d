import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPrivacyWork } from '../../src/privacy/work.js';
import { contact, mailsTo, type SignupWorld, signUpAndConfirm, signupsOf, startSignupWorld, textOf } from '../support/signup-world.js';
import { waitFor } from '../support/wait.js';

let w: SignupWorld;
beforeAll(async () => {
  w = await startSignupWorld();
});
afterAll(() => w.t.close());

const queuePath = async () => `/admin/settings/portals/${(await w.portal()).id}/users/signups`;
const idOf = async (email: string) => (await signupsOf(w.t, email)).at(-1)?.id ?? '';
const approve = async (email: string, form: Record<string, string> = {}) => w.ana.post(`${await queuePath()}/${await idOf(email)}/approve`, form);
const recordsAt = (email: string) =>
  w.t.db
    .selectFrom('records')
    .select(['id', 'owner_id', 'data'])
    .where('module_id', '=', w.contacts.module.id)
    .where((eb) => eb(eb.ref('data', '->>').key('email'), '=', email))
    .execute();
const setLimit = async (n: number) => w.t.db.updateTable('portal_user_types').set({ user_limit: n }).where('id', '=', w.typeId).execute();
const usedLicences = async () =>
  Number(
    (
      await w.t.db
        .selectFrom('portal_users')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('user_type_id', '=', w.typeId)
        .where('status', 'in', ['invited', 'active'])
        .executeTakeFirstOrThrow()
    ).n,
  );

describe('the approval queue', () => {
  it('lists pending sign-ups with their typed values; approving creates the owner’s record and sends the invitation', async () => {
    expect((await signUpAndConfirm(w, 'gloria@example.org', { language: 'es' })).status).toBe(200);
    const page = await w.ana.get(await queuePath());
    expect(page.status).toBe(200);
    const text = await textOf(page);
    expect(text).toContain('gloria@example.org');
    expect(text).toContain('Waiting for approval');
    expect(text).toContain('+34 600 123 456');
    expect(text).toContain('Spanish');
    // The users page links to it with the count.
    expect(await textOf(await w.ana.get(`/admin/settings/portals/${(await w.portal()).id}/users`))).toContain('Sign-ups (1)');

    const res = await approve('gloria@example.org');
    expect(res.status).toBe(303);
    const [record] = await recordsAt('gloria@example.org');
    expect(record?.owner_id).toBe(w.anaId);
    expect(record?.data).toMatchObject({ first_name: 'Lucía', last_name: 'Gómez', language: 'es' });
    const user = await w.t.db
      .selectFrom('portal_users')
      .selectAll()
      .where('record_id', '=', record?.id ?? '')
      .executeTakeFirstOrThrow();
    expect(user).toMatchObject({ status: 'invited', user_type_id: w.typeId, email: 'gloria@example.org' });
    const invitation = await w.t.db.selectFrom('portal_invitations').selectAll().where('portal_user_id', '=', user.id).executeTakeFirstOrThrow();
    expect(invitation.expires_at.getTime() - invitation.created_at.getTime()).toBe(7 * 86_400_000);
    const invitationMail = (await mailsTo(w.t, 'gloria@example.org')).find((m) => m.template === 'portal-invitation');
    expect(invitationMail?.text).toMatch(/\/p\/care\/invite\/[a-z2-7]+/);
    expect(invitationMail?.language).toBe('es');
    const [signup] = await signupsOf(w.t, 'gloria@example.org');
    expect(signup).toMatchObject({ status: 'approved', decided_by: w.anaId, record_id: record?.id, portal_user_id: user.id });
    const trail = await w.t.db
      .selectFrom('audit_log')
      .select('action')
      .where('target_id', '=', signup?.id ?? '')
      .execute();
    expect(trail.map((a) => a.action)).toEqual(expect.arrayContaining(['portal_signup.record_chosen', 'portal_signup.approved']));
    expect(await textOf(await w.ana.get(await queuePath()))).toContain('No sign-up is waiting.');
  });

  it('never links an existing record at the address by itself: the administrator chooses', async () => {
    const existing = await contact(w, { first_name: 'Helena', last_name: 'Existing', email: 'helena@example.org' });
    expect((await signUpAndConfirm(w, 'helena@example.org')).status).toBe(200);
    const page = await textOf(await w.ana.get(await queuePath()));
    expect(page).toContain('A record with this email already exists. Choose what to do:');
    expect(page).toContain('Helena Existing');
    const unchosen = await approve('helena@example.org');
    expect(unchosen.status).toBe(422);
    expect(await textOf(unchosen)).toContain('choose to link it or to create a new record');
    expect(await recordsAt('helena@example.org')).toHaveLength(1);
    expect((await approve('helena@example.org', { record: existing })).status).toBe(303);
    expect(await recordsAt('helena@example.org')).toHaveLength(1);
    expect((await signupsOf(w.t, 'helena@example.org'))[0]).toMatchObject({ status: 'approved', record_id: existing });

    await contact(w, { first_name: 'Irene', last_name: 'Older', email: 'irene@example.org' });
    expect((await signUpAndConfirm(w, 'irene@example.org')).status).toBe(200);
    expect((await approve('irene@example.org', { record: 'new' })).status).toBe(303);
    expect(await recordsAt('irene@example.org')).toHaveLength(2);
  });

  it('rejects only with a reason, and emails the person that reason', async () => {
    expect((await signUpAndConfirm(w, 'julia@example.org')).status).toBe(200);
    const path = `${await queuePath()}/${await idOf('julia@example.org')}/reject`;
    const empty = await w.ana.post(path, { reason: '   ' });
    expect(empty.status).toBe(422);
    expect(await textOf(empty)).toContain('Write the reason for rejecting');
    expect((await signupsOf(w.t, 'julia@example.org'))[0]?.status).toBe('pending');
    expect((await w.ana.post(path, { reason: 'We only serve customers with a contract.' })).status).toBe(303);
    expect((await signupsOf(w.t, 'julia@example.org'))[0]).toMatchObject({
      status: 'rejected',
      reason: 'We only serve customers with a contract.',
      decided_by: w.anaId,
    });
    const mail = (await mailsTo(w.t, 'julia@example.org')).at(-1);
    expect(mail?.subject).toBe('Your sign-up for Acme Care');
    expect(mail?.text).toContain('The reason given: We only serve customers with a contract.');
    expect(await recordsAt('julia@example.org')).toEqual([]);
    // Decided once.
    expect((await w.ana.post(path, { reason: 'again' })).status).toBe(409);
  });

  it('puts a sign-up beyond the licence limit on the waiting list, and approves it once a licence is free', async () => {
    await setLimit(await usedLicences());
    try {
      const res = await signUpAndConfirm(w, 'karen@example.org');
      expect(res.status).toBe(200);
      expect(await textOf(res)).toContain('You are on the waiting list');
      expect((await signupsOf(w.t, 'karen@example.org'))[0]).toMatchObject({ status: 'waiting', reason: 'licence_limit' });
      expect((await mailsTo(w.t, 'karen@example.org')).at(-1)?.subject).toBe('You are on the waiting list for Acme Care');
      expect(await textOf(await w.ana.get(await queuePath()))).toContain('On the waiting list — The user type has reached its user limit.');
      // Still full: approving leaves it waiting, and sends no second waiting email.
      const mails = (await mailsTo(w.t, 'karen@example.org')).length;
      const still = await approve('karen@example.org');
      expect(still.headers.get('Location')).toMatch(/done=waiting$/);
      expect((await signupsOf(w.t, 'karen@example.org'))[0]?.status).toBe('waiting');
      expect(await mailsTo(w.t, 'karen@example.org')).toHaveLength(mails);
      await setLimit((await usedLicences()) + 1);
      expect((await approve('karen@example.org')).headers.get('Location')).toMatch(/done=approved$/);
      expect((await signupsOf(w.t, 'karen@example.org'))[0]?.status).toBe('approved');
    } finally {
      await setLimit(10_000);
    }
  });

  it('a pending sign-up approved when the licences ran out goes back to the waiting list', async () => {
    expect((await signUpAndConfirm(w, 'lola@example.org')).status).toBe(200);
    await setLimit(await usedLicences());
    try {
      expect((await approve('lola@example.org')).status).toBe(303);
      expect((await signupsOf(w.t, 'lola@example.org'))[0]).toMatchObject({ status: 'waiting', reason: 'licence_limit' });
      expect((await mailsTo(w.t, 'lola@example.org')).at(-1)?.subject).toBe('You are on the waiting list for Acme Care');
    } finally {
      await setLimit(10_000);
    }
  });

  it('accepts a sign-up from an allowed domain at once, through the same approval', async () => {
    const res = await signUpAndConfirm(w, 'mia@partner.example');
    expect(res.status).toBe(200);
    expect(await textOf(res)).toContain('Your sign-up is accepted');
    const [record] = await recordsAt('mia@partner.example');
    expect(record?.owner_id).toBe(w.anaId);
    expect((await signupsOf(w.t, 'mia@partner.example'))[0]).toMatchObject({ status: 'approved', decided_by: null, record_id: record?.id });
    expect((await mailsTo(w.t, 'mia@partner.example')).some((m) => m.template === 'portal-invitation')).toBe(true);
  });

  it('approving and rejecting at once: one decision stands, and only its email goes out', async () => {
    expect((await signUpAndConfirm(w, 'rita@example.org')).status).toBe(200);
    const id = await idOf('rita@example.org');
    // Holding the user type's row, which inviting locks, stops the approval between choosing the record and inviting.
    let release = () => {};
    let holding = () => {};
    const held = new Promise<void>((r) => (holding = r));
    const holder = w.t.db.transaction().execute(async (trx) => {
      await trx.selectFrom('portal_user_types').select('id').where('id', '=', w.typeId).forUpdate().execute();
      holding();
      await new Promise<void>((r) => (release = r));
    });
    await held;
    const approving = approve('rita@example.org');
    await waitFor(async () => Boolean((await signupsOf(w.t, 'rita@example.org'))[0]?.record_id));
    const rejecting = await w.ana.post(`${await queuePath()}/${id}/reject`, { reason: 'No contract.' });
    const secondApproval = await approve('rita@example.org');
    release();
    await holder;
    expect((await approving).status).toBe(303);
    expect(rejecting.status).toBe(409);
    expect(secondApproval.status).toBe(409);
    expect((await signupsOf(w.t, 'rita@example.org'))[0]).toMatchObject({ status: 'approved', reason: null });
    const templates = (await mailsTo(w.t, 'rita@example.org')).map((m) => `${m.template}: ${m.subject}`);
    expect(templates.filter((m) => m.startsWith('portal-invitation'))).toHaveLength(1);
    expect(templates).not.toContain('portal-signup: Your sign-up for Acme Care');
  });

  it('is refused to staff who may not manage portal users', async () => {
    expect((await w.bruno.get(await queuePath())).status).toBe(403);
    expect((await signUpAndConfirm(w, 'nora@example.org')).status).toBe(200);
    expect((await w.bruno.post(`${await queuePath()}/${await idOf('nora@example.org')}/approve`, {})).status).toBe(403);
    expect((await signupsOf(w.t, 'nora@example.org'))[0]?.status).toBe('pending');
  });

  it('erasing the person removes their sign-ups', async () => {
    const gloria = (await recordsAt('gloria@example.org'))[0]?.id ?? '';
    const request = await w.t.db
      .insertInto('privacy_requests')
      .values({
        record_id: gloria,
        kind: 'erasure',
        requested_by_kind: 'staff',
        requested_by_id: w.anaId,
        language: 'en',
        status: 'in_progress',
        due_at: new Date(Date.now() + 30 * 86_400_000),
        outcome: JSON.stringify({ working: true }),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    expect(await runPrivacyWork(w.t.db, { boss: w.t.boss, baseUrl: 'http://porta.test' }, { requestId: request.id, staffId: w.anaId })).toBe('done');
    expect(await signupsOf(w.t, 'gloria@example.org')).toEqual([]);
    expect(await w.t.db.selectFrom('portal_signups').select('id').where('record_id', '=', gloria).execute()).toEqual([]);
  });
});
