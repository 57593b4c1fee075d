import type { AccessContext } from '../access/context.js';
import { allowedActions, checkWrite, type FieldMask, fieldMask, findInScope, forcedLookup, rowScope, visibleTabs } from '../access/engine.js';
import { audit } from '../audit/audit.js';
import { type NotifyDeps, notifyOwner } from '../cases/notifications.js';
import { afterCustomerReply, isCaseModule, openFollowUpCase, replyEffect } from '../cases/status.js';
import { checkUpload, type UploadProblem } from '../crm/file-types.js';
import { layoutFor, layoutSections, type ModuleMeta } from '../crm/metadata.js';
import { addAttachment, addNote, type NoteProblem, noteProblem } from '../crm/notes.js';
import {
  type Actor,
  createRecordIn,
  moveToRecycleBin,
  type RecordData,
  type RecordErrors,
  type RecordInput,
  updateRecordIn,
  validateRecordInput,
} from '../crm/records.js';
import { type Database, inTransaction } from '../db/database.js';
import type { CrmRecord, Field, Layout } from '../db/schema.js';
import { isUuid } from '../http/input.js';
import type { InviteDeps } from '../invitations/invite.js';
import { creatableLayouts, tabModule } from './portal-pages.js';

// The one write path of the portal: every create and edit a portal user makes
// goes through here, asking the engine first (allowed action, allowed layout,
// no hidden or read-only name submitted, the filter-by lookup forced into the
// records the user stands for), then validating exactly as the staff side
// does. Records belong to the staff user who invited them.

/** A submitted record form: the values, which field names it carried at all, and the form's own fields. */
export type PortalForm = { input: RecordInput; present: Set<string>; layoutId?: string | undefined; version?: number | undefined };

/** Reads the request's form for the module's fields (the route knows the body; the write path knows the module). */
export type FormReader = (fields: Field[]) => Promise<PortalForm>;

/** Why a form was refused as a whole (beside the per-field messages). */
export type FormRefusal = 'hidden_field' | 'read_only_field' | 'layout_not_allowed';

export type PortalWrite =
  | { ok: true; record: CrmRecord }
  | { ok: false; status: 404 }
  | { ok: false; status: 403 }
  | { ok: false; status: 409; values: Record<string, unknown> }
  | { ok: false; status: 422; errors: RecordErrors; values: Record<string, unknown>; refusal?: FormRefusal };

/** What a form of M in one layout shows: the visible fields in layout order, and which of them are written. */
export type PortalFormFields = {
  layout: Layout | undefined;
  sections: { id: string; labelKey?: string | undefined; labels?: Record<string, string | undefined> | undefined; fields: Field[] }[];
  mask: FieldMask;
  editable: Field[];
};

export function formFields(ctx: AccessContext, meta: ModuleMeta, layout: Layout | undefined): PortalFormFields {
  const given = fieldMask(ctx, meta.module.id, layout?.id ?? null);
  // A lookup into a module U has no tab for offers nothing to choose: it is shown, read-only.
  const reachable = new Set(visibleTabs(ctx).map((t) => t.moduleId));
  const filterBy = ctx.tabs.get(meta.module.id)?.filterFieldId;
  const fixed = meta.fields.filter((f) => f.type === 'lookup' && f.id !== filterBy && !reachable.has(f.options.targetModuleId ?? '')).map((f) => f.id);
  const mask = { ...given, readOnly: new Set([...given.readOnly, ...fixed.filter((id) => given.visible.has(id))]) };
  const sections = layoutSections(meta, layout)
    .map((s) => ({ ...s, fields: s.fields.filter((f) => mask.visible.has(f.id)) }))
    .filter((s) => s.fields.length > 0);
  const editable = sections.flatMap((s) => s.fields).filter((f) => !mask.readOnly.has(f.id) && !f.options.computed);
  return { layout, sections, mask, editable };
}

/** The portal user writing, whose records belong to the staff user who invited them; none in a type preview. */
function portalActor(ctx: AccessContext): Extract<Actor, { kind: 'portal' }> | undefined {
  return ctx.user ? { kind: 'portal', id: ctx.user.id, ownerId: ctx.user.invitedBy } : undefined;
}

