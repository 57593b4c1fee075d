import { fieldLabel, moduleLabel, picklistLabel } from '../../../src/crm/metadata.js';
import type { Field, Module } from '../../../src/db/schema.js';
import type { ViewContext } from '../../../src/http/env.js';
import { Alert } from '../../components/Alert.js';
import type { FormErrors } from './LabelInputs.js';
import { type ModuleFormValues, ModuleNames, SharingSelect } from './ModuleForm.js';
import { SETTINGS_BASE } from './ModuleList.js';

export type ModulePageProps = {
  view: ViewContext;
  module: Module;
  /** Every field, removed ones included, top-level and subform fields alike. */
  fields: Field[];
  modulesById: Map<string, Module>;
  values: ModuleFormValues;
  errors: FormErrors;
  flash?: string | undefined;
  problem?: string | undefined;
};

/** "Lookup → Contacts", "Decimal number (2 places)": what a field is, in words. */
export function typeDescription(view: ViewContext, field: Field, modulesById: Map<string, Module>): string {
  const { t, lang } = view;
  const name = t(`settings:types.${field.type}`);
  const target = field.options.targetModuleId ? modulesById.get(field.options.targetModuleId) : undefined;
  if (field.type === 'lookup' && target) return t('settings:fields.lookupTo', { type: name, module: moduleLabel(t, lang, target, 'plural') });
  return name;
}

/** A module's settings: names and sharing, its fields with their state, links to layouts. */
export function ModulePage(props: ModulePageProps) {
  const { view, module, fields, errors } = props;
  const { t, lang } = view;
  const base = `${SETTINGS_BASE}/${module.api_name}`;
  const top = fields.filter((f) => !f.parent_field_id);
  return (
    <section>
      <p>
        <a href={SETTINGS_BASE}>← {t('settings:modules.title')}</a>
      </p>
      <div class="page-head">
        <h1>{moduleLabel(t, lang, module, 'plural')}</h1>
        <div class="actions">
          <a class="button secondary" href={`${base}/layouts`}>
            {t('settings:layouts.title')}
          </a>
          <a class="button secondary" href={`/admin/m/${module.api_name}`}>
            {t('settings:modules.records')}
          </a>
        </div>
      </div>
      {props.flash && <Alert kind="success">{props.flash}</Alert>}
      {props.problem && <Alert kind="error">{props.problem}</Alert>}

      <section class="card">
        <h2>{t('settings:fields.title')}</h2>
        <p>{t('settings:fields.intro')}</p>
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">{t('settings:fields.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('settings:fields.label')}</th>
                <th scope="col">{t('settings:apiName')}</th>
                <th scope="col">{t('settings:fields.type')}</th>
                <th scope="col">{t('settings:fields.required')}</th>
                <th scope="col">{t('settings:fields.status')}</th>
                <th scope="col">{t('settings:fields.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {top.flatMap((f) => [
                <FieldRow {...props} field={f} base={base} />,
                ...fields.filter((c) => c.parent_field_id === f.id).map((c) => <FieldRow {...props} field={c} parent={f} base={base} />),
              ])}
            </tbody>
          </table>
        </div>
        <p>
          <a class="button" href={`${base}/fields/new`}>
            {t('settings:fields.add')}
          </a>
        </p>
      </section>

      <CaseModuleCard {...props} base={base} />

      <section class="card">
        <h2>{t('settings:modules.settings')}</h2>
        {Object.keys(errors).length > 0 && <Alert kind="error">{t('errors:formHasErrors')}</Alert>}
        <form method="post" action={base} novalidate>
          {module.kind === 'custom' ? (
            <ModuleNames view={view} values={props.values} errors={errors} />
          ) : (
            <p class="hint">{t('settings:modules.standardNames')}</p>
          )}
          <SharingSelect view={view} value={props.values.sharing} errors={errors} />
          <button type="submit" class="button">
            {t('common:save')}
          </button>
        </form>
      </section>
    </section>
  );
}

const STATES = ['open', 'in_progress', 'waiting', 'closed'] as const;

