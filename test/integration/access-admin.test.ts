import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme, bruno, seedAcme, seedStandardUser } from '../support/fixtures.js';

let t: TestApp;
let ana: BrowserClient;
let anaId: string;

const sam = { name: 'Sam Support', email: 'sam@acme.example', password: 'Support-Desk-2024' };

beforeAll(async () => {
  t = await startTestApp();
  anaId = (await seedAcme(t.db)).admin.id;
  ana = browserClient(t.app);
  await ana.post('/admin/login', { email: acme.admin.email, password: acme.admin.password });
});
afterAll(() => t.close());

const idFrom = (location: string | null) => /\/([0-9a-f-]{36})(\?|$)/.exec(location ?? '')?.[1] ?? '';

async function moduleId(apiName: string) {
  return (await t.db.selectFrom('modules').select('id').where('api_name', '=', apiName).executeTakeFirstOrThrow()).id;
}

async function setSharing(apiName: string, sharing: 'private' | 'public_read' | 'public_full') {
  await t.db.updateTable('modules').set({ sharing }).where('api_name', '=', apiName).execute();
}

async function signIn(who: { email: string; password: string }) {
  const client = browserClient(t.app);
  const res = await client.post('/admin/login', { email: who.email, password: who.password });
  expect(res.status).toBe(303);
  return client;
}

