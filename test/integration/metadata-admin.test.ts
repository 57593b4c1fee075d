import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme, bruno, seedAcme, seedStandardUser } from '../support/fixtures.js';

let t: TestApp;
let ana: BrowserClient;
let carlaId: string;

const SETTINGS = '/admin/settings/modules';
const idFrom = (location: string | null) => /\/([0-9a-f-]{36})(\?|$)/.exec(location ?? '')?.[1] ?? '';

/** A form post with repeated names (multi-selects, checkboxes), as a browser sends it. */
function postEntries(client: BrowserClient, path: string, entries: [string, string][]) {
  return client.request(path, {
    method: 'POST',
    body: new URLSearchParams(entries),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  });
}

const moduleRow = (apiName: string) => t.db.selectFrom('modules').selectAll().where('api_name', '=', apiName).executeTakeFirstOrThrow();
const fieldsOf = async (apiName: string) => {
  const m = await moduleRow(apiName);
  return t.db.selectFrom('fields').selectAll().where('module_id', '=', m.id).orderBy('position').execute();
};
const fieldNamed = async (apiName: string, field: string) => {
  const found = (await fieldsOf(apiName)).find((f) => f.api_name === field);
  if (!found) throw new Error(`no field ${field}`);
  return found;
};
const layoutsOf = async (apiName: string) => {
  const m = await moduleRow(apiName);
  return t.db.selectFrom('layouts').selectAll().where('module_id', '=', m.id).where('deleted_at', 'is', null).orderBy('position').execute();
};
const recordData = async (id: string) =>
  (await t.db.selectFrom('records').select('data').where('id', '=', id).executeTakeFirstOrThrow()).data as Record<string, unknown>;

beforeAll(async () => {
  t = await startTestApp();
  await seedAcme(t.db);
  ana = browserClient(t.app);
  await ana.post('/admin/login', { email: acme.admin.email, password: acme.admin.password });
  const carla = await ana.post('/admin/m/contacts', { first_name: 'Carla', last_name: 'Núñez' });
  carlaId = idFrom(carla.headers.get('Location'));
});
afterAll(() => t.close());

