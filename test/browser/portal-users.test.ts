/// <reference lib="dom" />
import { describe, expect, it } from 'vitest';
import { loadModuleMeta, type ModuleMeta } from '../../src/crm/metadata.js';
import { createRecord } from '../../src/crm/records.js';
import type { Database } from '../../src/db/database.js';
import { createPortal } from '../../src/portals/portals.js';
import { addUserType } from '../../src/portals/user-types.js';
import { collectConsoleErrors, expectAccessible, hasChromium, signedInStaffPage } from '../support/browser.js';
import { browserSuite } from '../support/browser-suite.js';
import { acme, seedAcme } from '../support/fixtures.js';

const ids: Record<string, string> = {};

/** Acme has a portal with two contact-based types and a contact to invite. */
async function setup(db: Database) {
  const { admin } = await seedAcme(db);
  const created = await createPortal(db, { kind: 'staff', id: admin.id }, { name: 'Acme Care' });
  if (!created.ok) throw new Error('no portal');
  ids.portal = created.portal.id;
  const contacts = (await loadModuleMeta(db, 'contacts')) as ModuleMeta;
  const vip = await addUserType(db, { kind: 'staff', id: admin.id }, created.portal.id, { name: 'VIP', baseModuleId: contacts.module.id });
  if (!vip.ok) throw new Error('no type');
  ids.vip = vip.type.id;
  ids.carla = (
    await createRecord(db, { kind: 'staff', id: admin.id }, contacts, {
      data: { first_name: 'Carla', last_name: 'Núñez', email: 'carla@globex.example' },
      layoutId: contacts.defaultLayout?.id ?? null,
      ownerId: admin.id,
    })
  ).id;
}

const suite = browserSuite((server) => setup(server.db));

describe.skipIf(!hasChromium)('managing portal users in a browser', () => {
  it('invites from the record page, deactivates from the Users tab and previews the invitation email', { timeout: 120_000 }, async () => {
    const { server, chrome } = suite;
    const page = await signedInStaffPage(chrome, server.url, acme.admin);
    const errors = collectConsoleErrors(page);

    await page.goto(`${server.url}/admin/m/contacts/${ids.carla}`);
    await expectAccessible(page);
    await page.getByLabel('Portal and user type').selectOption({ label: 'Acme Care · VIP' });
    await page.getByRole('button', { name: 'Send portal invitation' }).click();
    await page.locator('#portal-access').getByText('Invitation sent to carla@globex.example').waitFor();
    await expectAccessible(page);
    expect(await page.locator('#portal-access').textContent()).toContain('VIP');

    await page.goto(`${server.url}/admin/settings/portals/${ids.portal}`);
    await page.getByRole('link', { name: 'Portal users' }).click();
    await page.waitForURL(/\/users$/);
    await expectAccessible(page);
    await page.getByLabel('Select Carla Núñez').check();
    await page.getByLabel('Action').selectOption({ label: 'Deactivate' });
    await page.getByRole('button', { name: 'Apply to selection' }).click();
    await page.getByRole('heading', { name: 'Deactivate 1 portal user?' }).waitFor();
    expect((await server.db.selectFrom('portal_users').select('status').executeTakeFirstOrThrow()).status).not.toBe('deactivated');
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.waitForURL(/\?done=deactivate&count=1$/);
    expect(await page.locator('main').textContent()).toContain('1 user deactivated and signed out.');
    expect((await server.db.selectFrom('portal_users').select('status').executeTakeFirstOrThrow()).status).toBe('deactivated');
    await expectAccessible(page);

    await page.getByRole('link', { name: 'Invitation email' }).click();
    await page.getByRole('link', { name: 'Spanish' }).click();
    await page.waitForURL(/\?lang=es$/);
    await page.getByLabel('Subject').fill('Bienvenida a {{portal}}');
    await page.getByLabel('Message').fill('Hola {{name}}:\n\nEntre con {{link}}.');
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.locator('#preview-subject').getByText('Bienvenida a Acme Care').waitFor();
    expect(await page.locator('#preview-text').textContent()).toContain('Hola Lucía Martín:');
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/\?lang=es&done=saved$/);
    expect(await page.getByLabel('Subject').inputValue()).toBe('Bienvenida a {{portal}}');

    await page.goto(`${server.url}/admin/settings/portals/${ids.portal}/types/${ids.vip}`);
    await page.getByRole('link', { name: 'Automatic invitations' }).click();
    await page.getByLabel('Field').selectOption({ label: 'Department' });
    await page.getByRole('button', { name: 'Choose this field' }).click();
    await page.getByLabel('Invite when Department equals').fill('Partner');
    await page.getByRole('button', { name: 'Add the rule' }).click();
    await page.waitForURL(/\?done=added$/);
    await expectAccessible(page);
    expect(errors).toEqual([]);
  });
});
