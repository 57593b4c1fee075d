import { type Context, Hono } from 'hono';
import { BatchPage, BatchStatus, FailedPage } from '../../../../views/admin/invites/BatchPage.js';
import { InvitePage, type InvitePageProps } from '../../../../views/admin/invites/InvitePage.js';
import { requireManagePortalUsers } from '../../../auth/guards.js';
import type { SignedInStaff } from '../../../auth/staff.js';
import { loadModuleMetaById, type ModuleMeta, moduleLabel } from '../../../crm/metadata.js';
import { modulePermissions } from '../../../crm/staff-access.js';
import type { InvitationBatch, Portal } from '../../../db/schema.js';
import type { AppEnv } from '../../../http/env.js';
import { notFound, page } from '../../../http/render.js';
import { readForm } from '../../../http/request.js';
import { allBatchResults, batchProgress, findBatch, listBatchResults, MAX_BATCH, startBatch } from '../../../invitations/batches.js';
import { candidateEmailField, countCandidates, listCandidates } from '../../../invitations/candidates.js';
import { outcomesCsv } from '../../../invitations/outcomes-csv.js';
import { enqueueInviteJobs } from '../../../jobs/invite-job.js';
import { emptyTabsNotice, emptyTabsOf } from '../../../portals/empty-tabs.js';
import { findPortal } from '../../../portals/portals.js';
import { type UserTypeWithCounts, userTypesOf } from '../../../portals/user-types.js';
import { confirmPage } from '../confirm.js';

/** Inviting many records of a portal's user type at once. Mounted at /admin/settings/portals/:id/invite. */
export const portalInviteRoutes = new Hono<AppEnv>();

portalInviteRoutes.use('*', requireManagePortalUsers());

type PortalCtx = { staff: SignedInStaff; portal: Portal; types: UserTypeWithCounts[]; base: string };

async function portalContext(c: Context<AppEnv>): Promise<PortalCtx | Response> {
  const { db } = c.get('deps');
  const staff = c.get('staff');
  const portal = await findPortal(db, c.req.param('id') ?? '');
  if (!staff || !portal) return notFound(c);
  return { staff, portal, types: await userTypesOf(db, [portal.id]), base: `/admin/settings/portals/${portal.id}/invite` };
}

const typeLabel = (c: Context<AppEnv>, ty: UserTypeWithCounts) =>
  c.get('t')('bulkinvite:type.option', { type: ty.name, module: moduleLabel(c.get('t'), c.get('lang'), ty.baseModule, 'plural') });

async function invitePage(
  c: Context<AppEnv>,
  ctx: PortalCtx,
  input: { typeId?: string | undefined; q: string; hideFailed: boolean; after?: string | undefined },
  error?: string,
) {
  const { db } = c.get('deps');
  const t = c.get('t');
  const type = ctx.types.find((ty) => ty.id === input.typeId) ?? (input.typeId ? undefined : ctx.types[0]);
  const empty = await emptyTabsOf(
    db,
    ctx.types.map((ty) => ty.id),
  );
  const emptyOfType = type && empty.get(type.id);
  const props: InvitePageProps = {
    view: c.get('view'),
    portalName: ctx.portal.name,
    base: ctx.base,
    types: ctx.types.map((ty) => ({ id: ty.id, label: empty.has(ty.id) ? t('portals:emptyTabs.option', { label: typeLabel(c, ty) }) : typeLabel(c, ty) })),
    typeId: type?.id,
    emptyTabs: type && emptyOfType ? emptyTabsNotice(t, c.get('lang'), type, emptyOfType) : undefined,
    moduleName: type ? moduleLabel(t, c.get('lang'), type.baseModule, 'plural') : '',
    licences: type ? { used: type.counts.invited + type.counts.active, limit: type.user_limit } : undefined,
    q: input.q,
    hideFailed: input.hideFailed,
    page: undefined,
    total: 0,
    error: error ?? (input.typeId && !type ? t('bulkinvite:errors.badType') : undefined),
  };
  const meta = type && (await loadModuleMetaById(db, type.base_module_id));
  if (type && meta) {
    if (!(await modulePermissions(db, ctx.staff, meta.module.id)).view) props.blocked = 'noPermission';
    else if (!candidateEmailField(meta)) props.blocked = 'noEmailField';
    else {
      const failed = { userTypeId: type.id, hideFailed: input.hideFailed };
      [props.page, props.total] = await Promise.all([
        listCandidates(db, ctx.staff, meta, { q: input.q, after: input.after, failed }),
        countCandidates(db, ctx.staff, meta, input.q, failed),
      ]);
    }
  }
  return page(c, { title: t('bulkinvite:title', { portal: ctx.portal.name }), body: <InvitePage {...props} />, status: props.error ? 422 : 200 });
}