describe('a custom module built in the settings, used through the record pages', () => {
  let recordId: string;

  it('creates the module with a required name field and a default layout holding it', async () => {
    const res = await ana.post(SETTINGS, {
      'singular.en': 'Project',
      'plural.en': 'Projects',
      'singular.es': 'Proyecto',
      'plural.es': 'Proyectos',
      sharing: 'public_read',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toBe(`${SETTINGS}/projects?done=moduleCreated`);
    const module = await moduleRow('projects');
    expect(module).toMatchObject({ kind: 'custom', sharing: 'public_read', name_fields: ['name'] });
    expect(module.labels).toEqual({ en: { singular: 'Project', plural: 'Projects' }, es: { singular: 'Proyecto', plural: 'Proyectos' } });
    const [name] = await fieldsOf('projects');
    expect(name).toMatchObject({ api_name: 'name', type: 'text', required: true });
    const [layout] = await layoutsOf('projects');
    expect(layout?.is_default).toBe(true);
    expect(layout?.sections.map((s) => s.fields)).toEqual([[name?.id]]);
    const page = await (await ana.get(res.headers.get('Location') ?? '')).text();
    expect(page).toContain('The module is created.');
    expect(page).toContain('<code>name</code>');
  });

  it('adds a field of every type, with picklist labels in each language, a lookup to contacts and a subform of two fields', async () => {
    const [layout] = await layoutsOf('projects');
    const contacts = await moduleRow('contacts');
    const add = async (type: string, label: string, extra: [string, string][] = []) => {
      const res = await postEntries(ana, `${SETTINGS}/projects/fields`, [['type', type], ['label.en', label], ['layouts', layout?.id ?? ''], ...extra]);
      expect(res.status, `${type}: ${res.status === 422 ? await res.text() : ''}`).toBe(303);
    };
    await add('text', 'Code', [['required', 'on']]);
    await add('textarea', 'Summary');
    await add('email', 'Contact email');
    await add('phone', 'Phone');
    await add('url', 'Website');
    await add('number', 'Headcount');
    await add('decimal', 'Weight', [['scale', '3']]);
    await add('currency', 'Budget');
    await add('percent', 'Progress');
    await add('boolean', 'Active');
    await add('date', 'Start date');
    await add('datetime', 'Kick-off');
    await add('picklist', 'Stage', [
      ['values.0.en', 'Planned'],
      ['values.0.es', 'Planificado'],
      ['values.0.fr', 'Planifié'],
      ['values.0.pt-BR', 'Planejado'],
      ['values.1.en', 'In progress'],
      ['values.1.es', 'En curso'],
      ['values.1.fr', 'En cours'],
      ['values.1.pt-BR', 'Em andamento'],
      ['values.2.en', ''],
    ]);
    await add('multiselect', 'Tags', [
      ['values.0.en', 'Internal'],
      ['values.1.en', 'Billable'],
    ]);
    await add('lookup', 'Client', [['target', contacts.id]]);
    await add('subform', 'Tasks');
    const tasks = await fieldNamed('projects', 'tasks');
    for (const [type, label] of [
      ['text', 'Task'],
      ['decimal', 'Hours'],
    ]) {
      const res = await postEntries(ana, `${SETTINGS}/projects/fields`, [
        ['type', type as string],
        ['label.en', label as string],
        ['parent', tasks.id],
      ]);
      expect(res.status).toBe(303);
    }

    const fields = await fieldsOf('projects');
    expect(fields.filter((f) => !f.parent_field_id).map((f) => [f.api_name, f.type])).toEqual([
      ['name', 'text'],
      ['code', 'text'],
      ['summary', 'textarea'],
      ['contact_email', 'email'],
      ['phone', 'phone'],
      ['website', 'url'],
      ['headcount', 'number'],
      ['weight', 'decimal'],
      ['budget', 'currency'],
      ['progress', 'percent'],
      ['active', 'boolean'],
      ['start_date', 'date'],
      ['kick_off', 'datetime'],
      ['stage', 'picklist'],
      ['tags', 'multiselect'],
      ['client', 'lookup'],
      ['tasks', 'subform'],
    ]);
    expect(fields.filter((f) => f.parent_field_id === tasks.id).map((f) => f.api_name)).toEqual(['task', 'hours']);
    expect((await fieldNamed('projects', 'code')).required).toBe(true);
    expect((await fieldNamed('projects', 'weight')).options.scale).toBe(3);
    expect((await fieldNamed('projects', 'client')).options.targetModuleId).toBe(contacts.id);
    expect((await fieldNamed('projects', 'stage')).options.values).toEqual([
      { value: 'planned', labels: { en: 'Planned', es: 'Planificado', fr: 'Planifié', 'pt-BR': 'Planejado' } },
      { value: 'in_progress', labels: { en: 'In progress', es: 'En curso', fr: 'En cours', 'pt-BR': 'Em andamento' } },
    ]);
    // Every top-level field went to the end of the layout; subform fields live inside their subform.
    const [after] = await layoutsOf('projects');
    expect(after?.sections[0]?.fields).toEqual(fields.filter((f) => !f.parent_field_id).map((f) => f.id));
  });

  it('arranges the layout in two sections, in the order chosen', async () => {
    const [layout] = await layoutsOf('projects');
    if (!layout) throw new Error('no layout');
    const editor = await (await ana.get(`${SETTINGS}/projects/layouts/${layout.id}`)).text();
    expect(editor).toContain('name="field.');
    const f = Object.fromEntries((await fieldsOf('projects')).map((x) => [x.api_name, x.id]));
    // Section 0 ("Basics") keeps the identity fields; a new section 1 ("Planning") comes first and holds the plan.
    const place = (name: string, section: string, position: number): [string, string][] => [
      [`field.${f[name]}.section`, section],
      [`field.${f[name]}.position`, String(position)],
    ];
    const res = await postEntries(ana, `${SETTINGS}/projects/layouts/${layout.id}`, [
      ['sections.0.id', layout.sections[0]?.id ?? ''],
      ['sections.0.label.en', 'Basics'],
      ['sections.0.label.es', 'Datos básicos'],
      ['sections.0.position', '20'],
      ['sections.1.label.en', 'Planning'],
      ['sections.1.label.es', 'Planificación'],
      ['sections.1.position', '10'],
      ...place('name', '0', 10),
      ...place('code', '0', 20),
      ...place('client', '0', 15),
      ...place('summary', '0', 30),
      ...place('contact_email', '0', 40),
      ...place('phone', '0', 50),
      ...place('website', '0', 60),
      ...place('active', '0', 70),
      ...place('tags', '0', 80),
      ...place('stage', '1', 10),
      ...place('start_date', '1', 20),
      ...place('kick_off', '1', 30),
      ...place('budget', '1', 5),
      ...place('progress', '1', 40),
      ...place('headcount', '1', 50),
      ...place('weight', '1', 60),
      ...place('tasks', '1', 70),
    ]);
    expect(res.status, res.status === 422 ? await res.text() : '').toBe(303);
    const [saved] = await layoutsOf('projects');
    expect(saved?.sections.map((s) => s.labels?.en)).toEqual(['Planning', 'Basics']);
    expect(saved?.sections[0]?.fields).toEqual(['budget', 'stage', 'start_date', 'kick_off', 'progress', 'headcount', 'weight', 'tasks'].map((n) => f[n]));
    expect(saved?.sections[1]?.fields).toEqual(['name', 'client', 'code', 'summary', 'contact_email', 'phone', 'website', 'active', 'tags'].map((n) => f[n]));
    expect(saved?.sections[1]?.id).toBe(layout.sections[0]?.id);
  });

  it('creates a record of the module through the staff pages, and shows it laid out by the sections', async () => {
    const [layout] = await layoutsOf('projects');
    const form = await (await ana.get('/admin/m/projects/new')).text();
    expect(form.indexOf('name="budget"')).toBeLessThan(form.indexOf('name="name"'));
    expect(form).toContain('name="tasks.0.task"');
    const res = await postEntries(ana, '/admin/m/projects', [
      ['__layout', layout?.id ?? ''],
      ['name', 'Apollo'],
      ['code', 'AP-1'],
      ['summary', 'Moon\nlanding'],
      ['contact_email', 'Team@Apollo.example'],
      ['phone', '+34 600 000 000'],
      ['website', 'apollo.example'],
      ['headcount', '1.200'],
      ['weight', '2,5'],
      ['budget', '1500,50'],
      ['progress', '40'],
      ['active', 'on'],
      ['start_date', '2026-03-01'],
      ['kick_off', '2026-03-02T09:30'],
      ['stage', 'in_progress'],
      ['tags', 'internal'],
      ['tags', 'billable'],
      ['client', 'Carla Núñez'],
      ['tasks.0.task', 'Design'],
      ['tasks.0.hours', '3,5'],
      ['tasks.1.task', 'Build'],
      ['tasks.1.hours', '10'],
    ]);
    expect(res.status, res.status === 422 ? await res.text() : '').toBe(303);
    recordId = idFrom(res.headers.get('Location'));
    const row = await t.db.selectFrom('records').selectAll().where('id', '=', recordId).executeTakeFirstOrThrow();
    expect(row.display_name).toBe('Apollo');
    expect(row.layout_id).toBe(layout?.id);
    expect(row.data).toEqual({
      name: 'Apollo',
      code: 'AP-1',
      summary: 'Moon\nlanding',
      contact_email: 'team@apollo.example',
      phone: '+34 600 000 000',
      website: 'https://apollo.example',
      headcount: 1200,
      weight: 2.5,
      budget: 1500.5,
      progress: 40,
      active: true,
      start_date: '2026-03-01',
      // Madrid is an hour ahead of UTC in early March.
      kick_off: '2026-03-02T08:30:00.000Z',
      stage: 'in_progress',
      tags: ['internal', 'billable'],
      client: carlaId,
      tasks: [
        { task: 'Design', hours: 3.5 },
        { task: 'Build', hours: 10 },
      ],
    });
    const refs = await t.db.selectFrom('record_refs').selectAll().where('record_id', '=', recordId).execute();
    expect(refs.map((r) => r.target_id)).toEqual([carlaId]);

    const detail = await (await ana.get(`/admin/m/projects/${recordId}`)).text();
    const order = ['<h2>Planning</h2>', '>Budget<', '>Stage<', '>Start date<', '>Tasks<', '<h2>Basics</h2>', '>Name<', '>Client<', '>Code<', '>Tags<'];
    const at = order.map((s) => detail.indexOf(s));
    expect(
      at.every((i) => i >= 0),
      JSON.stringify(at),
    ).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(detail).toContain('In progress');
    expect(detail).toContain('Internal, Billable');
    expect(detail).toContain(`href="/admin/m/contacts/${carlaId}"`);
    expect(detail).toContain('Design');

    // In Spanish the picklist, the section and the module speak Spanish.
    const es = await (await ana.get(`/admin/m/projects/${recordId}`, { 'Accept-Language': 'es' })).text();
    expect(es).toContain('En curso');
    expect(es).toContain('<h2>Planificación</h2>');
  });

  it('hides a removed field from forms and details while its value stays; restoring shows it again', async () => {
    const code = await fieldNamed('projects', 'code');
    expect((await ana.post(`${SETTINGS}/projects/fields/${code.id}/remove`, {})).status).toBe(303);
    expect((await fieldNamed('projects', 'code')).deleted_at).not.toBeNull();
    const [layout] = await layoutsOf('projects');
    expect(layout?.sections.flatMap((s) => s.fields)).not.toContain(code.id);
    expect(await (await ana.get('/admin/m/projects/new')).text()).not.toContain('name="code"');
    // The record's fields no longer show it (its history still tells what was typed).
    const hidden = await (await ana.get(`/admin/m/projects/${recordId}`)).text();
    expect(hidden.slice(0, hidden.indexOf('id="history"'))).not.toContain('AP-1');
    expect((await recordData(recordId)).code).toBe('AP-1');
    const settings = await (await ana.get(`${SETTINGS}/projects`)).text();
    expect(settings).toContain('Removed');
    // Required no more: a record can be created without it.
    expect((await ana.post('/admin/m/projects', { __layout: layout?.id ?? '', name: 'Gemini' })).status).toBe(303);

    expect((await ana.post(`${SETTINGS}/projects/fields/${code.id}/restore`, {})).status).toBe(303);
    const [restored] = await layoutsOf('projects');
    expect(restored?.sections[1]?.fields.slice(0, 3)).toEqual([
      (await fieldNamed('projects', 'name')).id,
      (await fieldNamed('projects', 'client')).id,
      code.id,
    ]);
    expect(await (await ana.get(`/admin/m/projects/${recordId}`)).text()).toContain('AP-1');
    expect(await (await ana.get('/admin/m/projects/new')).text()).toContain('name="code"');
  });

  it('rebuilds a restored lookup’s references that an edit dropped while it was hidden', async () => {
    const [layout] = await layoutsOf('projects');
    const beta = idFrom(
      (await ana.post('/admin/m/projects', { __layout: layout?.id ?? '', name: 'Beta', client: 'Carla Núñez', code: 'B-1' })).headers.get('Location'),
    );
    const client = await fieldNamed('projects', 'client');
    await ana.post(`${SETTINGS}/projects/fields/${client.id}/remove`, {});
    const edit = await ana.post(`/admin/m/projects/${beta}`, { __layout: layout?.id ?? '', name: 'Beta 2', code: 'B-1' });
    expect(edit.status).toBe(303);
    expect(await t.db.selectFrom('record_refs').selectAll().where('record_id', '=', beta).execute()).toHaveLength(0);
    expect((await recordData(beta)).client).toBe(carlaId);
    await ana.post(`${SETTINGS}/projects/fields/${client.id}/restore`, {});
    const refs = await t.db.selectFrom('record_refs').selectAll().where('record_id', '=', beta).execute();
    expect(refs.map((r) => [r.field_id, r.target_id])).toEqual([[client.id, carlaId]]);
  });

  it('purges only a removed custom field: its values, its lookup references and the field go', async () => {
    const code = await fieldNamed('projects', 'code');
    const live = await ana.post(`${SETTINGS}/projects/fields/${code.id}/purge`, {});
    expect(live.status).toBe(422);
    expect(await live.text()).toContain('Only a removed field can be purged.');

    await ana.post(`${SETTINGS}/projects/fields/${code.id}/remove`, {});
    const confirm = await (await ana.get(`${SETTINGS}/projects/fields/${code.id}/purge`)).text();
    expect(confirm).toContain('2 records hold a value for it');
    expect((await ana.post(`${SETTINGS}/projects/fields/${code.id}/purge`, {})).status).toBe(303);
    expect(await t.db.selectFrom('fields').select('id').where('id', '=', code.id).execute()).toHaveLength(0);
    expect(await recordData(recordId)).not.toHaveProperty('code');
    const holding = await t.db.selectFrom('records').select('id').where(sql<boolean>`data ? 'code'`).execute();
    expect(holding).toHaveLength(0);

    const client = await fieldNamed('projects', 'client');
    await ana.post(`${SETTINGS}/projects/fields/${client.id}/remove`, {});
    expect((await ana.post(`${SETTINGS}/projects/fields/${client.id}/purge`, {})).status).toBe(303);
    expect(await t.db.selectFrom('record_refs').selectAll().where('field_id', '=', client.id).execute()).toHaveLength(0);
    expect(await recordData(recordId)).not.toHaveProperty('client');

    const hours = (await fieldsOf('projects')).find((f) => f.api_name === 'hours');
    await ana.post(`${SETTINGS}/projects/fields/${hours?.id}/remove`, {});
    expect((await ana.post(`${SETTINGS}/projects/fields/${hours?.id}/purge`, {})).status).toBe(303);
    expect((await recordData(recordId)).tasks).toEqual([{ task: 'Design' }, { task: 'Build' }]);
  });

  it('never removes or purges the field that names records, nor purges a standard field', async () => {
    const name = await fieldNamed('projects', 'name');
    const res = await ana.post(`${SETTINGS}/projects/fields/${name.id}/remove`, {});
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('This field names the module&#39;s records and cannot be removed.');
    expect((await fieldNamed('projects', 'name')).deleted_at).toBeNull();

    const website = await fieldNamed('leads', 'website');
    await ana.post(`${SETTINGS}/leads/fields/${website.id}/remove`, {});
    const purge = await ana.post(`${SETTINGS}/leads/fields/${website.id}/purge`, {});
    expect(purge.status).toBe(422);
    expect(await purge.text()).toContain('Standard fields cannot be purged.');
    await ana.post(`${SETTINGS}/leads/fields/${website.id}/restore`, {});
    expect((await fieldNamed('leads', 'website')).deleted_at).toBeNull();
  });

  it('edits a field: relabels and adds picklist values without dropping any, changes the required flag, keeps the type', async () => {
    const stage = await fieldNamed('projects', 'stage');
    const form = await (await ana.get(`${SETTINGS}/projects/fields/${stage.id}`)).text();
    expect(form).toContain('name="values.0.value" value="planned"');
    expect(form).not.toContain('name="type"');
    const res = await ana.post(`${SETTINGS}/projects/fields/${stage.id}`, {
      type: 'text',
      'label.en': 'Phase',
      'label.es': 'Fase',
      required: 'on',
      'values.0.value': 'planned',
      'values.0.en': 'Scheduled',
      'values.0.es': 'Programado',
      // Row 1 (in progress) left out of the submission: it stays.
      'values.2.en': 'Done',
      'values.2.fr': 'Terminé',
    });
    expect(res.status).toBe(303);
    const saved = await fieldNamed('projects', 'stage');
    expect(saved).toMatchObject({ type: 'picklist', required: true, labels: { en: 'Phase', es: 'Fase' } });
    expect(saved.options.values?.map((v) => [v.value, v.labels?.en])).toEqual([
      ['planned', 'Scheduled'],
      ['in_progress', 'In progress'],
      ['done', 'Done'],
    ]);
    // A subform left with a single field of its own still shows and edits.
    const detail = await (await ana.get(`/admin/m/projects/${recordId}`)).text();
    expect(detail).toContain('>Phase<');
    expect(detail).toContain('>Build<');
    expect(await (await ana.get(`/admin/m/projects/${recordId}/edit`)).text()).toContain('name="tasks.0.task"');
  });

  it('changes a module’s names and sharing', async () => {
    const res = await ana.post(`${SETTINGS}/projects`, { 'singular.en': 'Project', 'plural.en': 'Programmes', sharing: 'private' });
    expect(res.status).toBe(303);
    const module = await moduleRow('projects');
    expect(module.sharing).toBe('private');
    expect(module.labels).toEqual({ en: { singular: 'Project', plural: 'Programmes' } });
    // A standard module keeps its translated names; only its sharing changes.
    expect((await ana.post(`${SETTINGS}/solutions`, { 'singular.en': 'Ignored', 'plural.en': 'Ignored', sharing: 'public_full' })).status).toBe(303);
    expect(await moduleRow('solutions')).toMatchObject({ sharing: 'public_full', labels: {} });
    await ana.post(`${SETTINGS}/solutions`, { sharing: 'public_read' });
    await ana.post(`${SETTINGS}/projects`, {
      'singular.en': 'Project',
      'plural.en': 'Projects',
      'singular.es': 'Proyecto',
      'plural.es': 'Proyectos',
      sharing: 'private',
    });
  });

  it('with htmx, swaps in only the options of the chosen type', async () => {
    const res = await ana.get(`${SETTINGS}/projects/fields/options?type=lookup&label.en=X`, { 'HX-Request': 'true' });
    const html = await res.text();
    expect(html.startsWith('<div id="type-options">')).toBe(true);
    expect(html).toContain('name="target"');
    expect(html).not.toContain('name="values.0.en"');
    expect(html).not.toContain('name="scale"');
    const plain = await (await ana.get(`${SETTINGS}/projects/fields/new`)).text();
    for (const name of ['name="target"', 'name="values.0.en"', 'name="scale"']) expect(plain).toContain(name);
  });

  it('keeps several layouts: a new one copies the default, records of a deleted one fall back to the default', async () => {
    const created = await ana.post(`${SETTINGS}/projects/layouts`, { 'label.en': 'Compact' });
    expect(created.status).toBe(303);
    const compactId = idFrom(created.headers.get('Location'));
    const layouts = await layoutsOf('projects');
    expect(layouts.map((l) => l.labels.en ?? l.api_name)).toEqual(['standard', 'Compact']);
    expect(layouts[1]?.sections.map((s) => s.fields)).toEqual(layouts[0]?.sections.map((s) => s.fields));
    const rec = idFrom((await ana.post('/admin/m/projects', { __layout: compactId, name: 'Mercury', stage: 'planned' })).headers.get('Location'));
    expect((await t.db.selectFrom('records').select('layout_id').where('id', '=', rec).executeTakeFirstOrThrow()).layout_id).toBe(compactId);

    const refused = await ana.post(`${SETTINGS}/projects/layouts/${layouts[0]?.id}/delete`, {});
    expect(refused.status).toBe(422);
    expect((await ana.post(`${SETTINGS}/projects/layouts/${compactId}/delete`, {})).status).toBe(303);
    expect((await ana.get(`/admin/m/projects/${rec}`)).status).toBe(200);
    expect(await (await ana.get(`/admin/m/projects/${rec}`)).text()).toContain('<h2>Planning</h2>');
  });
});

describe('who may change metadata', () => {
  it('answers 403 to a standard user on every settings page and action, and changes nothing', async () => {
    await seedStandardUser(t.db);
    const bob = browserClient(t.app);
    await bob.post('/admin/login', { email: bruno.email, password: bruno.password });
    const projects = await moduleRow('projects');
    const name = await fieldNamed('projects', 'name');
    const [layout] = await layoutsOf('projects');
    for (const path of [
      '/admin/settings',
      SETTINGS,
      `${SETTINGS}/new`,
      `${SETTINGS}/projects`,
      `${SETTINGS}/projects/fields/new`,
      `${SETTINGS}/projects/fields/options?type=picklist`,
      `${SETTINGS}/projects/fields/${name.id}`,
      `${SETTINGS}/projects/fields/${name.id}/purge`,
      `${SETTINGS}/projects/layouts`,
      `${SETTINGS}/projects/layouts/${layout?.id}`,
    ]) {
      expect((await bob.get(path)).status, path).toBe(403);
    }
    const before = await fieldsOf('projects');
    for (const [path, form] of [
      [SETTINGS, { 'singular.en': 'Sneaky', 'plural.en': 'Sneakies' }],
      [`${SETTINGS}/projects`, { sharing: 'public_full' }],
      [`${SETTINGS}/projects/fields`, { type: 'text', 'label.en': 'Sneaky' }],
      [`${SETTINGS}/projects/fields/${name.id}`, { 'label.en': 'Sneaky', required: '' }],
      [`${SETTINGS}/projects/fields/${name.id}/remove`, {}],
      [`${SETTINGS}/projects/layouts`, { 'label.en': 'Sneaky' }],
      [`${SETTINGS}/projects/layouts/${layout?.id}/delete`, {}],
    ] as [string, Record<string, string>][]) {
      expect((await bob.post(path, form)).status, path).toBe(403);
    }
    expect(await fieldsOf('projects')).toEqual(before);
    expect((await moduleRow('projects')).sharing).toBe(projects.sharing);
    expect(await t.db.selectFrom('modules').select('id').where('api_name', '=', 'sneakies').execute()).toHaveLength(0);
    // The settings entry in the navigation is there, but the door is shut.
    expect(await (await bob.get('/admin')).text()).toContain('href="/admin/settings"');
  });
});

describe('validation in the administrator’s language', () => {
  beforeAll(async () => {
    await ana.post('/lang', { lang: 'es', back: '/admin' });
  });
  afterAll(async () => {
    await ana.post('/lang', { lang: 'en', back: '/admin' });
  });

  it('names a module: no name at all, and a name another module has', async () => {
    const empty = await ana.post(SETTINGS, { 'singular.es': ' ', 'plural.es': '' });
    expect(empty.status).toBe(422);
    const html = await empty.text();
    expect(html).toContain('<html lang="es"');
    expect(html).toMatch(/id="singular-error"[^>]*>Indique un nombre en al menos un idioma\./);

    const taken = await ana.post(SETTINGS, { 'singular.es': 'Contacto', 'plural.es': 'Contactos' });
    expect(taken.status).toBe(422);
    const dup = await taken.text();
    expect(dup).toMatch(/id="plural-es-error"[^>]*>Ya hay otro módulo con este nombre\./);
    expect(dup).toMatch(/id="singular-es-error"[^>]*>Ya hay otro módulo con este nombre\./);

    const half = await ana.post(SETTINGS, { 'singular.fr': 'Chantier' });
    expect(await half.text()).toMatch(/id="plural-fr-error"[^>]*>Indique también el nombre en plural en este idioma\./);
    expect(await t.db.selectFrom('modules').select('id').where('kind', '=', 'custom').execute()).toHaveLength(1);
  });

  it('adds a field: empty and duplicate labels, a picklist without values, a lookup without target', async () => {
    const before = (await fieldsOf('projects')).length;
    const noLabel = await ana.post(`${SETTINGS}/projects/fields`, { type: 'text', 'label.es': '' });
    expect(noLabel.status).toBe(422);
    expect(await noLabel.text()).toMatch(/id="label-error"[^>]*>Indique un nombre en al menos un idioma\./);

    // The name field is called "Nombre" in Spanish.
    const duplicate = await ana.post(`${SETTINGS}/projects/fields`, { type: 'text', 'label.es': 'nombre' });
    expect(await duplicate.text()).toMatch(/id="label-es-error"[^>]*>Ya hay otro con este nombre\. Elija un nombre distinto\./);

    const picklist = await ana.post(`${SETTINGS}/projects/fields`, { type: 'picklist', 'label.es': 'Prioridad', 'values.0.es': '' });
    expect(picklist.status).toBe(422);
    const picklistHtml = await picklist.text();
    expect(picklistHtml).toMatch(/id="values-error"[^>]*>Una lista de selección necesita al menos un valor\./);
    // What was typed comes back.
    expect(picklistHtml).toContain('value="Prioridad"');

    const twice = await ana.post(`${SETTINGS}/projects/fields`, { type: 'picklist', 'label.es': 'Prioridad', 'values.0.es': 'Alta', 'values.1.es': 'alta' });
    expect(await twice.text()).toMatch(/id="values-1-es-error"[^>]*>Dos valores tienen este nombre\./);

    const lookup = await ana.post(`${SETTINGS}/projects/fields`, { type: 'lookup', 'label.es': 'Proveedor', target: '' });
    expect(lookup.status).toBe(422);
    expect(await lookup.text()).toMatch(/id="target-error"[^>]*>Elija el módulo al que apunta esta búsqueda\./);

    const unknown = await ana.post(`${SETTINGS}/projects/fields`, { type: 'lookup', 'label.es': 'Proveedor', target: 'no-such-module' });
    expect(await unknown.text()).toMatch(/id="target-error"[^>]*>Este módulo ya no existe\. Elija otro\./);

    const scale = await ana.post(`${SETTINGS}/projects/fields`, { type: 'decimal', 'label.es': 'Peso bruto', scale: '9' });
    expect(await scale.text()).toMatch(/id="scale-error"[^>]*>Introduzca un número entero de 0 a 6\./);
    expect(await fieldsOf('projects')).toHaveLength(before);
  });

  it('saves a layout: a bad position and a section that still has fields are refused', async () => {
    const [layout] = await layoutsOf('projects');
    if (!layout) throw new Error('no layout');
    const name = await fieldNamed('projects', 'name');
    const res = await postEntries(ana, `${SETTINGS}/projects/layouts/${layout.id}`, [
      ['sections.0.id', layout.sections[0]?.id ?? ''],
      ['sections.0.label.en', 'Planning'],
      ['sections.0.remove', 'on'],
      ['sections.0.position', '10'],
      ['sections.1.id', layout.sections[1]?.id ?? ''],
      ['sections.1.label.en', 'Basics'],
      ['sections.1.position', 'primero'],
      [`field.${name.id}.section`, '0'],
      [`field.${name.id}.position`, 'diez'],
    ]);
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toMatch(/id="sections-0-remove-error"[^>]*>Esta sección todavía tiene campos\./);
    expect(html).toMatch(/id="sections-1-position-error"[^>]*>Introduzca un número entero de 0 a 99999\./);
    expect(html).toMatch(new RegExp(`id="field-${name.id}-position-error"[^>]*>Introduzca un número entero de 0 a 99999\\.`));
    expect((await layoutsOf('projects'))[0]?.sections).toEqual(layout.sections);
  });
});
