import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAccessContext } from '../../src/access/context.js';
import { verifyPassword } from '../../src/auth/passwords.js';
import { DEMO_PORTAL_PASSWORD, DEMO_PORTAL_SLUG, seedDemoPortal } from '../../src/demo/portal.js';
import { DEMO_ADMIN, seedDemo } from '../../src/demo/seed.js';
import { portalList } from '../../src/portals/portal-list.js';
import { portalNav } from '../../src/portals/portal-nav.js';
import { startTestApp, type TestApp } from '../support/app.js';

let t: TestApp;
let adminId: string;

beforeAll(async () => {
  t = await startTestApp();
  expect(await seedDemo(t.db)).toEqual({ seeded: true });
  adminId = (await t.db.selectFrom('staff_users').select('id').where('email', '=', DEMO_ADMIN.email).executeTakeFirstOrThrow()).id;
  expect(await seedDemoPortal({ db: t.db, boss: t.boss, baseUrl: 'http://localhost:3000' }, adminId)).toBe(true);
});
afterAll(() => t.close());

async function scopeOf(email: string) {
  const user = await t.db.selectFrom('portal_users').selectAll().where('email', '=', email).executeTakeFirstOrThrow();
  const ctx = await loadAccessContext(t.db, { portalUserId: user.id, portalId: user.portal_id });
  const nav = await portalNav(t.db, ctx);
  const names = async (module: string) =>
    ((await portalList(t.db, ctx, module, { href: () => '' }))?.rows ?? []).map((r) => String(r.data.subject ?? r.data.name ?? r.data.title)).sort();
  return {
    user,
    tabs: nav.modules.map((m) => `${m.module.api_name}:${m.tab.viewMode}`),
    cases: await names('cases'),
    deals: await names('deals'),
    quotes: await names('quotes'),
    solutions: await names('solutions'),
    products: await names('products'),
  };
}

describe('the demo portal', () => {
  it('is configured: a contact user type with deals as cards, quotes, cases with a read-only status, public answers and products', async () => {
    const portal = await t.db.selectFrom('portals').selectAll().where('slug', '=', DEMO_PORTAL_SLUG).executeTakeFirstOrThrow();
    expect(portal.name).toBe('Porta Demo Portal');
    const alice = await scopeOf('alice@acme.example');
    expect(alice.tabs).toEqual(['contacts:list', 'deals:canvas', 'quotes:list', 'cases:list', 'products:list', 'solutions:list']);
    const status = await t.db
      .selectFrom('portal_type_fields as pf')
      .innerJoin('fields as f', 'f.id', 'pf.field_id')
      .innerJoin('modules as m', 'm.id', 'f.module_id')
      .select(['pf.visible', 'pf.read_only'])
      .where('m.api_name', '=', 'cases')
      .where('f.api_name', '=', 'status')
      .executeTakeFirstOrThrow();
    expect(status).toEqual({ visible: true, read_only: true });
  });

  it('has two active customers of different companies, each seeing their own records and the shared ones', async () => {
    const alice = await scopeOf('alice@acme.example');
    const camille = await scopeOf('camille@globex.example');
    for (const who of [alice, camille]) {
      expect(who.user.status).toBe('active');
      expect(await verifyPassword(who.user.password_hash ?? '', DEMO_PORTAL_PASSWORD)).toBe(true);
    }
    expect(alice.cases).toEqual(['Export to CSV', 'Invoice address is wrong']);
    expect(camille.cases).toEqual(['Login from the new office']);
    expect(alice.deals).toEqual(['Acme renewal 2027', 'Acme support upgrade']);
    expect(camille.deals).toEqual(['Globex expansion']);
    expect(alice.quotes).toEqual(['Acme Q-1001']);
    expect(camille.quotes).toEqual(['Globex Q-1002']);
    // Overlapping: the same products and public answers for both.
    expect(alice.products).toEqual(['Onboarding package', 'Porta Cloud Basic', 'Porta Cloud Pro']);
    expect(camille.products).toEqual(alice.products);
    expect(camille.solutions).toEqual(alice.solutions);
    expect(alice.solutions).toHaveLength(2);
  });

  it('shows pending invitations and refused ones with their reasons', async () => {
    const pending = await t.db.selectFrom('portal_users').select('email').where('status', '=', 'invited').orderBy('email').execute();
    expect(pending.map((p) => p.email)).toEqual(['bruno@acme.example', 'diego@globex.example']);
    const failed = await t.db
      .selectFrom('invitation_results as r')
      .innerJoin('records', 'records.id', 'r.record_id')
      .select(['records.display_name', 'r.reason'])
      .where('r.outcome', '=', 'failed')
      .orderBy('records.display_name')
      .execute();
    expect(failed).toEqual([
      { display_name: 'Pat Insider', reason: 'company_domain' },
      { display_name: 'Tom Temp', reason: 'disposable_domain' },
    ]);
    const mails = await t.db.selectFrom('email_outbox').select('to_address').where('template', '=', 'portal-invitation').orderBy('to_address').execute();
    expect(mails.map((m) => m.to_address)).toEqual(['alice@acme.example', 'bruno@acme.example', 'camille@globex.example', 'diego@globex.example']);
  });

  it('is created once', async () => {
    expect(await seedDemoPortal({ db: t.db, boss: t.boss, baseUrl: 'http://localhost:3000' }, adminId)).toBe(false);
    expect(await t.db.selectFrom('portals').select('id').execute()).toHaveLength(1);
  });
});
