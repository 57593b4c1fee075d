import { fieldLabel, labelOf, moduleLabel } from '../../../src/crm/metadata.js';
import type { Field, Layout, Module } from '../../../src/db/schema.js';
import type { ViewContext } from '../../../src/http/env.js';
import { Alert } from '../../components/Alert.js';
import { FieldInput, repeatsHeading } from '../../components/FieldInput.js';
import type { LookupNames } from '../../components/FieldValue.js';
import { LayoutChooser } from '../../components/LayoutChooser.js';

export type FormSection = { id: string; labelKey?: string | undefined; labels?: Record<string, string | undefined> | undefined; fields: Field[] };

export type RecordFormProps = {
  view: ViewContext;
  module: Module;
  mode: 'create' | 'edit';
  action: string;
  cancel: string;
  sections: FormSection[];
  values: Record<string, unknown>;
  errors: Record<string, string>;
  names: LookupNames;
  children: Map<string, Field[]>;
  timeZone: string;
  layouts: Layout[];
  layoutId: string | undefined;
  version?: number | undefined;
  conflict?: boolean;
  lookupSuggestUrl: (field: Field) => string | undefined;
};

export function RecordForm(props: RecordFormProps) {
  const { view, module, mode, sections, values, errors, names, children, timeZone } = props;
  const { t, lang } = view;
  const singular = moduleLabel(t, lang, module, 'singular');
  return (
    <section>
      <h1>{mode === 'create' ? t('crm:actions.new', { name: singular }) : t('crm:actions.editNamed', { name: singular })}</h1>
      {props.conflict && <Alert kind="error">{t('crm:errors.conflict')}</Alert>}
      {Object.keys(errors).length > 0 && <Alert kind="error">{t('errors:formHasErrors')}</Alert>}
      {mode === 'create' && props.layouts.length > 1 && (
        <LayoutChooser view={view} action={props.action.replace(/\/?$/, '/new')} layouts={props.layouts} layoutId={props.layoutId} />
      )}
      <form method="post" action={props.action} class="record-form" novalidate>
        {props.layoutId && <input type="hidden" name="__layout" value={props.layoutId} />}
        {props.version !== undefined && <input type="hidden" name="__version" value={String(props.version)} />}
        {sections.map((s) => (
          <fieldset>
            <legend>{labelOf(t, lang, s, t('crm:sections.details'))}</legend>
            {s.fields.map((f) => (
              <FieldInput
                view={view}
                field={f}
                labelHidden={repeatsHeading(labelOf(t, lang, s, t('crm:sections.details')), fieldLabel(t, lang, f))}
                value={values[f.api_name]}
                error={errors[f.api_name]}
                names={names}
                timeZone={timeZone}
                children={children.get(f.id)}
                lookupSuggestUrl={props.lookupSuggestUrl}
                readOnly={Boolean(f.options.computed)}
              />
            ))}
          </fieldset>
        ))}
        <div class="form-actions">
          <button type="submit" class="button">
            {t('common:save')}
          </button>
          <a class="button secondary" href={props.cancel}>
            {t('common:cancel')}
          </a>
        </div>
      </form>
    </section>
  );
}
