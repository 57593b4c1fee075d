import { type StoredValue, type SubformRow, utcToZonedInput } from '../../src/crm/field-types.js';
import { fieldLabel, picklistLabel } from '../../src/crm/metadata.js';
import type { Field } from '../../src/db/schema.js';
import type { ViewContext } from '../../src/http/env.js';
import type { LookupNames } from './FieldValue.js';

export type InputProps = {
  view: ViewContext;
  field: Field;
  /** A stored value, or what was submitted when the form comes back with errors. */
  value: unknown;
  error?: string | undefined;
  names: LookupNames;
  timeZone: string;
  children?: Field[] | undefined;
  /** Where lookup suggestions come from (htmx), per target module. */
  lookupSuggestUrl?: ((field: Field) => string | undefined) | undefined;
  readOnly?: boolean;
  /** Prefix for subform cells: "line_items.0.". */
  namePrefix?: string;
  /** The label only for assistive technology: the heading above already says it. */
  labelHidden?: boolean | undefined;
};

/** Whether a field's label repeats the heading of the section it sits in, so it would read twice. */
export const repeatsHeading = (heading: string, label: string) => heading.trim().toLocaleLowerCase() === label.trim().toLocaleLowerCase();

const SUBFORM_BLANK_ROWS = 2;

function asText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  return '';
}

/** A labelled input for any field type, with its error beside it. */
export function FieldInput(props: InputProps) {
  const { view, field, error } = props;
  const name = `${props.namePrefix ?? ''}${field.api_name}`;
  const id = `f-${name.replace(/[^a-zA-Z0-9_-]/g, '-')}`;
  const label = fieldLabel(view.t, view.lang, field);
  const described = error ? `${id}-error` : undefined;
  const errorText = error && (
    <p class="field-error" id={`${id}-error`}>
      {view.t(error)}
    </p>
  );
  if (field.type === 'multiselect' || field.type === 'subform') {
    return (
      <fieldset class={error ? 'field has-error' : 'field'} aria-describedby={described}>
        <legend class={props.labelHidden ? 'visually-hidden' : undefined}>
          {label}
          {field.required && <span aria-hidden="true"> *</span>}
        </legend>
        {field.type === 'multiselect' ? <MultiSelect {...props} name={name} id={id} /> : <SubformInput {...props} name={name} />}
        {errorText}
      </fieldset>
    );
  }
  if (field.type === 'boolean') {
    return (
      <div class={error ? 'field checkbox has-error' : 'field checkbox'}>
        <input
          type="checkbox"
          id={id}
          name={name}
          value="on"
          checked={props.value === true || props.value === 'on'}
          disabled={props.readOnly}
          aria-describedby={described}
        />
        <label for={id}>{label}</label>
        {errorText}
      </div>
    );
  }
  return (
    <div class={error ? 'field has-error' : 'field'}>
      <label for={id} class={props.labelHidden ? 'visually-hidden' : undefined}>
        {label}
        {field.required && <span aria-hidden="true"> *</span>}
      </label>
      <Control {...props} name={name} id={id} described={described} />
      {errorText}
    </div>
  );
}

function Control(props: InputProps & { name: string; id: string; described: string | undefined }) {
  const { view, field, value, name, id, described, readOnly } = props;
  const common = { id, name, required: field.required, 'aria-invalid': described ? 'true' : undefined, 'aria-describedby': described, readonly: readOnly };
  switch (field.type) {
    case 'textarea':
      return (
        <textarea {...common} rows={5}>
          {asText(value)}
        </textarea>
      );
    case 'email':
      return <input {...common} type="email" value={asText(value)} autocomplete="off" />;
    case 'phone':
      return <input {...common} type="tel" value={asText(value)} />;
    case 'url':
      return <input {...common} type="url" value={asText(value)} />;
    case 'number':
    case 'decimal':
    case 'currency':
    case 'percent':
      return <input {...common} type="text" inputmode={field.type === 'number' ? 'numeric' : 'decimal'} value={asText(value)} />;
    case 'date':
      return <input {...common} type="date" value={asText(value)} />;
    case 'datetime': {
      const text = asText(value);
      const local = /Z$|[+-]\d\d:\d\d$/.test(text) ? utcToZonedInput(text, props.timeZone) : text;
      return <input {...common} type="datetime-local" value={local} />;
    }
    case 'picklist':
      return (
        <select {...common}>
          <option value="">{view.t('crm:choose')}</option>
          {(field.options.values ?? []).map((v) => (
            <option value={v.value} selected={v.value === value}>
              {picklistLabel(view.t, view.lang, v)}
            </option>
          ))}
        </select>
      );
    case 'lookup':
      return <LookupInput {...props} />;
    default:
      return <input {...common} type="text" value={asText(value)} maxlength={field.type === 'text' ? 255 : undefined} />;
  }
}

