/// <reference lib="dom" />
import { describe, expect, it } from 'vitest';
import { loadModuleMeta, type ModuleMeta } from '../../src/crm/metadata.js';
import { type Actor, createRecord, type RecordData } from '../../src/crm/records.js';
import type { Database } from '../../src/db/database.js';
import { saveFieldPermissions } from '../../src/portals/field-permissions.js';
import { createPortal } from '../../src/portals/portals.js';
import { saveTabs, tabForm, tabOptions } from '../../src/portals/tabs.js';
import { collectConsoleErrors, expectAccessible, hasChromium, signedInStaffPage } from '../support/browser.js';
import { browserSuite } from '../support/browser-suite.js';
import { acme, seedAcme } from '../support/fixtures.js';

const ids: Record<string, string> = {};

/** A French organization with a configured portal and four contacts to invite: two can be, two cannot. */
async function setup(db: Database) {
  const { admin } = await seedAcme(db);
  await db.updateTable('org').set({ default_language: 'fr', country: 'FR', time_zone: 'Europe/Paris' }).execute();
  const staff: Actor = { kind: 'staff', id: admin.id };
  const created = await createPortal(db, staff, { name: 'Espace clients' });
  if (!created.ok) throw new Error('no portal');
  ids.portal = created.portal.id;
  ids.type = (await db.selectFrom('portal_user_types').select('id').where('portal_id', '=', ids.portal).executeTakeFirstOrThrow()).id;
  const contacts = (await loadModuleMeta(db, 'contacts')) as ModuleMeta;
  const cases = (await loadModuleMeta(db, 'cases')) as ModuleMeta;
  expect(await saveTabs(db, staff, ids.type, tabForm((await tabOptions(db, ids.type)) ?? [], { contacts: {}, cases: {} }))).toEqual({ ok: true });
  for (const [m, visible] of [
    [contacts, ['first_name', 'last_name', 'email']],
    [cases, ['subject', 'status']],
  ] as const) {
    const rows = m.fields.map((f) => ({ fieldId: f.id, visible: (visible as readonly string[]).includes(f.api_name), readOnly: false }));
    expect((await saveFieldPermissions(db, staff, ids.type, m.module.id, m.defaultLayout?.id as string, rows)).ok).toBe(true);
  }
  const rec = async (m: ModuleMeta, data: RecordData) =>
    (await createRecord(db, staff, m, { data, layoutId: m.defaultLayout?.id as string, ownerId: admin.id })).id;
  ids.camille = await rec(contacts, { first_name: 'Camille', last_name: 'Durand', email: 'camille@globex.example', language: 'fr' });
  ids.luc = await rec(contacts, { first_name: 'Luc', last_name: 'Moreau', email: 'luc@initech.example' });
  await rec(contacts, { first_name: 'Pat', last_name: 'Interne', email: 'pat@acme.example' });
  await rec(contacts, { first_name: 'Tom', last_name: 'Jetable', email: 'tom@mailinator.com' });
  await rec(cases, { subject: 'Facture en double', status: 'open', contact: ids.camille });
  await rec(cases, { subject: 'Panne chez Luc', status: 'open', contact: ids.luc });
}

const suite = browserSuite((server) => setup(server.db), { worker: true });

