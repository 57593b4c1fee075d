import { FIELD_TYPES, hasScale, hasValues, SCALE_MAX } from '../../../src/crm/field-admin.js';
import { fieldLabel, labelOf, moduleLabel } from '../../../src/crm/metadata.js';
import type { Field, Labels, Layout, Module } from '../../../src/db/schema.js';
import type { ViewContext } from '../../../src/http/env.js';
import { LANGUAGES } from '../../../src/i18n/languages.js';
import { Alert } from '../../components/Alert.js';
import { domId, errorText, FieldError, type FormErrors, LabelInputs } from './LabelInputs.js';
import { SETTINGS_BASE } from './ModuleList.js';
import { typeDescription } from './ModulePage.js';

/** A picklist value row: an existing value (by its stored name) or a new one; keyed values are translated by the locale files. */
export type ValueRow = { value?: string | undefined; labels: Labels; keyed?: boolean };
export type FieldFormValues = { type: string; labels: Labels; required: boolean; values: ValueRow[]; target: string; scale: string; layoutIds: string[] };

export type FieldFormProps = {
  view: ViewContext;
  module: Module;
  mode: 'create' | 'edit';
  field?: Field | undefined;
  parent?: Field | undefined;
  values: FieldFormValues;
  errors: FormErrors;
  modules: Module[];
  layouts: Layout[];
};

const BLANK_VALUE_ROWS = 4;

export function FieldForm(props: FieldFormProps) {
  const { view, module, mode, field, parent, values, errors } = props;
  const { t, lang } = view;
  const base = `${SETTINGS_BASE}/${module.api_name}`;
  const moduleName = moduleLabel(t, lang, module, 'plural');
  const title =
    mode === 'edit' && field
      ? t('settings:fields.editTitle', { name: fieldLabel(t, lang, field) })
      : parent
        ? t('settings:fields.addToTitle', { name: fieldLabel(t, lang, parent) })
        : t('settings:fields.addTitle', { module: moduleName });
  const action = mode === 'edit' && field ? `${base}/fields/${field.id}` : `${base}/fields`;
  const types = FIELD_TYPES.filter((type) => !(parent && type === 'subform'));
  return (
    <section>
      <p>
        <a href={base}>← {moduleName}</a>
      </p>
      <h1>{title}</h1>
      {Object.keys(errors).length > 0 && <Alert kind="error">{t('errors:formHasErrors')}</Alert>}
      {errors.parent && <Alert kind="error">{t(errors.parent)}</Alert>}
      <form method="post" action={action} novalidate>
        {parent && <input type="hidden" name="parent" value={parent.id} />}
        {mode === 'create' ? (
          <div class={errors.type ? 'field has-error' : 'field'}>
            <label for="type">{t('settings:fields.type')}</label>
            <select
              id="type"
              name="type"
              aria-describedby={errors.type ? 'type-error type-hint' : 'type-hint'}
              aria-invalid={errors.type ? 'true' : undefined}
              hx-get={`${base}/fields/options${parent ? `?parent=${parent.id}` : ''}`}
              hx-trigger="change"
              hx-target="#type-options"
              hx-swap="outerHTML"
              hx-include="closest form"
            >
              {types.map((type) => (
                <option value={type} selected={type === values.type}>
                  {t(`settings:types.${type}`)}
                </option>
              ))}
            </select>
            <p class="hint" id="type-hint">
              {t('settings:fields.typeHint')}
            </p>
            <FieldError view={view} errors={errors} name="type" />
          </div>
        ) : (
          field && (
            <dl class="details">
              <dt>{t('settings:fields.type')}</dt>
              <dd>{typeDescription(view, field, new Map(props.modules.map((m) => [m.id, m])))}</dd>
              <dt>{t('settings:apiName')}</dt>
              <dd>
                <code>{field.api_name}</code>
              </dd>
            </dl>
          )
        )}
        {field?.kind === 'standard' ? (
          <p class="hint">{t('settings:fields.standardLabel', { name: fieldLabel(t, lang, field) })}</p>
        ) : (
          <LabelInputs
            view={view}
            name="label"
            legend={t('settings:fields.label')}
            hint={t('settings:labelsHint')}
            labels={values.labels}
            errors={errors}
            required
          />
        )}
        <div class="field checkbox">
          <input type="checkbox" id="required" name="required" value="on" checked={values.required} />
          <label for="required">{t('settings:fields.requiredLabel')}</label>
        </div>
        <TypeOptions {...props} only={mode === 'edit' ? values.type : undefined} />
        {mode === 'create' && !parent && props.layouts.length > 0 && (
          <fieldset>
            <legend>{t('settings:fields.layouts')}</legend>
            <p class="hint">{t('settings:fields.layoutsHint')}</p>
            <div class="choices">
              {props.layouts.map((l) => (
                <label class="choice" for={`layout-${l.id}`}>
                  <input type="checkbox" id={`layout-${l.id}`} name="layouts" value={l.id} checked={values.layoutIds.includes(l.id)} />{' '}
                  {labelOf(t, lang, l, l.api_name)}
                </label>
              ))}
            </div>
          </fieldset>
        )}
        <div class="form-actions">
          <button type="submit" class="button">
            {mode === 'create' ? t('settings:fields.create') : t('common:save')}
          </button>
          <a class="button secondary" href={base}>
            {t('common:cancel')}
          </a>
        </div>
      </form>
    </section>
  );
}

