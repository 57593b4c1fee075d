import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendPortalPasswordReset } from '../../src/auth/password-reset.js';
import { browserClient, startTestApp } from '../support/app.js';
import { acme } from '../support/fixtures.js';
import { addPortalUser, carla, seedPortalWorld } from '../support/portal-world.js';

// A password-reset or invitation link lets whoever opens it take over the
// customer's account. Once SMTP delivers mail, staff reading the outbox see
// such links hidden; without SMTP the outbox is how they reach people, so
// they are shown, and each reading is audited.

const RESET_LINK = /\/password\/reset\/[a-z2-7]{32}/;

async function world(env: Record<string, string>) {
  const t = await startTestApp({ env });
  const w = await seedPortalWorld(t);
  await addPortalUser(t, w, { email: carla.email, recordId: w.records.carla, status: 'active', password: carla.password });
  await sendPortalPasswordReset(t.db, t.boss, { portalId: w.helpId, email: carla.email }, { baseUrl: t.config.baseUrl });
  const email = await t.db.selectFrom('email_outbox').select(['id', 'text']).where('to_address', '=', carla.email).executeTakeFirstOrThrow();
  expect(email.text).toMatch(RESET_LINK);
  const ana = browserClient(t.app);
  expect((await ana.post('/admin/login', { email: acme.admin.email, password: acme.admin.password })).status).toBe(303);
  const audits = () => t.db.selectFrom('audit_log').select('action').where('action', '=', 'outbox.secret_link_read').execute();
  return { t, ana, id: email.id, audits };
}

let delivering: Awaited<ReturnType<typeof world>>;
let local: Awaited<ReturnType<typeof world>>;

beforeAll(async () => {
  // No worker runs: nothing is sent to this address, it only says SMTP is configured.
  delivering = await world({ SMTP_URL: 'smtp://127.0.0.1:9' });
  local = await world({});
});
afterAll(async () => {
  await delivering.t.close();
  await local.t.close();
});

describe('live links in the outbox', () => {
  it('are hidden from staff once SMTP delivers mail, in the text and in the HTML, and say so', async () => {
    const page = await (await delivering.ana.get(`/admin/outbox/${delivering.id}`, { 'Accept-Language': 'pt-BR' })).text();
    expect(page).not.toMatch(RESET_LINK);
    expect(page).toContain('[link oculto]');
    expect(page).toContain('ficam ocultos aqui');
    const html = await (await delivering.ana.get(`/admin/outbox/${delivering.id}/html`)).text();
    expect(html).not.toMatch(RESET_LINK);
    expect(html).toContain('href="#"');
    expect(await delivering.audits()).toEqual([]);
  });

  it('are shown without SMTP, where the outbox is the delivery, and each reading is audited', async () => {
    const page = await (await local.ana.get(`/admin/outbox/${local.id}`)).text();
    expect(page).toMatch(RESET_LINK);
    expect(page).toContain('each reading of one is recorded in the audit log');
    expect(await local.audits()).toHaveLength(1);
  });
});
