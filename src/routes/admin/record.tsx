import { type Context, Hono } from 'hono';
import { RecordPrivacyPanel } from '../../../views/admin/privacy/RecordPrivacy.js';
import { RecordDetail, type RelatedListView } from '../../../views/admin/records/RecordDetail.js';
import { RecordForm } from '../../../views/admin/records/RecordForm.js';
import { notifyCustomer, notifyStatusChange } from '../../cases/notifications.js';
import { isCaseModule } from '../../cases/status.js';
import { replyInbox } from '../../config.js';
import { referencingFields } from '../../crm/list.js';
import { fieldLabel, layoutFor, layoutSections, loadModuleMetaById, moduleLabel } from '../../crm/metadata.js';
import { ATTACHMENT_MAX_BYTES, addAttachment, addNote, findAttachment, noteProblem } from '../../crm/notes.js';
import { recordSurroundings } from '../../crm/record-page.js';
import {
  collectLookupIds,
  findRecord,
  moveToRecycleBin,
  purgeRecord,
  type RecordData,
  reassignOwner,
  restoreFromRecycleBin,
  setRecordState,
  updateRecord,
  validateRecordInput,
} from '../../crm/records.js';
import { mayModify, modulePermissions, staffLookupScope, staffRecordScope } from '../../crm/staff-access.js';
import type { CrmRecord, RecordState } from '../../db/schema.js';
import { sendDownload } from '../../http/download.js';
import type { AppEnv } from '../../http/env.js';
import { readRecordForm } from '../../http/record-form.js';
import { errorPage, page } from '../../http/render.js';
import { formValues } from '../../http/request.js';
import { privacyPanelData, showsPrivacy } from '../../privacy/record.js';
import { forbidden, type ModuleContext, moduleContext, notFound, timeZoneOf } from './record-context.js';
import { autoInviteAfterSave, portalAccessPanel } from './record-portal.js';
import { lookupEcho, lookupSuggestUrl, namesFor } from './records.js';

export const recordRoutes = new Hono<AppEnv>();

type RecordCtx = ModuleContext & { record: CrmRecord };

/** The record in the URL, found through the user's scope: one they may not see is simply not found. */
async function recordContext(c: Context<AppEnv>, opts: { deleted?: boolean } = {}): Promise<RecordCtx | Response> {
  const ctx = await moduleContext(c);
  if (ctx instanceof Response) return ctx;
  const record = await findRecord(c.get('deps').db, ctx.meta, c.req.param('id') ?? '', ctx.scope, opts);
  return record ? { ...ctx, record } : notFound(c);
}

const actorOf = (ctx: ModuleContext) => ({ kind: 'staff' as const, id: ctx.staff.id });

recordRoutes.get('/:module/:id', async (c) => {
  const ctx = await recordContext(c);
  if (ctx instanceof Response) return ctx;
  const { meta, record, base, staff } = ctx;
  const { db } = c.get('deps');
  const t = c.get('t');
  const lang = c.get('lang');
  const layout = layoutFor(meta, record.layout_id);
  const sections = layoutSections(meta, layout);
  const fields = sections.flatMap((s) => s.fields);

  // Related lists: records of other modules whose lookups point here, each within its own permissions.
  const lists = [];
  for (const field of await referencingFields(db, meta.module.id)) {
    const other = await loadModuleMetaById(db, field.module_id);
    if (!other) continue;
    const perms = await modulePermissions(db, staff, other.module.id);
    if (perms.view) lists.push({ field, other, perms });
  }
  const gdpr = showsPrivacy(Boolean(c.get('org')?.gdpr_enabled), meta);
  const around = await recordSurroundings(db, record, {
    related: lists.map((l) => ({ field: l.field, scope: staffRecordScope(staff, l.other.module) })),
    privacy: gdpr,
  });
  const related: RelatedListView[] = lists.map(({ field, other, perms }, i) => {
    const otherBase = `/admin/m/${other.module.api_name}`;
    const rows = around.related[i] ?? { records: [], total: 0 };
    return {
      title: moduleLabel(t, lang, other.module, 'plural'),
      fieldLabel: fieldLabel(t, lang, field),
      base: otherBase,
      records: rows.records,
      total: rows.total,
      createHref: perms.create ? `${otherBase}/new?${field.api_name}=${record.id}` : undefined,
    };
  });
  const { notes, attachments, history, staffOptions, people } = around;
  const who = (kind: string, id: string | null) => {
    if (kind === 'system') return t('crm:history.system');
    const name = people.get(`${kind}:${id}`);
    // What came from the portal says so.
    if (kind === 'portal') return name ? `${name} (${t('crm:history.portalUser')})` : t('crm:history.portalUser');
    return name ?? t('crm:history.portalUser');
  };
  const historyIds = history.flatMap((h) => h.changes.flatMap((ch) => [ch.old, ch.new])).filter((v): v is string => typeof v === 'string');
  const names = await namesFor(c, [...collectLookupIds(meta, [record], fields), ...historyIds, ...(record.converted_to ? [record.converted_to] : [])]);
  const modify = mayModify(staff, meta.module, ctx.perms, record, 'edit');
  const convertedTo = record.converted_to ? names.get(record.converted_to) : undefined;
  const portalAccess = await portalAccessPanel(c, meta, record, `${base}/${record.id}`, around.portal);
  const privacy = around.privacy && privacyPanelData(record, around.privacy);
  const body = (
    <RecordDetail
      view={c.get('view')}
      module={meta.module}
      record={record}
      base={base}
      sections={sections}
      names={names}
      currency={c.get('org')?.currency ?? 'EUR'}
      children={meta.children}
      related={related}
      notes={notes.map((n) => ({ ...n, author: who(n.author_kind, n.author_id) }))}
      attachments={attachments.map((a) => ({ ...a, author: who(a.author_kind, a.author_id) }))}
      history={history.map((h) => ({ ...h, actor: who(h.actor_kind, h.actor_id) }))}
      fieldsById={meta.byId}
      perms={{ ...ctx.perms, modify, remove: mayModify(staff, meta.module, ctx.perms, record, 'delete') }}
      owner={people.get(`staff:${record.owner_id}`) ?? ''}
      staffOptions={staffOptions}
      flash={flashMessage(c)}
      convertHref={meta.module.api_name === 'leads' && !record.converted_at && modify ? `${base}/${record.id}/convert` : undefined}
      convertedTo={convertedTo?.href ? { name: convertedTo.name, href: convertedTo.href } : undefined}
      portalAccessHref={staff.profile.is_admin ? `/admin/settings/portal-explain/record/${record.id}` : undefined}
      portalAccess={portalAccess}
      privacy={privacy && <RecordPrivacyPanel view={c.get('view')} apiName={meta.module.api_name} data={privacy} />}
    />
  );
  return page(c, { title: record.display_name || t('crm:untitled'), body });
});