/**
 * The options that depend on the field type. Without JavaScript all of them
 * are in the form, each saying which types it applies to; with htmx, changing
 * the type swaps in only the ones for that type (`only`).
 */
export function TypeOptions(props: FieldFormProps & { only?: string | undefined }) {
  const { view, values, errors, only } = props;
  const { t, lang } = view;
  const show = (applies: (type: string) => boolean) => (only === undefined ? true : applies(only));
  const targets = [...props.modules].sort((a, b) => moduleLabel(t, lang, a, 'plural').localeCompare(moduleLabel(t, lang, b, 'plural'), lang));
  return (
    <div id="type-options">
      {show(hasValues) && <ValueRows {...props} all={only === undefined} />}
      {show((type) => type === 'lookup') &&
        (props.mode === 'edit' ? null : (
          <fieldset>
            <legend>{t('settings:fields.lookupOptions')}</legend>
            {only === undefined && <p class="hint">{t('settings:fields.lookupOptionsHint')}</p>}
            <div class={errors.target ? 'field has-error' : 'field'}>
              <label for="target">{t('settings:fields.target')}</label>
              <select id="target" name="target" aria-invalid={errors.target ? 'true' : undefined} aria-describedby={errors.target ? 'target-error' : undefined}>
                <option value="">{t('crm:choose')}</option>
                {targets.map((m) => (
                  <option value={m.id} selected={m.id === values.target}>
                    {moduleLabel(t, lang, m, 'plural')}
                  </option>
                ))}
              </select>
              <FieldError view={view} errors={errors} name="target" />
            </div>
          </fieldset>
        ))}
      {show(hasScale) && (
        <fieldset>
          <legend>{t('settings:fields.numberOptions')}</legend>
          {only === undefined && <p class="hint">{t('settings:fields.numberOptionsHint')}</p>}
          <div class={errors.scale ? 'field has-error' : 'field'}>
            <label for="scale">{t('settings:fields.scale')}</label>
            <input
              id="scale"
              name="scale"
              type="number"
              min="0"
              max={String(SCALE_MAX)}
              step="1"
              value={values.scale}
              aria-invalid={errors.scale ? 'true' : undefined}
              aria-describedby={errors.scale ? 'scale-error' : undefined}
            />
            <FieldError view={view} errors={errors} name="scale" />
          </div>
        </fieldset>
      )}
      {only === 'subform' && props.mode === 'create' && <p class="hint">{t('settings:fields.subformHint')}</p>}
    </div>
  );
}

function ValueRows({ view, values, errors, all }: FieldFormProps & { all: boolean }) {
  const { t } = view;
  const rows = [...values.values, ...Array.from({ length: BLANK_VALUE_ROWS }, () => ({ labels: {} }) as ValueRow)];
  const groupError = errorText(view, errors, 'values');
  return (
    <fieldset class={groupError ? 'has-error' : undefined} aria-describedby={groupError ? 'values-error' : undefined}>
      <legend>{t('settings:fields.values')}</legend>
      <p class="hint">{all ? t('settings:fields.valuesHintAll') : t('settings:fields.valuesHint')}</p>
      <FieldError view={view} errors={errors} name="values" />
      <div class="table-wrap">
        <table class="subform">
          <thead>
            <tr>
              <th scope="col">#</th>
              {LANGUAGES.map((l) => (
                <th scope="col" lang={l}>
                  {view.fmt.languageName(l)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row, i) => (
              <tr>
                <td>
                  {i + 1}
                  {row.value && <input type="hidden" name={`values.${i}.value`} value={row.value} />}
                </td>
                {LANGUAGES.map((l) => {
                  const name = `values.${i}.${l}`;
                  const id = domId(name);
                  const error = errorText(view, errors, name);
                  if (row.keyed) return <td lang={l}>{row.labels[l]}</td>;
                  return (
                    <td class={error ? 'subform-cell has-error' : 'subform-cell'}>
                      <div class="field">
                        <label for={id}>{t('settings:fields.valueLabel', { number: i + 1, language: view.fmt.languageName(l) })}</label>
                        <input
                          id={id}
                          name={name}
                          type="text"
                          lang={l}
                          value={row.labels[l] ?? ''}
                          maxlength={200}
                          aria-invalid={error ? 'true' : undefined}
                          aria-describedby={error ? `${id}-error` : undefined}
                        />
                        <FieldError view={view} errors={errors} name={name} />
                      </div>
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </fieldset>
  );
}
