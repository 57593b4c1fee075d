import type { BrowserClient, TestApp } from './app.js';
import { browserClient } from './app.js';
import { acme, seedAcme } from './fixtures.js';

/** Where an administrator builds modules, fields and layouts. */
export const SETTINGS = '/admin/settings/modules';

export const idFrom = (location: string | null) => /\/([0-9a-f-]{36})(\?|$)/.exec(location ?? '')?.[1] ?? '';

/** A form post with repeated names (multi-selects, checkboxes), as a browser sends it. */
export function postEntries(client: BrowserClient, path: string, entries: [string, string][]) {
  return client.request(path, {
    method: 'POST',
    body: new URLSearchParams(entries),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  });
}

/** Reads of the metadata an administrator's changes leave behind. */
export function metadataOf(t: TestApp) {
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
  return { moduleRow, fieldsOf, fieldNamed, layoutsOf, recordData };
}

/** Acme seeded, its administrator signed in, and a contact (Carla Núñez) to point lookups at. */
export async function signedInAdministrator(t: TestApp) {
  await seedAcme(t.db);
  const ana = browserClient(t.app);
  await ana.post('/admin/login', { email: acme.admin.email, password: acme.admin.password });
  const carla = await ana.post('/admin/m/contacts', { first_name: 'Carla', last_name: 'Núñez' });
  return { ana, carlaId: idFrom(carla.headers.get('Location')) };
}

async function expectSaved(res: Response, what: string) {
  if (res.status !== 303) throw new Error(`${what}: ${res.status} ${await res.text()}`);
  return res;
}

/**
 * A custom "Projects" module built through the settings pages, as the
 * administrator in metadata-admin-build.test.ts builds it, reduced to the
 * fields the later tests change: a required code, a summary, a stage picklist,
 * a lookup to contacts and a subform of tasks. Its default layout has a
 * "Planning" section first (stage, tasks) and "Basics" second (name, client,
 * code, summary); one record, "Apollo", fills every field.
 */
export async function buildProjectsModule(t: TestApp, ana: BrowserClient) {
  const meta = metadataOf(t);
  await expectSaved(
    await ana.post(SETTINGS, {
      'singular.en': 'Project',
      'plural.en': 'Projects',
      'singular.es': 'Proyecto',
      'plural.es': 'Proyectos',
      sharing: 'public_read',
    }),
    'module',
  );
  const [layout] = await meta.layoutsOf('projects');
  if (!layout) throw new Error('no layout');
  const contacts = await meta.moduleRow('contacts');
  const add = async (type: string, label: string, extra: [string, string][] = []) =>
    expectSaved(await postEntries(ana, `${SETTINGS}/projects/fields`, [['type', type], ['label.en', label], ['layouts', layout.id], ...extra]), label);
  await add('text', 'Code', [['required', 'on']]);
  await add('textarea', 'Summary');
  await add('picklist', 'Stage', [
    ['values.0.en', 'Planned'],
    ['values.0.es', 'Planificado'],
    ['values.1.en', 'In progress'],
    ['values.1.es', 'En curso'],
  ]);
  await add('lookup', 'Client', [['target', contacts.id]]);
  await add('subform', 'Tasks');
  const tasks = await meta.fieldNamed('projects', 'tasks');
  for (const [type, label] of [
    ['text', 'Task'],
    ['decimal', 'Hours'],
  ] as const) {
    await expectSaved(
      await postEntries(ana, `${SETTINGS}/projects/fields`, [
        ['type', type],
        ['label.en', label],
        ['parent', tasks.id],
      ]),
      label,
    );
  }
  const f = Object.fromEntries((await meta.fieldsOf('projects')).map((x) => [x.api_name, x.id]));
  const place = (name: string, section: string, position: number): [string, string][] => [
    [`field.${f[name]}.section`, section],
    [`field.${f[name]}.position`, String(position)],
  ];
  await expectSaved(
    await postEntries(ana, `${SETTINGS}/projects/layouts/${layout.id}`, [
      ['sections.0.id', layout.sections[0]?.id ?? ''],
      ['sections.0.label.en', 'Basics'],
      ['sections.0.position', '20'],
      ['sections.1.label.en', 'Planning'],
      ['sections.1.position', '10'],
      ...place('name', '0', 10),
      ...place('client', '0', 15),
      ...place('code', '0', 20),
      ...place('summary', '0', 30),
      ...place('stage', '1', 10),
      ...place('tasks', '1', 20),
    ]),
    'layout',
  );
  const apollo = await expectSaved(
    await postEntries(ana, '/admin/m/projects', [
      ['__layout', layout.id],
      ['name', 'Apollo'],
      ['code', 'AP-1'],
      ['summary', 'Moon landing'],
      ['stage', 'in_progress'],
      ['client', 'Carla Núñez'],
      ['tasks.0.task', 'Design'],
      ['tasks.0.hours', '3,5'],
      ['tasks.1.task', 'Build'],
      ['tasks.1.hours', '10'],
    ]),
    'record',
  );
  return { recordId: idFrom(apollo.headers.get('Location')) };
}