portalInviteRoutes.get('/', async (c) => {
  const ctx = await portalContext(c);
  if (ctx instanceof Response) return ctx;
  return invitePage(c, ctx, {
    typeId: c.req.query('type'),
    q: (c.req.query('q') ?? '').slice(0, 200),
    hideFailed: c.req.query('hideFailed') === '1',
    after: c.req.query('after'),
  });
});

type InviteForm = { typeId: string; q: string; hideFailed: boolean; ids: string[]; all: boolean; mode: string; confirmed: boolean };

async function readInviteForm(c: Context<AppEnv>): Promise<InviteForm> {
  const form = await readForm(c);
  return {
    typeId: form.one('type') ?? '',
    q: (form.one('q') ?? '').slice(0, 200),
    hideFailed: form.one('hideFailed') === '1',
    ids: form.all('record'),
    all: form.one('all') === '1',
    mode: form.one('mode') ?? '',
    confirmed: form.one('confirm') === '1',
  };
}

/** Sending into a type whose tabs show no field is stated first (a dry run invites no one): the confirmation, or nothing to ask. */
async function emptyTypeConfirmation(c: Context<AppEnv>, ctx: PortalCtx, type: UserTypeWithCounts, form: InviteForm) {
  if (form.mode === 'dry' || form.confirmed || (!form.all && form.ids.length === 0)) return undefined;
  const empty = (await emptyTabsOf(c.get('deps').db, [type.id])).get(type.id);
  if (!empty) return undefined;
  const t = c.get('t');
  const notice = emptyTabsNotice(t, c.get('lang'), type, empty);
  const fields: [string, string][] = [['type', type.id], ['q', form.q], ['mode', form.mode], ...form.ids.map((id): [string, string] => ['record', id])];
  if (form.hideFailed) fields.push(['hideFailed', '1']);
  if (form.all) fields.push(['all', '1']);
  return confirmPage(c, {
    title: t('portals:emptyTabs.title.invite', { type: type.name }),
    facts: [notice.text, t('portals:emptyTabs.goAhead.bulkInvite')],
    links: notice.links,
    action: ctx.base,
    fields,
    cancelHref: `${ctx.base}?type=${type.id}`,
  });
}

portalInviteRoutes.post('/', async (c) => {
  const ctx = await portalContext(c);
  if (ctx instanceof Response) return ctx;
  const { db, boss } = c.get('deps');
  const t = c.get('t');
  const form = await readInviteForm(c);
  const { typeId, q, hideFailed } = form;
  const type = ctx.types.find((ty) => ty.id === typeId);
  const meta = type && (await loadModuleMetaById(db, type.base_module_id));
  if (!type || !meta) return invitePage(c, ctx, { typeId: typeId || 'none', q, hideFailed }, t('bulkinvite:errors.badType'));
  const confirmation = await emptyTypeConfirmation(c, ctx, type, form);
  if (confirmation) return confirmation;
  const selection = form.all ? { kind: 'matching' as const, q, hideFailed } : { kind: 'ids' as const, ids: form.ids };
  const batch = { type, meta, staff: ctx.staff, dryRun: form.mode === 'dry', selection };
  const result = await startBatch(db, batch, (trx, jobs) => enqueueInviteJobs(trx, boss, jobs));
  if (!result.ok) return invitePage(c, ctx, { typeId, q, hideFailed }, t(`bulkinvite:errors.${result.error}`, { max: c.get('fmt').number(MAX_BATCH) }));
  return c.redirect(`${ctx.base}/batches/${result.batchId}`, 303);
});

