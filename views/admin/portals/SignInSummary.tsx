import { fieldLabel } from '../../../src/crm/metadata.js';
import type { ViewContext } from '../../../src/http/env.js';
import type { SignInSummary } from '../../../src/portals/sign-in-summary.js';
import { Alert } from '../../components/Alert.js';
import { PORTALS_PATH } from './messages.js';

/** The summary's part on how people get into the portal (single sign-on, password) and how they join it (self sign-up). */
export function SignInSummaryCard({ view, portalId, s }: { view: ViewContext; portalId: string; s: SignInSummary }) {
  const { t, lang, fmt } = view;
  const onOff = (on: boolean) => t(on ? 'sso:summary.on' : 'sso:summary.off');
  const { sso, signup } = s;
  const list = (items: string[]) => (items.length ? items.join(', ') : t('portalsteps:summary.none'));
  return (
    <section class="card" aria-labelledby="summary-sign-in">
      <h2 id="summary-sign-in">{t('portalsteps:summary.signIn.title')}</h2>
      {sso?.enabled && sso.problem && <Alert kind="warning">{t(sso.problem === 'no_key' ? 'sso:summary.noKey' : 'sso:summary.unreadableSecret')}</Alert>}
      <h3 class="summary-part">{t('sso:summary.title')}</h3>
      <dl class="details" id="summary-sso">
        <dt>{t('sso:summary.status')}</dt>
        <dd>{onOff(Boolean(sso?.enabled))}</dd>
        {sso && (
          <>
            <dt>{t('sso:summary.issuer')}</dt>
            <dd>
              <code>{sso.issuer}</code>
            </dd>
            <dt>{t('sso:summary.provider')}</dt>
            <dd>{sso.provider ?? t('sso:summary.genericProvider')}</dd>
            <dt>{t('sso:summary.clientId')}</dt>
            <dd>
              <code>{sso.clientId}</code>
            </dd>
            <dt>{t('sso:summary.scopes')}</dt>
            <dd>
              <code>{sso.scopes}</code>
            </dd>
          </>
        )}
        <dt>{t('sso:summary.passwordSignIn')}</dt>
        <dd>{onOff(s.passwordSignIn)}</dd>
        <dt>{t('sso:summary.signupAllowed')}</dt>
        <dd>{t(sso?.signupAllowed ? 'sso:summary.yes' : 'sso:summary.no')}</dd>
        <dt>{t('sso:summary.redirectUris')}</dt>
        <dd>
          <ul class="uri-list">
            {s.redirectUris.map((uri) => (
              <li>
                <code>{uri}</code>
              </li>
            ))}
          </ul>
        </dd>
      </dl>
      <h3 class="summary-part">{t('portalsteps:summary.signIn.signup')}</h3>
      <dl class="details" id="summary-signup">
        <dt>{t('portalsteps:summary.signIn.signup')}</dt>
        <dd>{signup.typeName ?? t('portalsteps:summary.signIn.signupOff')}</dd>
        <dt>{t('portalsteps:summary.signIn.fields')}</dt>
        <dd>{list(signup.fields.map((f) => fieldLabel(t, lang, f)))}</dd>
        <dt>{t('portalsteps:summary.signIn.owner')}</dt>
        <dd>{signup.ownerName ?? t('portalsteps:summary.none')}</dd>
        <dt>{t('portalsteps:summary.signIn.domains')}</dt>
        <dd>{signup.domains.length ? signup.domains.join(', ') : t('portalsteps:summary.signIn.noDomains')}</dd>
        <dt>{t('portalsteps:summary.signIn.pending')}</dt>
        <dd>{fmt.number(signup.pending)}</dd>
        <dt>{t('portalsteps:summary.signIn.waiting')}</dt>
        <dd>{fmt.number(signup.waiting)}</dd>
      </dl>
      <p class="actions">
        <a href={`${PORTALS_PATH}/${portalId}/sso`}>{t('sso:summary.edit')}</a>
        <a href={`${PORTALS_PATH}/${portalId}/signup`}>{t('portalsteps:summary.signIn.editSignup')}</a>
      </p>
    </section>
  );
}