function flashMessage(c: Context<AppEnv>): string | undefined {
  const t = c.get('t');
  for (const key of ['created', 'saved', 'restored', 'noted', 'attached', 'stateChanged', 'reassigned', 'converted']) {
    if (c.req.query(key) === '1') return t(`crm:flash.${key}`);
  }
  return undefined;
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
  const names = await namesFor(
    c,
    collectLookupIds(
      meta,
      [{ data: values }],
      sections.flatMap((s) => s.fields),
    ),
  );
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
  const ctx = await recordContext(c);
  if (ctx instanceof Response) return ctx;
  if (!mayModify(ctx.staff, ctx.meta.module, ctx.perms, ctx.record, 'edit')) return forbidden(c);
  return renderEdit(c, ctx, ctx.record.data as Record<string, unknown>, {});
});

recordRoutes.post('/:module/:id', async (c) => {
  const ctx = await recordContext(c);
  if (ctx instanceof Response) return ctx;
  const { meta, record, base } = ctx;
  if (!mayModify(ctx.staff, meta.module, ctx.perms, record, 'edit')) return forbidden(c);
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
  const result = await updateRecord(db, actorOf(ctx), meta, record, checked.data, Number.isInteger(version) ? version : -1);
  if (!result.ok) return renderEdit(c, { ...ctx, record }, { ...checked.data, ...lookupEcho(fields, input) }, {}, { status: 409, conflict: true });
  const invited = await autoInviteAfterSave(c, meta, result.record, record.data as RecordData);
  await notifyStatusChange(db, notifyDeps(c), meta, record, result.record);
  return c.redirect(`${base}/${record.id}?saved=1${invited}`, 303);
});

recordRoutes.get('/:module/:id/clone', async (c) => {
  const ctx = await recordContext(c);
  if (ctx instanceof Response) return ctx;
  if (!ctx.perms.create) return forbidden(c);
  return c.redirect(`${ctx.base}/new?clone=${ctx.record.id}&layout=${ctx.record.layout_id ?? ''}`, 303);
});

recordRoutes.post('/:module/:id/delete', async (c) => {
  const ctx = await recordContext(c);
  if (ctx instanceof Response) return ctx;
  if (!mayModify(ctx.staff, ctx.meta.module, ctx.perms, ctx.record, 'delete')) return forbidden(c);
  await moveToRecycleBin(c.get('deps').db, actorOf(ctx), ctx.record);
  return c.redirect(`${ctx.base}/recycle-bin`, 303);
});

recordRoutes.post('/:module/:id/restore', async (c) => {
  const ctx = await recordContext(c, { deleted: true });
  if (ctx instanceof Response) return ctx;
  if (!mayModify(ctx.staff, ctx.meta.module, ctx.perms, ctx.record, 'delete')) return forbidden(c);
  await restoreFromRecycleBin(c.get('deps').db, actorOf(ctx), ctx.record);
  return c.redirect(`${ctx.base}/${ctx.record.id}?restored=1`, 303);
});

