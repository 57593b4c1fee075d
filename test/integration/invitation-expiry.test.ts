import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModuleMeta, type ModuleMeta } from '../../src/crm/metadata.js';
import { createRecord } from '../../src/crm/records.js';
import { inviteRecord } from '../../src/invitations/invite.js';
import { findInvitation } from '../../src/invitations/tokens.js';
import { INVITATION_EXPIRY_CRON } from '../../src/jobs/invitation-expiry.js';
import { QUEUES } from '../../src/jobs/queues.js';
import { createPortal } from '../../src/portals/portals.js';
import { licencesUsed } from '../../src/portals/user-types.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { seedAcme } from '../support/fixtures.js';
import { waitFor } from '../support/wait.js';

let t: TestApp;
let anaId: string;
let typeId: string;
let contacts: ModuleMeta;

beforeAll(async () => {
  t = await startTestApp({ worker: true });
  anaId = (await seedAcme(t.db)).admin.id;
  contacts = (await loadModuleMeta(t.db, 'contacts')) as ModuleMeta;
  const created = await createPortal(t.db, { kind: 'staff', id: anaId }, { name: 'Acme Care' });
  if (!created.ok) throw new Error('no portal');
  typeId = (await t.db.selectFrom('portal_user_types').select('id').where('portal_id', '=', created.portal.id).executeTakeFirstOrThrow()).id;
});
afterAll(() => t.close());

const DAY = 24 * 60 * 60 * 1000;

async function invitedOn(name: string, email: string, now: Date) {
  const record = await createRecord(t.db, { kind: 'staff', id: anaId }, contacts, {
    data: { last_name: name, email },
    layoutId: contacts.defaultLayout?.id ?? null,
    ownerId: anaId,
  });
  const outcome = await inviteRecord({ db: t.db, boss: t.boss, baseUrl: t.config.baseUrl }, { recordId: record.id, userTypeId: typeId, staffId: anaId, now });
  if (outcome.outcome !== 'sent') throw new Error('not sent');
  return outcome.portalUserId;
}

const statusOf = async (id: string) => (await t.db.selectFrom('portal_users').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;

describe('the invitation expiry job', () => {
  it('is scheduled every hour', async () => {
    const schedules = await t.boss.getSchedules(QUEUES.invitationExpiry);
    expect(schedules.map((s) => s.cron)).toEqual([INVITATION_EXPIRY_CRON]);
    expect(INVITATION_EXPIRY_CRON).toMatch(/^\d{1,2} \* \* \* \*$/);
  });

  it('turns an invited user whose link ran out into expired, freeing the licence, and leaves a fresh invitation alone', async () => {
    const stale = await invitedOn('Stale', 'stale@globex.example', new Date(Date.now() - 8 * DAY));
    const fresh = await invitedOn('Fresh', 'fresh@globex.example', new Date());
    expect(await licencesUsed(t.db, typeId)).toBe(2);
    const [mail] = await t.db.selectFrom('email_outbox').select('text').where('to_address', '=', 'stale@globex.example').execute();
    const token = /\/invite\/([a-z2-7]+)/.exec(mail?.text ?? '')?.[1] ?? '';

    await t.boss.send(QUEUES.invitationExpiry, {});
    await waitFor(async () => (await statusOf(stale)) === 'expired');
    expect(await statusOf(fresh)).toBe('invited');
    expect(await licencesUsed(t.db, typeId)).toBe(1);
    expect((await findInvitation(t.db, token))?.state).toBe('expired');
  });
});
