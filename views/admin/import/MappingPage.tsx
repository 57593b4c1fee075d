import type { Mapping, MappingProblems } from '../../../src/crm/import.js';
import { fieldLabel } from '../../../src/crm/metadata.js';
import type { Field } from '../../../src/db/schema.js';
import type { ViewContext } from '../../../src/http/env.js';
import { Alert } from '../../components/Alert.js';

export type MappingPageProps = {
  view: ViewContext;
  title: string;
  moduleName: string;
  base: string;
  action: string;
  filename: string;
  totalRows: number;
  headers: string[];
  sample: string[];
  fields: Field[];
  required: Set<string>;
  mapping: Mapping;
  problems?: MappingProblems | undefined;
};

/** Step 2: the field each column of the file fills. */
export function MappingPage(props: MappingPageProps) {
  const { view, title, moduleName, base, action, headers, sample, fields, required, mapping, problems } = props;
  const { t, lang, fmt } = view;
  const label = (f: Field) => (required.has(f.id) ? t('import:mapping.requiredOption', { field: fieldLabel(t, lang, f) }) : fieldLabel(t, lang, f));
  const hasProblems = problems && (Object.keys(problems.columns).length > 0 || problems.missing.length > 0 || problems.nothingMapped);
  return (
    <section class="import">
      <p>
        <a href={base}>← {t('import:back', { module: moduleName })}</a>
      </p>
      <h1>{title}</h1>
      <h2>{t('import:mapping.title')}</h2>
      <p>{t('import:mapping.intro', { filename: props.filename, count: props.totalRows, n: fmt.number(props.totalRows) })}</p>
      {hasProblems && (
        <Alert kind="error">
          <p>{t('import:mapping.problems')}</p>
          <ul>
            {problems.missing.map((f) => (
              <li>{t('import:mapping.missing', { field: fieldLabel(t, lang, f) })}</li>
            ))}
            {problems.nothingMapped && <li>{t('import:mapping.nothingMapped')}</li>}
            {Object.keys(problems.columns).length > 0 && <li>{t('errors:formHasErrors')}</li>}
          </ul>
        </Alert>
      )}
      <form method="post" action={action}>
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('import:mapping.column')}</th>
                <th scope="col">{t('import:mapping.sample')}</th>
                <th scope="col">{t('import:mapping.field')}</th>
              </tr>
            </thead>
            <tbody>
              {headers.map((h, i) => {
                const error = problems?.columns[h];
                const id = `col-${i}`;
                return (
                  <tr class={error ? 'has-error' : undefined}>
                    <th scope="row">
                      <label for={id}>{h}</label>
                    </th>
                    <td>{sample[i] ?? ''}</td>
                    <td>
                      <select id={id} name={id} aria-invalid={error ? 'true' : undefined} aria-describedby={error ? `${id}-error` : undefined}>
                        <option value="">{t('import:mapping.ignore')}</option>
                        {fields.map((f) => (
                          <option value={f.id} selected={mapping[h] === f.id}>
                            {label(f)}
                          </option>
                        ))}
                      </select>
                      {error && (
                        <p class="field-error" id={`${id}-error`}>
                          {t(error)}
                        </p>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
        <div class="form-actions">
          <button type="submit" class="button">
            {t('import:mapping.submit')}
          </button>
        </div>
      </form>
    </section>
  );
}
