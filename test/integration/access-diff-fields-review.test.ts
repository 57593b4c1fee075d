import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ModuleMeta } from '../../src/crm/metadata.js';
import {
  field,
  fieldsForm,
  fieldsPage,
  formValues,
  layoutOf,
  resetSavedAccess,
  savedFields,
  saveTabsDirectly,
  startAccessDiffWorld,
  submit,
} from '../support/access-diff-world.js';
import type { TestApp } from '../support/app.js';

// Saving a portal user type's field permissions through the access review: the
// admin sees which fields change before anything is written.

let t: TestApp;
let cases: ModuleMeta;
let deals: ModuleMeta;
let customersType: string;

beforeAll(async () => {
  ({ t, cases, deals, customersType } = await startAccessDiffWorld());
});
afterAll(() => t.close());

beforeEach(() => resetSavedAccess());

describe('saving field permissions through the review', () => {
  beforeEach(() => saveTabsDirectly(customersType, { cases: { layouts: [layoutOf(cases)] } }));

  it('shows exactly the field that becomes visible, writes nothing until confirmed, then saves', async () => {
    const before = await savedFields(customersType);
    const res = await submit(fieldsPage(customersType), fieldsForm({ subject: 'visible', status: 'readOnly', priority: 'visible' }));
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Review access changes');
    expect(html).toContain('2 active users.');
    expect(html).toMatch(/<dt>Now visible<\/dt><dd>Priority<\/dd>/);
    expect(html).not.toContain('Now read-only');
    expect(html).not.toContain('Cases: gains');
    expect(await savedFields(customersType)).toEqual(before);

    const confirmed = await submit(fieldsPage(customersType), formValues(html, 'confirm'));
    expect(confirmed.status).toBe(303);
    // Saved, the walk goes on to the next module or layout, or to the summary after the last.
    expect(confirmed.headers.get('Location')).toMatch(/[?&]saved=1$|\/summary$/);
    const visible = (await savedFields(customersType)).filter((r) => r.visible).map((r) => r.field_id);
    expect(visible.sort()).toEqual([field(cases, 'subject'), field(cases, 'status'), field(cases, 'priority')].sort());
  });

  it('goes back to the grid with the submitted boxes ticked', async () => {
    const review = await (await submit(fieldsPage(customersType), fieldsForm({ subject: 'readOnly', status: 'readOnly' }))).text();
    expect(review).toMatch(/<dt>Now read-only<\/dt><dd>Subject<\/dd>/);
    const back = await submit(fieldsPage(customersType), formValues(review, 'back'));
    expect(back.status).toBe(200);
    expect(await back.text()).toMatch(new RegExp(`id="read-only-${field(cases, 'subject')}"[^>]*checked`));
    expect((await savedFields(customersType)).find((r) => r.field_id === field(cases, 'subject'))?.read_only).toBe(false);
  });

  it('saves the same permissions at once, without a review', async () => {
    const res = await submit(fieldsPage(customersType), fieldsForm({ subject: 'visible', status: 'readOnly' }));
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toMatch(/[?&]saved=1$|\/summary$/);
  });

  it('refuses a field that is not on the layout with the form, no review', async () => {
    const before = await savedFields(customersType);
    const res = await submit(fieldsPage(customersType), [...fieldsForm({ priority: 'visible' }), ['visible', field(deals, 'name')]]);
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('The form named a field that is not on this layout.');
    expect(html).not.toContain('Confirm and save');
    expect(await savedFields(customersType)).toEqual(before);
  });
});
