/// <reference lib="dom" />
import { describe, expect, it } from 'vitest';
import { loadModuleMeta, type ModuleMeta } from '../../src/crm/metadata.js';
import { type Actor, createRecord, type RecordData } from '../../src/crm/records.js';
import type { Database } from '../../src/db/database.js';
import { saveCanvasDesign } from '../../src/portals/canvas.js';
import { createPortal } from '../../src/portals/portals.js';
import { collectConsoleErrors, expectAccessible, hasChromium, signedInStaffPage } from '../support/browser.js';
import { browserSuite } from '../support/browser-suite.js';
import { acme, seedAcme } from '../support/fixtures.js';

const ids: Record<string, string> = {};

/** Acme already has a portal at /p/clientes, contacts with cases and deals, and a card design for deals. */
async function setup(db: Database) {
  const { admin } = await seedAcme(db);
  const staff: Actor = { kind: 'staff', id: admin.id };
  expect((await createPortal(db, staff, { name: 'Clientes' })).ok).toBe(true);
  const meta = async (name: string) => (await loadModuleMeta(db, name)) as ModuleMeta;
  const [contacts, cases, deals] = [await meta('contacts'), await meta('cases'), await meta('deals')];
  for (const m of [contacts, cases, deals]) ids[m.module.api_name] = m.module.id;
  const rec = async (m: ModuleMeta, data: RecordData) =>
    (await createRecord(db, staff, m, { data, layoutId: m.defaultLayout?.id as string, ownerId: admin.id })).id;
  ids.carla = await rec(contacts, { first_name: 'Carla', last_name: 'Núñez', email: 'carla@globex.example' });
  ids.dora = await rec(contacts, { first_name: 'Dora', last_name: 'Ortiz', email: 'dora@initech.example' });
  ids.case1 = await rec(cases, { subject: 'Impresora atascada', status: 'open', description: 'Análisis interno del equipo', contact: ids.carla });
  await rec(cases, { subject: 'Copia de factura', status: 'waiting', contact: ids.carla });
  await rec(cases, { subject: 'Caída del servicio de Dora', status: 'open', contact: ids.dora });
  await rec(deals, { name: 'Renovación 2027', stage: 'proposal', closing_date: '2027-01-31', amount: '9000', contact: ids.carla });
  await rec(deals, { name: 'Ampliación de Dora', stage: 'negotiation', closing_date: '2027-03-01', contact: ids.dora });
  const field = (m: ModuleMeta, name: string) => m.byName.get(name)?.id ?? null;
  expect(
    await saveCanvasDesign(db, staff, deals.module.id, deals.fields, {
      titleFieldId: field(deals, 'name'),
      subtitleFieldIds: [field(deals, 'amount') as string],
      badgeFieldId: field(deals, 'stage'),
    }),
  ).toEqual({ ok: true });
}

const suite = browserSuite((server) => setup(server.db));