/** `type` is undefined once the batch's type is deleted: the batch stays readable under the name it had. */
type BatchCtx = PortalCtx & { batch: InvitationBatch; type: UserTypeWithCounts | undefined; meta: ModuleMeta | undefined; url: string };

async function batchContext(c: Context<AppEnv>): Promise<BatchCtx | Response> {
  const ctx = await portalContext(c);
  if (ctx instanceof Response) return ctx;
  const { db } = c.get('deps');
  const batch = await findBatch(db, ctx.portal.id, c.req.param('batchId') ?? '', ctx.staff);
  if (!batch) return notFound(c);
  const type = ctx.types.find((ty) => ty.id === batch.user_type_id);
  return { ...ctx, batch, type, meta: await loadModuleMetaById(db, batch.base_module_id), url: `${ctx.base}/batches/${batch.id}` };
}

const recordHref = (ctx: BatchCtx) => (id: string) => `/admin/m/${ctx.meta?.module.api_name ?? ''}/${id}`;

async function batchPage(c: Context<AppEnv>, ctx: BatchCtx) {
  const { db } = c.get('deps');
  const t = c.get('t');
  const finishedDryRun = ctx.batch.dry_run && ctx.batch.status === 'done';
  const [progress, results] = await Promise.all([
    batchProgress(db, ctx.batch.id),
    finishedDryRun ? listBatchResults(db, ctx.batch.id, ctx.meta && candidateEmailField(ctx.meta), { after: c.req.query('after') }) : undefined,
  ]);
  const props = { view: c.get('view'), batch: ctx.batch, progress, url: ctx.url, results, recordHref: recordHref(ctx) };
  const title = t(ctx.batch.dry_run ? 'bulkinvite:batch.titleDry' : 'bulkinvite:batch.title', { portal: ctx.portal.name });
  return page(c, {
    title,
    body: (
      <BatchPage
        {...props}
        title={title}
        typeName={ctx.type?.name ?? ctx.batch.user_type_name}
        inviteUrl={ctx.type ? `${ctx.base}?type=${ctx.type.id}` : ctx.base}
      />
    ),
    fragment: <BatchStatus {...props} />,
  });
}

portalInviteRoutes.get('/batches/:batchId', async (c) => {
  const ctx = await batchContext(c);
  return ctx instanceof Response ? ctx : batchPage(c, ctx);
});

/** The status fragment htmx polls (the whole page when asked without htmx). */
portalInviteRoutes.get('/batches/:batchId/progress', async (c) => {
  const ctx = await batchContext(c);
  return ctx instanceof Response ? ctx : batchPage(c, ctx);
});

portalInviteRoutes.get('/batches/:batchId/failed', async (c) => {
  const ctx = await batchContext(c);
  if (ctx instanceof Response) return ctx;
  const results = await listBatchResults(c.get('deps').db, ctx.batch.id, ctx.meta && candidateEmailField(ctx.meta), {
    outcome: 'failed',
    after: c.req.query('after'),
  });
  const title = c.get('t')('bulkinvite:failed.title', { portal: ctx.portal.name });
  return page(c, {
    title,
    body: (
      <FailedPage
        view={c.get('view')}
        title={title}
        url={ctx.url}
        results={results}
        recordHref={recordHref(ctx)}
        typeName={ctx.type?.name ?? ctx.batch.user_type_name}
      />
    ),
  });
});

portalInviteRoutes.get('/batches/:batchId/outcomes.csv', async (c) => {
  const ctx = await batchContext(c);
  if (ctx instanceof Response) return ctx;
  const t = c.get('t');
  const rows = await allBatchResults(c.get('deps').db, ctx.batch.id, ctx.meta && candidateEmailField(ctx.meta));
  const filename = `${t('bulkinvite:csv.filename')}.csv`;
  c.header('Content-Type', 'text/csv; charset=utf-8');
  c.header('Content-Disposition', `attachment; filename="${filename.replace(/[^\x20-\x7e]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(filename)}`);
  c.header('Cache-Control', 'private, no-store');
  return c.body(outcomesCsv(t, rows, ctx.batch.dry_run));
});
