import type { LayoutDraft, SectionDraft } from '../../../src/crm/layout-admin.js';
import { fieldLabel, labelOf, moduleLabel, pickLabel } from '../../../src/crm/metadata.js';
import type { Field, Layout, Module } from '../../../src/db/schema.js';
import type { ViewContext } from '../../../src/http/env.js';
import { Alert } from '../../components/Alert.js';
import { domId, errorText, FieldError, type FormErrors, LabelInputs } from './LabelInputs.js';
import { SETTINGS_BASE } from './ModuleList.js';

export type LayoutEditorProps = {
  view: ViewContext;
  module: Module;
  layout: Layout;
  draft: LayoutDraft;
  /** The module's live top-level fields, in order. */
  fields: Field[];
  errors: FormErrors;
  flash?: string | undefined;
};

function sectionName(view: ViewContext, s: SectionDraft, index: number): string {
  if (!s.id) return view.t('settings:layouts.newSection');
  return pickLabel(s.labels, view.lang) ?? view.t('settings:layouts.sectionNumber', { number: index + 1 });
}

/**
 * Sections with their names, and for every field the section it goes in and
 * its position there: plain selects and numbers, so it works without JavaScript.
 */
export function LayoutEditor(props: LayoutEditorProps) {
  const { view, module, layout, draft, fields, errors } = props;
  const { t, lang } = view;
  const base = `${SETTINGS_BASE}/${module.api_name}`;
  const name = labelOf(t, lang, layout, layout.api_name);
  return (
    <section>
      <p>
        <a href={`${base}/layouts`}>← {t('settings:layouts.titleFor', { module: moduleLabel(t, lang, module, 'plural') })}</a>
      </p>
      <h1>{t('settings:layouts.editTitle', { name })}</h1>
      {props.flash && <Alert kind="success">{props.flash}</Alert>}
      {Object.keys(errors).length > 0 && <Alert kind="error">{t('errors:formHasErrors')}</Alert>}
      {errors.sections && <Alert kind="error">{t(errors.sections)}</Alert>}
      <form method="post" action={`${base}/layouts/${layout.id}`} novalidate>
        <LabelInputs
          view={view}
          name="label"
          legend={t('settings:layouts.name')}
          hint={layout.label_key ? t('settings:layouts.standardNameHint', { name: t(layout.label_key) }) : undefined}
          labels={draft.labels}
          errors={errors}
          required={!layout.label_key}
        />
        <h2>{t('settings:layouts.sections')}</h2>
        {draft.sections.map((s, i) => (
          <fieldset class="card">
            <legend>{sectionName(view, s, i)}</legend>
            {s.id && <input type="hidden" name={`sections.${i}.id`} value={s.id} />}
            {!s.id && <p class="hint">{t('settings:layouts.newSectionHint')}</p>}
            <LabelInputs view={view} name={`sections.${i}.label`} legend={t('settings:layouts.sectionName')} labels={s.labels} errors={errors} />
            <div class={errors[`sections.${i}.position`] ? 'field has-error' : 'field'}>
              <label for={domId(`sections.${i}.position`)}>{t('settings:layouts.sectionPosition')}</label>
              <input
                id={domId(`sections.${i}.position`)}
                name={`sections.${i}.position`}
                type="number"
                min="0"
                max="99999"
                step="1"
                inputmode="numeric"
                value={s.position}
                aria-invalid={errors[`sections.${i}.position`] ? 'true' : undefined}
                aria-describedby={errors[`sections.${i}.position`] ? `${domId(`sections.${i}.position`)}-error` : undefined}
              />
              <FieldError view={view} errors={errors} name={`sections.${i}.position`} />
            </div>
            {s.id && (
              <div class={errors[`sections.${i}.remove`] ? 'field checkbox has-error' : 'field checkbox'}>
                <input
                  type="checkbox"
                  id={domId(`sections.${i}.remove`)}
                  name={`sections.${i}.remove`}
                  value="on"
                  checked={s.remove}
                  aria-describedby={errors[`sections.${i}.remove`] ? `${domId(`sections.${i}.remove`)}-error` : undefined}
                />
                <label for={domId(`sections.${i}.remove`)}>{t('settings:layouts.removeSection')}</label>
                <FieldError view={view} errors={errors} name={`sections.${i}.remove`} />
              </div>
            )}
          </fieldset>
        ))}
        <h2>{t('settings:layouts.placement')}</h2>
        <p class="hint">{t('settings:layouts.placementHint')}</p>
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">{t('settings:layouts.placement')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('settings:fields.label')}</th>
                <th scope="col">{t('settings:layouts.section')}</th>
                <th scope="col">{t('settings:layouts.position')}</th>
              </tr>
            </thead>
            <tbody>
              {fields.map((f) => {
                const label = fieldLabel(t, lang, f);
                const place = draft.placements[f.id] ?? { section: '', position: '' };
                const sectionInput = `field.${f.id}.section`;
                const positionInput = `field.${f.id}.position`;
                const sectionError = errorText(view, errors, sectionInput);
                const positionError = errorText(view, errors, positionInput);
                return (
                  <tr>
                    <th scope="row">{label}</th>
                    <td class={sectionError ? 'subform-cell has-error' : 'subform-cell'}>
                      <div class="field">
                        <label for={domId(sectionInput)}>{t('settings:layouts.sectionFor', { name: label })}</label>
                        <select
                          id={domId(sectionInput)}
                          name={sectionInput}
                          aria-invalid={sectionError ? 'true' : undefined}
                          aria-describedby={sectionError ? `${domId(sectionInput)}-error` : undefined}
                        >
                          <option value="">{t('settings:layouts.notOnLayout')}</option>
                          {draft.sections.map((s, i) => (
                            <option value={String(i)} selected={place.section === String(i)}>
                              {sectionName(view, s, i)}
                            </option>
                          ))}
                        </select>
                        <FieldError view={view} errors={errors} name={sectionInput} />
                      </div>
                    </td>
                    <td class={positionError ? 'subform-cell has-error' : 'subform-cell'}>
                      <div class="field">
                        <label for={domId(positionInput)}>{t('settings:layouts.positionFor', { name: label })}</label>
                        <input
                          id={domId(positionInput)}
                          name={positionInput}
                          type="number"
                          min="0"
                          max="99999"
                          step="1"
                          inputmode="numeric"
                          value={place.position}
                          aria-invalid={positionError ? 'true' : undefined}
                          aria-describedby={positionError ? `${domId(positionInput)}-error` : undefined}
                        />
                        <FieldError view={view} errors={errors} name={positionInput} />
                      </div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
        <div class="form-actions">
          <button type="submit" class="button">
            {t('settings:layouts.save')}
          </button>
          <a class="button secondary" href={`${base}/layouts`}>
            {t('common:cancel')}
          </a>
        </div>
      </form>
    </section>
  );
}
