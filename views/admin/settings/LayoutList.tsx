import { labelOf, moduleLabel } from '../../../src/crm/metadata.js';
import type { Labels, Layout, Module } from '../../../src/db/schema.js';
import type { ViewContext } from '../../../src/http/env.js';
import { Alert } from '../../components/Alert.js';
import { type FormErrors, LabelInputs } from './LabelInputs.js';
import { SETTINGS_BASE } from './ModuleList.js';

export type LayoutListProps = {
  view: ViewContext;
  module: Module;
  layouts: Layout[];
  labels: Labels;
  errors: FormErrors;
  flash?: string | undefined;
  problem?: string | undefined;
};

/** A module's layouts: which is the default, links to edit each, and a form for another. */
export function LayoutList({ view, module, layouts, labels, errors, flash, problem }: LayoutListProps) {
  const { t, lang } = view;
  const base = `${SETTINGS_BASE}/${module.api_name}`;
  return (
    <section>
      <p>
        <a href={base}>← {moduleLabel(t, lang, module, 'plural')}</a>
      </p>
      <h1>{t('settings:layouts.titleFor', { module: moduleLabel(t, lang, module, 'plural') })}</h1>
      <p>{t('settings:layouts.intro')}</p>
      {flash && <Alert kind="success">{flash}</Alert>}
      {problem && <Alert kind="error">{problem}</Alert>}
      <div class="table-wrap">
        <table>
          <caption class="visually-hidden">{t('settings:layouts.title')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('settings:layouts.name')}</th>
              <th scope="col">{t('settings:layouts.sections')}</th>
              <th scope="col">{t('settings:fields.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {layouts.map((l) => {
              const name = labelOf(t, lang, l, l.api_name);
              return (
                <tr>
                  <th scope="row">
                    <a href={`${base}/layouts/${l.id}`}>{name}</a>
                    {l.is_default && <span class="badge"> {t('settings:layouts.default')}</span>}
                  </th>
                  <td>{view.fmt.number(l.sections.length)}</td>
                  <td>
                    <div class="actions">
                      {!l.is_default && (
                        <form method="post" action={`${base}/layouts/${l.id}/default`} class="inline-form">
                          <button type="submit" class="button secondary small">
                            {t('settings:layouts.makeDefault')}
                            <span class="visually-hidden"> · {name}</span>
                          </button>
                        </form>
                      )}
                      {!l.is_default && layouts.length > 1 && (
                        <form method="post" action={`${base}/layouts/${l.id}/delete`} class="inline-form">
                          <button type="submit" class="button secondary small danger">
                            {t('settings:layouts.delete')}
                            <span class="visually-hidden"> · {name}</span>
                          </button>
                        </form>
                      )}
                    </div>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <section class="card">
        <h2>{t('settings:layouts.new')}</h2>
        <p class="hint">{t('settings:layouts.newHint')}</p>
        {Object.keys(errors).length > 0 && <Alert kind="error">{t('errors:formHasErrors')}</Alert>}
        <form method="post" action={`${base}/layouts`} novalidate>
          <LabelInputs view={view} name="label" legend={t('settings:layouts.name')} labels={labels} errors={errors} required />
          <button type="submit" class="button">
            {t('settings:layouts.create')}
          </button>
        </form>
      </section>
    </section>
  );
}
