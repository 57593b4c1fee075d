import type { StoredValue, SubformRow } from '../../src/crm/field-types.js';
import { fieldLabel, moduleLabel, picklistValueLabel } from '../../src/crm/metadata.js';
import type { Field, Module } from '../../src/db/schema.js';
import type { ViewContext } from '../../src/http/env.js';

/** Where a lookup's target can be opened; undefined when the viewer may not open it. */
/** With `module`, a target shown without a name is labelled by its module's singular name. */
export type LookupLink = { name: string; href?: string | undefined; module?: Module | undefined };
export type LookupNames = Map<string, LookupLink>;

export type ValueProps = {
  view: ViewContext;
  field: Field;
  value: StoredValue | undefined;
  names: LookupNames;
  currency: string;
  children?: Field[] | undefined;
};

/** A stored value as a person reads it, in their language and formats. */
export function FieldValue({ view, field, value, names, currency, children }: ValueProps) {
  const { t, fmt, lang } = view;
  if (value === null || value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) {
    return <span class="empty">{t('crm:empty')}</span>;
  }
  switch (field.type) {
    case 'boolean':
      return <>{value ? t('common:yes') : t('common:no')}</>;
    case 'email':
      return <a href={`mailto:${value}`}>{String(value)}</a>;
    case 'phone':
      return <a href={`tel:${String(value).replace(/[^+\d]/g, '')}`}>{String(value)}</a>;
    case 'url':
      return (
        <a href={String(value)} rel="noopener noreferrer nofollow" target="_blank">
          {String(value)}
        </a>
      );
    case 'textarea':
      return <span class="multiline">{String(value)}</span>;
    case 'number':
      return <>{fmt.number(Number(value))}</>;
    case 'decimal':
      return <>{fmt.decimal(Number(value), field.options.scale ?? 2)}</>;
    case 'currency':
      return <>{fmt.currency(Number(value), field.options.currency ?? currency)}</>;
    case 'percent':
      return <>{fmt.percent(Number(value))}</>;
    case 'date':
      return <time datetime={String(value)}>{fmt.calendarDate(String(value))}</time>;
    case 'datetime':
      return <time datetime={String(value)}>{fmt.dateTime(new Date(String(value)))}</time>;
    case 'picklist':
      return <>{picklistValueLabel(t, lang, field, String(value))}</>;
    case 'multiselect':
      return <>{(value as string[]).map((v) => picklistValueLabel(t, lang, field, v)).join(', ')}</>;
    case 'lookup': {
      const target = names.get(String(value));
      if (!target) return <span class="empty">{t('crm:missingRecord')}</span>;
      const name = target.name || (target.module ? moduleLabel(t, view.lang, target.module, 'singular') : t('crm:untitled'));
      return target.href ? <a href={target.href}>{name}</a> : <span>{name}</span>;
    }
    case 'subform':
      // hono/jsx hands a one-element `children` array over as the element itself.
      return <SubformTable view={view} rows={value as SubformRow[]} fields={[children ?? []].flat()} names={names} currency={currency} />;
    default:
      return <>{String(value)}</>;
  }
}

function SubformTable({
  view,
  rows,
  fields,
  names,
  currency,
}: {
  view: ViewContext;
  rows: SubformRow[];
  fields: Field[];
  names: LookupNames;
  currency: string;
}) {
  return (
    <div class="table-wrap">
      <table class="subform">
        <thead>
          <tr>
            {fields.map((f) => (
              <th scope="col">{fieldLabel(view.t, view.lang, f)}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr>
              {fields.map((f) => (
                <td>
                  <FieldValue view={view} field={f} value={row[f.api_name]} names={names} currency={currency} />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