/** Field ids of the module's fields the form named at all, hidden ones included: those are refused, never dropped. */
function submittedFieldIds(meta: ModuleMeta, present: Set<string>): string[] {
  return meta.fields.filter((f) => present.has(f.api_name)).map((f) => f.id);
}

function refusalOf(check: ReturnType<typeof checkWrite>): FormRefusal | undefined {
  if (check.ok) return undefined;
  return check.reason === 'read_only_field' ? 'read_only_field' : 'hidden_field';
}

/** Lookups choose among the targets U can reach, nothing else. */
const lookupScopeOf = (ctx: AccessContext) => (targetModuleId: string) => rowScope(ctx, targetModuleId);

async function validated(
  db: Database,
  ctx: AccessContext,
  meta: ModuleMeta,
  form: PortalForm,
  fields: PortalFormFields,
  timeZone: string,
  existing?: RecordData,
) {
  // A lookup is chosen by id among the targets in scope, never by typed name (a name could confirm hidden fields);
  // one left as it was keeps its stored target, even one U cannot reach.
  const input: RecordInput = { ...form.input };
  const unchanged = new Set<string>();
  for (const f of fields.editable) {
    if (f.type !== 'lookup') continue;
    const raw = input[f.api_name];
    const id = typeof raw === 'object' && raw !== null && 'id' in raw ? String(raw.id ?? '') : '';
    if (existing && id !== '' && existing[f.api_name] === id) unchanged.add(f.id);
    input[f.api_name] = { text: '', id };
  }
  // The filter-by lookup is the user's own record, or one they stand for (X_U), decided by the engine alone:
  // empty means their own record; on an edit that does not offer it, or leaves it as it was, the stored value stands.
  const filter = ctx.tabs.get(meta.module.id)?.filterFieldId;
  const field = filter ? meta.byId.get(filter) : undefined;
  const validating = fields.editable.filter((f) => !unchanged.has(f.id) && f.id !== field?.id);
  const checked = await validateRecordInput(db, meta, validating, input, { timeZone, existing, lookupScope: lookupScopeOf(ctx) });
  const errors: RecordErrors = checked.ok ? {} : { ...checked.errors };
  const data = checked.data;
  const offered = field !== undefined && (existing === undefined || fields.editable.some((e) => e.id === field.id));
  if (field && offered && !unchanged.has(field.id)) {
    const raw = input[field.api_name];
    const submitted = typeof raw === 'object' && raw !== null && 'id' in raw && raw.id ? String(raw.id) : null;
    const forced = await forcedLookup(db, ctx, meta.module.id, submitted);
    if (forced.ok && forced.fieldId) data[field.api_name] = forced.value;
    else if (!forced.ok) errors[field.api_name] = 'portal:form.lookupOutsideScope';
  }
  return { data, errors };
}

/** Values to draw the form again with: what was submitted for the editable fields. */
function echo(fields: PortalFormFields, data: RecordData, input: RecordInput): Record<string, unknown> {
  // Only what the form shows: the merged data of an edit also holds hidden fields.
  const out: Record<string, unknown> = {};
  for (const f of fields.sections.flatMap((s) => s.fields)) {
    if (Object.hasOwn(data, f.api_name)) out[f.api_name] = data[f.api_name];
    if (f.type === 'lookup' && fields.editable.some((e) => e.id === f.id)) {
      const raw = input[f.api_name];
      out[f.api_name] = typeof raw === 'object' && raw !== null && 'id' in raw ? raw.id || null : null;
    }
  }
  return out;
}