recordRoutes.post('/:module/:id/purge', async (c) => {
  const ctx = await recordContext(c, { deleted: true });
  if (ctx instanceof Response) return ctx;
  if (!mayModify(ctx.staff, ctx.meta.module, ctx.perms, ctx.record, 'delete')) return forbidden(c);
  await purgeRecord(c.get('deps').db, actorOf(ctx), ctx.record);
  return c.redirect(`${ctx.base}/recycle-bin`, 303);
});

recordRoutes.post('/:module/:id/state', async (c) => {
  const ctx = await recordContext(c);
  if (ctx instanceof Response) return ctx;
  if (!mayModify(ctx.staff, ctx.meta.module, ctx.perms, ctx.record, 'edit')) return forbidden(c);
  const { state } = await formValues(c, ['state']);
  if (state !== 'active' && state !== 'pending_approval' && state !== 'under_review') {
    const t = c.get('t');
    return errorPage(c, 422, t('errors:formHasErrors'), t('errors:choose'));
  }
  await setRecordState(c.get('deps').db, actorOf(ctx), ctx.record, state as RecordState);
  return c.redirect(`${ctx.base}/${ctx.record.id}?stateChanged=1`, 303);
});

recordRoutes.post('/:module/:id/owner', async (c) => {
  const ctx = await recordContext(c);
  if (ctx instanceof Response) return ctx;
  if (!mayModify(ctx.staff, ctx.meta.module, ctx.perms, ctx.record, 'edit')) return forbidden(c);
  const { owner } = await formValues(c, ['owner']);
  const done = owner ? await reassignOwner(c.get('deps').db, actorOf(ctx), ctx.record, owner).catch(() => false) : false;
  if (!done) {
    const t = c.get('t');
    return errorPage(c, 422, t('errors:formHasErrors'), t('crm:errors.owner'));
  }
  return c.redirect(`${ctx.base}/${ctx.record.id}?reassigned=1`, 303);
});

const notifyDeps = (c: Context<AppEnv>) => ({
  boss: c.get('deps').boss,
  baseUrl: c.get('deps').config.baseUrl,
  inboundAddress: replyInbox(c.get('deps').config),
});

/** A staff note or file is internal unless "visible to the customer" was chosen explicitly. */
const staffOnly = (visibility: string | undefined) => visibility !== 'customer';

recordRoutes.post('/:module/:id/notes', async (c) => {
  const ctx = await recordContext(c);
  if (ctx instanceof Response) return ctx;
  // A note or a file changes the record's file: as editing it does, it needs the right to edit.
  if (!mayModify(ctx.staff, ctx.meta.module, ctx.perms, ctx.record, 'edit')) return forbidden(c);
  const { body, visibility } = await formValues(c, ['body', 'visibility']);
  const problem = noteProblem(body ?? '');
  if (problem) {
    const t = c.get('t');
    return errorPage(c, 422, t('errors:formHasErrors'), t(`crm:notes.errors.${problem}`));
  }
  const internal = staffOnly(visibility);
  // A reply visible to a case's customer is emailed to them with the note, in the note's transaction.
  const tellCustomer = !internal && isCaseModule(ctx.meta);
  await addNote(c.get('deps').db, ctx.record.id, actorOf(ctx), body ?? '', internal, (trx) =>
    tellCustomer ? notifyCustomer(trx, notifyDeps(c), ctx.meta, ctx.record, 'reply', (body ?? '').trim()) : Promise.resolve(),
  );
  return c.redirect(`${ctx.base}/${ctx.record.id}?noted=1#notes`, 303);
});

recordRoutes.post('/:module/:id/attachments', async (c) => {
  const ctx = await recordContext(c);
  if (ctx instanceof Response) return ctx;
  if (!mayModify(ctx.staff, ctx.meta.module, ctx.perms, ctx.record, 'edit')) return forbidden(c);
  const t = c.get('t');
  const form = await c.req.parseBody();
  const file = form.file;
  if (!(file instanceof File) || file.size === 0) return errorPage(c, 422, t('errors:formHasErrors'), t('crm:attachments.errors.missing'));
  if (file.size > ATTACHMENT_MAX_BYTES) return errorPage(c, 413, t('errors:tooLarge.title'), t('crm:attachments.limit'));
  await addAttachment(
    c.get('deps').db,
    ctx.record.id,
    actorOf(ctx),
    { name: file.name, type: file.type, bytes: new Uint8Array(await file.arrayBuffer()) },
    staffOnly(typeof form.visibility === 'string' ? form.visibility : undefined),
  );
  return c.redirect(`${ctx.base}/${ctx.record.id}?attached=1#attachments`, 303);
});

recordRoutes.get('/:module/:id/attachments/:attachment', async (c) => {
  const ctx = await recordContext(c);
  if (ctx instanceof Response) return ctx;
  const file = await findAttachment(c.get('deps').db, ctx.record.id, c.req.param('attachment'), true);
  if (!file) return notFound(c);
  return sendDownload(c, file);
});
