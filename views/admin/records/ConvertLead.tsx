import type { ConversionErrors, ConversionFormValues, ConversionPortalUser } from '../../../src/crm/convert.js';
import type { Field } from '../../../src/db/schema.js';
import type { ViewContext } from '../../../src/http/env.js';
import { Alert } from '../../components/Alert.js';
import { SelectField, TextField } from '../../components/Field.js';
import { FieldInput } from '../../components/FieldInput.js';

export type ConvertLeadProps = {
  view: ViewContext;
  lead: { name: string; href: string };
  action: string;
  may: { createAccount: boolean; linkAccount: boolean; createDeal: boolean };
  dealFields: Field[];
  values: ConversionFormValues;
  errors: ConversionErrors;
  timeZone: string;
  /** Where account names are suggested from as the user types (htmx). */
  accountSuggestUrl?: string | undefined;
  /** The portal user the lead is: the form asks which contact-based type receives them. */
  portalUser?: ConversionPortalUser | undefined;
  portalTypes?: { id: string; name: string }[];
};

const NO_NAMES = new Map();

export function ConvertLead(props: ConvertLeadProps) {
  const { view, lead, may, values, errors } = props;
  const { t } = view;
  const modes = [...(may.createAccount ? (['create'] as const) : []), ...(may.linkAccount ? (['existing'] as const) : []), 'none' as const];
  return (
    <section>
      <p>
        <a href={lead.href}>← {lead.name}</a>
      </p>
      <h1>{t('convert:heading', { name: lead.name })}</h1>
      <p>{t('convert:intro')}</p>
      {Object.keys(errors).length > 0 && <Alert kind="error">{t('errors:formHasErrors')}</Alert>}
      {errors.contact && <Alert kind="error">{t(errors.contact)}</Alert>}
      <form method="post" action={props.action} novalidate>
        <fieldset>
          <legend>{t('convert:account.legend')}</legend>
          <div class="choices">
            {modes.map((mode) => (
              <label class="choice" for={`account-mode-${mode}`}>
                <input type="radio" id={`account-mode-${mode}`} name="account_mode" value={mode} checked={values.accountMode === mode} />{' '}
                {t(`convert:account.${mode}`)}
              </label>
            ))}
          </div>
          {may.createAccount && (
            <TextField
              name="account_name"
              label={t('convert:account.name')}
              hint={t('convert:account.nameHint')}
              value={values.accountName}
              error={errors.account_name ? t(errors.account_name) : undefined}
            />
          )}
          {may.linkAccount && <ExistingAccount {...props} />}
        </fieldset>
        {props.portalUser && <PortalUserType {...props} portalUser={props.portalUser} />}
        {may.createDeal && (
          <fieldset>
            <legend>{t('convert:deal.legend')}</legend>
            <div class="field checkbox">
              <input type="checkbox" id="create-deal" name="create_deal" value="on" checked={values.createDeal} aria-describedby="create-deal-hint" />
              <label for="create-deal">{t('convert:deal.create')}</label>
            </div>
            <p class="hint" id="create-deal-hint">
              {t('convert:deal.hint')}
            </p>
            {props.dealFields.map((f) => (
              <FieldInput
                view={view}
                field={f}
                value={values.deal[f.api_name]}
                error={errors[`deal_${f.api_name}`]}
                names={NO_NAMES}
                timeZone={props.timeZone}
                namePrefix="deal_"
              />
            ))}
          </fieldset>
        )}
        <div class="form-actions">
          <button type="submit" class="button">
            {t('convert:submit')}
          </button>
          <a class="button secondary" href={lead.href}>
            {t('common:cancel')}
          </a>
        </div>
      </form>
    </section>
  );
}

/** A lead that is a portal user moves to the contact, as one of the contact-based types of their portal. */
function PortalUserType({ view, portalUser, portalTypes = [], values, errors }: ConvertLeadProps & { portalUser: ConversionPortalUser }) {
  const { t } = view;
  return (
    <fieldset>
      <legend>{t('portalusers:convert.legend')}</legend>
      <p>{t('portalusers:convert.intro', { portal: portalUser.portalName, type: portalUser.typeName })}</p>
      {portalTypes.length > 0 ? (
        <SelectField
          name="portal_type"
          label={t('portalusers:convert.type')}
          hint={t('portalusers:convert.typeHint')}
          value={values.portalUserType}
          error={errors.portal_type ? t(errors.portal_type) : undefined}
          required
          options={[{ value: '', label: t('portalusers:choose') }, ...portalTypes.map((x) => ({ value: x.id, label: x.name }))]}
        />
      ) : (
        <Alert kind="error">{t('portalusers:convert.noType')}</Alert>
      )}
    </fieldset>
  );
}

/** Typed by the account's name (resolved on the server); with htmx, matching names are suggested. */
function ExistingAccount({ view, values, errors, accountSuggestUrl }: ConvertLeadProps) {
  const { t } = view;
  const error = errors.existing_account;
  const described = ['existing_account-hint', error ? 'existing_account-error' : ''].filter(Boolean).join(' ');
  return (
    <div class={error ? 'field has-error' : 'field'}>
      <label for="existing_account">{t('convert:account.existingName')}</label>
      <input
        id="existing_account"
        name="existing_account"
        type="text"
        value={values.existingAccount}
        autocomplete="off"
        list={accountSuggestUrl ? 'existing_account-options' : undefined}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={described}
        hx-get={accountSuggestUrl}
        hx-trigger={accountSuggestUrl ? 'input changed delay:250ms' : undefined}
        hx-target={accountSuggestUrl ? '#existing_account-options' : undefined}
        hx-swap={accountSuggestUrl ? 'innerHTML' : undefined}
      />
      {accountSuggestUrl && <datalist id="existing_account-options"></datalist>}
      <p class="hint" id="existing_account-hint">
        {t('convert:account.existingHint')}
      </p>
      {error && (
        <p class="field-error" id="existing_account-error">
          {t(error)}
        </p>
      )}
    </div>
  );
}

/** A lead converted earlier (perhaps by someone else a moment ago): where its contact is. */
export function AlreadyConverted({
  view,
  lead,
  contact,
}: {
  view: ViewContext;
  lead: { name: string; href: string };
  contact?: { name: string; href: string } | undefined;
}) {
  const { t } = view;
  return (
    <section>
      <h1>{t('convert:converted.title')}</h1>
      <p>{t('convert:converted.message', { name: lead.name })}</p>
      <p>
        {contact && (
          <>
            <a href={contact.href}>{t('convert:converted.contact', { name: contact.name })}</a> ·{' '}
          </>
        )}
        <a href={lead.href}>{t('convert:converted.lead')}</a>
      </p>
    </section>
  );
}