export async function createPortalRecord(
  db: Database,
  ctx: AccessContext,
  apiName: string,
  read: FormReader,
  opts: { timeZone: string; invite?: InviteDeps | undefined },
): Promise<PortalWrite> {
  const found = await tabModule(db, ctx, apiName);
  const actor = portalActor(ctx);
  if (!found) return { ok: false, status: 404 };
  const notify = opts.invite;
  const { meta, tab } = found;
  // No layout to create in (each hides a required field): no create at all, as no button is drawn.
  const layouts = creatableLayouts(ctx, meta, tab);
  if (!allowedActions(ctx, meta.module.id).create || !actor || layouts.length === 0) return { ok: false, status: 403 };
  const form = await read(meta.fields);
  const layout = form.layoutId ? layouts.find((l) => l.id === form.layoutId) : layouts[0];
  if (!layout) return { ok: false, status: 422, errors: {}, values: {}, refusal: 'layout_not_allowed' };
  const fields = formFields(ctx, meta, layout);
  const check = checkWrite(ctx, fields.mask, submittedFieldIds(meta, form.present));
  if (!check.ok) return { ok: false, status: 422, errors: {}, values: {}, refusal: refusalOf(check) };
  const { data, errors } = await validated(db, ctx, meta, form, fields, opts.timeZone);
  if (Object.keys(errors).length > 0) return { ok: false, status: 422, errors, values: echo(fields, data, form.input) };
  // A required picklist the user sees but may not set starts at its first value (a case's status: Open).
  for (const f of fields.sections.flatMap((s) => s.fields)) {
    const first = f.options.values?.[0]?.value;
    if (f.required && f.type === 'picklist' && fields.mask.readOnly.has(f.id) && (data[f.api_name] ?? null) === null && first) data[f.api_name] = first;
  }
  const record = await db.transaction().execute(async (trx) => {
    const created = await createRecordIn(trx, actor, meta, { data, layoutId: layout.id, ownerId: actor.ownerId }, { jobs: opts.invite?.boss });
    await audit(trx, { kind: 'portal', id: actor.id }, 'portal.record_created', { type: 'record', id: created.id }, { module: meta.module.api_name });
    // A new case reaches its owner by email, with the case.
    if (notify && isCaseModule(meta)) {
      const description = (created.data as RecordData).description;
      await notifyOwner(trx, notify, meta, created, 'opened', actor.id, typeof description === 'string' ? description : '');
    }
    return created;
  });
  return { ok: true, record };
}

export async function updatePortalRecord(
  db: Database,
  ctx: AccessContext,
  apiName: string,
  id: string,
  read: FormReader,
  opts: { timeZone: string; invite?: InviteDeps | undefined },
): Promise<PortalWrite> {
  const found = await tabModule(db, ctx, apiName);
  const actor = portalActor(ctx);
  if (!found || !isUuid(id)) return { ok: false, status: 404 };
  const { meta } = found;
  const record = await findInScope(db, ctx, meta.module.id, id);
  if (!record) return { ok: false, status: 404 };
  const actions = allowedActions(ctx, meta.module.id, record);
  if (!actions.view) return { ok: false, status: 404 };
  if (!actions.edit || !actor) return { ok: false, status: 403 };
  const form = await read(meta.fields);
  const fields = formFields(ctx, meta, layoutFor(meta, record.layout_id));
  const check = checkWrite(ctx, fields.mask, submittedFieldIds(meta, form.present));
  if (!check.ok) return { ok: false, status: 422, errors: {}, values: {}, refusal: refusalOf(check) };
  const { data, errors } = await validated(db, ctx, meta, form, fields, opts.timeZone, record.data as RecordData);
  if (Object.keys(errors).length > 0) return { ok: false, status: 422, errors, values: echo(fields, data, form.input) };
  const version = form.version ?? -1;
  const result = await db.transaction().execute(async (trx) => {
    const updated = await updateRecordIn(trx, actor, meta, record, data, version, { jobs: opts.invite?.boss });
    if (updated.ok)
      await audit(trx, { kind: 'portal', id: actor.id }, 'portal.record_updated', { type: 'record', id: record.id }, { module: meta.module.api_name });
    return updated;
  });
  if (!result.ok) return result.reason === 'gone' ? { ok: false, status: 404 } : { ok: false, status: 409, values: echo(fields, data, form.input) };
  return { ok: true, record: result.record };
}

export type SmallWrite = { ok: true } | { ok: false; status: 403 | 404 } | { ok: false; status: 422; problem: NoteProblem };

