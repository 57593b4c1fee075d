import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModuleMeta, type ModuleMeta } from '../../src/crm/metadata.js';
import { type Actor, createRecord, type RecordData } from '../../src/crm/records.js';
import { type InviteDeps, inviteMany, inviteRecord } from '../../src/invitations/invite.js';
import { FAILURE_REASONS, type FailureReason } from '../../src/invitations/reasons.js';
import { findInvitation } from '../../src/invitations/tokens.js';
import { createPortal } from '../../src/portals/portals.js';
import { addUserType } from '../../src/portals/user-types.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { seedAcme, seedStandardUser } from '../support/fixtures.js';

let t: TestApp;
let deps: InviteDeps;
let anaId: string;
let brunoId: string;
let outsiderId: string;
let contacts: ModuleMeta;
let typeId: string;
let smallTypeId: string;

const rec = async (data: RecordData, opts: { owner?: string } = {}) =>
  (
    await createRecord(t.db, { kind: 'staff', id: opts.owner ?? anaId } as Actor, contacts, {
      data,
      layoutId: contacts.defaultLayout?.id as string,
      ownerId: opts.owner ?? anaId,
    })
  ).id;
const person = (n: string, email?: string, extra: RecordData = {}) => rec({ first_name: n, last_name: 'Test', ...(email ? { email } : {}), ...extra });

