import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Actor, createRecord } from '../../src/crm/records.js';
import { createPortal } from '../../src/portals/portals.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme } from '../support/fixtures.js';
import { decodeEntities } from '../support/portal-crawl.js';
import { addPortalUser, carla, type PortalWorld, seedPortalWorld } from '../support/portal-world.js';
import { countStatements } from '../support/statements.js';
import { jobsSettled, waitFor } from '../support/wait.js';

// What the admin side says about portals, invitations and access must be
// true: the portal limit, a batch's outcome box, the invite list's marks,
// the explain wording and the zone of an invitation's expiry.

/** Every staff page costs at most this many statements (as in staff-statements.test.ts). */
const BUDGET = 6;

let t: TestApp;
let w: PortalWorld;
let ana: BrowserClient;
let invite: string;
const ids: Record<string, string> = {};

const text = (html: string) =>
  decodeEntities(html.replace(/<(script|style)[\s\S]*?<\/\1>/g, ' ').replace(/<[^>]+>/g, ' '))
    .replace(/\s+/g, ' ')
    .trim();

type Box = { kind: string; text: string };
/** The message boxes of a page, by kind, as a reader sees them. */
const boxesOf = (html: string): Box[] =>
  [...html.matchAll(/<div class="alert alert-(\w+)"[^>]*>([\s\S]*?)<\/div>/g)].map((m) => ({ kind: m[1] as string, text: text(m[2] ?? '') }));

/** The batch page's outcome box: exactly one, of the expected kind, saying the expected thing; throws otherwise. */
function expectOutcomeBox(html: string, kind: 'success' | 'warning' | 'error', says: string) {
  const boxes = boxesOf(html);
  if (boxes.length !== 1) throw new Error(`expected one outcome box, found ${JSON.stringify(boxes)}`);
  const [box] = boxes as [Box];
  if (box.kind !== kind) throw new Error(`expected a ${kind} box, found a ${box.kind} box: ${box.text}`);
  if (!box.text.includes(says)) throw new Error(`the ${kind} box says “${box.text}”, not “${says}”`);
}

/** The rows of the candidates table, each as its cells' text. */
const rowsOf = (html: string) =>
  [...html.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => [...(m[1] ?? '').matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) => text(c[1] ?? '')));

const contact = async (first: string, last: string, email: string) =>
  (
    await createRecord(t.db, w.staff as Actor, w.contacts, {
      data: { first_name: first, last_name: last, email },
      layoutId: w.contacts.defaultLayout?.id as string,
      ownerId: w.adminId,
    })
  ).id;

