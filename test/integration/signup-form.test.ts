import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/auth/passwords.js';
import { browserClient } from '../support/app.js';
import {
  codeFor,
  contact,
  freshAddress,
  mailsTo,
  PORTAL_PATH,
  person,
  type SignupWorld,
  signUp,
  signupsOf,
  startSignupWorld,
  textOf,
} from '../support/signup-world.js';
import { countStatements } from '../support/statements.js';

let w: SignupWorld;
beforeAll(async () => {
  w = await startSignupWorld();
});
afterAll(() => w.t.close());

const nothingStored = async (email: string) => {
  expect(await signupsOf(w.t, email)).toEqual([]);
  expect(await mailsTo(w.t, email)).toEqual([]);
};

describe('the sign-up form', () => {
  it('is not found while sign-up is off, and the sign-in page offers it only when on', async () => {
    const withSignup = await textOf(await w.visitor.get(`${PORTAL_PATH}/login`));
    expect(withSignup).toContain('No account yet? Sign up');
    await w.t.db.updateTable('portals').set({ signup_user_type_id: null }).execute();
    try {
      expect((await w.visitor.get(`${PORTAL_PATH}/signup`)).status).toBe(404);
      expect((await signUp(w.visitor, person('off@example.org'))).status).toBe(404);
      expect((await w.visitor.post(`${PORTAL_PATH}/signup/confirm`, { email: 'off@example.org', code: '123456' })).status).toBe(404);
      expect(await textOf(await w.visitor.get(`${PORTAL_PATH}/login`))).not.toContain('Sign up');
      await nothingStored('off@example.org');
    } finally {
      await w.t.db.updateTable('portals').set({ signup_user_type_id: w.typeId }).execute();
    }
  });

  it('asks the email, the chosen fields with the CRM inputs, and prefills the address single sign-on passes', async () => {
    const res = await w.visitor.get(`${PORTAL_PATH}/signup?email=${encodeURIComponent('sso.person@example.org')}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toMatch(/<input[^>]*name="email"[^>]*value="sso.person@example.org"/);
    for (const name of ['first_name', 'last_name', 'phone']) expect(html).toContain(`name="${name}"`);
    expect(html).toMatch(/<select[^>]*name="language"/);
    // GDPR is off in this organization: no consent box.
    expect(html).not.toContain('name="consent"');
  });

  it('types and validates the fields like the CRM, keeping what was typed', async () => {
    const res = await signUp(w.visitor, person('typed@example.org', { phone: 'call me maybe', language: 'xx' }));
    expect(res.status).toBe(422);
    const text = await textOf(res);
    expect(text).toContain('The sign-up was not sent');
    const html = await (await signUp(w.visitor, person('typed@example.org', { phone: 'call me maybe' }))).text();
    expect(html).toContain('value="call me maybe"');
    expect(html).toContain('value="Lucía"');
    await nothingStored('typed@example.org');
  });

  it('refuses each address the invitation rules refuse, with its own reason, storing nothing', async () => {
    const cases: [string, string][] = [
      ['not-an-address', 'Enter a valid email address'],
      ['lucia@acme.example', 'This address belongs to the company itself'],
      ['lucia@mailinator.com', 'Addresses at disposable or anonymous email providers are not accepted'],
      ['lucía@example.org', 'may only contain the letters A–Z'],
      ['', 'required'],
    ];
    for (const [email, reason] of cases) {
      const res = await signUp(w.visitor, person(email));
      expect(res.status, email).toBe(422);
      expect(await textOf(res), email).toContain(reason);
      if (email) await nothingStored(email.toLowerCase());
    }
    expect(await w.t.db.selectFrom('portal_signups').select('id').execute()).toEqual([]);
  });

  it('asks consent when data protection is on, and refuses without it', async () => {
    await w.t.db.updateTable('org').set({ gdpr_enabled: true }).execute();
    try {
      expect(await (await w.visitor.get(`${PORTAL_PATH}/signup`)).text()).toContain('name="consent"');
      const refused = await signUp(w.visitor, person('noconsent@example.org'));
      expect(refused.status).toBe(422);
      expect(await textOf(refused)).toContain('you must agree that your details are stored');
      await nothingStored('noconsent@example.org');
      expect((await signUp(w.visitor, { ...person('consent@example.org'), consent: 'on' })).status).toBe(200);
      const [row] = await signupsOf(w.t, 'consent@example.org');
      expect(row?.consent).toBe(true);
      expect(row?.data).toMatchObject({ consent_status: 'given', consent_channels: ['email'], processing_basis: 'consent' });
    } finally {
      await w.t.db.updateTable('org').set({ gdpr_enabled: false }).execute();
    }
  });

  it('answers an existing portal user exactly like anyone else; only the email differs', async () => {
    const recordId = await contact(w, { first_name: 'Marta', last_name: 'Ruiz', email: 'marta@example.org' });
    await w.t.db
      .insertInto('portal_users')
      .values({
        portal_id: (await w.portal()).id,
        user_type_id: w.typeId,
        record_id: recordId,
        email: 'marta@example.org',
        status: 'active',
        invited_by: w.anaId,
        invited_at: new Date(),
        password_hash: await hashPassword('Marta-Portal-2026'),
      })
      .execute();
    const known = await signUp(browserClient(w.t.app), person('marta@example.org'));
    const unknown = await signUp(browserClient(w.t.app), person('nuria@example.org'));
    expect(known.status).toBe(unknown.status);
    expect(known.status).toBe(200);
    const page = async (res: Response, email: string) => (await textOf(res)).replaceAll(email, 'EMAIL');
    expect(await page(known, 'marta@example.org')).toBe(await page(unknown, 'nuria@example.org'));
    // Nothing stored for the existing account; its email says it exists and where to sign in.
    expect(await signupsOf(w.t, 'marta@example.org')).toEqual([]);
    const [existing] = await mailsTo(w.t, 'marta@example.org');
    expect(existing?.subject).toBe('You already have an account on Acme Care');
    expect(existing?.text).toContain('http://porta.test/p/care/login');
    expect(existing?.text).toContain('http://porta.test/p/care/password/forgot');
    expect(existing?.text).not.toMatch(/\d{6}/);
    const { code, link } = await codeFor(w.t, 'nuria@example.org');
    expect(code).toMatch(/^\d{6}$/);
    expect(link).toContain('/p/care/signup/confirm/');
  });

  it('does the same statements for an address with an account as for a new one, so its time tells nothing', async () => {
    const recordId = await contact(w, { first_name: 'Olga', last_name: 'Known', email: 'olga@example.org' });
    await w.t.db
      .insertInto('portal_users')
      .values({
        portal_id: (await w.portal()).id,
        user_type_id: w.typeId,
        record_id: recordId,
        email: 'olga@example.org',
        status: 'active',
        invited_by: w.anaId,
        invited_at: new Date(),
      })
      .execute();
    // A statement with its literal values taken out: what it does, not which address it was about.
    const shape = (statement: string) =>
      statement
        .replace(/'(?:[^']|'')*'/g, '?')
        .replace(/\$\d+/g, '$')
        .replace(/\b\d+\b/g, '?')
        .replace(/\s+/g, ' ')
        .trim();
    const ask = async (email: string) => {
      const { result, statements } = await countStatements(async () => (await signUp(browserClient(w.t.app), person(email))).status);
      return { status: result, shapes: statements.map(shape) };
    };
    // The first request warms what is cached per process; later ones compare alike.
    await ask('warm-up@example.org');
    const known = await ask('olga@example.org');
    const unknown = await ask('pia@example.org');
    expect(known.status).toBe(200);
    expect(unknown.status).toBe(200);
    expect(known.shapes.length).toBeGreaterThan(0);
    // The same statements; reads sent side by side may reach the pool in either order.
    expect([...unknown.shapes].sort()).toEqual([...known.shapes].sort());
    expect(known.shapes.filter((st) => /insert into "login_attempts"/.test(st))).toHaveLength(1);
    expect(known.shapes.filter((st) => /insert into "email_outbox"/.test(st))).toHaveLength(1);
    expect(await signupsOf(w.t, 'olga@example.org')).toEqual([]);
    expect((await mailsTo(w.t, 'olga@example.org')).map((m) => m.subject)).toEqual(['You already have an account on Acme Care']);
    expect(await signupsOf(w.t, 'pia@example.org')).toHaveLength(1);
  });

  it('writes the code email in the language the person signed up in', async () => {
    const client = browserClient(w.t.app);
    const res = await client.post(`${PORTAL_PATH}/signup`, person('ines@example.org'), { 'X-Forwarded-For': freshAddress(), 'Accept-Language': 'es-ES' });
    expect(res.status).toBe(200);
    expect(await textOf(res)).toContain('Hemos enviado un código a ines@example.org');
    const [mail] = await mailsTo(w.t, 'ines@example.org');
    expect(mail?.language).toBe('es');
    expect(mail?.subject).toMatch(/^\d{6} es su código para Acme Care$/);
    expect((await signupsOf(w.t, 'ines@example.org'))[0]?.language).toBe('es');
  });

  it('throttles sign-ups per email and per client address with a localized 429', async () => {
    const address = freshAddress();
    for (let i = 0; i < 3; i++) expect((await signUp(w.visitor, person('often@example.org'), freshAddress())).status).toBe(200);
    const fourth = await signUp(w.visitor, person('often@example.org'), address);
    expect(fourth.status).toBe(429);
    expect(Number(fourth.headers.get('Retry-After'))).toBeGreaterThan(0);
    expect(await textOf(fourth)).toContain('Too many attempts. Try again in 15 minutes.');
    expect(await mailsTo(w.t, 'often@example.org')).toHaveLength(3);

    const busy = freshAddress();
    for (let i = 0; i < 20; i++) expect((await signUp(w.visitor, person(`many${i}@example.org`), busy)).status).toBe(200);
    const over = await signUp(w.visitor, person('many-more@example.org'), busy);
    expect(over.status).toBe(429);
    await nothingStored('many-more@example.org');
    // Another address is not held back.
    expect((await signUp(w.visitor, person('many-more@example.org'))).status).toBe(200);
  });
});
