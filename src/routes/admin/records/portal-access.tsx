import { type Context, Hono } from 'hono';
import type { Child } from 'hono/jsx';
import { PortalAccessPanel, type PortalAccessPanelProps } from '../../../../views/admin/records/PortalAccessPanel.js';
import type { ModuleMeta } from '../../../crm/metadata.js';
import { findRecord, type RecordData } from '../../../crm/records.js';
import type { CrmRecord } from '../../../db/schema.js';
import type { AppEnv } from '../../../http/env.js';
import { errorPage, forbidden, notFound } from '../../../http/render.js';
import { formValues } from '../../../http/request.js';
import { autoInviteQueued } from '../../../invitations/auto-invite.js';
import { type InviteDeps, inviteRecord } from '../../../invitations/invite.js';
import { emailField, emailOf, FAILURE_REASONS, type FailureReason } from '../../../invitations/reasons.js';
import { emptyTabsNotice, emptyTabsOf } from '../../../portals/empty-tabs.js';
import { ACTION_REFUSALS, type ActionRefusal, isPortalUserAction } from '../../../portals/portal-user-actions.js';
import { mayManagePortalUsers, type PortalUserRow, portalUserOfRecord, type TypeChoice, typesForModule } from '../../../portals/portal-users.js';
import { confirmPage } from '../confirm.js';
import { moduleContext } from './context.js';

// A record's portal access, on its page: the portal user it is, or its single
// invitation. Automatic invitations queued by a staff save are announced here too.

export const recordPortalRoutes = new Hono<AppEnv>();

const inviteDeps = (c: Context<AppEnv>): InviteDeps => ({ db: c.get('deps').db, boss: c.get('deps').boss, baseUrl: c.get('deps').config.baseUrl });
const isReason = (v: string | undefined): v is FailureReason => FAILURE_REASONS.includes(v as FailureReason);
const isRefusal = (v: string | undefined): v is ActionRefusal => ACTION_REFUSALS.includes(v as ActionRefusal);

/** A type whose tabs show no field is stated first: its user would see empty pages. Nothing to ask: undefined. */
async function emptyTypeConfirmation(c: Context<AppEnv>, chosen: TypeChoice, recordUrl: string) {
  const empty = (await emptyTabsOf(c.get('deps').db, [chosen.id])).get(chosen.id);
  if (!empty) return undefined;
  const t = c.get('t');
  const notice = emptyTabsNotice(t, c.get('lang'), chosen, empty);
  return confirmPage(c, {
    title: t('portals:emptyTabs.title.invite', { type: chosen.name }),
    facts: [notice.text, t('portals:emptyTabs.goAhead.invite')],
    links: notice.links,
    action: `${recordUrl}/portal-invitation`,
    fields: [['type', chosen.id]],
    cancelHref: `${recordUrl}#portal-access`,
  });
}

recordPortalRoutes.post('/:module/:id/portal-invitation', async (c) => {
  const ctx = await moduleContext(c);
  if (ctx instanceof Response) return ctx;
  if (!mayManagePortalUsers(ctx.staff)) return forbidden(c);
  const record = await findRecord(c.get('deps').db, ctx.meta, c.req.param('id'), ctx.scope);
  if (!record) return notFound(c);
  const { type = '', confirm } = await formValues(c, ['type', 'confirm']);
  const db = c.get('deps').db;
  const chosen = (await typesForModule(db, ctx.meta.module.id)).find((ty) => ty.id === type);
  const t = c.get('t');
  if (!chosen) return errorPage(c, 422, t('errors:formHasErrors'), t('portalusers:record.chooseType'));
  const recordUrl = `${ctx.base}/${record.id}`;
  const confirmation = confirm === '1' ? undefined : await emptyTypeConfirmation(c, chosen, recordUrl);
  if (confirmation) return confirmation;
  const outcome = await inviteRecord(inviteDeps(c), { recordId: record.id, userTypeId: type, staffId: ctx.staff.id });
  const query = outcome.outcome === 'failed' ? `portalInvite=failed&reason=${outcome.reason}` : 'portalInvite=sent';
  return c.redirect(`${recordUrl}?${query}#portal-access`, 303);
});

/**
 * After staff created or changed a record: whether the save queued an
 * automatic invitation (the write path queues it, a job sends it). Never in
 * the way of the save. Answers the query string the record page reads the
 * notice from.
 */
export async function autoInviteNotice(c: Context<AppEnv>, meta: ModuleMeta, record: CrmRecord, before: RecordData | undefined): Promise<string> {
  try {
    return (await autoInviteQueued(c.get('deps').db, meta, record, before)) ? '&autoInvite=queued' : '';
  } catch (err) {
    c.get('deps').log.error({ err, recordId: record.id, reqId: c.get('requestId') }, 'automatic invitation notice failed');
    return '';
  }
}

/** The panel for a record page; nothing when no user type is based on the record's module. */
export async function portalAccessPanel(
  c: Context<AppEnv>,
  meta: ModuleMeta,
  record: CrmRecord,
  recordUrl: string,
  read?: { types: TypeChoice[]; user: PortalUserRow | undefined },
): Promise<Child | undefined> {
  const db = c.get('deps').db;
  const staff = c.get('staff');
  const types = read ? read.types : await typesForModule(db, meta.module.id);
  if (types.length === 0) return undefined;
  const user = read ? read.user : await portalUserOfRecord(db, record.id);
  const canManage = mayManagePortalUsers(staff);
  if (!user && !canManage) return undefined;
  const empty = canManage
    ? await emptyTabsOf(
        db,
        types.map((ty) => ty.id),
      )
    : new Map();
  const props: PortalAccessPanelProps = {
    view: c.get('view'),
    recordUrl,
    inviteAction: `${recordUrl}/portal-invitation`,
    canManage,
    user,
    changeTypes: user ? types.filter((ty) => ty.portalId === user.portalId && ty.baseModuleId === user.baseModuleId && ty.id !== user.userTypeId) : [],
    inviteTypes: types,
    emptyTypeIds: new Set(empty.keys()),
    email: emailOf(record, emailField(meta.fields)),
    notice: noticeOf(c, user?.email),
  };
  return <PortalAccessPanel {...props} />;
}

function noticeOf(c: Context<AppEnv>, email: string | undefined): PortalAccessPanelProps['notice'] {
  const t = c.get('t');
  const reason = c.req.query('reason');
  const invite = c.req.query('portalInvite');
  if (invite === 'sent' && email) return { kind: 'success', text: t('invitations:single.sent', { email }) };
  if (invite === 'failed' && isReason(reason)) return { kind: 'error', text: t('invitations:single.failed', { reason: t(`invitations:reasons.${reason}`) }) };
  if (c.req.query('autoInvite') === 'queued' && email) return { kind: 'success', text: t('portalusers:auto.queued', { email }) };
  const done = c.req.query('portalAccess');
  if (done === 'refused' && isRefusal(reason)) return { kind: 'error', text: t(`portalusers:refused.${reason}`) };
  if (isPortalUserAction(done)) return { kind: 'success', text: t(`portalusers:done.${done}`, { count: 1 }) };
  return undefined;
}