describe.skipIf(!hasChromium)('inviting customers and their first visit, in French', () => {
  it('invites in bulk with a progress bar, lists the failures, and the invitee sets a password and preferences from the email', {
    timeout: 120_000,
  }, async () => {
    const { server, chrome } = suite;
    const page = await signedInStaffPage(chrome, server.url, acme.admin, 'fr');
    const errors = collectConsoleErrors(page);
    const text = async (selector: string) => ((await page.locator(selector).first().textContent()) ?? '').trim();

    // Bulk invitation: all four records, two fail with their reasons.
    await page.goto(`${server.url}/admin/settings/portals/${ids.portal}/invite`);
    await expectAccessible(page);
    await page.getByLabel('Type d’utilisateur').selectOption({ label: 'Portail clients (Contacts)' });
    await page.getByRole('button', { name: 'Afficher les fiches' }).click();
    await page.getByText('4 fiches ont une adresse e-mail et pas d’accès au portail.').waitFor();
    await expectAccessible(page);
    await page.getByLabel('Sélectionner les 4 fiches, sur toutes les pages').check();
    await page.getByRole('button', { name: 'Envoyer les invitations' }).click();
    await page.waitForURL(/\/invite\/batches\/[0-9a-f-]{36}$/);
    expect(await page.locator('progress').count()).toBeGreaterThan(0);
    // Some failed: a warning, not a success box.
    await page.locator('.alert-warning').getByText('Terminé avec des échecs : 2 envoyées, 2 en échec.', { exact: false }).waitFor({ timeout: 30_000 });
    await expectAccessible(page);
    await page.getByRole('link', { name: 'Voir les invitations en échec' }).click();
    await expectAccessible(page);
    const failed = (await page.locator('main').textContent()) ?? '';
    expect(failed).toContain('Pat Interne');
    expect(failed).toContain('L’adresse e-mail appartient à l’un des domaines de l’entreprise'.replace(/’/g, "'"));
    expect(failed).toContain('Tom Jetable');
    expect(failed).toContain("L'adresse e-mail est chez un fournisseur de messagerie jetable ou anonyme.");
    expect(failed).not.toContain('Camille Durand');

    // The invitation, read from the outbox.
    await page.goto(`${server.url}/admin/outbox`);
    await expectAccessible(page);
    await page
      .getByRole('row', { name: /camille@globex\.example/ })
      .getByRole('link', { name: 'Votre invitation à Espace clients' })
      .click();
    await page.waitForURL(/\/admin\/outbox\/[0-9a-f-]{36}$/);
    await expectAccessible(page);
    const mailText = await text('pre.email-text');
    expect(mailText).toContain('Bonjour Camille Durand,');
    const camilleLink = /https?:\/\/\S+\/invite\/[a-z2-7]+/.exec(mailText)?.[0] as string;
    expect(camilleLink).toMatch(/\/p\/espace-clients\/invite\//);

    // Camille opens her link, chooses a password, then her preferences, and lands on her own page.
    const context = await chrome.browser.newContext({ locale: 'fr-FR' });
    const visitor = await context.newPage();
    const visitorErrors = collectConsoleErrors(visitor);
    await visitor.goto(camilleLink.replace(/^https?:\/\/[^/]+/, server.url));
    await visitor.getByRole('heading', { level: 1, name: 'Bienvenue sur Espace clients' }).waitFor();
    await expectAccessible(visitor);
    await visitor.getByLabel(/^Nouveau mot de passe/).fill('Camille-Portail-2027');
    await visitor.getByLabel(/^Répétez le nouveau mot de passe/).fill('Camille-Portail-2027');
    await visitor.getByRole('button', { name: 'Enregistrer le mot de passe et se connecter' }).click();
    await visitor.waitForURL(/\/welcome$/);
    await expectAccessible(visitor);
    await visitor.getByRole('button', { name: 'Enregistrer et continuer' }).click();
    await visitor.waitForURL(/\/p\/espace-clients\/m\/contacts$/);
    await expectAccessible(visitor);
    expect(await visitor.locator('table.records tbody th').allTextContents()).toEqual(['Camille']);
    await visitor.getByRole('link', { name: 'Demandes', exact: true }).click();
    await visitor.waitForURL(/\/m\/cases$/);
    expect(await visitor.locator('table.records tbody th').allTextContents()).toEqual(['Facture en double']);
    await expectAccessible(visitor);

    // Luc's link has run out: a clear page saying what happened and whom to ask.
    const lucLink = await linkFor(server.db, 'luc@initech.example');
    await server.db
      .updateTable('portal_invitations')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .execute();
    await visitor.goto(lucLink.replace(/^https?:\/\/[^/]+/, server.url));
    await visitor.getByRole('heading', { level: 1, name: 'Cette invitation a expiré' }).waitFor();
    expect((await visitor.locator('main').textContent()) ?? '').toContain(
      'Demandez à Ana Admin (ana@acme.example) chez Acme Iberia de vous envoyer une nouvelle invitation.',
    );
    await expectAccessible(visitor);
    expect(errors).toEqual([]);
    expect(visitorErrors).toEqual([]);
    await context.close();
  });
});

/** The personal link in the invitation email sent to an address, as the outbox holds it. */
async function linkFor(db: Database, address: string): Promise<string> {
  const mail = await db
    .selectFrom('email_outbox')
    .select('text')
    .where('to_address', '=', address)
    .where('template', '=', 'portal-invitation')
    .executeTakeFirstOrThrow();
  const link = /https?:\/\/\S+\/invite\/[a-z2-7]+/.exec(mail.text)?.[0];
  if (!link) throw new Error(`no invitation link for ${address}`);
  return link;
}
