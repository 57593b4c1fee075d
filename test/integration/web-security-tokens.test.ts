import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PORTAL_COOKIE } from '../../src/auth/portal-session.js';
import { createRecord } from '../../src/crm/records.js';
import { issueInvitation } from '../../src/invitations/tokens.js';
import { browserClient, startTestApp, type TestApp } from '../support/app.js';
import { localeText } from '../support/locale-strings.js';
import { decodeEntities } from '../support/portal-crawl.js';
import { addPortalUser, carla, HELP, PARTNERS, type PortalWorld, seedPortalWorld } from '../support/portal-world.js';
import { fingerprint, resetLink, securityHeaderProblems, setCookieOf } from '../support/web-security.js';

// Invitation and password-reset links work once, within their time, in their
// own portal. Used again, late or elsewhere, each is refused with a page in
// the visitor's language that says why, and nothing changes: no password, no
// account, no session.

let t: TestApp;
let w: PortalWorld;
const ids = {} as Record<'carla' | 'erin' | 'fred', string>;
const password = 'Brand-New-Pass-2028';
const other = 'Another-Pass-2029';
const ES = { 'Accept-Language': 'es' };
const DAY = 24 * 3600_000;

beforeAll(async () => {
  t = await startTestApp();
  w = await seedPortalWorld(t);
  ids.carla = await addPortalUser(t, w, { email: carla.email, recordId: w.records.carla, status: 'active', password: carla.password });
  ids.erin = await addPortalUser(t, w, {
    email: 'erin@partner.example',
    recordId: w.records.erin,
    status: 'active',
    password: 'Erin-Partner-2027',
    portal: 'partners',
  });
  ids.fred = await addPortalUser(t, w, { email: 'fred@gone.example', recordId: w.records.fred, status: 'deactivated', password: 'Fred-Gone-2027!' });
});
afterAll(() => t.close());

/** An invited user of a portal, with a contact of their own and a fresh link. */
async function invited(email: string, portal: 'help' | 'partners' = 'help') {
  const data = { first_name: email.split('@')[0] ?? '', last_name: 'Invited', email };
  const recordId = (await createRecord(t.db, w.staff, w.contacts, { data, layoutId: w.contacts.defaultLayout?.id ?? null, ownerId: w.adminId })).id;
  const id = await addPortalUser(t, w, { email, recordId, status: 'invited', portal });
  const { token } = await issueInvitation(t.db, id, w.adminId);
  return { id, token };
}

/**
 * What is wrong with the answer to an unusable link: it must be a refusal
 * (404 or 410, never a success or a redirect), start no session, carry the
 * security headers, and say why in the visitor's language.
 */
async function refusalProblems(res: Response, expected: { status: 404 | 410; message: string }): Promise<string[]> {
  const problems: string[] = [];
  if (res.status !== expected.status) problems.push(`answered ${res.status}, not ${expected.status}`);
  if (setCookieOf(res, PORTAL_COOKIE)?.split(';')[0]?.split('=')[1]) problems.push('a session was started');
  problems.push(...securityHeaderProblems(res));
  if (!decodeEntities(await res.text()).includes(expected.message)) problems.push(`does not say: ${expected.message}`);
  return problems;
}

/** Both ways of following a link — opening it and submitting its form — refused alike, and nothing written. */
async function refusedBothWays(path: string, expected: { status: 404 | 410; message: string }): Promise<string[]> {
  const before = await fingerprint(t.db);
  const problems = [
    ...(await refusalProblems(await browserClient(t.app).get(path, ES), expected)).map((p) => `GET: ${p}`),
    ...(await refusalProblems(await browserClient(t.app).post(path, { password: other, passwordConfirm: other }, ES), expected)).map((p) => `POST: ${p}`),
  ];
  const after = await fingerprint(t.db);
  for (const table of Object.keys(before)) if (before[table] !== after[table]) problems.push(`${table} changed`);
  return problems;
}

const invitationProblem = (state: 'used' | 'expired' | 'revoked' | 'unknown') => localeText('es', `portalauth:invite.problem.${state}.title`);
const resetProblem = (state: 'used' | 'expired' | 'unknown') => localeText('es', `portalauth:reset.problem.${state}`);

