import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModuleMeta } from '../../src/crm/metadata.js';
import { saveFieldPermissions } from '../../src/portals/field-permissions.js';
import { saveTabs, tabForm, tabOptions } from '../../src/portals/tabs.js';
import { setGdprEnabled } from '../../src/privacy/compliance.js';
import { PRIVACY_FIELD_NAMES } from '../../src/privacy/consent.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { addPortalUser, carla, HELP, type PortalWorld, seedPortalWorld } from '../support/portal-world.js';

// With the organization's GDPR compliance off, privacy fields are in no
// portal page or form, whatever the field permissions say; with it on, as
// the type's field permissions say.

let t: TestApp;
let w: PortalWorld;
let customer: BrowserClient;

beforeAll(async () => {
  t = await startTestApp();
  w = await seedPortalWorld(t);
  await addPortalUser(t, w, { email: carla.email, recordId: w.records.carla, status: 'active', password: carla.password, language: 'en' });
  const tabs = tabForm((await tabOptions(t.db, w.helpTypeId)) ?? [], { contacts: { edit: true }, cases: {} });
  expect(await saveTabs(t.db, w.staff, w.helpTypeId, tabs)).toEqual({ ok: true });
  const contacts = (await loadModuleMeta(t.db, 'contacts')) as NonNullable<Awaited<ReturnType<typeof loadModuleMeta>>>;
  const rows = contacts.fields.map((f) => ({ fieldId: f.id, visible: true, readOnly: false }));
  expect((await saveFieldPermissions(t.db, w.staff, w.helpTypeId, contacts.module.id, contacts.defaultLayout?.id as string, rows)).ok).toBe(true);
  const own = await t.db.selectFrom('records').selectAll().where('id', '=', w.records.carla).executeTakeFirstOrThrow();
  await t.db
    .updateTable('records')
    .set({ data: JSON.stringify({ ...(own.data as object), processing_basis: 'consent', consent_status: 'given' }) })
    .where('id', '=', own.id)
    .execute();
  customer = browserClient(t.app);
  expect((await customer.post(`${HELP}/login`, { email: carla.email, password: carla.password })).status).toBe(303);
});
afterAll(() => t.close());

const ownPage = async () => (await customer.get(`${HELP}/m/contacts/${w.records.carla}`)).text();
const editForm = async () => (await customer.get(`${HELP}/m/contacts/${w.records.carla}/edit`)).text();

describe('privacy fields and the organization’s compliance', () => {
  it('are absent from the portal’s pages and forms while compliance is off, and cannot be written', async () => {
    await setGdprEnabled(t.db, w.staff as never, false);
    const page = await ownPage();
    expect(page).not.toContain('Consent status');
    expect(page).not.toContain('Data processing basis');
    const form = await editForm();
    for (const name of PRIVACY_FIELD_NAMES) expect(form).not.toContain(`name="${name}"`);
    const version = /name="__version" value="(\d+)"/.exec(form)?.[1] as string;
    const res = await customer.post(`${HELP}/m/contacts/${w.records.carla}/edit`, { __version: version, consent_status: 'withdrawn' });
    expect(res.status).toBe(422);
    const after = await t.db.selectFrom('records').select('data').where('id', '=', w.records.carla).executeTakeFirstOrThrow();
    expect((after.data as Record<string, unknown>).consent_status).toBe('given');
  });

  it('appear as the field permissions say once compliance is on', async () => {
    await setGdprEnabled(t.db, w.staff as never, true);
    expect(await ownPage()).toContain('Consent status');
    expect(await editForm()).toContain('name="consent_status"');
    await setGdprEnabled(t.db, w.staff as never, false);
  });

  it('has no Data privacy page nor link while compliance is off, and both once it is on', async () => {
    await setGdprEnabled(t.db, w.staff as never, false);
    const home = await (await customer.get(`${HELP}/m/cases`)).text();
    expect(home).not.toContain(`href="${HELP}/privacy"`);
    for (const path of ['/privacy', `/privacy/requests/${w.records.carla}`]) expect((await customer.get(`${HELP}${path}`)).status).toBe(404);
    const consent = await customer.post(`${HELP}/privacy/consent`, { record: w.records.carla, channel: 'email', give: '0', version: '1' });
    expect(consent.status).toBe(404);
    const filed = await customer.post(`${HELP}/privacy/requests`, { record: w.records.carla, kind: 'export', details: '' });
    expect(filed.status).toBe(404);
    expect(await t.db.selectFrom('privacy_requests').select('id').execute()).toEqual([]);
    expect(await t.db.selectFrom('consent_events').select('id').where('source', '=', 'portal').execute()).toEqual([]);

    await setGdprEnabled(t.db, w.staff as never, true);
    expect(await (await customer.get(`${HELP}/m/cases`)).text()).toContain(`href="${HELP}/privacy"`);
    expect((await customer.get(`${HELP}/privacy`)).status).toBe(200);
    await setGdprEnabled(t.db, w.staff as never, false);
  });
});
