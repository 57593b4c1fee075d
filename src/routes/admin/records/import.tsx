import { type Context, Hono } from 'hono';
import { MappingPage } from '../../../../views/admin/import/MappingPage.js';
import { ImportProgress, ProgressPage } from '../../../../views/admin/import/ProgressPage.js';
import { ReportPage } from '../../../../views/admin/import/ReportPage.js';
import { UploadPage } from '../../../../views/admin/import/UploadPage.js';
import {
  createImport,
  findImport,
  firstRowErrors,
  IMPORT_MAX_BYTES,
  type ImportSummary,
  importPreview,
  type Mapping,
  type MappingProblems,
  mappableFields,
  requiredFields,
  saveMapping,
  startImport,
  suggestMapping,
  validateImport,
} from '../../../crm/import.js';
import { moduleLabel } from '../../../crm/metadata.js';
import type { AppEnv } from '../../../http/env.js';
import { forbidden, notFound, page } from '../../../http/render.js';
import { enqueueImport } from '../../../jobs/import-job.js';
import { type ModuleContext, moduleContext } from './context.js';

/** CSV import into a module: upload, map columns, check, run in the background, follow progress. */
export const importRoutes = new Hono<AppEnv>();

/** Importing creates records: the module's create permission is required. */
async function importContext(c: Context<AppEnv>): Promise<ModuleContext | Response> {
  const ctx = await moduleContext(c);
  if (ctx instanceof Response) return ctx;
  return ctx.perms.create ? ctx : forbidden(c);
}

type ImportCtx = ModuleContext & { imp: ImportSummary; url: string };

/** The import in the URL, if this user started it for this module; anyone else's is not found. */
async function withImport(c: Context<AppEnv>): Promise<ImportCtx | Response> {
  const ctx = await importContext(c);
  if (ctx instanceof Response) return ctx;
  const imp = await findImport(c.get('deps').db, { staffId: ctx.staff.id, moduleId: ctx.meta.module.id }, c.req.param('id') ?? '');
  return imp ? { ...ctx, imp, url: `${ctx.base}/import/${imp.id}` } : notFound(c);
}

const names = (c: Context<AppEnv>, ctx: ModuleContext) => {
  const t = c.get('t');
  const plural = moduleLabel(t, c.get('lang'), ctx.meta.module, 'plural');
  return { moduleName: plural, title: t('import:title', { module: plural }) };
};

function uploadPage(c: Context<AppEnv>, ctx: ModuleContext, error?: string) {
  const { title, moduleName } = names(c, ctx);
  return page(c, {
    title,
    status: error ? 422 : 200,
    body: <UploadPage view={c.get('view')} title={title} moduleName={moduleName} base={ctx.base} error={error} />,
  });
}

importRoutes.get('/:module/import', async (c) => {
  const ctx = await importContext(c);
  if (ctx instanceof Response) return ctx;
  return uploadPage(c, ctx);
});

importRoutes.post('/:module/import', async (c) => {
  const ctx = await importContext(c);
  if (ctx instanceof Response) return ctx;
  const t = c.get('t');
  const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
  const file = form.file;
  if (!(file instanceof File) || (file.size === 0 && !file.name)) return uploadPage(c, ctx, t('import:errors.noFile'));
  if (file.size > IMPORT_MAX_BYTES) return uploadPage(c, ctx, t('import:errors.tooLarge'));
  const result = await createImport(c.get('deps').db, ctx.staff.id, ctx.meta, { filename: file.name, content: Buffer.from(await file.arrayBuffer()) });
  if (!result.ok) return uploadPage(c, ctx, t(result.error, { line: result.line }));
  return c.redirect(`${ctx.base}/import/${result.id}/mapping`, 303);
});

async function mappingPage(c: Context<AppEnv>, ctx: ImportCtx, state?: { mapping: Mapping; problems: MappingProblems }) {
  const { title, moduleName } = names(c, ctx);
  const { headers, sample } = await importPreview(c.get('deps').db, ctx.imp.id);
  const saved = Object.keys(ctx.imp.mapping).length > 0 ? ctx.imp.mapping : undefined;
  const body = (
    <MappingPage
      view={c.get('view')}
      title={title}
      moduleName={moduleName}
      base={ctx.base}
      action={`${ctx.url}/mapping`}
      filename={ctx.imp.filename}
      totalRows={ctx.imp.total_rows}
      headers={headers}
      sample={sample}
      fields={mappableFields(ctx.meta)}
      required={new Set(requiredFields(ctx.meta).map((f) => f.id))}
      mapping={state?.mapping ?? saved ?? suggestMapping(ctx.meta, headers)}
      problems={state?.problems}
    />
  );
  return page(c, { title, body, status: state ? 422 : 200 });
}

