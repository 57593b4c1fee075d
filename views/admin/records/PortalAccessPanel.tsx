import type { ViewContext } from '../../../src/http/env.js';
import type { PortalUserRow, TypeChoice } from '../../../src/portals/portal-users.js';
import { Alert, type AlertKind } from '../../components/Alert.js';
import { portalUserActionPath, StatusBadge } from '../portals/PortalUsersPage.js';

export type PortalAccessPanelProps = {
  view: ViewContext;
  /** The record's page: where the panel's forms come back to. */
  recordUrl: string;
  /** Where "Send portal invitation" posts. */
  inviteAction: string;
  /** May invite and manage portal users (manage portal users, or administrator). */
  canManage: boolean;
  /** The portal user the record is, if it is one. */
  user: PortalUserRow | undefined;
  /** Other types of the user's portal with the same base module. */
  changeTypes: TypeChoice[];
  /** Types the record could be invited as. */
  inviteTypes: TypeChoice[];
  /** Types whose shown tabs include one with no visible field (marked in the choices). */
  emptyTypeIds?: ReadonlySet<string> | undefined;
  /** The address the record would be invited at; empty without one. */
  email: string;
  notice?: { kind: AlertKind; text: string } | undefined;
};

/** "Portal access" on a record page: the record's portal user and what may be done with it, or its invitation. */
export function PortalAccessPanel(props: PortalAccessPanelProps) {
  const { view, user, notice } = props;
  const { t } = view;
  return (
    <section class="card" id="portal-access" aria-labelledby="portal-access-title">
      <h2 id="portal-access-title">{t('invitations:single.title')}</h2>
      {notice && <Alert kind={notice.kind}>{notice.text}</Alert>}
      {user ? <PortalUserDetails {...props} user={user} /> : <Invite {...props} />}
    </section>
  );
}

/** A type's name in a choice, marked when its users would see a tab with no field. */
function choiceLabel(view: ViewContext, emptyTypeIds: ReadonlySet<string> | undefined, id: string, label: string): string {
  return emptyTypeIds?.has(id) ? view.t('portals:emptyTabs.option', { label }) : label;
}

function PortalUserDetails({ view, user, canManage, changeTypes, recordUrl, emptyTypeIds }: PortalAccessPanelProps & { user: PortalUserRow }) {
  const { t, fmt } = view;
  const usersHref = `/admin/settings/portals/${user.portalId}/users`;
  const action = (name: Parameters<typeof portalUserActionPath>[2]) => portalUserActionPath(user.portalId, user.id, name);
  const removable = !user.accepted && user.status !== 'active';
  return (
    <>
      <dl class="details">
        <dt>{t('portalusers:fields.portal')}</dt>
        <dd>{canManage ? <a href={usersHref}>{user.portalName}</a> : user.portalName}</dd>
        <dt>{t('portalusers:fields.type')}</dt>
        <dd>{user.userTypeName}</dd>
        <dt>{t('portalusers:fields.email')}</dt>
        <dd>{user.email}</dd>
        <dt>{t('portalusers:fields.status')}</dt>
        <dd>
          <StatusBadge view={view} status={user.status} />
        </dd>
        {user.invitedAt && (
          <>
            <dt>{t('portalusers:fields.invitedAt')}</dt>
            <dd>{fmt.dateTime(user.invitedAt)}</dd>
          </>
        )}
        {user.activatedAt && (
          <>
            <dt>{t('portalusers:fields.activatedAt')}</dt>
            <dd>{fmt.dateTime(user.activatedAt)}</dd>
          </>
        )}
      </dl>
      {canManage && (
        <div class="actions">
          {(user.status === 'invited' || user.status === 'expired') && (
            <form method="post" action={action('resend')} class="inline-form">
              <input type="hidden" name="back" value={recordUrl} />
              <button type="submit" class="button secondary small">
                {t('portalusers:actions.resend')}
              </button>
            </form>
          )}
          {user.status === 'deactivated' ? (
            <form method="post" action={action('reactivate')} class="inline-form">
              <input type="hidden" name="back" value={recordUrl} />
              <button type="submit" class="button secondary small">
                {t('portalusers:actions.reactivate')}
              </button>
            </form>
          ) : (
            <form method="post" action={action('deactivate')} class="inline-form">
              <input type="hidden" name="back" value={recordUrl} />
              <button type="submit" class="button secondary small">
                {t('portalusers:actions.deactivate')}
              </button>
            </form>
          )}
          {removable && (
            <form method="post" action={action('remove')} class="inline-form">
              <input type="hidden" name="back" value={recordUrl} />
              <button type="submit" class="button secondary small danger">
                {t('portalusers:actions.remove')}
              </button>
            </form>
          )}
          {changeTypes.length > 0 && (
            <form method="post" action={action('change_type')} class="inline-form">
              <input type="hidden" name="back" value={recordUrl} />
              <label for="portal-access-type">{t('portalusers:actions.changeTypeTo')}</label>
              <select id="portal-access-type" name="toType">
                {changeTypes.map((ty) => (
                  <option value={ty.id}>{choiceLabel(view, emptyTypeIds, ty.id, ty.name)}</option>
                ))}
              </select>
              <button type="submit" class="button secondary small">
                {t('portalusers:actions.changeType')}
              </button>
            </form>
          )}
        </div>
      )}
    </>
  );
}

function Invite({ view, canManage, inviteTypes, email, inviteAction, emptyTypeIds }: PortalAccessPanelProps) {
  const { t } = view;
  if (!email) return <p class="hint">{t('invitations:single.noEmail')}</p>;
  if (!canManage) return <p>{t('portalusers:record.notUser')}</p>;
  const only = inviteTypes.length === 1 ? inviteTypes[0] : undefined;
  return (
    <form method="post" action={inviteAction}>
      <p>{t('portalusers:record.inviteAt', { email })}</p>
      {only ? (
        <>
          <input type="hidden" name="type" value={only.id} />
          <p>{choiceLabel(view, emptyTypeIds, only.id, t('invitations:single.typeOption', { portal: only.portalName, type: only.name }))}</p>
        </>
      ) : (
        <div class="field">
          <label for="portal-invite-type">{t('invitations:single.type')}</label>
          <select id="portal-invite-type" name="type" required>
            {inviteTypes.map((ty) => (
              <option value={ty.id}>
                {choiceLabel(view, emptyTypeIds, ty.id, t('invitations:single.typeOption', { portal: ty.portalName, type: ty.name }))}
              </option>
            ))}
          </select>
        </div>
      )}
      <button type="submit" class="button">
        {t('invitations:single.send')}
      </button>
    </form>
  );
}
