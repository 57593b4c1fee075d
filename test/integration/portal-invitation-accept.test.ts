import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../../src/auth/passwords.js';
import { PORTAL_COOKIE } from '../../src/auth/portal-session.js';
import { createRecord, type RecordData } from '../../src/crm/records.js';
import { issueInvitation } from '../../src/invitations/tokens.js';
import { browserClient, startTestApp, type TestApp } from '../support/app.js';
import { bruno, seedStandardUser } from '../support/fixtures.js';
import { addPortalUser, HELP, type PortalWorld, seedPortalWorld } from '../support/portal-world.js';

let t: TestApp;
let w: PortalWorld;
let brunoId: string;
const DAY = 24 * 3600_000;
const password = 'Dora-Portal-2027';

beforeAll(async () => {
  t = await startTestApp();
  w = await seedPortalWorld(t);
  brunoId = (await seedStandardUser(t.db)).id;
});
afterAll(() => t.close());

/** An invited user of Acme Help with a fresh link, sent by Bruno unless told otherwise. */
async function invited(email: string, recordId: string, opts: { by?: string; at?: Date; portal?: 'help' | 'partners'; language?: string } = {}) {
  const id = await addPortalUser(t, w, { email, recordId, status: 'invited', portal: opts.portal, language: opts.language });
  const { token } = await issueInvitation(t.db, id, opts.by ?? brunoId, opts.at);
  return { id, token };
}

