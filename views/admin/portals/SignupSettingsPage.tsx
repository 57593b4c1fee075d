import { fieldLabel } from '../../../src/crm/metadata.js';
import type { Field } from '../../../src/db/schema.js';
import type { ViewContext } from '../../../src/http/env.js';
import type { SignupError, SignupErrors, SignupOwner, SignupSettingsInput, SignupType } from '../../../src/signup/settings.js';
import { Alert } from '../../components/Alert.js';
import { SelectField } from '../../components/Field.js';
import { PORTALS_PATH } from './messages.js';

export const signupSettingsPath = (portalId: string) => `${PORTALS_PATH}/${portalId}/signup`;

export type SignupSettingsPageProps = {
  view: ViewContext;
  portal: { id: string; name: string };
  types: SignupType[];
  owners: SignupOwner[];
  /** The fields the chosen type lets a sign-up ask; the required ones are always asked. */
  fields: Field[];
  values: SignupSettingsInput;
  errors?: SignupErrors | undefined;
  notice?: string | undefined;
};

/** Self sign-up: off, or the user type it feeds, the fields it asks, who owns what it creates, the domains accepted at once. */
export function SignupSettingsPage({ view, portal, types, owners, fields, values, errors = {}, notice }: SignupSettingsPageProps) {
  const { t } = view;
  const say = (e: SignupError | undefined) => (e ? t(e.key, { ...e.params, ...(e.field ? { field: fieldLabel(t, view.lang, e.field) } : {}) }) : undefined);
  const chosen = new Set(values.fieldIds);
  return (
    <section>
      <p>
        <a href={`${PORTALS_PATH}/${portal.id}`}>← {t('portals:backTo', { name: portal.name })}</a>
      </p>
      <h1>{t('signup:settings.title', { portal: portal.name })}</h1>
      <p>{t('signup:settings.intro')}</p>
      {notice && <Alert kind="success">{notice}</Alert>}
      {Object.keys(errors).length > 0 && <Alert kind="error">{t('signup:settings.errors.notSaved')}</Alert>}
      <form method="post" action={signupSettingsPath(portal.id)}>
        <SelectField
          name="typeId"
          label={t('signup:settings.type')}
          hint={t('signup:settings.typeHint')}
          value={values.typeId}
          error={say(errors.type)}
          options={[{ value: '', label: t('signup:settings.off') }, ...types.map((ty) => ({ value: ty.id, label: ty.name }))]}
        />
        <p>
          <button type="submit" class="button secondary" formmethod="get" formaction={signupSettingsPath(portal.id)}>
            {t('signup:settings.showFields')}
          </button>
        </p>
        {values.typeId && (
          <fieldset class={errors.fields ? 'field has-error' : 'field'} aria-describedby={errors.fields ? 'fields-error' : 'fields-hint'}>
            <legend>{t('signup:settings.fields')}</legend>
            <p class="hint" id="fields-hint">
              {t('signup:settings.fieldsHint')}
            </p>
            {fields.length === 0 && <p>{t('signup:settings.noFields')}</p>}
            {fields.map((f) =>
              f.required ? (
                // Asked whatever is chosen, like the email: shown ticked and fixed.
                <div class="field checkbox">
                  <input type="checkbox" id={`field-${f.id}`} value={f.id} checked disabled aria-describedby={`field-${f.id}-note`} />
                  <label for={`field-${f.id}`}>{fieldLabel(t, view.lang, f)}</label>
                  <span class="hint" id={`field-${f.id}-note`}>
                    {t('signup:settings.requiredNote')}
                  </span>
                </div>
              ) : (
                <div class="field checkbox">
                  <input type="checkbox" id={`field-${f.id}`} name="fieldIds" value={f.id} checked={chosen.has(f.id)} />
                  <label for={`field-${f.id}`}>{fieldLabel(t, view.lang, f)}</label>
                </div>
              ),
            )}
            {errors.fields && (
              <p class="field-error" id="fields-error">
                {say(errors.fields)}
              </p>
            )}
          </fieldset>
        )}
        <SelectField
          name="ownerId"
          label={t('signup:settings.owner')}
          hint={t('signup:settings.ownerHint')}
          value={values.ownerId}
          error={say(errors.owner)}
          options={[{ value: '', label: t('signup:settings.chooseOwner') }, ...owners.map((o) => ({ value: o.id, label: `${o.name} <${o.email}>` }))]}
        />
        <div class={errors.domains ? 'field has-error' : 'field'}>
          <label for="domains">{t('signup:settings.domains')}</label>
          <textarea
            id="domains"
            name="domains"
            rows={4}
            aria-invalid={errors.domains ? 'true' : undefined}
            aria-describedby={errors.domains ? 'domains-hint domains-error' : 'domains-hint'}
          >
            {values.domains}
          </textarea>
          <p class="hint" id="domains-hint">
            {t('signup:settings.domainsHint')}
          </p>
          {errors.domains && (
            <p class="field-error" id="domains-error">
              {say(errors.domains)}
            </p>
          )}
        </div>
        <button type="submit" class="button">
          {t('signup:settings.save')}
        </button>
      </form>
    </section>
  );
}