/** A record of a tab in U's scope, and what U may do with it; undefined when U cannot see it (404). */
async function recordInTab(db: Database, ctx: AccessContext, apiName: string, id: string) {
  const found = await tabModule(db, ctx, apiName);
  if (!found || !isUuid(id)) return undefined;
  const record = await findInScope(db, ctx, found.meta.module.id, id);
  if (!record) return undefined;
  const actions = allowedActions(ctx, found.meta.module.id, record);
  return actions.view ? { ...found, record, actions } : undefined;
}

/** Moves a record U may delete to the recycle bin (never U's own record), audited. */
export async function deletePortalRecord(db: Database, ctx: AccessContext, apiName: string, id: string): Promise<SmallWrite> {
  const found = await recordInTab(db, ctx, apiName, id);
  const actor = portalActor(ctx);
  if (!found) return { ok: false, status: 404 };
  if (!found.actions.delete || !actor) return { ok: false, status: 403 };
  await moveToRecycleBin(db, actor, found.record);
  await audit(db, { kind: 'portal', id: actor.id }, 'portal.record_deleted', { type: 'record', id: found.record.id }, { module: found.meta.module.api_name });
  return { ok: true };
}

export type NoteWrite =
  | { ok: true; followUpId?: string }
  | { ok: false; status: 403 | 404 }
  | { ok: false; status: 409 | 422; problem: NoteProblem | 'case_closed' };

/**
 * A note by U on a record whose tab lets them add notes; never internal, the
 * author recorded as U. On a case it is a reply, with the case's status rules
 * in the same transaction (waiting → In Progress, closed → reopened) and its
 * owner told; a reply to a case closed past its reopening window opens a new
 * case linked to it instead (when U may open cases; otherwise 409).
 */
export async function addPortalNote(db: Database, ctx: AccessContext, apiName: string, id: string, body: string, notify?: NotifyDeps): Promise<NoteWrite> {
  const found = await recordInTab(db, ctx, apiName, id);
  const actor = portalActor(ctx);
  if (!found) return { ok: false, status: 404 };
  if (found.tab.notes !== 'add' || found.tab.kind === 'public' || ctx.readOnly || !actor) return { ok: false, status: 403 };
  const problem = noteProblem(body);
  if (problem) return { ok: false, status: 422, problem };
  const { meta, record } = found;
  const isCase = isCaseModule(meta);
  if (isCase && (await replyEffect(db, ctx.portalId, meta, record)) === 'follow_up') {
    if (!allowedActions(ctx, meta.module.id).create) return { ok: false, status: 409, problem: 'case_closed' };
    const created = await inTransaction(db, async (trx) => {
      const next = await openFollowUpCase(trx, actor, meta, record, body);
      if (notify) await notifyOwner(trx, notify, meta, next, 'opened', actor.id, body.trim());
      return next;
    });
    return { ok: true, followUpId: created.id };
  }
  await addNote(db, record.id, { kind: 'portal', id: actor.id }, body, false, async (trx) => {
    await afterCustomerReply(trx, actor, meta, record.id);
    if (notify && isCase) await notifyOwner(trx, notify, meta, record, 'replied', actor.id, body.trim());
  });
  return { ok: true };
}

export type UploadWrite = { ok: true } | { ok: false; status: 403 | 404 } | { ok: false; status: 413 | 422; problem: UploadProblem };

/** A file by U on a record whose tab lets them add files: checked by its content, stored with the type that content has. */
export async function addPortalAttachment(
  db: Database,
  ctx: AccessContext,
  apiName: string,
  id: string,
  file: { name: string; bytes: Uint8Array } | undefined,
): Promise<UploadWrite> {
  const found = await recordInTab(db, ctx, apiName, id);
  const actor = portalActor(ctx);
  if (!found) return { ok: false, status: 404 };
  if (found.tab.attachments !== 'add' || found.tab.kind === 'public' || ctx.readOnly || !actor) return { ok: false, status: 403 };
  if (!file) return { ok: false, status: 422, problem: 'missing' };
  const checked = checkUpload(file.name, file.bytes);
  if (!checked.ok) return { ok: false, status: checked.problem === 'too_large' ? 413 : 422, problem: checked.problem };
  await addAttachment(db, found.record.id, { kind: 'portal', id: actor.id }, { name: file.name, type: checked.type, bytes: file.bytes }, false);
  return { ok: true };
}