const user = (id: string) => t.db.selectFrom('portal_users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

describe('accepting an invitation', () => {
  it('sets the password, activates the account, asks for preferences and lands on the user’s own records', async () => {
    const dora = await invited('dora@initech.example', w.records.dora);
    const client = browserClient(t.app);
    const link = `${HELP}/invite/${dora.token}`;
    const form = await client.get(link);
    expect(form.status).toBe(200);
    expect(form.headers.get('Referrer-Policy')).toBe('no-referrer');
    const html = await form.text();
    expect(html).toContain('Acme Iberia has invited you to Acme Help.');
    expect(html).toContain('Your account: dora@initech.example');
    expect(html).toContain('At least 10 characters, mixing three of');

    const mismatch = await client.post(link, { password, passwordConfirm: 'Something-Else-1' });
    expect(mismatch.status).toBe(422);
    expect(await mismatch.text()).toContain('The two passwords do not match.');
    const weak = await client.post(link, { password: 'short', passwordConfirm: 'short' });
    expect(weak.status).toBe(422);
    expect(await weak.text()).toContain('The password must have at least 10 characters.');
    expect((await user(dora.id)).status).toBe('invited');

    const accepted = await client.post(link, { password, passwordConfirm: password });
    expect(accepted.status).toBe(303);
    expect(accepted.headers.get('Location')).toBe(`${HELP}/welcome`);
    expect(client.cookies.has(PORTAL_COOKIE)).toBe(true);
    const row = await user(dora.id);
    expect(row.status).toBe('active');
    expect(row.activated_at).toBeInstanceOf(Date);
    expect(await verifyPassword(row.password_hash ?? '', password)).toBe(true);
    const invitation = await t.db.selectFrom('portal_invitations').selectAll().where('portal_user_id', '=', dora.id).executeTakeFirstOrThrow();
    expect(invitation.accepted_at).toBeInstanceOf(Date);
    const audit = await t.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'portal_user.invitation_accepted')
      .where('target_id', '=', dora.id)
      .execute();
    expect(audit.map((a) => [a.actor_kind, a.actor_id])).toEqual([['portal', dora.id]]);

    // The welcome page starts from the organization's settings.
    const welcome = await (await client.get(`${HELP}/welcome`)).text();
    expect(welcome).toContain('<option value="Europe/Madrid" selected="">');
    expect(welcome).toContain('<option value="24h" selected="">');
    expect(welcome).toMatch(/<option value="ES" selected="">Spain<\/option>/);
    expect(welcome).toMatch(/<option value="en" selected="">English<\/option>/);

    const bad = await client.post(`${HELP}/welcome`, { language: 'xx', timeFormat: '24h', timeZone: 'Europe/Madrid', country: 'ES' });
    expect(bad.status).toBe(422);
    const saved = await client.post(`${HELP}/welcome`, { language: 'es', timeFormat: '12h', timeZone: 'America/Mexico_City', country: 'MX' });
    expect(saved.status).toBe(303);
    expect(saved.headers.get('Location')).toBe(`${HELP}/m/contacts`);
    const prefs = await user(dora.id);
    expect([prefs.language, prefs.time_format, prefs.time_zone, prefs.country]).toEqual(['es', '12h', 'America/Mexico_City', 'MX']);

    // Her own contact only, in her language.
    const list = await client.get(`${HELP}/m/contacts`);
    const page = await list.text();
    expect(page).toContain('<html lang="es">');
    expect(page).toContain('1 registro');
    expect(page).toContain('Dora');
    expect(page).not.toContain('Carla');
    const cases = await (await client.get(`${HELP}/m/cases`)).text();
    expect(cases).toContain('Dora’s outage');
    expect(cases).not.toContain('Printer jam');

    // The link is spent: it says so, offers sign-in, and changes nothing.
    const again = await browserClient(t.app).get(link);
    expect(again.status).toBe(410);
    const used = await again.text();
    expect(used).toContain('This invitation has already been used');
    expect(used).toContain(`href="${HELP}/login"`);
    const replay = await browserClient(t.app).post(link, { password: 'Other-Password-99', passwordConfirm: 'Other-Password-99' });
    expect(replay.status).toBe(410);
    expect(await verifyPassword((await user(dora.id)).password_hash ?? '', password)).toBe(true);

    const signIn = await browserClient(t.app).post(`${HELP}/login`, { email: 'dora@initech.example', password });
    expect(signIn.status).toBe(303);
  });

  it('accepts a link once when it is submitted twice at the same time', async () => {
    const fred = await invited('fred@gone.example', w.records.fred);
    const link = `${HELP}/invite/${fred.token}`;
    const [a, b] = await Promise.all([
      browserClient(t.app).post(link, { password: 'First-Password-1', passwordConfirm: 'First-Password-1' }),
      browserClient(t.app).post(link, { password: 'Second-Password-2', passwordConfirm: 'Second-Password-2' }),
    ]);
    expect([a.status, b.status].sort()).toEqual([303, 410]);
    const row = await user(fred.id);
    expect(row.status).toBe('active');
    const winner = a.status === 303 ? 'First-Password-1' : 'Second-Password-2';
    expect(await verifyPassword(row.password_hash ?? '', winner)).toBe(true);
    const sessions = await t.db.selectFrom('sessions').select('id').where('user_id', '=', fred.id).execute();
    expect(sessions).toHaveLength(1);
  });

  it('explains an expired link and names whom to ask', async () => {
    const gina = await invited('gina@secure.example', w.records.gina, { at: new Date(Date.now() - 8 * DAY) });
    const res = await browserClient(t.app).get(`${HELP}/invite/${gina.token}`);
    expect(res.status).toBe(410);
    const html = await res.text();
    expect(html).toContain('This invitation has expired');
    expect(html).toContain('Invitation links work for 7 days');
    expect(html).toContain(`Ask ${bruno.name} (${bruno.email}) at Acme Iberia to send you a new invitation.`);
    const post = await browserClient(t.app).post(`${HELP}/invite/${gina.token}`, { password, passwordConfirm: password });
    expect(post.status).toBe(410);
    expect((await user(gina.id)).status).toBe('invited');
  });

  it('explains a link replaced by a newer one, in the visitor’s language', async () => {
    const erin = await invited('erin@help.example', w.records.erin);
    const newer = await issueInvitation(t.db, erin.id, w.adminId);
    const res = await browserClient(t.app).get(`${HELP}/invite/${erin.token}`, { 'Accept-Language': 'fr' });
    expect(res.status).toBe(410);
    const html = await res.text();
    expect(html).toContain('Cette invitation n’est plus valable');
    expect(html).toContain(`Demandez à ${bruno.name} (${bruno.email}) chez Acme Iberia de vous envoyer une nouvelle invitation.`);
    // The newer link works, and names its own sender.
    expect((await browserClient(t.app).get(`${HELP}/invite/${newer.token}`)).status).toBe(200);
  });

  it('answers 404 for an unknown link and for another portal’s link', async () => {
    const unknown = await browserClient(t.app).get(`${HELP}/invite/abcdefghijklmnopqrstuvwxyz234567`);
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('This invitation link is not valid');
    const other = await t.db
      .insertInto('records')
      .values({ module_id: w.contacts.module.id, owner_id: w.adminId, data: JSON.stringify({}), display_name: 'Hal' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const hal = await invited('hal@partner.example', other.id, { portal: 'partners' });
    expect((await browserClient(t.app).get(`${HELP}/invite/${hal.token}`)).status).toBe(404);
    expect((await browserClient(t.app).get(`/p/partners/invite/${hal.token}`)).status).toBe(200);
  });
});

describe('the language on the way in', () => {
  const brazilian = { 'Accept-Language': 'pt-BR,pt;q=0.9,en;q=0.5' };
  const contact = async (data: RecordData) =>
    (await createRecord(t.db, w.staff, w.contacts, { data, layoutId: w.contacts.defaultLayout?.id ?? null, ownerId: w.adminId })).id;
  const recordLanguage = async (id: string) =>
    (await t.db.selectFrom('records').select(sql<string | null>`data->>'language'`.as('language')).where('id', '=', id).executeTakeFirstOrThrow()).language;

  it('keeps a Brazilian browser in Portuguese from the invitation to the portal when the record has no language, and writes the choice to the record', async () => {
    const record = await contact({ first_name: 'Ines', last_name: 'Prado', email: 'ines@initech.example' });
    const ines = await invited('ines@initech.example', record);
    const client = browserClient(t.app);
    const link = `${HELP}/invite/${ines.token}`;

    const invitation = await (await client.get(link, brazilian)).text();
    expect(invitation).toContain('<html lang="pt-BR">');
    expect(invitation).toContain('Boas-vindas a Acme Help');
    expect((await client.post(link, { password, passwordConfirm: password }, brazilian)).status).toBe(303);

    const welcome = await (await client.get(`${HELP}/welcome`, brazilian)).text();
    expect(welcome).toContain('<html lang="pt-BR">');
    expect(welcome).toMatch(/<option value="pt-BR" selected="">/);
    expect(welcome).not.toMatch(/<option value="en" selected="">/);
    expect((await user(ines.id)).language).toBeNull();

    const saved = await client.post(`${HELP}/welcome`, { language: 'pt-BR', timeFormat: '24h', timeZone: 'America/Sao_Paulo', country: 'BR' }, brazilian);
    expect(saved.status).toBe(303);
    // An English browser from now on does not change it: the choice is theirs, and their record's.
    const portal = await (await client.get(saved.headers.get('Location') ?? '', { 'Accept-Language': 'en' })).text();
    expect(portal).toContain('<html lang="pt-BR">');
    expect((await user(ines.id)).language).toBe('pt-BR');
    expect(await recordLanguage(record)).toBe('pt-BR');
    const languageField = w.contacts.fields.find((f) => f.api_name === 'language')?.id;
    const change = await t.db.selectFrom('record_changes').selectAll().where('record_id', '=', record).where('action', '=', 'update').executeTakeFirstOrThrow();
    expect([change.actor_kind, change.actor_id, change.changes]).toEqual(['portal', ines.id, [{ field: languageField, old: null, new: 'pt-BR' }]]);
  });

  it('speaks the record’s own language on the invitation, unless the switcher chose another, which the welcome page keeps', async () => {
    const record = await contact({ first_name: 'Jules', last_name: 'Roy', email: 'jules@initech.example', language: 'fr' });
    // As an invitation stores it: the record's own language.
    const jules = await invited('jules@initech.example', record, { language: 'fr' });
    const link = `${HELP}/invite/${jules.token}`;
    // The language the email was written in, whatever the browser says.
    expect(await (await browserClient(t.app).get(link, brazilian)).text()).toContain('<html lang="fr">');

    const client = browserClient(t.app);
    expect((await client.post(`${HELP}/lang`, { lang: 'es', back: link })).status).toBe(303);
    expect(await (await client.get(link, brazilian)).text()).toContain('<html lang="es">');
    expect((await client.post(link, { password, passwordConfirm: password }, brazilian)).status).toBe(303);
    const welcome = await (await client.get(`${HELP}/welcome`, brazilian)).text();
    expect(welcome).toContain('<html lang="es">');
    expect(welcome).toMatch(/<option value="es" selected="">/);
    expect((await user(jules.id)).language).toBe('es');
    expect(await recordLanguage(record)).toBe('es');
  });

  it('writes a language chosen later, on the profile or with the switcher, to the record too', async () => {
    const record = await contact({ first_name: 'Kai', last_name: 'Lund', email: 'kai@initech.example', language: 'en' });
    const kai = await invited('kai@initech.example', record, { language: 'en' });
    const client = browserClient(t.app);
    await client.post(`${HELP}/invite/${kai.token}`, { password, passwordConfirm: password });
    const prefs = { timeFormat: '24h', timeZone: 'Europe/Paris', country: 'FR' };
    expect((await client.post(`${HELP}/profile`, { language: 'fr', ...prefs })).status).toBe(303);
    expect(await recordLanguage(record)).toBe('fr');
    expect((await client.post(`${HELP}/lang`, { lang: 'es', back: `${HELP}/profile` })).status).toBe(303);
    expect(await recordLanguage(record)).toBe('es');
    // A refused choice writes nothing.
    expect((await client.post(`${HELP}/profile`, { language: 'xx', ...prefs })).status).toBe(422);
    expect(await recordLanguage(record)).toBe('es');
  });
});
