import { fieldLabel, moduleLabel } from '../../../src/crm/metadata.js';
import type { Field, Module } from '../../../src/db/schema.js';
import type { ViewContext } from '../../../src/http/env.js';
import type { CanvasDesign, CanvasErrors } from '../../../src/portals/canvas.js';
import { Alert } from '../../components/Alert.js';
import { SelectField } from '../../components/Field.js';

export type CanvasDesignProps = {
  view: ViewContext;
  module: Module;
  fields: Field[];
  design: CanvasDesign;
  /** The design shown is the module's default one: nothing saved yet. */
  isDefault: boolean;
  errors: CanvasErrors;
  saved: boolean;
  maxSubtitles: number;
};

/** Choose the fields a record's card shows when a portal tab uses the canvas view. */
export function CanvasDesignPage({ view, module, fields, design, isDefault, errors, saved, maxSubtitles }: CanvasDesignProps) {
  const { t, lang } = view;
  const options = [{ value: '', label: t('portalconfig:canvas.none') }, ...fields.map((f) => ({ value: f.id, label: fieldLabel(t, lang, f) }))];
  const err = (k: string) => (errors[k] ? t(errors[k]) : undefined);
  return (
    <section>
      <p>
        <a href="/admin/settings/portals/cards">← {t('portalconfig:canvas.title')}</a>
      </p>
      <h1>{t('portalconfig:canvas.moduleTitle', { name: moduleLabel(t, lang, module, 'plural') })}</h1>
      <p>{t('portalconfig:canvas.intro')}</p>
      {saved && <Alert kind="success">{t('portalconfig:canvas.saved')}</Alert>}
      {isDefault && <Alert kind="info">{t('portalconfig:canvas.isDefault')}</Alert>}
      {Object.keys(errors).length > 0 && <Alert kind="error">{t('errors:formHasErrors')}</Alert>}
      <form method="post" action={`/admin/settings/portals/cards/${module.api_name}`}>
        <SelectField
          name="title"
          label={t('portalconfig:canvas.cardTitle')}
          options={options}
          value={design.titleFieldId ?? ''}
          error={err('title')}
          required
        />
        <fieldset class={errors.subtitles ? 'field has-error' : 'field'}>
          <legend>{t('portalconfig:canvas.subtitles', { count: maxSubtitles })}</legend>
          {Array.from({ length: maxSubtitles }, (_, i) => (
            <SelectField
              name={`subtitle${i + 1}`}
              label={t('portalconfig:canvas.subtitle', { n: i + 1 })}
              options={options}
              value={design.subtitleFieldIds[i] ?? ''}
            />
          ))}
          {errors.subtitles && <p class="field-error">{t(errors.subtitles)}</p>}
        </fieldset>
        <SelectField
          name="badge"
          label={t('portalconfig:canvas.badge')}
          hint={t('portalconfig:canvas.badgeHint')}
          options={options}
          value={design.badgeFieldId ?? ''}
          error={err('badge')}
        />
        <button type="submit" class="button">
          {t('common:save')}
        </button>
      </form>
      <section class="card canvas-preview" aria-label={t('portalconfig:canvas.preview')}>
        <h2>{t('portalconfig:canvas.preview')}</h2>
        <div class="portal-card">
          <p class="portal-card-title">{design.titleFieldId ? labelFor(fields, design.titleFieldId, view) : t('portalconfig:canvas.none')}</p>
          {design.subtitleFieldIds.map((id) => (
            <p class="hint">{labelFor(fields, id, view)}</p>
          ))}
          {design.badgeFieldId && <span class="badge">{labelFor(fields, design.badgeFieldId, view)}</span>}
        </div>
      </section>
    </section>
  );
}

function labelFor(fields: Field[], id: string, view: ViewContext): string {
  const f = fields.find((x) => x.id === id);
  return f ? fieldLabel(view.t, view.lang, f) : '';
}

/** Every module with its card design, to pick one to edit. */
export function CanvasModulesPage({ view, modules }: { view: ViewContext; modules: { module: Module; title: string | null; saved: boolean }[] }) {
  const { t, lang } = view;
  return (
    <section>
      <p>
        <a href="/admin/settings">← {t('portalconfig:page.back')}</a>
      </p>
      <h1>{t('portalconfig:canvas.title')}</h1>
      <p>{t('portalconfig:canvas.intro')}</p>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">{t('portalconfig:canvas.module')}</th>
              <th scope="col">{t('portalconfig:canvas.cardTitle')}</th>
            </tr>
          </thead>
          <tbody>
            {modules.map(({ module, title, saved }) => (
              <tr>
                <th scope="row">
                  <a href={`/admin/settings/portals/cards/${module.api_name}`}>{moduleLabel(t, lang, module, 'plural')}</a>
                </th>
                <td>{title === null ? t('portalconfig:canvas.notDesigned') : saved ? title : t('portalconfig:canvas.defaultTitle', { field: title })}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
