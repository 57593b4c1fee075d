import { type Context, Hono } from 'hono';
import { RecordPrivacyPanel } from '../../../../views/admin/privacy/RecordPrivacy.js';
import { RecordDetail, type RecordFormEcho } from '../../../../views/admin/records/RecordDetail.js';
import { RecordForm } from '../../../../views/admin/records/RecordForm.js';
import { notifyCustomer, notifyStatusChange } from '../../../cases/notifications.js';
import { isCaseModule } from '../../../cases/status.js';
import { replyInbox } from '../../../config.js';
import { collectLookupIds, namesFor } from '../../../crm/lookups.js';
import { layoutFor, layoutSections } from '../../../crm/metadata.js';
import { ATTACHMENT_MAX_BYTES, addAttachment, addNote, findAttachment, noteProblem } from '../../../crm/notes.js';
import { recordFlash, staffRecordPage } from '../../../crm/record-page.js';
import {
  findRecord,
  moveToRecycleBin,
  purgeRecord,
  type RecordData,
  reassignOwner,
  restoreFromRecycleBin,
  setRecordState,
  updateRecord,
  validateRecordInput,
} from '../../../crm/records.js';
import { type RecordAccess, staffLookupScope, staffRecordAccess } from '../../../crm/staff-access.js';
import type { CrmRecord, RecordState } from '../../../db/schema.js';
import { sendDownload } from '../../../http/download.js';
import type { AppEnv } from '../../../http/env.js';
import { isUuid } from '../../../http/input.js';
import { readRecordForm } from '../../../http/record-form.js';
import { errorPage, forbidden, notFound, page } from '../../../http/render.js';
import { formValues } from '../../../http/request.js';
import { showsPrivacy } from '../../../privacy/record.js';
import { lookupEcho, lookupSuggestUrl, type ModuleContext, moduleContext, timeZoneOf } from './context.js';
import { autoInviteNotice, portalAccessPanel } from './portal-access.js';

export const recordRoutes = new Hono<AppEnv>();

type RecordCtx = ModuleContext & { record: CrmRecord; may: RecordAccess };

/** The record in the URL, found through the user's scope: one they may not see is simply not found. */
async function recordContext(c: Context<AppEnv>, opts: { deleted?: boolean } = {}): Promise<RecordCtx | Response> {
  const ctx = await moduleContext(c);
  if (ctx instanceof Response) return ctx;
  const record = await findRecord(c.get('deps').db, ctx.meta, c.req.param('id') ?? '', ctx.scope, opts);
  return record ? { ...ctx, record, may: staffRecordAccess(ctx.staff, ctx.meta.module, ctx.perms, record) } : notFound(c);
}

/** The record in the URL when the user may do `action` with it; 404 or 403 otherwise. */
async function recordFor(c: Context<AppEnv>, action: keyof RecordAccess, opts: { deleted?: boolean } = {}): Promise<RecordCtx | Response> {
  const ctx = await recordContext(c, opts);
  if (ctx instanceof Response) return ctx;
  return ctx.may[action] ? ctx : forbidden(c);
}

const actorOf = (ctx: ModuleContext) => ({ kind: 'staff' as const, id: ctx.staff.id });

recordRoutes.get('/:module/:id', async (c) => {
  const ctx = await recordContext(c);
  if (ctx instanceof Response) return ctx;
  return renderRecord(c, ctx);
});

/** The record page; with `echo`, a form on it that came back with a problem (422). */
async function renderRecord(c: Context<AppEnv>, ctx: RecordCtx, echo?: RecordFormEcho) {
  const { meta, record, base, staff } = ctx;
  const view = c.get('view');
  const privacy = showsPrivacy(Boolean(c.get('org')?.gdpr_enabled), meta);
  const data = await staffRecordPage(c.get('deps').db, staff, meta, ctx.perms, record, { privacy });
  const body = (
    <RecordDetail
      view={view}
      module={meta.module}
      record={record}
      base={base}
      page={data}
      currency={c.get('org')?.currency ?? 'EUR'}
      children={meta.children}
      fieldsById={meta.byId}
      flash={echo ? undefined : recordFlash((key) => c.req.query(key))}
      echo={echo}
      portalAccessHref={staff.profile.is_admin ? `/admin/settings/portals/explain/record/${record.id}` : undefined}
      portalAccess={await portalAccessPanel(c, meta, record, `${base}/${record.id}`, data.portal)}
      privacy={data.privacy && <RecordPrivacyPanel view={view} apiName={meta.module.api_name} data={data.privacy} />}
    />
  );
  return page(c, { title: record.display_name || c.get('t')('crm:untitled'), body, status: echo ? 422 : 200 });
}