describe('a Support profile, a user who holds it, and what they may do', () => {
  let supportId: string;
  let samId: string;
  let samClient: BrowserClient;
  let casesId: string;
  let contactsId: string;

  it('an admin creates the profile and grants view and create on Cases, view on Contacts', async () => {
    [casesId, contactsId] = [await moduleId('cases'), await moduleId('contacts')];
    const created = await ana.post('/admin/settings/profiles', { name: 'Support' });
    expect(created.status).toBe(303);
    supportId = idFrom(created.headers.get('Location'));
    expect(await t.db.selectFrom('profile_permissions').select('module_id').where('profile_id', '=', supportId).execute()).toHaveLength(0);

    const saved = await ana.post(`/admin/settings/profiles/${supportId}`, {
      name: 'Support',
      [`view.${casesId}`]: 'on',
      [`create.${casesId}`]: 'on',
      [`view.${contactsId}`]: 'on',
    });
    expect(saved.status).toBe(303);
    const rows = await t.db.selectFrom('profile_permissions').selectAll().where('profile_id', '=', supportId).where('can_view', '=', true).execute();
    expect(rows.map((r) => [r.module_id, r.can_create, r.can_edit, r.can_delete]).sort()).toEqual(
      [
        [casesId, true, false, false],
        [contactsId, false, false, false],
      ].sort(),
    );

    const form = await (await ana.get(`/admin/settings/profiles/${supportId}`)).text();
    expect(form).toMatch(new RegExp(`id="perm-create-${casesId}"[^>]*checked`));
    expect(form).toMatch(/<label class="visually-hidden" for="perm-view-[^"]+">View Contacts<\/label>/);
    const list = await (await ana.get('/admin/settings/profiles')).text();
    expect(list).toContain('Support');
  });

  it('adds a staff user with that profile and writes their welcome email to the outbox', async () => {
    const res = await ana.post('/admin/settings/users', { ...sam, email: 'Sam@Acme.example', profile: supportId, language: '', passwordConfirm: sam.password });
    expect(res.status).toBe(303);
    const row = await t.db.selectFrom('staff_users').selectAll().where('email', '=', sam.email).executeTakeFirstOrThrow();
    samId = row.id;
    expect(row.profile_id).toBe(supportId);
    const email = await t.db.selectFrom('email_outbox').selectAll().where('to_address', '=', sam.email).executeTakeFirstOrThrow();
    expect(email.template).toBe('welcome-staff');
    expect(email.text).toContain('Ana Admin has created an account for you');
    expect(await (await ana.get('/admin/settings/users')).text()).toContain('Sam Support');
    const audit = await t.db.selectFrom('audit_log').selectAll().where('action', '=', 'staff.create').where('target_id', '=', samId).execute();
    expect(audit).toHaveLength(1);
  });

  it('the user sees Cases and Contacts but not Deals, which answers 403', async () => {
    samClient = await signIn(sam);
    const index = await (await samClient.get('/admin/m')).text();
    expect(index).toContain('href="/admin/m/cases"');
    expect(index).toContain('href="/admin/m/contacts"');
    expect(index).not.toContain('href="/admin/m/deals"');
    expect((await samClient.get('/admin/m/deals')).status).toBe(403);
    expect((await samClient.post('/admin/m/contacts', { last_name: 'Nope' })).status).toBe(403);
  });

  it('creates a case, but may neither edit nor delete it', async () => {
    const res = await samClient.post('/admin/m/cases', { subject: 'Printer jammed', status: 'open' });
    expect(res.status).toBe(303);
    const id = idFrom(res.headers.get('Location'));
    expect((await t.db.selectFrom('records').select('owner_id').where('id', '=', id).executeTakeFirstOrThrow()).owner_id).toBe(samId);
    expect((await samClient.post(`/admin/m/cases/${id}`, { subject: 'Printer fixed', status: 'closed' })).status).toBe(403);
    expect((await samClient.post(`/admin/m/cases/${id}/delete`, {})).status).toBe(403);
    const row = await t.db.selectFrom('records').select(['display_name', 'deleted_at']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toEqual({ display_name: 'Printer jammed', deleted_at: null });
  });

  it('sees others’ cases only once the module is shared, and edits them only when shared read/write with edit permission', async () => {
    const created = await ana.post('/admin/m/cases', { subject: 'Invoice question from Globex', status: 'open' });
    const id = idFrom(created.headers.get('Location'));
    expect(await (await samClient.get('/admin/m/cases')).text()).not.toContain('Invoice question from Globex');
    expect((await samClient.get(`/admin/m/cases/${id}`)).status).toBe(404);

    await setSharing('cases', 'public_read');
    expect(await (await samClient.get('/admin/m/cases')).text()).toContain('Invoice question from Globex');
    expect((await samClient.get(`/admin/m/cases/${id}`)).status).toBe(200);
    expect((await samClient.post(`/admin/m/cases/${id}`, { subject: 'Taken over', status: 'open' })).status).toBe(403);

    await setSharing('cases', 'public_full');
    // Shared read/write is not enough without the profile's edit permission.
    expect((await samClient.post(`/admin/m/cases/${id}`, { subject: 'Taken over', status: 'open' })).status).toBe(403);
    await ana.post(`/admin/settings/profiles/${supportId}`, {
      name: 'Support',
      [`create.${casesId}`]: 'on',
      [`edit.${casesId}`]: 'on',
      [`view.${contactsId}`]: 'on',
    });
    expect((await samClient.post(`/admin/m/cases/${id}`, { subject: 'Taken over', status: 'in_progress' })).status).toBe(303);
    const row = await t.db.selectFrom('records').select(['display_name', 'owner_id']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toEqual({ display_name: 'Taken over', owner_id: anaId });
    await setSharing('cases', 'private');
  });

  it('deactivating the user ends their session at once', async () => {
    expect((await samClient.get('/admin/m')).status).toBe(200);
    const res = await ana.post(`/admin/settings/users/${samId}/deactivate`, {});
    expect(res.status).toBe(303);
    expect(await t.db.selectFrom('sessions').select('id').where('user_id', '=', samId).execute()).toHaveLength(0);
    const after = await samClient.get('/admin/m');
    expect(after.status).toBe(303);
    expect(after.headers.get('Location')).toMatch(/^\/admin\/login/);
    expect((await browserClient(t.app).post('/admin/login', { email: sam.email, password: sam.password })).status).not.toBe(303);
    expect(await (await ana.get(`/admin/settings/users/${samId}`)).text()).toContain('Deactivated');
  });

  it('deletes the profile only after moving its users to the profile chosen', async () => {
    const missing = await ana.post(`/admin/settings/profiles/${supportId}/delete`, { moveTo: '' });
    expect(missing.status).toBe(422);
    expect(await missing.text()).toContain('id="moveTo-error"');
    const standardId = (await t.db.selectFrom('profiles').select('id').where('api_name', '=', 'standard').executeTakeFirstOrThrow()).id;
    expect((await ana.post(`/admin/settings/profiles/${supportId}/delete`, { moveTo: standardId })).status).toBe(303);
    expect((await t.db.selectFrom('staff_users').select('profile_id').where('id', '=', samId).executeTakeFirstOrThrow()).profile_id).toBe(standardId);
    expect(await t.db.selectFrom('profiles').select('id').where('id', '=', supportId).execute()).toHaveLength(0);
  });
});

describe('guard rails', () => {
  it('the built-in Administrator profile cannot be changed or deleted', async () => {
    const adminId = (await t.db.selectFrom('profiles').select('id').where('is_admin', '=', true).executeTakeFirstOrThrow()).id;
    const casesId = await moduleId('cases');
    expect((await ana.post(`/admin/settings/profiles/${adminId}`, { name: 'Boss', [`view.${casesId}`]: 'on' })).status).toBe(403);
    expect((await ana.post(`/admin/settings/profiles/${adminId}/delete`, {})).status).toBe(403);
    const page = await (await ana.get(`/admin/settings/profiles/${adminId}`)).text();
    expect(page).toContain('cannot be changed or deleted');
    expect(page).not.toContain(`action="/admin/settings/profiles/${adminId}"`);
  });

  it('the last active administrator cannot be deactivated, and says why', async () => {
    const res = await ana.post(`/admin/settings/users/${anaId}/deactivate`, {});
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('This is the last active administrator.');
    const refusedDemotion = await ana.post(`/admin/settings/users/${anaId}/profile`, {
      profile: (await t.db.selectFrom('profiles').select('id').where('api_name', '=', 'standard').executeTakeFirstOrThrow()).id,
    });
    expect(refusedDemotion.status).toBe(422);
    expect((await t.db.selectFrom('staff_users').select('active').where('id', '=', anaId).executeTakeFirstOrThrow()).active).toBe(true);
  });

  it('a non-administrator gets 403 on every settings page', async () => {
    const bob = await seedStandardUser(t.db);
    const client = await signIn(bruno);
    const profile = (await t.db.selectFrom('profiles').select('id').where('api_name', '=', 'standard').executeTakeFirstOrThrow()).id;
    for (const path of [
      '/admin/settings/profiles',
      '/admin/settings/profiles/new',
      `/admin/settings/profiles/${profile}`,
      '/admin/settings/users',
      '/admin/settings/users/new',
      `/admin/settings/users/${bob.id}`,
      '/admin/settings/privacy',
    ]) {
      expect((await client.get(path)).status, path).toBe(403);
    }
    for (const path of [
      '/admin/settings/profiles',
      `/admin/settings/profiles/${profile}`,
      '/admin/settings/users',
      `/admin/settings/users/${anaId}/deactivate`,
      '/admin/settings/privacy',
    ]) {
      expect((await client.post(path, { name: 'Mine', gdpr: 'on' })).status, path).toBe(403);
    }
    expect((await t.db.selectFrom('staff_users').select('active').where('id', '=', anaId).executeTakeFirstOrThrow()).active).toBe(true);
    expect((await t.db.selectFrom('org').select('gdpr_enabled').executeTakeFirstOrThrow()).gdpr_enabled).toBe(false);
  });
});

describe('data privacy settings', () => {
  it('the GDPR switch persists and each change is audited', async () => {
    expect((await ana.post('/admin/settings/privacy', { gdpr: 'on' })).status).toBe(303);
    expect((await t.db.selectFrom('org').select('gdpr_enabled').executeTakeFirstOrThrow()).gdpr_enabled).toBe(true);
    const page = await (await ana.get('/admin/settings/privacy?done=saved')).text();
    expect(page).toMatch(/id="gdpr"[^>]*checked/);
    expect(page).toContain('GDPR compliance is on.');

    expect((await ana.post('/admin/settings/privacy', {})).status).toBe(303);
    expect((await t.db.selectFrom('org').select('gdpr_enabled').executeTakeFirstOrThrow()).gdpr_enabled).toBe(false);
    const audit = await t.db.selectFrom('audit_log').select(['action', 'actor_id']).where('target_type', '=', 'org').orderBy('id').execute();
    expect(audit.filter((a) => a.action.startsWith('org.gdpr'))).toEqual([
      { action: 'org.gdpr_enabled', actor_id: anaId },
      { action: 'org.gdpr_disabled', actor_id: anaId },
    ]);
  });
});

describe('validation in the user’s language', () => {
  it('shows each problem next to its field, in French, and adds nobody', async () => {
    await ana.post('/lang', { lang: 'fr', back: '/admin' });
    const before = await t.db.selectFrom('staff_users').select('id').execute();
    const res = await ana.post('/admin/settings/users', {
      name: 'Anabel Doublon',
      email: 'ANA@acme.example',
      profile: '',
      language: 'fr',
      password: 'court',
      passwordConfirm: 'court',
    });
    expect(res.status).toBe(422);
    let html = await res.text();
    expect(html).toMatch(/id="password-error"[^>]*>Le mot de passe/);
    expect(html).toMatch(/id="profile-error"[^>]*>Choisissez/);

    const profile = (await t.db.selectFrom('profiles').select('id').where('api_name', '=', 'standard').executeTakeFirstOrThrow()).id;
    const duplicate = await ana.post('/admin/settings/users', {
      name: 'Anabel Doublon',
      email: 'ANA@acme.example',
      profile,
      language: '',
      password: 'Long-enough-pass-1',
      passwordConfirm: 'Long-enough-pass-1',
    });
    expect(duplicate.status).toBe(422);
    html = await duplicate.text();
    expect(html).toMatch(/id="email-error"[^>]*>Un utilisateur avec cette adresse e-mail existe déjà\./);
    expect(html).toContain('value="Anabel Doublon"');
    expect(await t.db.selectFrom('staff_users').select('id').execute()).toHaveLength(before.length);

    const profileRes = await ana.post('/admin/settings/profiles', { name: 'administrateur' });
    expect(profileRes.status).toBe(422);
    expect(await profileRes.text()).toMatch(/id="name-error"[^>]*>Un autre profil porte déjà ce nom\./);
    await ana.post('/lang', { lang: 'en', back: '/admin' });
  });
});