/** Once started, an import's only page is its progress. */
const started = (c: Context<AppEnv>, ctx: ImportCtx) => (ctx.imp.status !== 'uploaded' ? c.redirect(ctx.url, 303) : undefined);

importRoutes.get('/:module/import/:id/mapping', async (c) => {
  const ctx = await withImport(c);
  if (ctx instanceof Response) return ctx;
  return started(c, ctx) ?? mappingPage(c, ctx);
});

importRoutes.post('/:module/import/:id/mapping', async (c) => {
  const ctx = await withImport(c);
  if (ctx instanceof Response) return ctx;
  const done = started(c, ctx);
  if (done) return done;
  const { db } = c.get('deps');
  const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
  const { headers } = await importPreview(db, ctx.imp.id);
  const chosen = Object.fromEntries(headers.map((h, i) => [h, typeof form[`col-${i}`] === 'string' ? (form[`col-${i}`] as string) : undefined]));
  const saved = await saveMapping(db, ctx.imp, ctx.meta, headers, chosen);
  if (!saved.ok) return mappingPage(c, ctx, saved);
  const imp = await findImport(db, { staffId: ctx.staff.id, moduleId: ctx.meta.module.id }, ctx.imp.id);
  if (imp) await validateImport(db, imp, ctx.meta);
  return c.redirect(`${ctx.url}/report`, 303);
});

importRoutes.get('/:module/import/:id/report', async (c) => {
  const ctx = await withImport(c);
  if (ctx instanceof Response) return ctx;
  const done = started(c, ctx);
  if (done) return done;
  if (Object.keys(ctx.imp.mapping).length === 0) return c.redirect(`${ctx.url}/mapping`, 303);
  const { title, moduleName } = names(c, ctx);
  const errors = await firstRowErrors(c.get('deps').db, ctx.imp.id);
  const body = (
    <ReportPage
      view={c.get('view')}
      title={title}
      moduleName={moduleName}
      base={ctx.base}
      url={ctx.url}
      totalRows={ctx.imp.total_rows}
      badRows={ctx.imp.bad_rows}
      errors={errors}
      fields={ctx.meta.byId}
    />
  );
  return page(c, { title, body });
});

importRoutes.post('/:module/import/:id/start', async (c) => {
  const ctx = await withImport(c);
  if (ctx instanceof Response) return ctx;
  const { db, boss } = c.get('deps');
  const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
  const id = ctx.imp.id;
  const queued = await startImport(db, ctx.imp, form.skip === 'on', (trx) => enqueueImport(trx, boss, id));
  if (!queued && ctx.imp.status === 'uploaded') return c.redirect(`${ctx.url}/mapping`, 303);
  return c.redirect(ctx.url, 303);
});

async function progress(c: Context<AppEnv>, ctx: ImportCtx) {
  const { title, moduleName } = names(c, ctx);
  const finished = ctx.imp.status === 'done' || ctx.imp.status === 'failed';
  const props = {
    view: c.get('view'),
    imp: ctx.imp,
    pollUrl: `${ctx.url}/progress`,
    base: ctx.base,
    moduleName,
    errors: finished ? await firstRowErrors(c.get('deps').db, ctx.imp.id) : [],
    fields: ctx.meta.byId,
  };
  return page(c, { title, body: <ProgressPage {...props} title={title} />, fragment: <ImportProgress {...props} /> });
}

importRoutes.get('/:module/import/:id', async (c) => {
  const ctx = await withImport(c);
  if (ctx instanceof Response) return ctx;
  if (ctx.imp.status === 'uploaded') return c.redirect(`${ctx.url}/${Object.keys(ctx.imp.mapping).length ? 'report' : 'mapping'}`, 303);
  return progress(c, ctx);
});

/** The progress fragment htmx polls (the whole page when asked without htmx). */
importRoutes.get('/:module/import/:id/progress', async (c) => {
  const ctx = await withImport(c);
  if (ctx instanceof Response) return ctx;
  return progress(c, ctx);
});
