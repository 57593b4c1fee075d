import { moduleLabel } from '../../../src/crm/metadata.js';
import type { Portal, PortalUserType } from '../../../src/db/schema.js';
import type { ViewContext } from '../../../src/http/env.js';
import type { TypeErrors, UserTypeWithCounts } from '../../../src/portals/user-types.js';
import { Alert } from '../../components/Alert.js';
import { SelectField, TextField } from '../../components/Field.js';
import { PORTALS_PATH, say } from './messages.js';
import { SetupSteps } from './SetupSteps.js';

export type UserTypePageProps = {
  view: ViewContext;
  portal: Portal;
  type: UserTypeWithCounts;
  transferTargets: PortalUserType[];
  /** Every user type of the portal, for the steps. */
  types?: { id: string; name: string }[];
  notice?: string | undefined;
  values?: { name?: string | undefined; limit?: string | undefined; requireTwoFactor?: boolean | undefined };
  errors?: TypeErrors | undefined;
};

/** A user type: its name, its licences and, unless it is the default, its deletion. */
export function UserTypePage({ view, portal, type, transferTargets, types, notice, values = {}, errors = {} }: UserTypePageProps) {
  const { t, lang, fmt } = view;
  const base = `${PORTALS_PATH}/${portal.id}/types/${type.id}`;
  const users = type.counts.invited + type.counts.active + type.counts.deactivated;
  const steps = { portalId: portal.id, typeId: type.id, baseModule: type.baseModule.api_name, types };
  return (
    <section>
      <p>
        <a href={`${PORTALS_PATH}/${portal.id}`}>← {t('portals:backTo', { name: portal.name })}</a>
      </p>
      <SetupSteps view={view} current="type" at={steps} />
      <h1>{type.name}</h1>
      {notice && <Alert kind="success">{notice}</Alert>}
      {errors.form && <Alert kind="error">{say(view, errors.form)}</Alert>}
      <p>
        {t('portals:types.baseModule')}: {moduleLabel(t, lang, type.baseModule, 'plural')}
      </p>
      {type.is_default && <p>{t('portals:types.defaultNote')}</p>}

      <form method="post" action={base} data-unsaved={t('portalsteps:unsaved')} data-unsaved-changed={Object.keys(errors).length > 0 ? '' : undefined}>
        <input type="hidden" name="step" value="type" />
        <TextField name="name" label={t('portals:types.name')} value={values.name ?? type.name} error={say(view, errors.name)} required />
        <fieldset>
          <legend>{t('portals:licences.title')}</legend>
          <dl class="licence-counts">
            <dt>{t('portals:licences.invited')}</dt>
            <dd>{fmt.number(type.counts.invited)}</dd>
            <dt>{t('portals:licences.active')}</dt>
            <dd>{fmt.number(type.counts.active)}</dd>
            <dt>{t('portals:licences.deactivated')}</dt>
            <dd>{fmt.number(type.counts.deactivated)}</dd>
          </dl>
          <TextField
            name="limit"
            type="number"
            inputmode="numeric"
            label={t('portals:licences.limit')}
            value={values.limit ?? String(type.user_limit)}
            error={say(view, errors.limit)}
            hint={t('portals:licences.limitHint')}
            required
          />
        </fieldset>
        <fieldset>
          <legend>{t('twofactor:type.title')}</legend>
          <div class="field checkbox">
            <input
              type="checkbox"
              id="require-two-factor"
              name="requireTwoFactor"
              checked={values.requireTwoFactor ?? type.require_two_factor}
              aria-describedby="require-two-factor-hint"
            />
            <label for="require-two-factor">{t('twofactor:type.label')}</label>
          </div>
          <p class="hint" id="require-two-factor-hint">
            {t('twofactor:type.hint')}
          </p>
        </fieldset>
        <p class="form-actions">
          <button type="submit" class="button">
            {t('portalsteps:saveContinue')}
          </button>
        </p>
      </form>

      <h2>{t('portals:types.more')}</h2>
      <ul class="link-list">
        <li>
          <a href={`/admin/settings/portals/types/${type.id}/web-tabs`}>{t('portalconfig:webTabs.add')}</a>
        </li>
        <li>
          <a href={`/admin/settings/portals/types/${type.id}/dashboards`}>{t('portalconfig:dashboards.link')}</a>
        </li>
        <li>
          <a href={`${base}/auto-invite`}>{t('portalusers:auto.link')}</a>
        </li>
        {view.staff?.isAdmin && (
          <li>
            <a href={`/admin/settings/portals/preview?portal=${portal.id}&type=${type.id}`}>{t('portalsteps:summary.preview', { type: type.name })}</a>
          </li>
        )}
      </ul>

      {!type.is_default && (
        <>
          <h2>{t('portals:types.deleteTitle')}</h2>
          <form method="post" action={`${base}/delete`}>
            {users > 0 ? (
              transferTargets.length > 0 ? (
                <SelectField
                  name="transferTo"
                  label={t('portals:types.transferTo')}
                  hint={t('portals:types.transferHint', { users })}
                  error={say(view, errors.transferTo)}
                  required
                  options={[{ value: '', label: t('portals:choose') }, ...transferTargets.map((x) => ({ value: x.id, label: x.name }))]}
                />
              ) : (
                <p>{t('portals:types.noTransferTarget', { users })}</p>
              )
            ) : (
              <p>{t('portals:types.deleteHint')}</p>
            )}
            {(users === 0 || transferTargets.length > 0) && (
              <button type="submit" class="button secondary danger">
                {t('portals:types.delete')}
              </button>
            )}
          </form>
        </>
      )}
    </section>
  );
}
