import type { PortalUserStatus } from '../../../src/db/schema.js';
import type { ViewContext } from '../../../src/http/env.js';
import type { BatchSummary } from '../../../src/invitations/batches.js';
import type { ActionOutcome, PortalUserAction } from '../../../src/portals/portal-user-actions.js';
import { PORTAL_USER_STATUSES, type PortalUserPage, type PortalUserRow } from '../../../src/portals/portal-users.js';
import type { UserTypeWithCounts } from '../../../src/portals/user-types.js';
import { Alert } from '../../components/Alert.js';
import { NextPage } from '../../components/NextPage.js';
import { PORTALS_PATH } from './messages.js';

const SEGMENTS: Record<PortalUserAction, string> = {
  deactivate: 'deactivate',
  reactivate: 'reactivate',
  resend: 'resend',
  remove: 'remove',
  change_type: 'change-type',
  reset_two_factor: 'reset-two-factor',
};

export const portalUsersPath = (portalId: string) => `${PORTALS_PATH}/${portalId}/users`;

/** Where a single action on one portal user posts. */
export const portalUserActionPath = (portalId: string, userId: string, action: PortalUserAction) =>
  `${portalUsersPath(portalId)}/${userId}/${SEGMENTS[action]}`;

/** The action an URL segment names. */
export const actionOfSegment = (segment: string): PortalUserAction | undefined =>
  (Object.entries(SEGMENTS) as [PortalUserAction, string][]).find(([, s]) => s === segment)?.[0];

export type PortalUsersQuery = { q: string; status: string; type: string };

export type PortalUsersPageProps = {
  view: ViewContext;
  portal: { id: string; name: string };
  /** The portal's configuration page, for staff who may open it. */
  portalHref?: string | undefined;
  /** The invitation email page, for staff who may configure portals. */
  emailHref?: string | undefined;
  /** Sign-ups waiting for a decision or a licence, when the portal has or had any. */
  signups?: { href: string; count: number } | undefined;
  types: UserTypeWithCounts[];
  /** Types whose shown tabs include one with no visible field (marked where users are moved to a type). */
  emptyTypeIds?: ReadonlySet<string> | undefined;
  /** The latest invitation batches, those of deleted types included. */
  batches?: BatchSummary[] | undefined;
  page: PortalUserPage;
  query: PortalUsersQuery;
  notice?: string | undefined;
  /** What became of each user of the last action, when some were refused. */
  outcomes?: { action: PortalUserAction; results: ActionOutcome[] } | undefined;
  error?: string | undefined;
};

function listHref(portalId: string, query: PortalUsersQuery, after?: string) {
  const p = new URLSearchParams();
  if (query.q) p.set('q', query.q);
  if (query.status) p.set('status', query.status);
  if (query.type) p.set('type', query.type);
  if (after) p.set('after', after);
  const s = p.toString();
  return s ? `${portalUsersPath(portalId)}?${s}` : portalUsersPath(portalId);
}

/** A portal's users: search, filters, licences per type, and actions on one user or a selection. */
export function PortalUsersPage(props: PortalUsersPageProps) {
  const { view, portal, page, query, notice, outcomes, error } = props;
  const { t } = view;
  const filtered = Boolean(query.q || query.status || query.type);
  return (
    <section>
      {props.portalHref && (
        <p>
          <a href={props.portalHref}>← {t('portals:backTo', { name: portal.name })}</a>
        </p>
      )}
      <div class="page-head">
        <h1>{t('portalusers:list.title', { portal: portal.name })}</h1>
        <div class="actions">
          <a class="button" href={`/admin/settings/portals/${portal.id}/invite`}>
            {t('bulkinvite:link')}
          </a>
          {props.signups && (
            <a class="button secondary" href={props.signups.href}>
              {view.t('signup:queue.linkCount', { count: props.signups.count })}
            </a>
          )}
          {props.emailHref && (
            <a class="button secondary" href={props.emailHref}>
              {t('portalusers:email.link')}
            </a>
          )}
        </div>
      </div>
      {notice && <Alert kind="success">{notice}</Alert>}
      {error && <Alert kind="error">{error}</Alert>}
      {outcomes && <Outcomes view={view} {...outcomes} />}
      <Licences {...props} />
      <Filters {...props} />
      {page.users.length === 0 ? <Alert kind="info">{filtered ? t('portalusers:list.noMatch') : t('portalusers:list.empty')}</Alert> : <UsersForm {...props} />}
      <NextPage href={page.next ? listHref(portal.id, query, page.next) : undefined} label={t('common:nextPage')} navLabel={t('common:pagination')} />
      {props.batches && props.batches.length > 0 && <Batches view={view} portalId={portal.id} batches={props.batches} />}
    </section>
  );
}

