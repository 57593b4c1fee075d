import { fieldLabel, moduleLabel, picklistLabel, picklistValueLabel } from '../../../src/crm/metadata.js';
import type { Field, Module, Portal, PortalUserType } from '../../../src/db/schema.js';
import type { ViewContext } from '../../../src/http/env.js';
import type { AutoInviteRule, RuleErrors } from '../../../src/invitations/auto-invite.js';
import { Alert } from '../../components/Alert.js';
import { PORTALS_PATH, say } from './messages.js';

export type AutoInvitePageProps = {
  view: ViewContext;
  portal: Portal;
  type: PortalUserType;
  baseModule: Module;
  rules: AutoInviteRule[];
  /** The base module's fields a rule may test. */
  fields: Field[];
  /** The field chosen in the first step of adding a rule. */
  chosen?: Field | undefined;
  value?: string | undefined;
  errors?: RuleErrors | undefined;
  notice?: string | undefined;
};

export const autoInvitePath = (portalId: string, typeId: string) => `${PORTALS_PATH}/${portalId}/types/${typeId}/auto-invite`;

/** How a rule's value reads: a picklist's label, yes/no, or the text. */
function valueLabel(view: ViewContext, field: Field, value: string): string {
  if (field.type === 'picklist') return picklistValueLabel(view.t, view.lang, field, value);
  if (field.type === 'boolean') return view.t(value === 'true' ? 'portalusers:auto.yes' : 'portalusers:auto.no');
  return value;
}

/** Rules that invite records of the base module when a field takes a value, on create or when it changes to it. */
export function AutoInvitePage(props: AutoInvitePageProps) {
  const { view, portal, type, baseModule, rules, fields, notice, errors = {} } = props;
  const { t, lang } = view;
  const base = autoInvitePath(portal.id, type.id);
  const byId = new Map(fields.map((f) => [f.id, f]));
  return (
    <section>
      <p>
        <a href={`${PORTALS_PATH}/${portal.id}/types/${type.id}`}>← {t('portals:backTo', { name: type.name })}</a>
      </p>
      <h1>{t('portalusers:auto.title', { type: type.name })}</h1>
      <p>{t('portalusers:auto.intro', { module: moduleLabel(t, lang, baseModule, 'plural') })}</p>
      {notice && <Alert kind="success">{notice}</Alert>}
      {errors.field || errors.value ? <Alert kind="error">{t('errors:formHasErrors')}</Alert> : null}
      {rules.length === 0 ? (
        <p>{t('portalusers:auto.none')}</p>
      ) : (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">{t('portalusers:auto.title', { type: type.name })}</caption>
            <thead>
              <tr>
                <th scope="col">{t('portalusers:auto.field')}</th>
                <th scope="col">{t('portalusers:auto.value')}</th>
                <th scope="col">{t('portalusers:fields.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {rules.map((r) => {
                const field = byId.get(r.fieldId);
                const name = field ? fieldLabel(t, lang, field) : t('portalusers:auto.removedField');
                return (
                  <tr>
                    <th scope="row">{name}</th>
                    <td>{field ? valueLabel(view, field, r.value) : r.value}</td>
                    <td>
                      <form method="post" action={`${base}/${r.id}/delete`} class="inline-form">
                        <button type="submit" class="button secondary small" aria-label={t('portalusers:auto.deleteFor', { field: name })}>
                          {t('portalusers:auto.delete')}
                        </button>
                      </form>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <h2>{t('portalusers:auto.add')}</h2>
      <form method="get" action={base} class="inline-form">
        <label for="rule-field">{t('portalusers:auto.field')}</label>
        <select id="rule-field" name="field" aria-describedby={errors.field ? 'rule-field-error' : undefined}>
          {fields.map((f) => (
            <option value={f.id} selected={props.chosen?.id === f.id}>
              {fieldLabel(t, lang, f)}
            </option>
          ))}
        </select>
        <button type="submit" class="button secondary small">
          {t('portalusers:auto.chooseField')}
        </button>
        {errors.field && (
          <p class="field-error" id="rule-field-error">
            {say(view, errors.field)}
          </p>
        )}
      </form>
      {props.chosen && <ValueForm {...props} chosen={props.chosen} base={base} />}
    </section>
  );
}

function ValueForm({ view, chosen, value = '', errors = {}, base }: AutoInvitePageProps & { chosen: Field; base: string }) {
  const { t, lang } = view;
  const error = say(view, errors.value);
  const described = error ? 'rule-value-error' : undefined;
  return (
    <form method="post" action={base}>
      <input type="hidden" name="field" value={chosen.id} />
      <div class={error ? 'field has-error' : 'field'}>
        <label for="rule-value">{t('portalusers:auto.equals', { field: fieldLabel(t, lang, chosen) })}</label>
        {chosen.type === 'picklist' ? (
          <select id="rule-value" name="value" aria-describedby={described}>
            {(chosen.options.values ?? []).map((v) => (
              <option value={v.value} selected={v.value === value}>
                {picklistLabel(t, lang, v)}
              </option>
            ))}
          </select>
        ) : chosen.type === 'boolean' ? (
          <select id="rule-value" name="value" aria-describedby={described}>
            <option value="true" selected={value !== 'false'}>
              {t('portalusers:auto.yes')}
            </option>
            <option value="false" selected={value === 'false'}>
              {t('portalusers:auto.no')}
            </option>
          </select>
        ) : (
          <input id="rule-value" name="value" type="text" value={value} maxlength={200} required aria-describedby={described} />
        )}
        {error && (
          <p class="field-error" id="rule-value-error">
            {error}
          </p>
        )}
      </div>
      <button type="submit" class="button">
        {t('portalusers:auto.save')}
      </button>
    </form>
  );
}