describe.skipIf(!hasChromium)('configuring a portal from start to preview, in Spanish', () => {
  it('creates the portal, a user type, its tabs and field permissions, then previews exactly what that type sees', { timeout: 120_000 }, async () => {
    const { server, chrome } = suite;
    const page = await signedInStaffPage(chrome, server.url, acme.admin, 'es');
    const errors = collectConsoleErrors(page);
    const main = async () => (await page.locator('main').textContent()) ?? '';
    const text = async (selector: string) => (await page.locator(selector).textContent())?.trim();

    // 1. Portal: a taken address is refused as the admin types, then a free one is accepted.
    await page.goto(`${server.url}/admin/settings/portals/new`);
    await expectAccessible(page);
    expect(await text('[aria-current="step"]')).toBe('1. Portal');
    await page.getByLabel('Nombre del portal').fill('Distribuidores');
    const slug = page.getByLabel('Dirección (después de /p/)');
    await slug.pressSequentially('clientes');
    await page.locator('#slug-status').filter({ hasText: 'Esta dirección ya la usa un portal.' }).waitFor();
    await expectAccessible(page);
    await slug.fill('distribuidores');
    await page.locator('#slug-status').filter({ hasText: 'Esta dirección está disponible.' }).waitFor();
    await page.getByRole('button', { name: 'Crear portal' }).click();
    await page.waitForURL(/\/admin\/settings\/portals\/[0-9a-f-]{36}\?done=created$/);
    await expectAccessible(page);
    const portalId = /portals\/([0-9a-f-]{36})/.exec(page.url())?.[1] as string;

    // 2. A second user type, on contacts.
    await page.locator('#typeName').fill('Tiendas asociadas');
    await page.locator('#baseModule').selectOption({ label: 'Contactos' });
    await page.getByRole('button', { name: 'Añadir tipo de usuario' }).click();
    // A new type opens at once, on the step that comes next for it.
    await page.waitForURL(/\/types\/[0-9a-f-]{36}\?done=typeAdded$/);
    await expectAccessible(page);
    const typeId = /types\/([0-9a-f-]{36})/.exec(page.url())?.[1] as string;
    expect(await text('[aria-current="step"]')).toBe('2. Tipo de usuario');

    // 3. Tabs: cases as a list (view and edit), deals as cards.
    await page.getByRole('button', { name: 'Guardar y continuar' }).click();
    await page.waitForURL(`${server.url}/admin/settings/portals/types/${typeId}/tabs?done=typeSaved`);
    await expectAccessible(page);
    for (const [module, mode] of [
      ['cases', 'list'],
      ['deals', 'canvas'],
    ] as const) {
      const m = ids[module];
      await page.locator(`[id="module-${m}"] > summary`).click(); // a hidden tab's card starts collapsed
      await page.locator(`input[name="${m}.shown"]`).check();
      await page.locator(`input[name="${m}.layouts"]`).first().check();
      await page.locator(`input[id="${m}.viewMode-${mode}"]`).check();
    }
    await page.locator(`input[name="${ids.cases}.edit"]`).check();
    await page.getByRole('button', { name: 'Guardar y continuar' }).click();
    await page.getByRole('heading', { level: 1, name: 'Revisar los cambios de acceso' }).waitFor();
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Confirmar y guardar' }).click();
    await page.waitForURL(/\/portals\/types\/[0-9a-f-]{36}\/fields\/contacts\?layout=[0-9a-f-]{36}&done=tabsSaved$/);
    await page.goto(`${server.url}/admin/settings/portals/types/${typeId}/tabs`);
    expect(await page.locator(`input[id="${ids.deals}.viewMode-canvas"]`).isChecked()).toBe(true);

    // 4. Field permissions: cases show subject, status (read-only) and contact; deals their name and stage.
    const fieldsFor = async (module: string, visible: string[], readOnly: string[], already: string[] = []) => {
      await page.goto(`${server.url}/admin/settings/portals/types/${typeId}/fields/${module}`);
      await expectAccessible(page);
      // What a new type starts with: its tabs' name fields visible.
      for (const label of already) expect(await page.getByLabel(`${label} visible`, { exact: true }).isChecked(), label).toBe(true);
      for (const label of visible) await page.getByLabel(`${label} visible`, { exact: true }).check();
      for (const label of readOnly) await page.getByLabel(`${label} de solo lectura`, { exact: true }).check();
      await page.getByRole('button', { name: /^Guardar y (siguiente|terminar)/ }).click();
      await page.getByRole('heading', { level: 1, name: 'Revisar los cambios de acceso' }).waitFor();
      expect(await main()).toContain('Ahora visibles');
      await page.getByRole('button', { name: 'Confirmar y guardar' }).click();
      await page.waitForURL(/saved=1|\/summary$/);
    };
    await fieldsFor('cases', ['Contacto'], ['Estado'], ['Asunto']);
    await fieldsFor('deals', ['Fase'], [], ['Nombre']);
    await fieldsFor('contacts', ['Teléfono'], [], ['Nombre', 'Apellidos']);

    // 5. Finish: the summary, then the preview as the new type standing in for Carla.
    await page.getByRole('link', { name: '5. Finalizar' }).click();
    await page.waitForURL(`${server.url}/admin/settings/portals/${portalId}/summary`);
    await expectAccessible(page);
    expect(await main()).toContain('Asunto, Estado (solo lectura), Contacto');
    if (process.env.SHOTS) await page.screenshot({ path: '/tmp/notes/summary.png', fullPage: true });
    await page.getByRole('link', { name: 'Vista previa como Tiendas asociadas' }).click();
    await page.getByLabel('En lugar de').selectOption({ label: 'Carla Núñez' });
    await page.getByRole('button', { name: 'Abrir la vista previa' }).click();
    await page.waitForURL(new RegExp(`/portals/preview/type/${typeId}/${ids.carla}$`));
    await expectAccessible(page);
    // The portal's home: the tabs as tiles with their counts.
    expect(await page.locator('.tile').allInnerTexts()).toEqual(['Contactos\n1 registro', 'Oportunidades\n1 registro', 'Casos\n2 registros']);
    expect(await text('.preview-banner')).toContain('Vista previa de Distribuidores como «Tiendas asociadas», en lugar de Carla Núñez.');
    const tabs = await page.getByRole('navigation', { name: 'Navegación del portal' }).getByRole('link').allInnerTexts();
    expect(tabs).toEqual(['Contactos', 'Oportunidades', 'Casos']);

    await page.getByRole('link', { name: 'Casos', exact: true }).click();
    await page.waitForURL(/\/m\/cases$/);
    await expectAccessible(page);
    expect(await text('#module-count')).toBe('2 registros');
    expect(await page.locator('table.records thead th').allInnerTexts()).toEqual(['Asunto', 'Estado', 'Contacto']);
    expect(await page.locator('table.records tbody th').allInnerTexts()).toEqual(['Copia de factura', 'Impresora atascada']);
    expect(await main()).not.toContain('Dora');

    if (process.env.SHOTS) await page.screenshot({ path: '/tmp/notes/preview-list.png', fullPage: true });
    await page.getByRole('link', { name: 'Impresora atascada' }).click();
    await page.waitForURL(new RegExp(`/m/cases/${ids.case1}$`));
    await expectAccessible(page);
    expect(await page.locator('dl.details dt').allInnerTexts()).toEqual(['Asunto', 'Estado solo lectura', 'Contacto']);
    expect(await main()).not.toContain('Análisis interno');
    // The type may edit cases: the preview shows the portal's own button, and its form is inert.
    expect(await page.getByRole('link', { name: 'Editar' }).count()).toBe(1);
    await page.getByRole('link', { name: 'Editar' }).click();
    await page.waitForURL(new RegExp(`/m/cases/${ids.case1}/edit$`));
    await expectAccessible(page);
    expect(await page.getByLabel(/^Asunto/).isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Guardar' }).isDisabled()).toBe(true);
    await page.goBack();

    await page.getByRole('link', { name: 'Oportunidades', exact: true }).click();
    await page.waitForURL(/\/m\/deals$/);
    await expectAccessible(page);
    expect(await page.locator('ul.cards li h2').allInnerTexts()).toEqual(['Renovación 2027']);
    expect(await page.locator('ul.cards li .badge').allInnerTexts()).toEqual(['Propuesta']);
    // Amount is on the card design but not visible to this type.
    expect(await main()).not.toMatch(/9[.\s]?000/);

    // Explain access, from the record: nobody is a portal user yet, so nobody sees it.
    await page.goto(`${server.url}/admin/m/cases/${ids.case1}`);
    await page.getByRole('link', { name: 'Acceso en portales' }).click();
    await page.waitForURL(`${server.url}/admin/settings/portals/explain/record/${ids.case1}`);
    await expectAccessible(page);
    await page.goto(`${server.url}/admin/settings/portals/explain`);
    await expectAccessible(page);
    expect(await text('h1')).toBe('Explicar el acceso al portal');
    expect(errors).toEqual([]);
  });
});
