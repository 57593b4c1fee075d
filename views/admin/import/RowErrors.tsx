import { fieldLabel } from '../../../src/crm/metadata.js';
import type { Field, ImportRowError } from '../../../src/db/schema.js';
import type { ViewContext } from '../../../src/http/env.js';

export type RowErrorsProps = { view: ViewContext; errors: ImportRowError[]; badRows: number; fields: Map<string, Field> };

/** The rows with problems: row number, field and message, the first ones of a long list. */
export function RowErrors({ view, errors, badRows, fields }: RowErrorsProps) {
  const { t, lang, fmt } = view;
  if (errors.length === 0) return null;
  const label = (id: string) => {
    const field = fields.get(id);
    return field ? fieldLabel(t, lang, field) : t('import:report.wholeRow');
  };
  return (
    <section class="import-errors" aria-labelledby="import-errors-title">
      <h2 id="import-errors-title">{t('import:report.errorsTitle')}</h2>
      {badRows > errors.length && <p>{t('import:report.firstErrors', { shown: fmt.number(errors.length), bad: fmt.number(badRows) })}</p>}
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">{t('import:report.row')}</th>
              <th scope="col">{t('import:report.field')}</th>
              <th scope="col">{t('import:report.problem')}</th>
            </tr>
          </thead>
          <tbody>
            {errors.flatMap((r) =>
              r.errors.map((e, i) => (
                <tr>
                  {i === 0 ? (
                    <th scope="row" rowspan={r.errors.length}>
                      {fmt.number(r.row)}
                    </th>
                  ) : null}
                  <td>{label(e.field)}</td>
                  <td>{t(e.key)}</td>
                </tr>
              )),
            )}
          </tbody>
        </table>
      </div>
    </section>
  );
}
