import type { Labels } from '../../../src/db/schema.js';
import type { ViewContext } from '../../../src/http/env.js';
import { LANGUAGES } from '../../../src/i18n/languages.js';

export type FormErrors = Record<string, string>;

/** "sections.0.label.pt-BR" → "sections-0-label-pt-BR": an id usable in CSS selectors and aria references. */
export const domId = (name: string) => name.replace(/[^a-zA-Z0-9_-]/g, '-');

/** The message for a form field, in the viewer's language. */
export function errorText(view: ViewContext, errors: FormErrors, name: string): string | undefined {
  const key = errors[name];
  return key ? view.t(key) : undefined;
}

export function FieldError({ view, errors, name }: { view: ViewContext; errors: FormErrors; name: string }) {
  const text = errorText(view, errors, name);
  return text ? (
    <p class="field-error" id={`${domId(name)}-error`}>
      {text}
    </p>
  ) : null;
}

/**
 * One input per language for a name admins give (`<name>.<lang>`), grouped in
 * a fieldset whose own error (no label at all) sits under the legend.
 */
export function LabelInputs(props: {
  view: ViewContext;
  name: string;
  legend: string;
  hint?: string | undefined;
  labels: Labels;
  errors: FormErrors;
  required?: boolean;
}) {
  const { view, name, legend, hint, labels, errors } = props;
  const groupError = errorText(view, errors, name);
  const hintId = `${domId(name)}-hint`;
  const described = [hint ? hintId : '', groupError ? `${domId(name)}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <fieldset class={groupError ? 'labels has-error' : 'labels'} aria-describedby={described}>
      <legend>
        {legend}
        {props.required && <span aria-hidden="true"> *</span>}
      </legend>
      {hint && (
        <p class="hint" id={hintId}>
          {hint}
        </p>
      )}
      <FieldError view={view} errors={errors} name={name} />
      {LANGUAGES.map((lang) => {
        const inputName = `${name}.${lang}`;
        const id = domId(inputName);
        const error = errorText(view, errors, inputName);
        return (
          <div class={error ? 'field has-error' : 'field'}>
            <label for={id}>{view.fmt.languageName(lang)}</label>
            <input
              id={id}
              name={inputName}
              type="text"
              lang={lang}
              value={labels[lang] ?? ''}
              maxlength={200}
              aria-invalid={error ? 'true' : undefined}
              aria-describedby={error ? `${id}-error` : undefined}
            />
            <FieldError view={view} errors={errors} name={inputName} />
          </div>
        );
      })}
    </fieldset>
  );
}
