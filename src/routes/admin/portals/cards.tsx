import { type Context, Hono } from 'hono';
import { CanvasDesignPage, CanvasModulesPage } from '../../../../views/admin/portals/CanvasDesignPage.js';
import { requireManagePortals } from '../../../auth/guards.js';
import { fieldLabel, listModules, loadModuleMeta, type ModuleMeta } from '../../../crm/metadata.js';
import type { AppEnv } from '../../../http/env.js';
import { notFound, page } from '../../../http/render.js';
import { formValues } from '../../../http/request.js';
import { type CanvasErrors, cardFields, cardTitles, getCanvasDesign, MAX_SUBTITLES, saveCanvasDesign } from '../../../portals/canvas.js';

export const portalCardsRoutes = new Hono<AppEnv>();
portalCardsRoutes.use('*', requireManagePortals());

portalCardsRoutes.get('/', async (c) => {
  const { db } = c.get('deps');
  const t = c.get('t');
  const [modules, titles] = await Promise.all([listModules(db), cardTitles(db)]);
  const rows = modules.map((m) => {
    const title = titles.get(m.id);
    return { module: m, title: title ? fieldLabel(t, c.get('lang'), title.field) : null, saved: title?.saved ?? false };
  });
  return page(c, { title: t('portalconfig:canvas.title'), body: <CanvasModulesPage view={c.get('view')} modules={rows} /> });
});

function moduleOf(c: Context<AppEnv>) {
  return loadModuleMeta(c.get('deps').db, c.req.param('module') ?? '');
}

type Design = Awaited<ReturnType<typeof getCanvasDesign>>;

/** A module's card design page: the saved or default design, or what was typed with its refusals. */
function designPage(c: Context<AppEnv>, meta: ModuleMeta, design: Design, opts: { errors?: CanvasErrors; status?: 200 | 422 } = {}) {
  return page(c, {
    title: c.get('t')('portalconfig:canvas.title'),
    status: opts.status ?? 200,
    body: (
      <CanvasDesignPage
        view={c.get('view')}
        module={meta.module}
        fields={cardFields(meta.fields)}
        design={design}
        isDefault={!opts.errors && !design.saved}
        errors={opts.errors ?? {}}
        saved={!opts.errors && c.req.query('saved') === '1'}
        maxSubtitles={MAX_SUBTITLES}
      />
    ),
  });
}

portalCardsRoutes.get('/:module', async (c) => {
  const meta = await moduleOf(c);
  const _t = c.get('t');
  if (!meta) return notFound(c);
  return designPage(c, meta, await getCanvasDesign(c.get('deps').db, meta.module.id));
});

portalCardsRoutes.post('/:module', async (c) => {
  const meta = await moduleOf(c);
  const _t = c.get('t');
  const staff = c.get('staff');
  if (!meta || !staff) return notFound(c);
  const form = await formValues(c, ['title', 'subtitle1', 'subtitle2', 'subtitle3', 'badge']);
  const design = {
    titleFieldId: form.title || null,
    subtitleFieldIds: [form.subtitle1, form.subtitle2, form.subtitle3].filter((v): v is string => Boolean(v)),
    badgeFieldId: form.badge || null,
  };
  const result = await saveCanvasDesign(c.get('deps').db, { kind: 'staff', id: staff.id }, meta.module.id, meta.fields, design);
  if (!result.ok) return designPage(c, meta, { ...design, saved: false }, { errors: result.errors, status: 422 });
  return c.redirect(`/admin/settings/portals/cards/${meta.module.api_name}?saved=1`, 303);
});
