import { fieldLabel, labelOf } from '../../../src/crm/metadata.js';
import type { Layout } from '../../../src/db/schema.js';
import type { ViewContext } from '../../../src/http/env.js';
import type { FieldPermissionSection } from '../../../src/portals/field-permissions.js';
import { Alert } from '../../components/Alert.js';
import { SelectField } from '../../components/Field.js';
import { SetupSteps, type StepPlace } from './SetupSteps.js';

export type FieldPermissionsPageProps = {
  view: ViewContext;
  base: string;
  backHref: string;
  typeName: string;
  moduleName: string;
  layouts: Layout[];
  layoutId: string;
  sections: FieldPermissionSection[];
  saved: boolean;
  /** The earlier step's confirmation, when it led here. */
  notice?: string | undefined;
  /** Already translated messages to show after a save or a refused one. */
  warnings: string[];
  error?: string | undefined;
  steps: StepPlace;
  walk: FieldWalkPlace;
};

/**
 * Where a page stands in the step's walk through every shown module and
 * layout: `step` counts from 1 (0 when the page is off the walk, such as a
 * layout no tab shows), `next` is the page "Save and next" leads to.
 */
export type FieldWalkPlace = { step: number; total: number; next?: { href: string; label: string } | undefined; finishHref: string };

/** Which fields of one layout a portal user type sees, and which it cannot change. */
export function FieldPermissionsPage(props: FieldPermissionsPageProps) {
  const { view, base, layouts, layoutId, sections, walk } = props;
  const { t, lang } = view;
  const title = t('portalfields:title', { module: props.moduleName, type: props.typeName });
  const rows = sections.flatMap((s) => s.rows);
  return (
    <section>
      <p>
        <a href={props.backHref}>← {t('portalfields:backTo', { name: props.typeName })}</a>
      </p>
      <SetupSteps view={view} current="fields" at={props.steps} />
      <h1>{title}</h1>
      {walk.step > 0 && <p class="walk-progress">{t('portalfields:walk.progress', { n: walk.step, total: walk.total })}</p>}
      <p>{t('portalfields:intro')}</p>
      <p class="hint">{t('portalfields:portalField')}</p>
      {props.notice && <Alert kind="success">{props.notice}</Alert>}
      {props.saved && <Alert kind="success">{t('portalfields:saved')}</Alert>}
      {props.error && <Alert kind="error">{props.error}</Alert>}
      {props.warnings.map((w) => (
        <Alert kind="info">{w}</Alert>
      ))}
      <form method="get" action={base} class="inline-form">
        <SelectField
          name="layout"
          label={t('portalfields:layout')}
          value={layoutId}
          options={layouts.map((l) => ({ value: l.id, label: labelOf(t, lang, l, l.api_name) }))}
        />
        <button type="submit" class="button secondary">
          {t('portalfields:switchLayout')}
        </button>
      </form>
      {rows.length === 0 ? (
        <>
          <Alert kind="info">{t('portalfields:empty')}</Alert>
          {walk.step > 0 && (
            <p class="form-actions">
              <a class="button" href={walk.next?.href ?? walk.finishHref}>
                {walk.next ? t('portalfields:walk.continue', { name: walk.next.label }) : t('portalsteps:finish')}
              </a>
            </p>
          )}
        </>
      ) : (
        <form method="post" action={`${base}?layout=${encodeURIComponent(layoutId)}`} data-unsaved={t('portalsteps:unsaved')}>
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('portalfields:field')}</th>
                  <th scope="col">{t('portalfields:visible')}</th>
                  <th scope="col">{t('portalfields:readOnly')}</th>
                </tr>
              </thead>
              {sections.map((s) => (
                <tbody>
                  {s.labelKey || s.labels ? (
                    <tr>
                      <th scope="colgroup" colspan={3}>
                        {labelOf(t, lang, s)}
                      </th>
                    </tr>
                  ) : null}
                  {s.rows.map((r) => {
                    const label = fieldLabel(t, lang, r.field);
                    return (
                      <tr>
                        <th scope="row">
                          {label}
                          {r.required && <span class="badge"> {t('portalfields:required')}</span>}
                          {r.type === 'subform' && <p class="hint">{t('portalfields:subformNote')}</p>}
                        </th>
                        <td>
                          <input
                            type="checkbox"
                            id={`visible-${r.field.id}`}
                            name="visible"
                            value={r.field.id}
                            checked={r.visible}
                            aria-label={t('portalfields:visibleFor', { field: label })}
                          />
                        </td>
                        <td>
                          <input
                            type="checkbox"
                            id={`read-only-${r.field.id}`}
                            name="read_only"
                            value={r.field.id}
                            checked={r.readOnly}
                            aria-label={t('portalfields:readOnlyFor', { field: label })}
                          />
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              ))}
            </table>
          </div>
          <p class="form-actions">
            <button type="submit" class="button">
              {walk.step === 0 ? t('portalfields:save') : walk.next ? t('portalfields:walk.saveNext', { name: walk.next.label }) : t('portalsteps:saveFinish')}
            </button>
            {props.saved && props.warnings.length > 0 && walk.step > 0 && (
              <a class="button secondary" href={walk.next?.href ?? walk.finishHref}>
                {walk.next ? t('portalfields:walk.continue', { name: walk.next.label }) : t('portalsteps:finish')}
              </a>
            )}
          </p>
        </form>
      )}
    </section>
  );
}
