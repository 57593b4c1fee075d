import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  codeFor,
  enterCode,
  freshAddress,
  mailsTo,
  person,
  pressConfirmLink,
  type SignupWorld,
  signUp,
  signUpAndConfirm,
  signupsOf,
  startSignupWorld,
  textOf,
} from '../support/signup-world.js';

let w: SignupWorld;
beforeAll(async () => {
  w = await startSignupWorld();
});
afterAll(() => w.t.close());

const wrongCode = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

describe('confirming a sign-up with its one-time code', () => {
  it('stores only the code’s SHA-256, valid 15 minutes, and the right code puts the sign-up in the approval queue', async () => {
    const before = Date.now();
    expect((await signUp(w.visitor, person('alba@example.org'))).status).toBe(200);
    const { code, mails } = await codeFor(w.t, 'alba@example.org');
    expect(mails).toHaveLength(1);
    const [row] = await signupsOf(w.t, 'alba@example.org');
    expect(row?.status).toBe('unconfirmed');
    expect(row?.code_hash).toBe(createHash('sha256').update(code).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(`"${code}"`);
    const lasts = (row?.code_expires_at?.getTime() ?? 0) - before;
    expect(lasts).toBeGreaterThan(14 * 60_000);
    expect(lasts).toBeLessThanOrEqual(15 * 60_000 + 5_000);
    expect(row?.data).toMatchObject({ first_name: 'Lucía', last_name: 'Gómez', phone: '+34 600 123 456', email: 'alba@example.org' });

    const res = await enterCode(w.visitor, 'alba@example.org', code);
    expect(res.status).toBe(200);
    expect(await textOf(res)).toContain('Your sign-up is waiting for approval');
    const [confirmed] = await signupsOf(w.t, 'alba@example.org');
    expect(confirmed).toMatchObject({ status: 'pending', code_hash: null });
    expect(confirmed?.confirmed_at).toBeInstanceOf(Date);
    const pending = (await mailsTo(w.t, 'alba@example.org')).at(-1);
    expect(pending?.subject).toBe('Your sign-up for Acme Care is waiting for approval');
    const trail = await w.t.db
      .selectFrom('audit_log')
      .select('action')
      .where('target_id', '=', confirmed?.id ?? '')
      .execute();
    expect(trail.map((a) => a.action)).toEqual(expect.arrayContaining(['portal_signup.requested', 'portal_signup.confirmed', 'portal_signup.pending']));
  });

  it('works once: the same code again, by form or link, no longer works', async () => {
    expect((await signUpAndConfirm(w, 'bea@example.org')).status).toBe(200);
    const { code, link } = await codeFor(w.t, 'bea@example.org');
    // Typed: answered as for an address with no sign-up (the page does not tell who signed up); by link: used.
    const again = await enterCode(w.visitor, 'bea@example.org', code);
    expect(again.status).toBe(422);
    expect(await textOf(again)).toContain('That code is not right');
    const used = await pressConfirmLink(w.visitor, link);
    expect(used.status).toBe(410);
    expect(await textOf(used)).toContain('This code no longer works');
    expect((await signupsOf(w.t, 'bea@example.org')).map((s) => s.status)).toEqual(['pending']);
  });

  it('opens, from the link in the email, a page that changes nothing; only its button confirms', async () => {
    expect((await signUp(w.visitor, person('carla@example.org'))).status).toBe(200);
    const { link, code } = await codeFor(w.t, 'carla@example.org');
    const [before] = await signupsOf(w.t, 'carla@example.org');
    const counted = (await w.t.db.selectFrom('login_attempts').select('id').execute()).length;
    // A mail scanner or a link preview opens it, perhaps more than once.
    for (let i = 0; i < 2; i++) {
      const res = await w.visitor.get(link, { 'X-Forwarded-For': freshAddress() });
      expect(res.status).toBe(200);
      expect(res.headers.get('Referrer-Policy')).toBe('no-referrer');
      const html = await res.text();
      expect(html).toContain('Confirm your email address');
      expect(html).toMatch(/<form method="post" action="\/p\/care\/signup\/confirm\/link">/);
      expect(html).toMatch(new RegExp(`<input type="hidden" name="id" value="${before?.id}"`));
      expect(html).toMatch(new RegExp(`<input type="hidden" name="code" value="${code}"`));
    }
    expect(await signupsOf(w.t, 'carla@example.org')).toEqual([before]);
    expect(before).toMatchObject({ status: 'unconfirmed', code_attempts: 0 });
    expect(await w.t.db.selectFrom('login_attempts').select('id').execute()).toHaveLength(counted);
    expect(
      await w.t.db
        .selectFrom('audit_log')
        .select('action')
        .where('target_id', '=', before?.id ?? '')
        .execute(),
    ).toEqual([{ action: 'portal_signup.requested' }]);

    const pressed = await pressConfirmLink(w.visitor, link);
    expect(pressed.status).toBe(200);
    expect(await textOf(pressed)).toContain('Waiting for approval');
    expect((await signupsOf(w.t, 'carla@example.org'))[0]?.status).toBe('pending');

    // A link with another code: its page still changes nothing, and its button counts a wrong code.
    expect((await signUp(w.visitor, person('carla2@example.org'))).status).toBe(200);
    const other = await codeFor(w.t, 'carla2@example.org');
    const forged = other.link.replace(/\d{6}$/, wrongCode(other.code));
    expect((await w.visitor.get(forged, { 'X-Forwarded-For': freshAddress() })).status).toBe(200);
    expect((await signupsOf(w.t, 'carla2@example.org'))[0]).toMatchObject({ status: 'unconfirmed', code_attempts: 0 });
    expect((await pressConfirmLink(w.visitor, forged)).status).toBe(422);
    expect((await signupsOf(w.t, 'carla2@example.org'))[0]).toMatchObject({ status: 'unconfirmed', code_attempts: 1 });
  });

  it('leaves the code working after the link’s page was opened', async () => {
    expect((await signUp(w.visitor, person('cora@example.org'))).status).toBe(200);
    const { link, code } = await codeFor(w.t, 'cora@example.org');
    expect((await w.visitor.get(link, { 'X-Forwarded-For': freshAddress() })).status).toBe(200);
    expect((await signupsOf(w.t, 'cora@example.org'))[0]?.status).toBe('unconfirmed');
    const res = await enterCode(w.visitor, 'cora@example.org', code);
    expect(res.status).toBe(200);
    expect((await signupsOf(w.t, 'cora@example.org'))[0]?.status).toBe('pending');
  });

  it('says how many tries are left, and after 5 wrong codes even the right one is dead', async () => {
    expect((await signUp(w.visitor, person('dora@example.org'))).status).toBe(200);
    const { code } = await codeFor(w.t, 'dora@example.org');
    const first = await enterCode(w.visitor, 'dora@example.org', wrongCode(code));
    expect(first.status).toBe(422);
    expect(await textOf(first)).toContain('That code is not right. You have 4 tries left.');
    for (let i = 0; i < 3; i++) expect((await enterCode(w.visitor, 'dora@example.org', wrongCode(code))).status).toBe(422);
    const fifth = await enterCode(w.visitor, 'dora@example.org', 'abcdef');
    expect(fifth.status).toBe(410);
    expect(await textOf(fifth)).toContain('Too many wrong codes');
    const late = await enterCode(w.visitor, 'dora@example.org', code);
    expect(late.status).toBe(429);
    expect((await signupsOf(w.t, 'dora@example.org'))[0]).toMatchObject({ status: 'unconfirmed', code_attempts: 5, confirmed_at: null });
  });

  it('refuses an expired code, and a new sign-up replaces the unconfirmed one', async () => {
    expect((await signUp(w.visitor, person('eva@example.org'))).status).toBe(200);
    const first = await codeFor(w.t, 'eva@example.org');
    await w.t.db
      .updateTable('portal_signups')
      .set({ code_expires_at: new Date(Date.now() - 1000) })
      .where('email', '=', 'eva@example.org')
      .execute();
    const expired = await enterCode(w.visitor, 'eva@example.org', first.code);
    expect(expired.status).toBe(410);
    expect(await textOf(expired)).toContain('The code has expired');

    expect((await signUp(w.visitor, person('eva@example.org'))).status).toBe(200);
    const second = await codeFor(w.t, 'eva@example.org');
    expect(await signupsOf(w.t, 'eva@example.org')).toHaveLength(1);
    if (first.code !== second.code) expect((await enterCode(w.visitor, 'eva@example.org', first.code)).status).toBe(422);
    expect((await enterCode(w.visitor, 'eva@example.org', second.code)).status).toBe(200);
  });

  it('keeps one sign-up in the queue when the same address signs up again while waiting', async () => {
    expect((await signUpAndConfirm(w, 'fina@example.org')).status).toBe(200);
    const again = await signUpAndConfirm(w, 'fina@example.org');
    expect(again.status).toBe(200);
    expect(await textOf(again)).toContain('Waiting for approval');
    expect((await signupsOf(w.t, 'fina@example.org')).map((s) => s.status)).toEqual(['pending']);
  });

  it('answers an address with no sign-up like a wrong code', async () => {
    const res = await enterCode(w.visitor, 'nobody@example.org', '123456');
    expect(res.status).toBe(422);
    expect(await textOf(res)).toContain('That code is not right');
  });

  it('gives no more tries for starting sign-up after sign-up: 5 code entries per address across them, by form or link', async () => {
    expect((await signUp(w.visitor, person('gala@example.org'))).status).toBe(200);
    const first = await codeFor(w.t, 'gala@example.org');
    for (let i = 0; i < 4; i++) expect((await enterCode(w.visitor, 'gala@example.org', wrongCode(first.code))).status).toBe(422);
    expect((await signUp(w.visitor, person('gala@example.org'))).status).toBe(200);
    const second = await codeFor(w.t, 'gala@example.org');
    expect(second.link).not.toBe(first.link);
    const fifth = await enterCode(w.visitor, 'gala@example.org', wrongCode(second.code));
    expect(fifth.status).toBe(410);
    expect(await textOf(fifth)).toContain('Too many wrong codes');
    // The new sign-up's own count is at 1, but the address has had its 5 tries: neither its code nor its link works.
    const typed = await enterCode(w.visitor, 'gala@example.org', second.code);
    expect(typed.status).toBe(429);
    expect((await pressConfirmLink(w.visitor, second.link)).status).toBe(429);
    expect((await signupsOf(w.t, 'gala@example.org')).map((s) => [s.status, s.code_attempts])).toEqual([['unconfirmed', 1]]);
  });

  it('answers alike an address with a code waiting, one whose sign-up is confirmed, and one never seen', async () => {
    expect((await signUp(w.visitor, person('hana@example.org'))).status).toBe(200);
    expect((await signUpAndConfirm(w, 'iria@example.org')).status).toBe(200);
    const { code } = await codeFor(w.t, 'hana@example.org');
    const answers = async (email: string) => {
      const out: string[] = [];
      for (let i = 0; i < 2; i++) {
        const res = await enterCode(w.visitor, email, wrongCode(code));
        out.push(`${res.status} ${(await textOf(res)).replace(email, 'EMAIL')}`);
      }
      return out;
    };
    const waiting = await answers('hana@example.org');
    expect(waiting[1]).toContain('You have 3 tries left.');
    expect(await answers('iria@example.org')).toEqual(waiting);
    expect(await answers('nobody-ever@example.org')).toEqual(waiting);
  });

  it('throttles code entries per client address', async () => {
    const address = freshAddress();
    for (let i = 0; i < 20; i++) expect((await enterCode(w.visitor, `guess${i}@example.org`, '000000', address)).status).toBe(422);
    const over = await enterCode(w.visitor, 'guess-more@example.org', '000000', address);
    expect(over.status).toBe(429);
    expect(await textOf(over)).toContain('Too many attempts');
  });
});
