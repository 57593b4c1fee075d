import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserClient, startTestApp, type TestApp } from '../support/app.js';
import { idFrom, metadataOf, postEntries, SETTINGS, signedInAdministrator } from '../support/projects-module.js';

let t: TestApp;
let ana: BrowserClient;
let carlaId: string;
let meta: ReturnType<typeof metadataOf>;

beforeAll(async () => {
  t = await startTestApp();
  ({ ana, carlaId } = await signedInAdministrator(t));
  meta = metadataOf(t);
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
    const module = await meta.moduleRow('projects');
    expect(module).toMatchObject({ kind: 'custom', sharing: 'public_read', name_fields: ['name'] });
    expect(module.labels).toEqual({ en: { singular: 'Project', plural: 'Projects' }, es: { singular: 'Proyecto', plural: 'Proyectos' } });
    const [name] = await meta.fieldsOf('projects');
    expect(name).toMatchObject({ api_name: 'name', type: 'text', required: true });
    const [layout] = await meta.layoutsOf('projects');
    expect(layout?.is_default).toBe(true);
    expect(layout?.sections.map((s) => s.fields)).toEqual([[name?.id]]);
    const page = await (await ana.get(res.headers.get('Location') ?? '')).text();
    expect(page).toContain('The module is created.');
    expect(page).toContain('<code>name</code>');
  });

  it('adds a field of every type, with picklist labels in each language, a lookup to contacts and a subform of two fields', async () => {
    const [layout] = await meta.layoutsOf('projects');
    const contacts = await meta.moduleRow('contacts');
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
    const tasks = await meta.fieldNamed('projects', 'tasks');
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

    const fields = await meta.fieldsOf('projects');
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
    expect((await meta.fieldNamed('projects', 'code')).required).toBe(true);
    expect((await meta.fieldNamed('projects', 'weight')).options.scale).toBe(3);
    expect((await meta.fieldNamed('projects', 'client')).options.targetModuleId).toBe(contacts.id);
    expect((await meta.fieldNamed('projects', 'stage')).options.values).toEqual([
      { value: 'planned', labels: { en: 'Planned', es: 'Planificado', fr: 'Planifié', 'pt-BR': 'Planejado' } },
      { value: 'in_progress', labels: { en: 'In progress', es: 'En curso', fr: 'En cours', 'pt-BR': 'Em andamento' } },
    ]);
    // Every top-level field went to the end of the layout; subform fields live inside their subform.
    const [after] = await meta.layoutsOf('projects');
    expect(after?.sections[0]?.fields).toEqual(fields.filter((f) => !f.parent_field_id).map((f) => f.id));
  });

  it('arranges the layout in two sections, in the order chosen', async () => {
    const [layout] = await meta.layoutsOf('projects');
    if (!layout) throw new Error('no layout');
    const editor = await (await ana.get(`${SETTINGS}/projects/layouts/${layout.id}`)).text();
    expect(editor).toContain('name="field.');
    const f = Object.fromEntries((await meta.fieldsOf('projects')).map((x) => [x.api_name, x.id]));
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
    const [saved] = await meta.layoutsOf('projects');
    expect(saved?.sections.map((s) => s.labels?.en)).toEqual(['Planning', 'Basics']);
    expect(saved?.sections[0]?.fields).toEqual(['budget', 'stage', 'start_date', 'kick_off', 'progress', 'headcount', 'weight', 'tasks'].map((n) => f[n]));
    expect(saved?.sections[1]?.fields).toEqual(['name', 'client', 'code', 'summary', 'contact_email', 'phone', 'website', 'active', 'tags'].map((n) => f[n]));
    expect(saved?.sections[1]?.id).toBe(layout.sections[0]?.id);
  });

  it('creates a record of the module through the staff pages, and shows it laid out by the sections', async () => {
    const [layout] = await meta.layoutsOf('projects');
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
});