/** Whether the module is a case module: which picklist values are Open, In Progress, Waiting for Response and Closed. */
function CaseModuleCard({ view, module, fields, base }: ModulePageProps & { base: string }) {
  const { t, lang } = view;
  const picklists = fields.filter((f) => f.type === 'picklist' && !f.parent_field_id && f.deleted_at === null);
  if (picklists.length === 0) return null;
  const config = module.case_config;
  return (
    <section class="card" aria-labelledby="case-module-title">
      <h2 id="case-module-title">{t('settings:cases.title')}</h2>
      <p>{config ? t('settings:cases.isCaseModule') : t('settings:cases.intro')}</p>
      <form method="post" action={`${base}/case-module`}>
        {STATES.map((state) => (
          <div class="field">
            <label for={`case-state-${state}`}>{t(`settings:cases.states.${state}`)}</label>
            <select id={`case-state-${state}`} name={`state.${state}`}>
              <option value="">{t('settings:cases.choose')}</option>
              {picklists.map((f) => (
                <optgroup label={fieldLabel(t, lang, f)}>
                  {(f.options.values ?? []).map((v) => {
                    const value = `${f.id}|${v.value}`;
                    const selected = config?.statusFieldId === f.id && config.states[state] === v.value;
                    return (
                      <option value={value} selected={selected}>
                        {picklistLabel(t, lang, v)}
                      </option>
                    );
                  })}
                </optgroup>
              ))}
            </select>
          </div>
        ))}
        <button type="submit" class="button">
          {t('settings:cases.submit')}
        </button>
      </form>
      {config && (
        <form method="post" action={`${base}/case-module`}>
          <input type="hidden" name="clear" value="1" />
          <button type="submit" class="button secondary">
            {t('settings:cases.clear')}
          </button>
        </form>
      )}
    </section>
  );
}

function FieldRow({ view, module, field, parent, base, modulesById }: ModulePageProps & { field: Field; parent?: Field; base: string }) {
  const { t, lang } = view;
  const removed = field.deleted_at !== null;
  const nameField = !field.parent_field_id && module.name_fields.includes(field.api_name);
  const label = fieldLabel(t, lang, field);
  const url = `${base}/fields/${field.id}`;
  return (
    <tr class={removed ? 'removed' : undefined}>
      <th scope="row">{parent ? `${fieldLabel(t, lang, parent)} › ${label}` : label}</th>
      <td>
        <code>{field.api_name}</code>
      </td>
      <td>{typeDescription(view, field, modulesById)}</td>
      <td>{field.required ? t('common:yes') : t('common:no')}</td>
      <td>{removed ? <span class="badge badge-held">{t('settings:fields.removed')}</span> : t('settings:fields.live')}</td>
      <td>
        <div class="actions">
          {!removed && (
            <a class="button secondary small" href={url}>
              {t('settings:fields.edit')}
              <span class="visually-hidden"> · {label}</span>
            </a>
          )}
          {!removed && field.type === 'subform' && (
            <a class="button secondary small" href={`${base}/fields/new?parent=${field.id}`}>
              {t('settings:fields.addTo')}
              <span class="visually-hidden"> · {label}</span>
            </a>
          )}
          {!removed && !nameField && (
            <form method="post" action={`${url}/remove`} class="inline-form">
              <button type="submit" class="button secondary small">
                {t('settings:fields.remove')}
                <span class="visually-hidden"> · {label}</span>
              </button>
            </form>
          )}
          {removed && (
            <form method="post" action={`${url}/restore`} class="inline-form">
              <button type="submit" class="button secondary small">
                {t('settings:fields.restore')}
                <span class="visually-hidden"> · {label}</span>
              </button>
            </form>
          )}
          {removed && field.kind === 'custom' && !nameField && (
            <a class="button secondary small danger" href={`${url}/purge`}>
              {t('settings:fields.purge')}
              <span class="visually-hidden"> · {label}</span>
            </a>
          )}
        </div>
      </td>
    </tr>
  );
}