async function renderEdit(
  c: Context<AppEnv>,
  ctx: RecordCtx,
  values: Record<string, unknown>,
  errors: Record<string, string>,
  opts: { status?: 200 | 409 | 422; conflict?: boolean } = {},
) {
  const { meta, record, base } = ctx;
  const layout = layoutFor(meta, record.layout_id);
  const sections = layoutSections(meta, layout);
  const ids = collectLookupIds(
    meta,
    [{ data: values }],
    sections.flatMap((s) => s.fields),
  );
  const { db } = c.get('deps');
  const names = await namesFor(db, ctx.staff, ids);
  const body = (
    <RecordForm
      view={c.get('view')}
      module={meta.module}
      mode="edit"
      action={`${base}/${record.id}`}
      cancel={`${base}/${record.id}`}
      sections={sections}
      values={values}
      errors={errors}
      names={names}
      children={meta.children}
      timeZone={timeZoneOf(c)}
      layouts={meta.layouts}
      layoutId={layout?.id}
      version={record.version}
      conflict={opts.conflict}
      lookupSuggestUrl={lookupSuggestUrl(base)}
    />
  );
  return page(c, { title: record.display_name, body, status: opts.status ?? 200 });
}

recordRoutes.get('/:module/:id/edit', async (c) => {
  const ctx = await recordFor(c, 'edit');
  if (ctx instanceof Response) return ctx;
  return renderEdit(c, ctx, ctx.record.data as Record<string, unknown>, {});
});

recordRoutes.post('/:module/:id', async (c) => {
  const ctx = await recordFor(c, 'edit');
  if (ctx instanceof Response) return ctx;
  const { meta, record, base } = ctx;
  const db = c.get('deps').db;
  const fields = layoutSections(meta, layoutFor(meta, record.layout_id)).flatMap((s) => s.fields);
  const { input, meta: formMeta } = await readRecordForm(c, fields);
  const checked = await validateRecordInput(db, meta, fields, input, {
    timeZone: timeZoneOf(c),
    existing: record.data as RecordData,
    lookupScope: await staffLookupScope(db, ctx.staff),
  });
  if (!checked.ok) return renderEdit(c, ctx, { ...checked.data, ...lookupEcho(fields, input) }, checked.errors, { status: 422 });
  const version = Number(formMeta.__version ?? record.version);
  const result = await updateRecord(db, actorOf(ctx), meta, record, checked.data, Number.isInteger(version) ? version : -1, { jobs: c.get('deps').boss });
  if (!result.ok) return renderEdit(c, { ...ctx, record }, { ...checked.data, ...lookupEcho(fields, input) }, {}, { status: 409, conflict: true });
  const invited = await autoInviteNotice(c, meta, result.record, record.data as RecordData);
  await notifyStatusChange(db, notifyDeps(c), meta, record, result.record);
  return c.redirect(`${base}/${record.id}?saved=1${invited}`, 303);
});

recordRoutes.get('/:module/:id/clone', async (c) => {
  const ctx = await recordFor(c, 'create');
  if (ctx instanceof Response) return ctx;
  return c.redirect(`${ctx.base}/new?clone=${ctx.record.id}&layout=${ctx.record.layout_id ?? ''}`, 303);
});

recordRoutes.post('/:module/:id/delete', async (c) => {
  const ctx = await recordFor(c, 'delete');
  if (ctx instanceof Response) return ctx;
  await moveToRecycleBin(c.get('deps').db, actorOf(ctx), ctx.record);
  return c.redirect(`${ctx.base}/recycle-bin`, 303);
});

recordRoutes.post('/:module/:id/restore', async (c) => {
  const ctx = await recordFor(c, 'restore', { deleted: true });
  if (ctx instanceof Response) return ctx;
  await restoreFromRecycleBin(c.get('deps').db, actorOf(ctx), ctx.record);
  return c.redirect(`${ctx.base}/${ctx.record.id}?restored=1`, 303);
});

