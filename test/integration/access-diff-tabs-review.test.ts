import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ModuleMeta } from '../../src/crm/metadata.js';
import {
  formValues,
  layoutOf,
  resetSavedAccess,
  savedTabs,
  saveTabsDirectly,
  startAccessDiffWorld,
  submit,
  tabsForm,
  tabsPage,
} from '../support/access-diff-world.js';
import type { TestApp } from '../support/app.js';

// Saving a portal user type's tabs through the access review: the admin sees
// what the change does to the type's active users before anything is written.

let t: TestApp;
let contacts: ModuleMeta;
let cases: ModuleMeta;
let deals: ModuleMeta;
let customersType: string;
let partnersType: string;
let escalationLayout: string;

beforeAll(async () => {
  ({ t, contacts, cases, deals, customersType, partnersType, escalationLayout } = await startAccessDiffWorld());
});
afterAll(() => t.close());

beforeEach(() => resetSavedAccess());

describe('saving tabs through the review', () => {
  it('shows the review and writes nothing until the admin confirms, then saves', async () => {
    const before = await savedTabs(customersType);
    const res = await submit(tabsPage(customersType), tabsForm({ cases: { layouts: [layoutOf(cases)] } }));
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Review access changes');
    expect(html).toContain('Customers · Globex');
    expect(html).toContain('2 active users.');
    expect(html).toContain('Cases: gains 3 records.');
    expect(html).toContain('Deals: loses 2 records.');
    expect(html).toMatch(/<dt>Now visible<\/dt><dd>Subject and Status<\/dd>/);
    expect(html).toMatch(/<dt>Now read-only<\/dt><dd>Status<\/dd>/);
    expect(html).toMatch(/<dt>No longer visible<\/dt><dd>Name<\/dd>/);
    expect(html).toContain('Confirm and save');
    expect(html).toContain('Back to editing');
    expect(await savedTabs(customersType)).toEqual(before);

    const confirmed = await submit(tabsPage(customersType), formValues(html, 'confirm'));
    expect(confirmed.status).toBe(303);
    // Saved, the step leads on to the first page of the field permissions.
    expect(confirmed.headers.get('Location')).toMatch(
      new RegExp(`^/admin/settings/portals/types/${customersType}/fields/[a-z_]+\\?layout=[0-9a-f-]{36}&done=tabsSaved$`),
    );
    const after = await savedTabs(customersType);
    expect(after.map((r) => r.module_id).sort()).toEqual([contacts.module.id, cases.module.id].sort());
    expect(after.find((r) => r.module_id === cases.module.id)?.layout_ids).toEqual([layoutOf(cases)]);
  });

  it('says a single record in the singular', async () => {
    await saveTabsDirectly(customersType, { cases: { layouts: [layoutOf(cases), escalationLayout] } });
    const res = await submit(tabsPage(customersType), tabsForm({ cases: { layouts: [layoutOf(cases)] } }));
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Cases: loses 1 record.');
  });

  it('goes back to the form with the submitted values and writes nothing', async () => {
    const before = await savedTabs(customersType);
    const review = await (await submit(tabsPage(customersType), tabsForm({ cases: { layouts: [layoutOf(cases)] } }))).text();
    const back = await submit(tabsPage(customersType), formValues(review, 'back'));
    expect(back.status).toBe(200);
    const html = await back.text();
    expect(html).not.toContain('Review access changes');
    expect(html).toMatch(new RegExp(`name="${cases.module.id}.shown" checked`));
    expect(html).not.toMatch(new RegExp(`name="${deals.module.id}.shown" checked`));
    expect(await savedTabs(customersType)).toEqual(before);
  });

  it('saves at once, without a review, a change that moves no record and no field', async () => {
    const res = await submit(tabsPage(customersType), tabsForm({ deals: { layouts: [layoutOf(deals)], create: true } }));
    expect(res.status).toBe(303);
    expect((await savedTabs(customersType)).find((r) => r.module_id === deals.module.id)?.can_create).toBe(true);
  });

  it('answers invalid input with the form and its errors, no review', async () => {
    const before = await savedTabs(customersType);
    const res = await submit(tabsPage(customersType), tabsForm({ cases: { layouts: [] } }));
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('Choose at least one layout.');
    expect(html).not.toContain('Confirm and save');
    expect(await savedTabs(customersType)).toEqual(before);
  });

  it('re-validates on confirm: a forged confirmation with invalid values is refused', async () => {
    const before = await savedTabs(customersType);
    const res = await submit(tabsPage(customersType), [...tabsForm({ cases: { layouts: [escalationLayout, layoutOf(deals)] } }), ['confirm', '1']]);
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('That layout does not belong to this module.');
    expect(await savedTabs(customersType)).toEqual(before);
  });

  it('says when the type has no active users that the counts are zero for now', async () => {
    const res = await submit(tabsPage(partnersType), tabsForm({ cases: { layouts: [layoutOf(cases)] } }));
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Partners · Globex');
    expect(html).toContain('No active users: record counts are for current users, so they are zero now.');
    expect(html).toContain('Cases: the records reached change, but no current record is gained or lost.');
    expect(html).not.toContain('gains');
  });

  it('speaks the admin’s language, with the counts', async () => {
    const res = await submit(tabsPage(customersType), tabsForm({ cases: { layouts: [layoutOf(cases)] } }), { 'Accept-Language': 'es' });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Revisar los cambios de acceso');
    expect(html).toContain('2 usuarios activos.');
    expect(html).toContain('Casos: gana 3 registros.');
    expect(html).toContain('Oportunidades: pierde 2 registros.');
    expect(html).toMatch(/<dt>Ahora visibles<\/dt><dd>Asunto y Estado<\/dd>/);
    expect(html).toContain('Confirmar y guardar');
  });
});