describe('invitation links', () => {
  it('work once: used again, the link is refused and the password stays the one chosen', async () => {
    const dora = await invited('dora@initech.example');
    const link = `${HELP}/invite/${dora.token}`;
    expect((await browserClient(t.app).post(link, { password, passwordConfirm: password })).status).toBe(303);
    const hash = (await t.db.selectFrom('portal_users').select('password_hash').where('id', '=', dora.id).executeTakeFirstOrThrow()).password_hash;
    expect(await refusedBothWays(link, { status: 410, message: invitationProblem('used') })).toEqual([]);
    expect((await t.db.selectFrom('portal_users').select('password_hash').where('id', '=', dora.id).executeTakeFirstOrThrow()).password_hash).toBe(hash);
  });

  it('last seven days: an older link is refused and the account stays invited', async () => {
    const gina = await invited('gina@secure.example');
    await t.db
      .updateTable('portal_invitations')
      .set({ created_at: new Date(Date.now() - 8 * DAY), expires_at: new Date(Date.now() - DAY) })
      .where('portal_user_id', '=', gina.id)
      .execute();
    expect(await refusedBothWays(`${HELP}/invite/${gina.token}`, { status: 410, message: invitationProblem('expired') })).toEqual([]);
    expect((await t.db.selectFrom('portal_users').select(['status', 'password_hash']).where('id', '=', gina.id).executeTakeFirstOrThrow()).status).toBe(
      'invited',
    );
  });

  it('stop working once a newer link is sent', async () => {
    const hal = await invited('hal@initech.example');
    await issueInvitation(t.db, hal.id, w.adminId);
    expect(await refusedBothWays(`${HELP}/invite/${hal.token}`, { status: 410, message: invitationProblem('revoked') })).toEqual([]);
  });

  it('belong to their own portal: another portal’s link is unknown here', async () => {
    const ivy = await invited('ivy@partner.example', 'partners');
    expect(await refusedBothWays(`${HELP}/invite/${ivy.token}`, { status: 404, message: invitationProblem('unknown') })).toEqual([]);
    // In its own portal it still works.
    expect((await browserClient(t.app).get(`${PARTNERS}/invite/${ivy.token}`)).status).toBe(200);
  });
});

describe('password-reset links', () => {
  it('work once: used again, the link is refused and the new password stays', async () => {
    const token = await resetLink(t.db, ids.carla);
    const link = `${HELP}/password/reset/${token}`;
    expect((await browserClient(t.app).post(link, { password, passwordConfirm: password })).status).toBe(303);
    const hash = (await t.db.selectFrom('portal_users').select('password_hash').where('id', '=', ids.carla).executeTakeFirstOrThrow()).password_hash;
    expect(await refusedBothWays(link, { status: 410, message: resetProblem('used') })).toEqual([]);
    expect((await t.db.selectFrom('portal_users').select('password_hash').where('id', '=', ids.carla).executeTakeFirstOrThrow()).password_hash).toBe(hash);
  });

  it('last an hour: a later link is refused', async () => {
    const token = await resetLink(t.db, ids.carla, new Date(Date.now() - 60_000));
    expect(await refusedBothWays(`${HELP}/password/reset/${token}`, { status: 410, message: resetProblem('expired') })).toEqual([]);
  });

  it('belong to their own portal and to an active account', async () => {
    const erinToken = await resetLink(t.db, ids.erin);
    expect(await refusedBothWays(`${HELP}/password/reset/${erinToken}`, { status: 404, message: resetProblem('unknown') })).toEqual([]);
    const fredToken = await resetLink(t.db, ids.fred);
    expect(await refusedBothWays(`${HELP}/password/reset/${fredToken}`, { status: 404, message: resetProblem('unknown') })).toEqual([]);
    expect(await refusedBothWays(`${HELP}/password/reset/${'a'.repeat(32)}`, { status: 404, message: resetProblem('unknown') })).toEqual([]);
    // In its own portal Erin's still works.
    expect((await browserClient(t.app).get(`${PARTNERS}/password/reset/${erinToken}`)).status).toBe(200);
  });
});

describe('the refusal check', () => {
  it('would report a link that signs in again, or a refusal in the wrong words (it can fail)', async () => {
    const accepted = new Response('Welcome', { status: 303, headers: { 'Set-Cookie': `${PORTAL_COOKIE}=abc; Path=/p/acme-help` } });
    expect(await refusalProblems(accepted, { status: 410, message: invitationProblem('used') })).toEqual([
      'answered 303, not 410',
      'a session was started',
      'no Content-Security-Policy',
      'no X-Content-Type-Options: nosniff',
      'no frame-ancestors or X-Frame-Options',
      'no Referrer-Policy',
      `does not say: ${invitationProblem('used')}`,
    ]);
    // A real refusal, checked for another reason's words, is caught too.
    const token = await resetLink(t.db, ids.carla, new Date(Date.now() - 60_000));
    const res = await browserClient(t.app).get(`${HELP}/password/reset/${token}`, ES);
    expect(await refusalProblems(res, { status: 410, message: resetProblem('used') })).toEqual([`does not say: ${resetProblem('used')}`]);
  });
});
