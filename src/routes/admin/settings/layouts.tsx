import { type Context, Hono } from 'hono';
import { LayoutEditor } from '../../../../views/admin/settings/LayoutEditor.js';
import { LayoutList } from '../../../../views/admin/settings/LayoutList.js';
import type { FormErrors } from '../../../crm/admin-labels.js';
import {
  createLayout,
  deleteLayout,
  draftFromLayout,
  type LayoutDraft,
  layoutInputFromDraft,
  type Placement,
  type SectionDraft,
  setDefaultLayout,
  updateLayout,
} from '../../../crm/layout-admin.js';
import { labelOf, type ModuleMeta, moduleLabel } from '../../../crm/metadata.js';
import type { Labels, Layout } from '../../../db/schema.js';
import type { AppEnv } from '../../../http/env.js';
import { notFound, page } from '../../../http/render.js';
import { type Form, readForm } from '../../../http/request.js';
import { flashFrom, labelsFrom, type SettingsModule, settingsModule } from './context.js';

export const layoutSettingsRoutes = new Hono<AppEnv>();

type ListState = { labels?: Labels; errors?: FormErrors; problem?: string; status?: 200 | 422 };

function renderList(c: Context<AppEnv>, meta: ModuleMeta, state: ListState = {}) {
  const t = c.get('t');
  const body = (
    <LayoutList
      view={c.get('view')}
      module={meta.module}
      layouts={meta.layouts}
      labels={state.labels ?? {}}
      errors={state.errors ?? {}}
      flash={state.status ? undefined : flashFrom(c)}
      problem={state.problem ? t(state.problem) : undefined}
    />
  );
  return page(c, {
    title: t('settings:layouts.titleFor', { module: moduleLabel(t, c.get('lang'), meta.module, 'plural') }),
    body,
    status: state.status ?? 200,
  });
}

function renderEditor(c: Context<AppEnv>, meta: ModuleMeta, layout: Layout, draft: LayoutDraft, errors: FormErrors = {}, status: 200 | 422 = 200) {
  const t = c.get('t');
  const body = (
    <LayoutEditor
      view={c.get('view')}
      module={meta.module}
      layout={layout}
      draft={draft}
      fields={meta.fields}
      errors={errors}
      flash={status === 200 ? flashFrom(c) : undefined}
    />
  );
  return page(c, { title: t('settings:layouts.editTitle', { name: labelOf(t, c.get('lang'), layout, layout.api_name) }), body, status });
}

/**
 * The editor's form as submitted: sections by their index in the form (an
 * existing one carries its id), and for every live field its section index and position.
 */
function draftFrom(body: Form, meta: ModuleMeta, layout: Layout): LayoutDraft {
  const indexes = new Set<number>();
  for (const key of body.names()) {
    const m = /^sections\.(\d{1,3})\./.exec(key);
    if (m) indexes.add(Number(m[1]));
  }
  const order = [...indexes].sort((a, b) => a - b);
  const sections: SectionDraft[] = order.map((i) => {
    const id = body.one(`sections.${i}.id`) || undefined;
    const prior = id ? layout.sections.find((s) => s.id === id) : undefined;
    return {
      id: prior?.id,
      labelKey: prior?.labelKey,
      labels: labelsFrom(body, `sections.${i}.label`),
      remove: body.one(`sections.${i}.remove`) === 'on',
      position: body.one(`sections.${i}.position`) ?? '',
    };
  });
  const placements: Record<string, Placement> = {};
  for (const f of meta.fields) {
    const section = body.one(`field.${f.id}.section`) ?? '';
    const at = order.indexOf(Number(section));
    placements[f.id] = { section: section === '' ? '' : at >= 0 ? String(at) : 'unknown', position: body.one(`field.${f.id}.position`) ?? '' };
  }
  return { labels: labelsFrom(body, 'label'), sections, placements };
}

async function layoutContext(c: Context<AppEnv>): Promise<(SettingsModule & { layout: Layout }) | Response> {
  const ctx = await settingsModule(c);
  if (ctx instanceof Response) return ctx;
  const layout = ctx.meta.layouts.find((l) => l.id === c.req.param('id'));
  return layout ? { ...ctx, layout } : notFound(c);
}

layoutSettingsRoutes.get('/:module/layouts', async (c) => {
  const ctx = await settingsModule(c);
  if (ctx instanceof Response) return ctx;
  return renderList(c, ctx.meta);
});

layoutSettingsRoutes.post('/:module/layouts', async (c) => {
  const ctx = await settingsModule(c);
  if (ctx instanceof Response) return ctx;
  const labels = labelsFrom(await readForm(c), 'label');
  const result = await createLayout(c.get('deps').db, ctx.meta, { labels });
  if (!result.ok) return renderList(c, ctx.meta, { labels, errors: result.errors, status: 422 });
  return c.redirect(`${ctx.base}/layouts/${result.value.id}?done=layoutCreated`, 303);
});

layoutSettingsRoutes.get('/:module/layouts/:id', async (c) => {
  const ctx = await layoutContext(c);
  if (ctx instanceof Response) return ctx;
  return renderEditor(c, ctx.meta, ctx.layout, draftFromLayout(ctx.meta, ctx.layout));
});

layoutSettingsRoutes.post('/:module/layouts/:id', async (c) => {
  const ctx = await layoutContext(c);
  if (ctx instanceof Response) return ctx;
  const draft = draftFrom(await readForm(c), ctx.meta, ctx.layout);
  const { input, errors } = layoutInputFromDraft(ctx.meta, draft);
  const result = await updateLayout(c.get('deps').db, ctx.meta, ctx.layout, input, errors);
  if (!result.ok) return renderEditor(c, ctx.meta, ctx.layout, draft, result.errors, 422);
  return c.redirect(`${ctx.base}/layouts/${ctx.layout.id}?done=layoutSaved`, 303);
});

layoutSettingsRoutes.post('/:module/layouts/:id/default', async (c) => {
  const ctx = await layoutContext(c);
  if (ctx instanceof Response) return ctx;
  await setDefaultLayout(c.get('deps').db, ctx.meta, ctx.layout);
  return c.redirect(`${ctx.base}/layouts?done=defaultSet`, 303);
});

layoutSettingsRoutes.post('/:module/layouts/:id/delete', async (c) => {
  const ctx = await layoutContext(c);
  if (ctx instanceof Response) return ctx;
  const result = await deleteLayout(c.get('deps').db, ctx.meta, ctx.layout);
  if (!result.ok) return renderList(c, ctx.meta, { problem: result.errors.layout, status: 422 });
  return c.redirect(`${ctx.base}/layouts?done=layoutDeleted`, 303);
});