beforeAll(async () => {
  t = await startTestApp();
  anaId = (await seedAcme(t.db)).admin.id;
  brunoId = (await seedStandardUser(t.db)).id;
  // A staff user whose profile grants nothing on contacts.
  const profile = await t.db
    .insertInto('profiles')
    .values({ id: randomUUID(), api_name: 'outsiders', label_key: null, name: 'Outsiders' })
    .returning('id')
    .executeTakeFirstOrThrow();
  outsiderId = (
    await t.db
      .insertInto('staff_users')
      .values({ email: 'olga@acme.example', name: 'Olga', password_hash: 'x', profile_id: profile.id })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
  deps = { db: t.db, boss: t.boss, baseUrl: 'https://porta.test' };
  contacts = (await loadModuleMeta(t.db, 'contacts')) as ModuleMeta;
  const created = await createPortal(t.db, { kind: 'staff', id: anaId }, { name: 'Acme Care' });
  if (!created.ok) throw new Error('no portal');
  typeId = (await t.db.selectFrom('portal_user_types').select('id').where('portal_id', '=', created.portal.id).executeTakeFirstOrThrow()).id;
  const small = await addUserType(t.db, { kind: 'staff', id: anaId }, created.portal.id, { name: 'Pilot', baseModuleId: contacts.module.id });
  if (!small.ok) throw new Error('no type');
  smallTypeId = small.type.id;
  await t.db.updateTable('portal_user_types').set({ user_limit: 1 }).where('id', '=', smallTypeId).execute();
});
afterAll(() => t.close());

const invite = (recordId: string, opts: { staffId?: string; userTypeId?: string } = {}) =>
  inviteRecord(deps, { recordId, userTypeId: opts.userTypeId ?? typeId, staffId: opts.staffId ?? anaId });

async function reasonOf(recordId: string, opts: { staffId?: string; userTypeId?: string } = {}): Promise<FailureReason | 'sent' | 'would_send'> {
  const outcome = await invite(recordId, opts);
  return outcome.outcome === 'failed' ? outcome.reason : outcome.outcome;
}

describe('invitation failure reasons, each on a real database', () => {
  const seen = new Set<string>();
  const expectReason = async (recordId: string, reason: FailureReason, opts: { staffId?: string; userTypeId?: string } = {}) => {
    expect(await reasonOf(recordId, opts)).toBe(reason);
    seen.add(reason);
  };

  it('sends a valid record: a portal user, a 7-day personal link and the email in the outbox', async () => {
    const carla = await rec({ first_name: 'Carla', last_name: 'Núñez', email: 'carla@globex.example', language: 'es' });
    const outcome = await invite(carla);
    expect(outcome.outcome).toBe('sent');
    const user = await t.db.selectFrom('portal_users').selectAll().where('record_id', '=', carla).executeTakeFirstOrThrow();
    expect(user).toMatchObject({ email: 'carla@globex.example', status: 'invited', invited_by: anaId, user_type_id: typeId, language: 'es' });
    const mail = await t.db.selectFrom('email_outbox').selectAll().where('to_address', '=', 'carla@globex.example').executeTakeFirstOrThrow();
    expect(mail.subject).toBe('Su invitación a Acme Care');
    expect(mail.text).toContain('Hola, Carla Núñez:');
    const token = /\/p\/acme-care\/invite\/([a-z2-7]+)/.exec(mail.text)?.[1] as string;
    const found = await findInvitation(t.db, token);
    expect(found?.state).toBe('valid');
    const days = ((found?.invitation.expires_at.getTime() ?? 0) - (found?.invitation.created_at.getTime() ?? 0)) / 86_400_000;
    expect(days).toBe(7);
    // Only the hash is stored.
    expect(JSON.stringify(await t.db.selectFrom('portal_invitations').selectAll().execute())).not.toContain(token);
    expect(await t.db.selectFrom('audit_log').select('action').where('target_id', '=', user.id).execute()).toEqual([{ action: 'portal_user.invited' }]);
  });

  it('writes the email of a record without a language in the organization’s, and leaves the portal user’s language to be chosen', async () => {
    const lia = await rec({ first_name: 'Lia', last_name: 'Souza', email: 'lia@globex.example' });
    expect((await invite(lia)).outcome).toBe('sent');
    const user = await t.db.selectFrom('portal_users').select('language').where('record_id', '=', lia).executeTakeFirstOrThrow();
    expect(user.language).toBeNull();
    const mail = await t.db.selectFrom('email_outbox').select(['language', 'subject']).where('to_address', '=', 'lia@globex.example').executeTakeFirstOrThrow();
    expect(mail).toEqual({ language: 'en', subject: 'Your invitation to Acme Care' });
  });

  it('refuses a record without an email', async () => expectReason(await person('Nomail'), 'no_email'));
  it('refuses an address in the company’s own domains (before any other reason)', async () => {
    const id = await person('Insider', 'pat@ACME.example');
    await t.db.updateTable('records').set({ state: 'pending_approval' }).where('id', '=', id).execute();
    await expectReason(id, 'company_domain');
  });
  it('refuses a record pending approval, and one under review', async () => {
    const pending = await person('Pending', 'pending@mailinator.com');
    await t.db.updateTable('records').set({ state: 'pending_approval' }).where('id', '=', pending).execute();
    await expectReason(pending, 'pending_approval');
    const review = await person('Review', 'review@globex.example');
    await t.db.updateTable('records').set({ state: 'under_review' }).where('id', '=', review).execute();
    await expectReason(review, 'under_review');
  });
  it('refuses, with GDPR on, a record without consent and one that stopped processing', async () => {
    await t.db.updateTable('org').set({ gdpr_enabled: true }).execute();
    try {
      await expectReason(await person('Asked', 'asked@globex.example', { consent_status: 'not_asked' }), 'no_consent');
      await expectReason(await person('Stopped', 'stop@globex.example', { consent_status: 'given', stop_processing: true }), 'no_consent');
      expect(await reasonOf(await person('Given', 'given@globex.example', { consent_status: 'given' }))).toBe('sent');
    } finally {
      await t.db.updateTable('org').set({ gdpr_enabled: false }).execute();
    }
  });
  it('refuses characters outside A–Z, a–z, 0–9 and @ . - _ +', async () => {
    await expectReason(await person('Accent', 'josé@globex.example'), 'invalid_characters');
    expect(await reasonOf(await person('Plus', 'first.last+tag_1-x@globex.example'))).toBe('sent');
  });
  it('refuses a disposable address from the maintained list', async () => expectReason(await person('Temp', 'temp@mailinator.com'), 'disposable_domain'));
  it('refuses once the type’s licences are used up', async () => {
    expect(await reasonOf(await person('First', 'first@pilot.example'), { userTypeId: smallTypeId })).toBe('sent');
    await expectReason(await person('Second', 'second@pilot.example'), 'licence_limit', { userTypeId: smallTypeId });
  });
  it('refuses a record that is already a portal user, in any type', async () => {
    const dup = await person('Dup', 'dup@globex.example');
    expect(await reasonOf(dup)).toBe('sent');
    await expectReason(dup, 'already_portal_user');
  });
  it('refuses a record that no longer exists, or is not of the base module', async () => {
    await expectReason(randomUUID(), 'record_missing');
    await expectReason('not-a-uuid', 'record_missing');
  });
  it('refuses an inviting user without permission on the module, then one who cannot reach the record', async () => {
    await expectReason(await person('Perm', 'perm@globex.example'), 'no_module_permission', { staffId: outsiderId });
    await expectReason(await person('Private', 'private@globex.example'), 'no_record_access', { staffId: brunoId });
    expect(await reasonOf(await rec({ first_name: 'Own', last_name: 'B', email: 'own@globex.example' }, { owner: brunoId }), { staffId: brunoId })).toBe(
      'sent',
    );
  });
  it('refuses a record in the recycle bin', async () => {
    const binned = await person('Binned', 'binned@globex.example');
    await t.db.updateTable('records').set({ deleted_at: new Date() }).where('id', '=', binned).execute();
    await expectReason(binned, 'recycle_bin');
  });
  it('has triggered every reason code', () => {
    expect([...seen].sort()).toEqual([...FAILURE_REASONS].sort());
  });
});

describe('a bulk group of 1,000 mixed records', () => {
  it('yields exactly one outcome per record, and a repeated run changes nothing', { timeout: 60_000 }, async () => {
    const batch = await t.db
      .insertInto('invitation_batches')
      .values({
        portal_id: (await t.db.selectFrom('portal_user_types').select('portal_id').where('id', '=', typeId).executeTakeFirstOrThrow()).portal_id,
        user_type_id: typeId,
        created_by: anaId,
        total: 1000,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const kinds = ['ok', 'nomail', 'company', 'disposable', 'accent', 'binned'] as const;
    const rows = Array.from({ length: 1000 }, (_, i) => {
      const kind = kinds[i % kinds.length] as (typeof kinds)[number];
      const email = {
        ok: `bulk${i}@globex.example`,
        nomail: undefined,
        company: `bulk${i}@acme.example`,
        disposable: `bulk${i}@mailinator.com`,
        accent: `bülk${i}@globex.example`,
        binned: `binned${i}@globex.example`,
      }[kind];
      return {
        module_id: contacts.module.id,
        layout_id: contacts.defaultLayout?.id as string,
        owner_id: anaId,
        created_by_staff_id: anaId,
        data: JSON.stringify({ last_name: `Bulk ${i}`, ...(email ? { email } : {}) }),
        display_name: `Bulk ${i}`,
        deleted_at: kind === 'binned' ? new Date() : null,
      };
    });
    const ids = (await t.db.insertInto('records').values(rows).returning('id').execute()).map((r) => r.id);
    const groups = Array.from({ length: Math.ceil(ids.length / 50) }, (_, i) => ids.slice(i * 50, i * 50 + 50));
    // Two runs over the same groups, at once: the second finds every outcome already there.
    await Promise.all([...groups, ...groups].map((recordIds) => inviteMany(deps, { userTypeId: typeId, staffId: anaId, batchId: batch.id, recordIds })));
    const results = await t.db.selectFrom('invitation_results').select(['record_id', 'outcome', 'reason']).where('batch_id', '=', batch.id).execute();
    expect(results).toHaveLength(1000);
    expect(new Set(results.map((r) => r.record_id)).size).toBe(1000);
    const count = (outcome: string, reason: string | null) => results.filter((r) => r.outcome === outcome && r.reason === reason).length;
    expect(count('sent', null)).toBe(167);
    expect(count('failed', 'no_email')).toBe(167);
    expect(count('failed', 'company_domain')).toBe(167);
    expect(count('failed', 'disposable_domain')).toBe(167);
    expect(count('failed', 'invalid_characters')).toBe(166);
    expect(count('failed', 'recycle_bin')).toBe(166);
    const sentUsers = await t.db.selectFrom('portal_users').select('id').where('email', 'like', 'bulk%@globex.example').execute();
    expect(sentUsers).toHaveLength(167);
    const emails = await t.db.selectFrom('email_outbox').select('id').where('to_address', 'like', 'bulk%@globex.example').execute();
    expect(emails).toHaveLength(167);
  });
});
