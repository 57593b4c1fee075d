import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAccessContext } from '../../src/access/context.js';
import { hashPassword, verifyPassword } from '../../src/auth/passwords.js';
import { addAttachment } from '../../src/crm/notes.js';
import { DEMO_PORTAL_PASSWORD, DEMO_PORTAL_SLUG, seedDemoPortal } from '../../src/demo/portal.js';
import { DEMO_ADMIN, seedDemo } from '../../src/demo/seed.js';
import { portalList } from '../../src/portals/portal-list.js';
import { portalNav } from '../../src/portals/portal-nav.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { brokenVisits, crawlPortal, htmlForms, submitForm } from '../support/portal-crawl.js';

// Every customer of the demo portal signs in and follows everything their
// pages offer: no link, redirect or form of theirs leads to an address that
// does not exist.

const BASE = `/p/${DEMO_PORTAL_SLUG}`;

let t: TestApp;
let customers: { id: string; email: string }[];

beforeAll(async () => {
  t = await startTestApp();
  expect(await seedDemo(t.db)).toEqual({ seeded: true });
  const admin = await t.db.selectFrom('staff_users').select('id').where('email', '=', DEMO_ADMIN.email).executeTakeFirstOrThrow();
  expect(await seedDemoPortal({ db: t.db, boss: t.boss, baseUrl: 'http://localhost:3000' }, admin.id)).toBe(true);
  const active = await t.db
    .selectFrom('portal_users as u')
    .innerJoin('portals as p', 'p.id', 'u.portal_id')
    .select(['u.id', 'u.email', 'u.password_hash'])
    .where('p.slug', '=', DEMO_PORTAL_SLUG)
    .where('u.status', '=', 'active')
    .orderBy('u.email')
    .execute();
  customers = active.map(({ id, email }) => ({ id, email }));
  for (const c of active) {
    // The demo prints one password for its customers; anyone else active gets it too, so everyone can be walked.
    if (!(await verifyPassword(c.password_hash ?? '', DEMO_PORTAL_PASSWORD))) {
      await t.db
        .updateTable('portal_users')
        .set({ password_hash: await hashPassword(DEMO_PORTAL_PASSWORD) })
        .where('id', '=', c.id)
        .execute();
    }
  }
  // The demo has no files; one shared file on each customer's first case puts the download route on the walk.
  for (const c of customers) {
    const ctx = await loadAccessContext(t.db, { portalUserId: c.id, portalId: (await portalOfUser(c.id)).portal_id });
    const first = (await portalList(t.db, ctx, 'cases', { href: () => '' }))?.rows[0];
    if (first)
      await addAttachment(
        t.db,
        first.id,
        { kind: 'staff', id: admin.id },
        { name: 'welcome.txt', type: 'text/plain', bytes: new TextEncoder().encode('hello') },
        false,
      );
  }
});
afterAll(() => t.close());

const portalOfUser = (id: string) => t.db.selectFrom('portal_users').select('portal_id').where('id', '=', id).executeTakeFirstOrThrow();

/** Signs in through the sign-in page's own form, as a customer types into it. */
async function signIn(email: string): Promise<{ client: BrowserClient; landing: string }> {
  const client = browserClient(t.app);
  const page = await client.get(`${BASE}/login`);
  expect(page.status).toBe(200);
  const form = htmlForms(await page.text()).find((f) => f.controls.some((c) => c.name === 'password'));
  if (!form) throw new Error('the sign-in page has no sign-in form');
  const filled = {
    ...form,
    controls: form.controls.map((c) => ({ ...c, value: c.name === 'email' ? email : c.name === 'password' ? DEMO_PORTAL_PASSWORD : c.value })),
  };
  const { res } = await submitForm(client, filled, `${BASE}/login`);
  expect(res.status, `signing in as ${email}`).toBe(303);
  return { client, landing: res.headers.get('Location') ?? BASE };
}

/** The address of every record the customer can reach, from the engine itself. */
async function recordsInScope(userId: string): Promise<string[]> {
  const ctx = await loadAccessContext(t.db, { portalUserId: userId, portalId: (await portalOfUser(userId)).portal_id });
  const nav = await portalNav(t.db, ctx);
  const out: string[] = [];
  for (const { module } of nav.modules) {
    const list = await portalList(t.db, ctx, module.api_name, { href: () => '' });
    for (const row of list?.rows ?? []) out.push(`${BASE}/m/${module.api_name}/${row.id}`);
  }
  return out;
}

describe('walking the demo portal as each of its customers', () => {
  it('finds the demo’s active customers', () => {
    expect(customers.map((c) => c.email)).toEqual(['alice@acme.example', 'camille@globex.example']);
  });

  it('reaches every page, file and form without a link to an address that does not exist', { timeout: 180_000 }, async () => {
    const failures: string[] = [];
    for (const customer of customers) {
      const started = performance.now();
      const { client, landing } = await signIn(customer.email);
      const report = await crawlPortal({ client, base: BASE, start: [landing, BASE, `${BASE}/profile`] });
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      console.info(`${customer.email}: ${report.pages.length} pages, ${report.forms.length} forms, ${report.visits.length} requests in ${seconds}s`);

      failures.push(...brokenVisits(report.visits).map((b) => `${customer.email}: ${b}`));
      failures.push(...report.leaving.map((l) => `${customer.email}: ${l.via} links out of the portal to ${l.target}`));
      const visited = new Set(report.pages.map((p) => p.replace(/\?.*$/, '')));
      for (const href of await recordsInScope(customer.id)) if (!visited.has(href)) failures.push(`${customer.email}: the walk never reached ${href}`);
      for (const path of ['/profile', '/profile/two-factor'])
        if (!visited.has(BASE + path)) failures.push(`${customer.email}: the walk never reached ${BASE}${path}`);
      if (![...visited].some((u) => u.includes('/files/'))) failures.push(`${customer.email}: the walk downloaded no file`);
      if (!report.forms.some((f) => f.endsWith(`${BASE}/logout`))) failures.push(`${customer.email}: no sign-out form was found`);
      if (!report.keptSessionUntilSignOut) failures.push(`${customer.email}: the session ended before signing out`);
      if (!report.signedOut) failures.push(`${customer.email}: signing out did not end the session`);
    }
    expect(failures).toEqual([]);
  });
});

describe('an address in the portal that does not exist', () => {
  const madeUp = [
    `${BASE}/m/cases/00000000-0000-4000-8000-000000000000`,
    `${BASE}/m/cases/00000000-0000-4000-8000-000000000000/edit`,
    `${BASE}/m/cases/not-a-record`,
    `${BASE}/m/nosuch`,
    `${BASE}/m/nosuch/00000000-0000-4000-8000-000000000000`,
    `${BASE}/tabs/00000000-0000-4000-8000-000000000000`,
    `${BASE}/nosuch`,
  ];

  it.each(madeUp)('%s answers 404 in the portal’s frame, linking home to the portal and never to /admin', async (path) => {
    const { client } = await signIn(customers[0]?.email ?? '');
    const res = await client.get(path);
    expect(res.status).toBe(404);
    const html = await res.text();
    const header = /<header class="topbar">([\s\S]*?)<\/header>/.exec(html)?.[1] ?? '';
    expect(header, 'the portal’s tab bar').toMatch(new RegExp(`<nav [^>]*>[\\s\\S]*href="${BASE}/m/[a-z_]+"`));
    expect(html).toContain(`href="${BASE}"`);
    expect(html).not.toMatch(/href="\/admin/);
    expect(html).not.toMatch(/action="\/admin/);
  });
});
