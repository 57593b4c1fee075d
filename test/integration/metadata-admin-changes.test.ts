import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserClient, startTestApp, type TestApp } from '../support/app.js';
import { buildProjectsModule, idFrom, metadataOf, SETTINGS, signedInAdministrator } from '../support/projects-module.js';

let t: TestApp;
let ana: BrowserClient;
let carlaId: string;
let recordId: string;
let meta: ReturnType<typeof metadataOf>;

beforeAll(async () => {
  t = await startTestApp();
  ({ ana, carlaId } = await signedInAdministrator(t));
  meta = metadataOf(t);
  ({ recordId } = await buildProjectsModule(t, ana));
});
afterAll(() => t.close());

describe('a custom module’s fields and layouts changed after records hold values', () => {
  it('hides a removed field from forms and details while its value stays; restoring shows it again', async () => {
    const code = await meta.fieldNamed('projects', 'code');
    expect((await ana.post(`${SETTINGS}/projects/fields/${code.id}/remove`, {})).status).toBe(303);
    expect((await meta.fieldNamed('projects', 'code')).deleted_at).not.toBeNull();
    const [layout] = await meta.layoutsOf('projects');
    expect(layout?.sections.flatMap((s) => s.fields)).not.toContain(code.id);
    expect(await (await ana.get('/admin/m/projects/new')).text()).not.toContain('name="code"');
    // The record's fields no longer show it (its history still tells what was typed).
    const hidden = await (await ana.get(`/admin/m/projects/${recordId}`)).text();
    expect(hidden.slice(0, hidden.indexOf('id="history"'))).not.toContain('AP-1');
    expect((await meta.recordData(recordId)).code).toBe('AP-1');
    const settings = await (await ana.get(`${SETTINGS}/projects`)).text();
    expect(settings).toContain('Removed');
    // Required no more: a record can be created without it.
    expect((await ana.post('/admin/m/projects', { __layout: layout?.id ?? '', name: 'Gemini' })).status).toBe(303);

    expect((await ana.post(`${SETTINGS}/projects/fields/${code.id}/restore`, {})).status).toBe(303);
    const [restored] = await meta.layoutsOf('projects');
    expect(restored?.sections[1]?.fields.slice(0, 3)).toEqual([
      (await meta.fieldNamed('projects', 'name')).id,
      (await meta.fieldNamed('projects', 'client')).id,
      code.id,
    ]);
    expect(await (await ana.get(`/admin/m/projects/${recordId}`)).text()).toContain('AP-1');
    expect(await (await ana.get('/admin/m/projects/new')).text()).toContain('name="code"');
  });

  it('rebuilds a restored lookup’s references that an edit dropped while it was hidden', async () => {
    const [layout] = await meta.layoutsOf('projects');
    const beta = idFrom(
      (await ana.post('/admin/m/projects', { __layout: layout?.id ?? '', name: 'Beta', client: 'Carla Núñez', code: 'B-1' })).headers.get('Location'),
    );
    const client = await meta.fieldNamed('projects', 'client');
    await ana.post(`${SETTINGS}/projects/fields/${client.id}/remove`, {});
    const edit = await ana.post(`/admin/m/projects/${beta}`, { __layout: layout?.id ?? '', name: 'Beta 2', code: 'B-1' });
    expect(edit.status).toBe(303);
    expect(await t.db.selectFrom('record_refs').selectAll().where('record_id', '=', beta).execute()).toHaveLength(0);
    expect((await meta.recordData(beta)).client).toBe(carlaId);
    await ana.post(`${SETTINGS}/projects/fields/${client.id}/restore`, {});
    const refs = await t.db.selectFrom('record_refs').selectAll().where('record_id', '=', beta).execute();
    expect(refs.map((r) => [r.field_id, r.target_id])).toEqual([[client.id, carlaId]]);
  });

  it('purges only a removed custom field: its values, its lookup references and the field go', async () => {
    const code = await meta.fieldNamed('projects', 'code');
    const live = await ana.post(`${SETTINGS}/projects/fields/${code.id}/purge`, {});
    expect(live.status).toBe(422);
    expect(await live.text()).toContain('Only a removed field can be purged.');

    await ana.post(`${SETTINGS}/projects/fields/${code.id}/remove`, {});
    const confirm = await (await ana.get(`${SETTINGS}/projects/fields/${code.id}/purge`)).text();
    expect(confirm).toContain('2 records hold a value for it');
    expect((await ana.post(`${SETTINGS}/projects/fields/${code.id}/purge`, {})).status).toBe(303);
    expect(await t.db.selectFrom('fields').select('id').where('id', '=', code.id).execute()).toHaveLength(0);
    expect(await meta.recordData(recordId)).not.toHaveProperty('code');
    const holding = await t.db.selectFrom('records').select('id').where(sql<boolean>`data ? 'code'`).execute();
    expect(holding).toHaveLength(0);

    const client = await meta.fieldNamed('projects', 'client');
    await ana.post(`${SETTINGS}/projects/fields/${client.id}/remove`, {});
    expect((await ana.post(`${SETTINGS}/projects/fields/${client.id}/purge`, {})).status).toBe(303);
    expect(await t.db.selectFrom('record_refs').selectAll().where('field_id', '=', client.id).execute()).toHaveLength(0);
    expect(await meta.recordData(recordId)).not.toHaveProperty('client');

    const hours = (await meta.fieldsOf('projects')).find((f) => f.api_name === 'hours');
    await ana.post(`${SETTINGS}/projects/fields/${hours?.id}/remove`, {});
    expect((await ana.post(`${SETTINGS}/projects/fields/${hours?.id}/purge`, {})).status).toBe(303);
    expect((await meta.recordData(recordId)).tasks).toEqual([{ task: 'Design' }, { task: 'Build' }]);
  });

  it('never removes or purges the field that names records, nor purges a standard field', async () => {
    const name = await meta.fieldNamed('projects', 'name');
    const res = await ana.post(`${SETTINGS}/projects/fields/${name.id}/remove`, {});
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('This field names the module&#39;s records and cannot be removed.');
    expect((await meta.fieldNamed('projects', 'name')).deleted_at).toBeNull();

    const website = await meta.fieldNamed('leads', 'website');
    await ana.post(`${SETTINGS}/leads/fields/${website.id}/remove`, {});
    const purge = await ana.post(`${SETTINGS}/leads/fields/${website.id}/purge`, {});
    expect(purge.status).toBe(422);
    expect(await purge.text()).toContain('Standard fields cannot be purged.');
    await ana.post(`${SETTINGS}/leads/fields/${website.id}/restore`, {});
    expect((await meta.fieldNamed('leads', 'website')).deleted_at).toBeNull();
  });

  it('edits a field: relabels and adds picklist values without dropping any, changes the required flag, keeps the type', async () => {
    const stage = await meta.fieldNamed('projects', 'stage');
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
    const saved = await meta.fieldNamed('projects', 'stage');
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
    const module = await meta.moduleRow('projects');
    expect(module.sharing).toBe('private');
    expect(module.labels).toEqual({ en: { singular: 'Project', plural: 'Programmes' } });
    // A standard module keeps its translated names; only its sharing changes.
    expect((await ana.post(`${SETTINGS}/solutions`, { 'singular.en': 'Ignored', 'plural.en': 'Ignored', sharing: 'public_full' })).status).toBe(303);
    expect(await meta.moduleRow('solutions')).toMatchObject({ sharing: 'public_full', labels: {} });
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
    const layouts = await meta.layoutsOf('projects');
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
