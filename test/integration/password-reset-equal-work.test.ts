import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendPortalPasswordReset } from '../../src/auth/password-reset.js';
import { browserClient, startTestApp, type TestApp } from '../support/app.js';
import { resetRequestJobs } from '../support/password-reset.js';
import { addPortalUser, carla, HELP, type PortalWorld, seedPortalWorld } from '../support/portal-world.js';
import { countStatements } from '../support/statements.js';

// "Forgot your password?" must not tell anyone which addresses have an
// account: not by its answer, and not by the work it does before answering
// (its time follows its statements). The request queues one job whatever the
// address; no worker runs here, so only the request's own statements count.

let t: TestApp;
let w: PortalWorld;
const fred = 'fred@gone.example';
const nobody = 'nobody@globex.example';

beforeAll(async () => {
  t = await startTestApp();
  w = await seedPortalWorld(t);
  await addPortalUser(t, w, { email: carla.email, recordId: w.records.carla, status: 'active', password: carla.password });
  await addPortalUser(t, w, { email: fred, recordId: w.records.fred, status: 'deactivated', password: 'Fred-Gone-2027!' });
  // The first request warms what is cached per process (portal, translations); later ones compare alike.
  await browserClient(t.app).post(`${HELP}/password/forgot`, { email: 'warm-up@globex.example' });
});
afterAll(() => t.close());

/** A statement with its literal values taken out: what it does, not which address it was about. */
const shape = (statement: string) =>
  statement
    .replace(/'(?:[^']|'')*'/g, '?')
    .replace(/\$\d+/g, '$')
    .replace(/\b\d+(?:\.\d+)?\b/g, '?')
    .replace(/\s+/g, ' ')
    .trim();

const ask = async (email: string) => {
  const { result, statements } = await countStatements(async () => {
    const res = await browserClient(t.app).post(`${HELP}/password/forgot`, { email });
    return { status: res.status, body: (await res.text()).replace(email, 'EMAIL') };
  });
  return { ...result, shapes: statements.map(shape) };
};

const jobsFor = (email: string) => resetRequestJobs(t, email);

describe('forgot password', () => {
  it('does the same statements, in the same order, for an active user, a deactivated one and an unknown address', async () => {
    const active = await ask(carla.email);
    const deactivated = await ask(fred);
    const unknown = await ask(nobody);
    expect(active.status).toBe(200);
    expect(active.body).toContain('If EMAIL belongs to an account of this portal');
    expect(deactivated.body).toBe(active.body);
    expect(unknown.body).toBe(active.body);
    expect(active.shapes.length).toBeGreaterThan(0);
    expect(deactivated.shapes).toEqual(active.shapes);
    expect(unknown.shapes).toEqual(active.shapes);
    // Nothing about the account is read while the person waits: the job is the only write.
    expect(active.shapes.filter((s) => /portal_users|password_resets|email_outbox/.test(s))).toEqual([]);
    expect(active.shapes.filter((s) => /pgboss/.test(s))).toHaveLength(1);
  });

  it('queues exactly one job per request, the same for every address, and writes no link or email', async () => {
    for (const email of [carla.email, fred, nobody]) {
      const before = await jobsFor(email);
      await browserClient(t.app).post(`${HELP}/password/forgot`, { email: email.toUpperCase() });
      const after = await jobsFor(email);
      expect(after).toHaveLength(before.length + 1);
      expect(after.at(-1)?.data).toEqual({ portalId: w.helpId, email });
    }
    expect(await t.db.selectFrom('email_outbox').select('id').execute()).toEqual([]);
    expect(await t.db.selectFrom('password_resets').select('id').execute()).toEqual([]);
  });

  it('would see the difference if the request looked the account up and wrote its link itself', async () => {
    // The same comparison, on a request that does the worker's work inline, as a handler that answered
    // only after writing the link would: the statements for a real account are no longer those of an unknown one.
    const inline = (email: string) =>
      countStatements(async () => {
        await browserClient(t.app).post(`${HELP}/password/forgot`, { email });
        await sendPortalPasswordReset(t.db, t.boss, { portalId: w.helpId, email }, { baseUrl: t.config.baseUrl });
      });
    const known = (await inline(carla.email)).statements.map(shape);
    const unknown = (await inline(nobody)).statements.map(shape);
    expect(known).not.toEqual(unknown);
    expect(known.length).toBeGreaterThan(unknown.length);
    expect(known.some((s) => /insert into "email_outbox"/.test(s))).toBe(true);
  });
});
