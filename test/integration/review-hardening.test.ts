import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession, generateSessionToken, validateSessionToken } from '../../src/auth/sessions.js';
import { completeTwoFactorSession } from '../../src/auth/two-factor.js';
import { loggablePath } from '../../src/http/log-path.js';
import { inviteRecord } from '../../src/invitations/invite.js';
import { addUserType } from '../../src/portals/user-types.js';
import { browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme } from '../support/fixtures.js';
import { resetRequestsHandled } from '../support/password-reset.js';
import { addPortalUser, carla, HELP, type PortalWorld, seedPortalWorld } from '../support/portal-world.js';

// Defects found in review, each pinned by a test: old reset links, tokens in
// logs, control characters, malformed ids, concurrent invitations of one
// record into two types, and a template saved under an unknown language.

let t: TestApp;
let w: PortalWorld;

beforeAll(async () => {
  // The worker answers "forgot password" requests.
  t = await startTestApp({ worker: true });
  w = await seedPortalWorld(t);
  await addPortalUser(t, w, { email: carla.email, recordId: w.records.carla, status: 'active', password: carla.password });
});
afterAll(() => t.close());

const linkIn = (text: string) => /http:\/\/porta\.test(\/p\/acme-help\/password\/reset\/[a-z2-7]{32})/.exec(text)?.[1] ?? '';

describe('password reset links', () => {
  it('all stop working once one of them has been used', async () => {
    const ask = () => browserClient(t.app).post(`${HELP}/password/forgot`, { email: carla.email });
    await ask();
    await ask();
    await resetRequestsHandled(t);
    const mails = await t.db.selectFrom('email_outbox').select('text').where('template', '=', 'portal-password-reset').orderBy('created_at').execute();
    const [first, second] = mails.map((m) => linkIn(m.text));
    expect(first).not.toBe('');
    expect(second).not.toBe(first);
    const used = await browserClient(t.app).post(second as string, { password: 'Second-Link-2027', passwordConfirm: 'Second-Link-2027' });
    expect(used.status).toBe(303);
    const stale = await browserClient(t.app).post(first as string, { password: 'First-Link-2027!', passwordConfirm: 'First-Link-2027!' });
    expect(stale.status).toBe(410);
    const signIn = await browserClient(t.app).post(`${HELP}/login`, { email: carla.email, password: 'Second-Link-2027' });
    expect(signIn.status).toBe(303);
  });
});

describe('logs', () => {
  it('never hold the secret part of an invitation or reset link', () => {
    expect(loggablePath('/p/acme-help/invite/abcdefghijklmnopqrstuvwxyz234567')).toBe('/p/acme-help/invite/:token');
    expect(loggablePath('/p/acme-help/password/reset/abcdefghijklmnop')).toBe('/p/acme-help/password/reset/:token');
    expect(loggablePath('/admin/m/contacts')).toBe('/admin/m/contacts');
  });
});

describe('bad input', () => {
  it('refuses control characters in a form or an address with a localized 400, before any query', async () => {
    const form = await browserClient(t.app).post(`${HELP}/login`, { email: 'a\u0000b@x.example', password: 'x' }, { 'Accept-Language': 'fr' });
    expect(form.status).toBe(400);
    expect(await form.text()).toContain('Cette demande ne peut pas être lue');
    const ana = browserClient(t.app);
    await ana.post('/admin/login', { email: acme.admin.email, password: acme.admin.password });
    expect((await ana.get(`/admin/settings/portals/${w.helpId}/users?q=a%00b`)).status).toBe(400);
  });

  it('refuses them in a multipart form too, and writes nothing', async () => {
    const ana = browserClient(t.app);
    await ana.post('/admin/login', { email: acme.admin.email, password: acme.admin.password });
    const notes = () => t.db.selectFrom('notes').select('id').where('record_id', '=', w.records.carlaCase1).execute();
    const before = (await notes()).length;
    const body = new FormData();
    body.append('body', 'nul\u0000byte');
    body.append('visibility', 'customer');
    const res = await ana.request(`/admin/m/cases/${w.records.carlaCase1}/notes`, { method: 'POST', body, headers: { 'Accept-Language': 'es' } });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('<html lang="es"');
    expect(await notes()).toHaveLength(before);
  });

  it('answers 404, not 500, for a portal id that only looks like one', async () => {
    const ana = browserClient(t.app);
    await ana.post('/admin/login', { email: acme.admin.email, password: acme.admin.password });
    for (const path of ['users', 'invite', 'invitation-email']) {
      expect((await ana.get(`/admin/settings/portals/------------------------------------/${path}`)).status).toBe(404);
    }
  });

  it('refuses an invitation text for a language Porta does not speak, and keeps the others', async () => {
    const ana = browserClient(t.app);
    await ana.post('/admin/login', { email: acme.admin.email, password: acme.admin.password });
    const path = `/admin/settings/portals/${w.helpId}/invitation-email`;
    expect((await ana.post(path, { lang: 'en', intent: 'save', subject: 'Welcome to {{portal}}', body: 'Hello {{name}}' })).status).toBe(303);
    const refused = await ana.post(path, { lang: 'zz', intent: 'save', subject: 'Overwritten', body: 'Overwritten' });
    expect(refused.status).toBe(422);
    const kept = await t.db.selectFrom('invitation_templates').select(['language', 'subject']).where('portal_id', '=', w.helpId).execute();
    expect(kept).toEqual([{ language: 'en', subject: 'Welcome to {{portal}}' }]);
  });
});