async function batch(records: string[], mode: 'send' | 'dry', extra: Record<string, string> = {}) {
  const form = new URLSearchParams({ type: w.helpTypeId, q: '', mode, ...extra });
  for (const id of records) form.append('record', id);
  const res = await ana.request(invite, { method: 'POST', body: form, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
  expect(res.status).toBe(303);
  const id = /\/batches\/([0-9a-f-]{36})$/.exec(res.headers.get('location') ?? '')?.[1] as string;
  await waitFor(async () => (await t.db.selectFrom('invitation_batches').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status === 'done', {
    timeoutMs: 30_000,
    intervalMs: 100,
  });
  return { id, html: await (await ana.get(`${invite}/batches/${id}`)).text() };
}

beforeAll(async () => {
  t = await startTestApp({ worker: true });
  w = await seedPortalWorld(t);
  ana = browserClient(t.app);
  expect((await ana.post('/admin/login', { email: acme.admin.email, password: acme.admin.password })).status).toBe(303);
  invite = `/admin/settings/portals/${w.helpId}/invite`;
  ids.vera = await contact('Vera', 'Quill', 'vera.quill@globex.example');
  ids.dina = await contact('Dina', 'Quill', 'dina.quill@mailinator.com');
  ids.cora = await contact('Cora', 'Quill', 'cora.quill@acme.example');
  ids.gus = await contact('Gus', 'Quill', 'gus.quill@initech.example');
  ids.hal = await contact('Hal', 'Quill', 'hal.quill@umbrella.example');
});
afterAll(() => t.close());

describe('a batch says how it went', () => {
  it('shows a warning, not a success box, when some records failed', async () => {
    const { html } = await batch([ids.vera as string, ids.dina as string], 'send');
    expectOutcomeBox(html, 'warning', 'Done with failures: 1 sent, 1 failed.');
    expect(html).toContain('View failed invitees');
  });

  it('shows an error box when every record failed', async () => {
    const { html } = await batch([ids.dina as string, ids.cora as string], 'send');
    expectOutcomeBox(html, 'error', 'No invitation was sent: 2 failed.');
  });

  it('keeps the success box for a batch where every record was invited', async () => {
    const { html } = await batch([ids.gus as string], 'send');
    expectOutcomeBox(html, 'success', 'Done: 1 sent, 0 failed.');
  });

  it('warns on a dry run that predicts failures, listing each reason', async () => {
    const { html } = await batch([ids.hal as string, ids.dina as string], 'dry');
    expectOutcomeBox(html, 'warning', 'Prediction done with failures: 1 would be sent, 1 would fail.');
    expect(text(html)).toContain('The email address is at a disposable or anonymous email provider.');
  });

  it('the box check catches a success box shown over failures, as the page used to', () => {
    const old = '<div class="alert alert-success" role="status">Done: 1 sent, 1 failed.</div>';
    expect(() => expectOutcomeBox(old, 'warning', 'Done with failures: 1 sent, 1 failed.')).toThrow(/expected a warning box, found a success box/);
  });
});

describe('the invite list marks records that failed before', () => {
  const disposable = 'Failed The email address is at a disposable or anonymous email provider.';
  const company = "Failed The email address is in one of the company's own domains; portals are for people outside the company.";

  it('says what the list holds, and marks each record whose last attempt failed with its reason', async () => {
    const html = await (await ana.get(`${invite}?type=${w.helpTypeId}&q=quill`)).text();
    const page = text(html);
    expect(page).not.toContain('Only records that can be invited are listed');
    expect(page).toContain('A record that failed in an earlier batch shows the reason');
    const rows = rowsOf(html);
    expect(rows).toContainEqual(['', 'Dina Quill', 'dina.quill@mailinator.com', disposable]);
    // Without a search the count says what the records have in common, not that each can be invited.
    const all = text(await (await ana.get(`${invite}?type=${w.helpTypeId}`)).text());
    expect(all).toMatch(/\d+ records have an email address and no portal access\./);
    expect(all).not.toMatch(/records? can be invited/);
    expect(rows).toContainEqual(['', 'Cora Quill', 'cora.quill@acme.example', company]);
    // A dry run only predicts: Hal was never attempted, so he carries no mark.
    expect(rows).toContainEqual(['', 'Hal Quill', 'hal.quill@umbrella.example', '']);
    // The batch page's failed list gives the same reason text.
    const failedBatch = await t.db
      .selectFrom('invitation_results')
      .select('batch_id')
      .where('record_id', '=', ids.cora as string)
      .executeTakeFirstOrThrow();
    const failed = text(await (await ana.get(`${invite}/batches/${failedBatch.batch_id}/failed`)).text());
    expect(failed).toContain(company.replace('Failed ', ''));
    expect(page).toContain('3 records match “quill”.');
  });

  it('gives the reason in the reader’s language, the same words as the batch page', async () => {
    const es = rowsOf(await (await ana.get(`${invite}?type=${w.helpTypeId}&q=quill`, { 'Accept-Language': 'es' })).text());
    expect(es).toContainEqual([
      '',
      'Dina Quill',
      'dina.quill@mailinator.com',
      'Fallida La dirección de correo es de un proveedor de correo desechable o anónimo.',
    ]);
  });

  it('hides them with a filter that works as a plain form field, in the count, the pages and "all matching"', async () => {
    const all = await (await ana.get(`${invite}?type=${w.helpTypeId}&q=quill`)).text();
    expect(all).toMatch(/<input type="checkbox" id="invite-hide-failed" name="hideFailed" value="1"\s*\/?>/);
    expect(all).toContain('<label for="invite-hide-failed">Hide records that failed before</label>');
    const html = await (await ana.get(`${invite}?type=${w.helpTypeId}&q=quill&hideFailed=1`)).text();
    const page = text(html);
    expect(page).toContain('Hal Quill');
    expect(page).not.toContain('Dina Quill');
    expect(page).not.toContain('Cora Quill');
    expect(page).toContain('1 record matches “quill”.');
    expect(html).toMatch(/id="invite-hide-failed" name="hideFailed" value="1" checked/);
    expect(html).toContain('<input type="hidden" name="hideFailed" value="1"');
    const res = await ana.post(invite, { type: w.helpTypeId, q: 'quill', all: '1', hideFailed: '1', mode: 'dry' });
    const id = /\/batches\/([0-9a-f-]{36})$/.exec(res.headers.get('location') ?? '')?.[1] as string;
    const started = await t.db.selectFrom('invitation_batches').select('total').where('id', '=', id).executeTakeFirstOrThrow();
    expect(started.total).toBe(1);
  });

  it('costs the same bounded number of statements with one failed record on the page or thirty', async () => {
    const cost = async () => (await countStatements(() => ana.get(`${invite}?type=${w.helpTypeId}&q=quill`))).statements.length;
    await jobsSettled(t.db);
    await cost(); // the first request also fills the metadata caches
    const few = await cost();
    const more: string[] = [];
    for (let i = 0; i < 29; i++) more.push(await contact('Ivo', `Quill ${String(i).padStart(2, '0')}`, `ivo${i}.quill@mailinator.com`));
    await batch(more, 'send');
    const html = await (await ana.get(`${invite}?type=${w.helpTypeId}&q=quill`)).text();
    expect(html.match(/badge-failed/g)?.length).toBeGreaterThanOrEqual(20);
    // The new contacts' automatic-invitation checks run as jobs on the same pool: counted only once they are done.
    await jobsSettled(t.db);
    const many = await cost();
    expect(many).toBe(few);
    expect(many).toBeLessThanOrEqual(BUDGET);
  });
});

describe('the explain page', () => {
  it('says what a lookup tab shows and what to change, not only who did not create the record', async () => {
    const carlaId = await addPortalUser(t, w, { email: carla.email, recordId: w.records.carla, status: 'active' });
    const page = text(await (await ana.get(`/admin/settings/portals/explain?user=${carlaId}&record=${w.records.doraCase}`)).text());
    expect(page).not.toContain('did not create it in the portal');
    expect(page).toContain(
      "The tab shows records whose «Contact» is the user's own record (or a record they created), and records the user created in the portal. This record's «Contact» points to another record and someone else created it. To show it, set its «Contact» to the user's record.",
    );
  });
});

describe('invitation expiry', () => {
  it('names the time zone of the expiry in the invitation email an admin sends and previews', async () => {
    const mail = await t.db.selectFrom('email_outbox').select('text').where('to_address', '=', 'vera.quill@globex.example').executeTakeFirstOrThrow();
    expect(mail.text).toMatch(/expires on [^.]*\d{2}:\d{2} \(Europe\/Madrid\)\./);
    const preview = await ana.post(`/admin/settings/portals/${w.helpId}/invitation-email`, {
      lang: 'en',
      subject: 'Welcome to {{portal}}',
      body: 'Hello {{name}}, join at {{link}} before {{expires}}.',
      intent: 'preview',
    });
    expect(preview.status).toBe(200);
    expect(text(await preview.text())).toMatch(/\d{2}:\d{2} \(Europe\/Madrid\)/);
  });
});

describe('the portal limit', () => {
  it('says portals cannot be deleted and what to do instead', async () => {
    for (const name of ['Third', 'Fourth', 'Fifth']) expect((await createPortal(t.db, w.staff, { name })).ok).toBe(true);
    const html = await (await ana.get('/admin/settings/portals')).text();
    const page = text(html);
    expect(page).not.toContain('Delete or reuse');
    expect(boxesOf(html)).toContainEqual({
      kind: 'info',
      text: 'Porta holds at most 5 portals, and portals cannot be deleted. Rename and reconfigure one you no longer use.',
    });
  });
});