function MultiSelect({ view, field, value, name, id }: InputProps & { name: string; id: string }) {
  const chosen = new Set(Array.isArray(value) ? (value as string[]) : []);
  return (
    <div class="choices">
      {(field.options.values ?? []).map((v, i) => (
        <label class="choice" for={`${id}-${i}`}>
          <input type="checkbox" id={`${id}-${i}`} name={name} value={v.value} checked={chosen.has(v.value)} /> {picklistLabel(view.t, view.lang, v)}
        </label>
      ))}
    </div>
  );
}

/**
 * A lookup is typed by the target record's name (resolved on the server, so it
 * works without JavaScript); a hidden field keeps the id the form was drawn
 * with. With htmx, matching names are suggested as the user types.
 */
function LookupInput({
  field,
  value,
  names,
  name,
  id,
  described,
  lookupSuggestUrl,
  view,
}: InputProps & { name: string; id: string; described: string | undefined }) {
  const current = typeof value === 'string' ? names.get(value) : undefined;
  const typed = typeof value === 'object' && value !== null && 'text' in value ? String((value as { text: string }).text) : undefined;
  const text = typed ?? current?.name ?? '';
  const suggest = lookupSuggestUrl?.(field);
  const listId = `${id}-options`;
  return (
    <>
      <input
        id={id}
        name={name}
        type="text"
        value={text}
        list={suggest ? listId : undefined}
        autocomplete="off"
        required={field.required}
        aria-invalid={described ? 'true' : undefined}
        aria-describedby={described}
        placeholder={view.t('crm:lookupPlaceholder')}
        hx-get={suggest}
        hx-trigger={suggest ? 'input changed delay:250ms' : undefined}
        hx-target={suggest ? `#${listId}` : undefined}
        hx-swap={suggest ? 'innerHTML' : undefined}
      />
      {typeof value === 'string' && <input type="hidden" name={`${name}__id`} value={value} />}
      {suggest && <datalist id={listId}></datalist>}
    </>
  );
}

function SubformInput({ view, value, names, timeZone, children: given, name, lookupSuggestUrl }: InputProps & { name: string }) {
  // hono/jsx hands a one-element `children` array over as the element itself.
  const children = [given ?? []].flat();
  const rows: Record<string, unknown>[] = Array.isArray(value) ? (value as SubformRow[]) : [];
  const all = [...rows, ...Array.from({ length: SUBFORM_BLANK_ROWS }, () => ({}) as Record<string, StoredValue>)];
  return (
    <div class="table-wrap">
      <table class="subform">
        <thead>
          <tr>
            <th scope="col">#</th>
            {children.map((c) => (
              <th scope="col">
                {fieldLabel(view.t, view.lang, c)}
                {c.required && <span aria-hidden="true"> *</span>}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {all.map((row, i) => (
            <tr>
              <td>{i + 1}</td>
              {children.map((c) => (
                <td class="subform-cell">
                  <FieldInput
                    view={view}
                    field={c}
                    value={row[c.api_name]}
                    names={names}
                    timeZone={timeZone}
                    namePrefix={`${name}.${i}.`}
                    lookupSuggestUrl={lookupSuggestUrl}
                  />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <p class="hint">{view.t('crm:subformHint')}</p>
    </div>
  );
}