describe('one record invited into two user types at once', () => {
  it('ends with one invitation and one "already a portal user", never an error', async () => {
    const second = await addUserType(t.db, w.staff, w.helpId, { name: 'VIP', baseModuleId: w.contacts.module.id });
    if (!second.ok) throw new Error('no second type');
    const deps = { db: t.db, boss: t.boss, baseUrl: 'http://porta.test' };
    for (let i = 0; i < 5; i++) {
      const record = await t.db
        .insertInto('records')
        .values({
          id: randomUUID(),
          module_id: w.contacts.module.id,
          layout_id: w.contacts.defaultLayout?.id as string,
          owner_id: w.adminId,
          created_by_staff_id: w.adminId,
          data: JSON.stringify({ last_name: `Twin ${i}`, email: `twin${i}@globex.example` }),
          display_name: `Twin ${i}`,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const outcomes = await Promise.all(
        [w.helpTypeId, second.type.id].map((userTypeId) => inviteRecord(deps, { recordId: record.id, userTypeId, staffId: w.adminId })),
      );
      const kinds = outcomes.map((o) => (o.outcome === 'failed' ? o.reason : o.outcome)).sort();
      expect(kinds).toEqual(['already_portal_user', 'sent']);
      expect(await t.db.selectFrom('portal_users').select('id').where('record_id', '=', record.id).execute()).toHaveLength(1);
      const mails = await t.db.selectFrom('email_outbox').select('id').where('to_address', '=', `twin${i}@globex.example`).execute();
      expect(mails).toHaveLength(1);
    }
  });
});

describe('a sign-in still owing its second factor', () => {
  it('lasts ten minutes and is not extended, then gets the full lifetime once the code is given', async () => {
    const user = await t.db.selectFrom('portal_users').select('id').where('email', '=', carla.email).executeTakeFirstOrThrow();
    const token = generateSessionToken();
    const session = await createSession(t.db, token, { kind: 'portal', id: user.id }, 30, { twoFactorPending: true });
    const minutes = (session.expires_at.getTime() - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(9);
    expect(minutes).toBeLessThanOrEqual(10);
    const checked = await validateSessionToken(t.db, token, 30);
    expect(checked?.extended).toBe(false);
    await completeTwoFactorSession(t.db, session.id, 30);
    const full = await t.db.selectFrom('sessions').select(['expires_at', 'two_factor_pending']).where('id', '=', session.id).executeTakeFirstOrThrow();
    expect(full.two_factor_pending).toBe(false);
    expect((full.expires_at.getTime() - Date.now()) / 86_400_000).toBeGreaterThan(29.9);
  });
});

describe('an admin resetting a portal user’s two-factor sign-in', () => {
  it('turns it off, ends their sessions, is audited, and refuses a user without it', async () => {
    const user = await t.db.selectFrom('portal_users').select('id').where('email', '=', carla.email).executeTakeFirstOrThrow();
    await t.db.insertInto('two_factor').values({ user_kind: 'portal', user_id: user.id, secret: 'JBSWY3DPEHPK3PXP', enabled_at: new Date() }).execute();
    await t.db
      .insertInto('recovery_codes')
      .values({ user_kind: 'portal', user_id: user.id, code_hash: 'x'.repeat(64) })
      .execute();
    const token = generateSessionToken();
    await createSession(t.db, token, { kind: 'portal', id: user.id }, 30);
    const ana = browserClient(t.app);
    await ana.post('/admin/login', { email: acme.admin.email, password: acme.admin.password });
    const list = await (await ana.get(`/admin/settings/portals/${w.helpId}/users`)).text();
    expect(list).toContain('Reset two-factor sign-in of Carla Núñez');
    const path = `/admin/settings/portals/${w.helpId}/users/${user.id}/reset-two-factor`;
    const res = await ana.post(path, { confirm: '1' });
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toContain('done=reset_two_factor&count=1');
    expect(await t.db.selectFrom('two_factor').select('user_id').where('user_id', '=', user.id).execute()).toEqual([]);
    expect(await t.db.selectFrom('recovery_codes').select('id').where('user_id', '=', user.id).execute()).toEqual([]);
    expect(await validateSessionToken(t.db, token, 30)).toBeUndefined();
    const audited = await t.db
      .selectFrom('audit_log')
      .select('action')
      .where('target_id', '=', user.id)
      .where('action', '=', 'portal_user.two_factor_reset')
      .execute();
    expect(audited).toHaveLength(1);
    const again = await ana.post(path, {});
    expect(again.status).toBe(422);
    expect(await again.text()).toContain('does not use two-factor sign-in.');
  });
});