recordRoutes.post('/:module/:id/purge', async (c) => {
  const ctx = await recordFor(c, 'purge', { deleted: true });
  if (ctx instanceof Response) return ctx;
  await purgeRecord(c.get('deps').db, actorOf(ctx), ctx.record);
  return c.redirect(`${ctx.base}/recycle-bin`, 303);
});

recordRoutes.post('/:module/:id/state', async (c) => {
  const ctx = await recordFor(c, 'state');
  if (ctx instanceof Response) return ctx;
  const { state = '' } = await formValues(c, ['state']);
  if (!isRecordState(state)) return renderRecord(c, ctx, { form: 'state', message: c.get('t')('errors:choose'), state });
  await setRecordState(c.get('deps').db, actorOf(ctx), ctx.record, state);
  return c.redirect(`${ctx.base}/${ctx.record.id}?stateChanged=1`, 303);
});

recordRoutes.post('/:module/:id/owner', async (c) => {
  const ctx = await recordFor(c, 'reassign');
  if (ctx instanceof Response) return ctx;
  const { owner = '' } = await formValues(c, ['owner']);
  // Only an active staff user: anything else typed into the form is the user's mistake, not the system's.
  const done = isUuid(owner) && (await reassignOwner(c.get('deps').db, actorOf(ctx), ctx.record, owner));
  if (!done) return renderRecord(c, ctx, { form: 'owner', message: c.get('t')('crm:errors.owner'), owner });
  return c.redirect(`${ctx.base}/${ctx.record.id}?reassigned=1`, 303);
});

const RECORD_STATES: readonly string[] = ['active', 'pending_approval', 'under_review'] satisfies RecordState[];
const isRecordState = (v: string): v is RecordState => RECORD_STATES.includes(v);

const notifyDeps = (c: Context<AppEnv>) => ({
  boss: c.get('deps').boss,
  baseUrl: c.get('deps').config.baseUrl,
  inboundAddress: replyInbox(c.get('deps').config),
});

/** A staff note or file is internal unless "visible to the customer" was chosen explicitly. */
const staffOnly = (visibility: string | undefined) => visibility !== 'customer';

recordRoutes.post('/:module/:id/notes', async (c) => {
  const ctx = await recordFor(c, 'note');
  if (ctx instanceof Response) return ctx;
  const { body = '', visibility } = await formValues(c, ['body', 'visibility']);
  const problem = noteProblem(body);
  if (problem) return renderRecord(c, ctx, { form: 'note', message: c.get('t')(`crm:notes.errors.${problem}`), body, visibility });
  const internal = staffOnly(visibility);
  // A reply visible to a case's customer is emailed to them with the note, in the note's transaction.
  const tellCustomer = !internal && isCaseModule(ctx.meta);
  await addNote(c.get('deps').db, ctx.record.id, actorOf(ctx), body, internal, (trx) =>
    tellCustomer ? notifyCustomer(trx, notifyDeps(c), ctx.meta, ctx.record, 'reply', body.trim()) : Promise.resolve(),
  );
  return c.redirect(`${ctx.base}/${ctx.record.id}?noted=1#notes`, 303);
});

recordRoutes.post('/:module/:id/attachments', async (c) => {
  const ctx = await recordFor(c, 'attach');
  if (ctx instanceof Response) return ctx;
  const t = c.get('t');
  const form = await c.req.parseBody();
  const { file } = form;
  const visibility = typeof form.visibility === 'string' ? form.visibility : undefined;
  if (!(file instanceof File) || file.size === 0) return renderRecord(c, ctx, { form: 'attachment', message: t('crm:attachments.errors.missing'), visibility });
  if (file.size > ATTACHMENT_MAX_BYTES) return errorPage(c, 413, t('errors:tooLarge.title'), t('crm:attachments.limit'));
  const bytes = new Uint8Array(await file.arrayBuffer());
  await addAttachment(c.get('deps').db, ctx.record.id, actorOf(ctx), { name: file.name, type: file.type, bytes }, staffOnly(visibility));
  return c.redirect(`${ctx.base}/${ctx.record.id}?attached=1#attachments`, 303);
});

recordRoutes.get('/:module/:id/attachments/:attachment', async (c) => {
  const ctx = await recordContext(c);
  if (ctx instanceof Response) return ctx;
  const file = await findAttachment(c.get('deps').db, ctx.record.id, c.req.param('attachment'), true);
  if (!file) return notFound(c);
  return sendDownload(c, file);
});