function Batches({ view, portalId, batches }: { view: ViewContext; portalId: string; batches: BatchSummary[] }) {
  const { t, fmt } = view;
  return (
    <section class="table-wrap table-scroll" aria-label={t('portalusers:batches.title')} tabindex={0}>
      <table>
        <caption>{t('portalusers:batches.title')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('portalusers:batches.started')}</th>
            <th scope="col">{t('portalusers:fields.type')}</th>
            <th scope="col">{t('portalusers:batches.records')}</th>
            <th scope="col">{t('portalusers:fields.status')}</th>
          </tr>
        </thead>
        <tbody>
          {batches.map((b) => (
            <tr>
              <th scope="row">
                <a href={`/admin/settings/portals/${portalId}/invite/batches/${b.id}`}>
                  <time datetime={b.createdAt.toISOString()}>{fmt.date(b.createdAt)}</time>
                </a>
              </th>
              <td>{b.typeDeleted ? t('portalusers:batches.deletedType', { name: b.typeName }) : b.typeName}</td>
              <td>{fmt.number(b.total)}</td>
              <td>{t(`portalusers:batches.${b.dryRun ? 'dry_' : ''}${b.status}`)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Outcomes({ view, action, results }: { view: ViewContext; action: PortalUserAction; results: ActionOutcome[] }) {
  const { t } = view;
  const done = results.filter((r) => r.ok).length;
  const refused = results.filter((r): r is Extract<ActionOutcome, { ok: false }> => !r.ok);
  return (
    <>
      {done > 0 && <Alert kind="success">{t(`portalusers:done.${action}`, { count: done })}</Alert>}
      {refused.length > 0 && (
        <Alert kind="error">
          <p>{t('portalusers:refused.title', { count: refused.length })}</p>
          <ul>
            {refused.map((r) => (
              <li>
                {r.name || r.email || r.id}: {t(`portalusers:refused.${r.reason}`)}
              </li>
            ))}
          </ul>
        </Alert>
      )}
    </>
  );
}

function Licences({ view, types }: PortalUsersPageProps) {
  const { t, fmt } = view;
  return (
    <section class="table-wrap table-scroll" aria-label={t('portalusers:licences.title')} tabindex={0}>
      <table>
        <caption>{t('portalusers:licences.title')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('portalusers:fields.type')}</th>
            <th scope="col">{t('portalusers:status.invited')}</th>
            <th scope="col">{t('portalusers:status.active')}</th>
            <th scope="col">{t('portalusers:status.deactivated')}</th>
            <th scope="col">{t('portalusers:licences.used')}</th>
          </tr>
        </thead>
        <tbody>
          {types.map((ty) => (
            <tr>
              <th scope="row">{ty.name}</th>
              <td>{fmt.number(ty.counts.invited)}</td>
              <td>{fmt.number(ty.counts.active)}</td>
              <td>{fmt.number(ty.counts.deactivated)}</td>
              <td>{t('portalusers:licences.usedOf', { used: fmt.number(ty.counts.invited + ty.counts.active), limit: fmt.number(ty.user_limit) })}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Filters({ view, portal, types, query }: PortalUsersPageProps) {
  const { t } = view;
  return (
    <search>
      <form method="get" action={portalUsersPath(portal.id)} class="list-controls">
        <div class="field">
          <label for="users-q">{t('portalusers:list.search')}</label>
          <input id="users-q" name="q" type="search" value={query.q} />
        </div>
        <div class="field">
          <label for="users-status">{t('portalusers:fields.status')}</label>
          <select id="users-status" name="status">
            <option value="">{t('portalusers:list.any')}</option>
            {PORTAL_USER_STATUSES.map((s) => (
              <option value={s} selected={query.status === s}>
                {t(`portalusers:status.${s}`)}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="users-type">{t('portalusers:fields.type')}</label>
          <select id="users-type" name="type">
            <option value="">{t('portalusers:list.any')}</option>
            {types.map((ty) => (
              <option value={ty.id} selected={query.type === ty.id}>
                {ty.name}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" class="button secondary">
          {t('portalusers:list.apply')}
        </button>
      </form>
    </search>
  );
}

const BULK: PortalUserAction[] = ['resend', 'deactivate', 'reactivate', 'remove', 'change_type', 'reset_two_factor'];

const ACTION_KEYS: Record<PortalUserAction, string> = {
  resend: 'resend',
  deactivate: 'deactivate',
  reactivate: 'reactivate',
  remove: 'remove',
  change_type: 'changeType',
  reset_two_factor: 'resetTwoFactor',
};

/** One form: the selection with the bulk action, and per-row buttons that post to their own address. */
function UsersForm({ view, portal, types, page, emptyTypeIds }: PortalUsersPageProps) {
  const { t, fmt } = view;
  const date = (d: Date | null) => (d ? <time datetime={d.toISOString()}>{fmt.date(d)}</time> : '—');
  return (
    <form method="post" action={`${portalUsersPath(portal.id)}/bulk`}>
      <fieldset class="inline-form">
        <legend>{t('portalusers:bulk.legend')}</legend>
        <label for="bulk-action">{t('portalusers:bulk.action')}</label>
        <select id="bulk-action" name="action">
          {BULK.map((a) => (
            <option value={a}>{t(`portalusers:actions.${ACTION_KEYS[a]}`)}</option>
          ))}
        </select>
        <label for="bulk-type">{t('portalusers:bulk.toType')}</label>
        <select id="bulk-type" name="toType">
          <option value="">{t('portalusers:choose')}</option>
          {types.map((ty) => (
            <option value={ty.id}>{emptyTypeIds?.has(ty.id) ? t('portals:emptyTabs.option', { label: ty.name }) : ty.name}</option>
          ))}
        </select>
        <button type="submit" class="button secondary small">
          {t('portalusers:bulk.apply')}
        </button>
      </fieldset>
      <section class="table-wrap table-scroll" aria-label={t('portalusers:list.title', { portal: portal.name })} tabindex={0}>
        <table class="users-table">
          <caption class="visually-hidden">{t('portalusers:list.title', { portal: portal.name })}</caption>
          <thead>
            <tr>
              <th scope="col">
                <span class="visually-hidden">{t('portalusers:bulk.select')}</span>
              </th>
              <th scope="col">{t('portalusers:fields.name')}</th>
              <th scope="col">{t('portalusers:fields.email')}</th>
              <th scope="col">{t('portalusers:fields.type')}</th>
              <th scope="col">{t('portalusers:fields.status')}</th>
              <th scope="col">{t('portalusers:fields.invitedAt')}</th>
              <th scope="col">{t('portalusers:fields.activatedAt')}</th>
              <th scope="col">{t('portalusers:fields.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {page.users.map((u) => (
              <tr>
                <td>
                  <input type="checkbox" id={`select-${u.id}`} name="ids" value={u.id} />
                  <label class="visually-hidden" for={`select-${u.id}`}>
                    {t('portalusers:bulk.selectOne', { name: u.recordName || u.email })}
                  </label>
                </td>
                <th scope="row">
                  <a href={`/admin/m/${u.moduleApiName}/${u.recordId}`}>{u.recordName || t('crm:untitled')}</a>
                </th>
                <td>{u.email}</td>
                <td>{u.userTypeName}</td>
                <td>
                  <StatusBadge view={view} status={u.status} />
                </td>
                <td>{date(u.invitedAt)}</td>
                <td>{date(u.activatedAt)}</td>
                <td>
                  <RowActions view={view} portalId={portal.id} user={u} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </form>
  );
}

export function StatusBadge({ view, status }: { view: ViewContext; status: PortalUserStatus }) {
  const kind = status === 'active' ? ' badge-sent' : status === 'deactivated' ? ' badge-failed' : status === 'invited' ? ' badge-held' : '';
  return <span class={`badge${kind}`}>{view.t(`portalusers:status.${status}`)}</span>;
}

function RowActions({ view, portalId, user }: { view: ViewContext; portalId: string; user: PortalUserRow }) {
  const { t } = view;
  const name = user.recordName || user.email;
  const button = (action: PortalUserAction, key: string) => (
    <button
      type="submit"
      class="button secondary small"
      formaction={portalUserActionPath(portalId, user.id, action)}
      aria-label={t(`portalusers:actions.${key}For`, { name })}
    >
      {t(`portalusers:actions.${key}`)}
    </button>
  );
  return (
    <div class="actions row-actions">
      {(user.status === 'invited' || user.status === 'expired') && button('resend', 'resend')}
      {user.status === 'deactivated' ? button('reactivate', 'reactivate') : button('deactivate', 'deactivate')}
      {!user.accepted && user.status !== 'active' && button('remove', 'remove')}
      {user.twoFactor && button('reset_two_factor', 'resetTwoFactor')}
    </div>
  );
}
