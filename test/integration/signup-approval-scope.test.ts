import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/auth/passwords.js';
import { browserClient } from '../support/app.js';
import { contact, type SignupWorld, signUpAndConfirm, signupsOf, startSignupWorld, textOf } from '../support/signup-world.js';

// The records an approver is offered to link are those they may view, as
// when they invite: a staff user whose contacts are private sees only their own.

let w: SignupWorld;
const petra = { email: 'petra@acme.example', name: 'Petra Desk', password: 'Petra-desk-2026' };

beforeAll(async () => {
  w = await startSignupWorld();
  const profile = await w.t.db
    .insertInto('profiles')
    .values({ id: randomUUID(), api_name: 'signup_desk', label_key: null, name: 'Sign-up desk', manage_portal_users: true })
    .returning('id')
    .executeTakeFirstOrThrow();
  await w.t.db
    .insertInto('profile_permissions')
    .values({ profile_id: profile.id, module_id: w.contacts.module.id, can_view: true, can_create: true })
    .execute();
  await w.t.db
    .insertInto('staff_users')
    .values({ email: petra.email, name: petra.name, password_hash: await hashPassword(petra.password), profile_id: profile.id })
    .execute();
  await w.t.db.updateTable('modules').set({ sharing: 'private' }).where('id', '=', w.contacts.module.id).execute();
});
afterAll(() => w.t.close());

describe('the records a sign-up may be linked to', () => {
  it('are only those the deciding staff user may view; one outside their scope can be neither seen nor linked', async () => {
    // Ana's record at the address: outside Petra's scope (contacts are private, Ana owns it).
    const anas = await contact(w, { first_name: 'Olga', last_name: 'Hidden', email: 'olga@example.org' });
    expect((await signUpAndConfirm(w, 'olga@example.org')).status).toBe(200);
    const desk = browserClient(w.t.app);
    expect((await desk.post('/admin/login', { email: petra.email, password: petra.password })).status).toBe(303);
    const queue = `/admin/settings/portals/${(await w.portal()).id}/users/signups`;

    const page = await desk.get(queue);
    expect(page.status).toBe(200);
    const text = await textOf(page);
    expect(text).toContain('olga@example.org');
    expect(text).not.toContain('Olga Hidden');
    expect(text).not.toContain('A record with this email already exists');
    // The administrator, who may view every contact, is offered it.
    expect(await textOf(await w.ana.get(queue))).toContain('Olga Hidden');

    const id = (await signupsOf(w.t, 'olga@example.org'))[0]?.id ?? '';
    const linked = await desk.post(`${queue}/${id}/approve`, { record: anas });
    expect(linked.status).toBe(422);
    expect((await signupsOf(w.t, 'olga@example.org'))[0]).toMatchObject({ status: 'pending', record_id: null });
  });
});
