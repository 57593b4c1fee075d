import type { StoredValue } from '../../src/crm/field-types.js';
import type { ModuleMeta } from '../../src/crm/metadata.js';
import { fieldLabel, labelOf, moduleLabel } from '../../src/crm/metadata.js';
import type { Field } from '../../src/db/schema.js';
import type { ViewContext } from '../../src/http/env.js';
import type { PortalFormPage } from '../../src/portals/portal-forms.js';
import type { FormRefusal } from '../../src/portals/portal-writes.js';
import { Alert } from '../components/Alert.js';
import { FieldInput, repeatsHeading } from '../components/FieldInput.js';
import { FieldValue } from '../components/FieldValue.js';
import { LayoutChooser } from '../components/LayoutChooser.js';

export type RecordFormPageProps = {
  view: ViewContext;
  page: PortalFormPage;
  /** The module's address in this portal (or the preview's). */
  href: string;
  /** The portal's base address (or the preview's). */
  base: string;
  action: string;
  cancel: string;
  errors: Record<string, string>;
  timeZone: string;
  currency: string;
  refusal?: FormRefusal | undefined;
  conflict?: boolean;
};

/**
 * A portal user's new or edit form: the visible fields of the record's layout,
 * read-only ones as text, in the layout's sections. In a preview the same form
 * is drawn disabled.
 */
export function RecordFormPage(props: RecordFormPageProps) {
  const { view, page: p, errors, href } = props;
  const { t, lang } = view;
  const singular = moduleLabel(t, lang, p.meta.module, 'singular');
  const title = p.mode === 'create' ? t('crm:actions.new', { name: singular }) : t('crm:actions.editNamed', { name: singular });
  return (
    <section class="portal-form" aria-labelledby="form-title">
      <p>
        <a href={href}>{t('portal:record.back', { module: moduleLabel(t, lang, p.meta.module, 'plural', p.tab.labels) })}</a>
      </p>
      <h1 id="form-title">{title}</h1>
      {p.inert && <Alert kind="info">{t('portalpreview:readOnly.message')}</Alert>}
      {props.conflict && <Alert kind="error">{t('crm:errors.conflict')}</Alert>}
      {props.refusal && <Alert kind="error">{t(`portal:form.refused.${props.refusal}`)}</Alert>}
      {Object.keys(errors).length > 0 && <Alert kind="error">{t('errors:formHasErrors')}</Alert>}
      {p.mode === 'create' && p.layouts.length > 1 && <LayoutChooser view={view} action={`${href}/new`} layouts={p.layouts} layoutId={p.form.layout?.id} />}
      <form method="post" action={props.action} class="record-form" novalidate>
        <fieldset class="plain" disabled={p.inert}>
          <legend class="visually-hidden">{title}</legend>
          {p.form.layout && <input type="hidden" name="__layout" value={p.form.layout.id} />}
          {p.version !== undefined && <input type="hidden" name="__version" value={String(p.version)} />}
          {p.form.sections.map((s) => (
            <fieldset>
              <legend>{labelOf(t, lang, s, t('crm:sections.details'))}</legend>
              {s.fields.map((f) => [
                p.form.mask.readOnly.has(f.id) || f.options.computed ? (
                  <div class="field read-only-field" data-field={f.api_name}>
                    <p class="field-label">
                      {fieldLabel(t, lang, f)} <span class="badge read-only">{t('portal:record.readOnly')}</span>
                    </p>
                    <p>
                      <FieldValue
                        view={view}
                        field={f}
                        value={p.values[f.api_name] as StoredValue | undefined}
                        names={p.names}
                        currency={props.currency}
                        children={p.meta.children.get(f.id)}
                      />
                    </p>
                  </div>
                ) : f.type === 'lookup' ? (
                  <LookupSelect {...props} field={f} error={errors[f.api_name]} />
                ) : (
                  <FieldInput
                    view={view}
                    field={f}
                    value={p.values[f.api_name]}
                    error={errors[f.api_name]}
                    names={p.names}
                    timeZone={props.timeZone}
                    children={p.meta.children.get(f.id)}
                    lookupSuggestUrl={() => undefined}
                    labelHidden={repeatsHeading(labelOf(t, lang, s, t('crm:sections.details')), fieldLabel(t, lang, f))}
                  />
                ),
                f.api_name === 'subject' && p.knowledgeBase && p.mode === 'create' && (
                  <aside
                    id="case-suggestions"
                    class="case-suggestions"
                    aria-live="polite"
                    aria-label={t('portal:cases.suggestions')}
                    hx-get={`${props.href}/suggest`}
                    hx-trigger="input changed delay:400ms from:#f-subject"
                    hx-include="#f-subject"
                    hx-target="this"
                    hx-swap="innerHTML"
                  >
                    <p class="hint">
                      {t('portal:cases.suggestHint')} <a href={`${props.base}/m/${p.knowledgeBase.api_name}`}>{t('portal:cases.searchKnowledge')}</a>
                    </p>
                  </aside>
                ),
              ])}
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
        </fieldset>
      </form>
    </section>
  );
}

/**
 * A lookup of a portal form: a plain select of the targets in the user's
 * scope (works without JavaScript); with more than a list can hold, a search
 * narrows the options through htmx. A stored target out of reach stays
 * selectable as it is, under its neutral name.
 */
function LookupSelect(props: RecordFormPageProps & { field: Field; error: string | undefined }) {
  const { view, page: p, field, error } = props;
  const { t, lang } = view;
  const found = p.choices.get(field.id);
  const value = typeof p.values[field.api_name] === 'string' ? (p.values[field.api_name] as string) : '';
  const id = `f-${field.api_name}`;
  const current = value && !found?.choices.some((c) => c.id === value) ? p.names.get(value) : undefined;
  const neutral = (name: string) => name || (found ? moduleLabel(t, lang, found.module, 'singular') : t('crm:untitled'));
  const described = [found?.more ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div class={error ? 'field has-error' : 'field'}>
      <label for={id}>
        {fieldLabel(t, lang, field)}
        {field.required && <span aria-hidden="true"> *</span>}
      </label>
      {found?.more && (
        <input
          type="search"
          class="lookup-search"
          aria-label={t('portal:form.lookupSearch', { field: fieldLabel(t, lang, field) })}
          name={`__search_${field.api_name}`}
          hx-get={`${props.href}/lookup/${field.api_name}`}
          hx-trigger="input changed delay:250ms"
          hx-target={`#${id}`}
          hx-swap="innerHTML"
          hx-include={`#${id}`}
          autocomplete="off"
        />
      )}
      <select id={id} name={`${field.api_name}__id`} aria-invalid={error ? 'true' : undefined} aria-describedby={described}>
        <LookupOptions
          view={view}
          choices={found?.choices ?? []}
          value={value}
          current={current && { id: value, name: neutral(current.name) }}
          neutral={neutral}
        />
      </select>
      {found?.more && (
        <p class="hint" id={`${id}-hint`}>
          {t('portal:form.lookupMore', { count: found.choices.length })}
        </p>
      )}
      {error && (
        <p class="field-error" id={`${id}-error`}>
          {t(error)}
        </p>
      )}
    </div>
  );
}

/** A lookup select's options: none, the stored target when it is not among the choices, then the choices. */
export function LookupOptions(props: {
  view: ViewContext;
  choices: { id: string; name: string }[];
  value: string;
  current?: { id: string; name: string } | undefined;
  neutral: (name: string) => string;
}) {
  const { view, choices, value, current, neutral } = props;
  return (
    <>
      <option value="">{view.t('portal:form.lookupNone')}</option>
      {current && (
        <option value={current.id} selected>
          {current.name}
        </option>
      )}
      {choices.map((c) => (
        <option value={c.id} selected={c.id === value}>
          {neutral(c.name)}
        </option>
      ))}
    </>
  );
}

/** The articles suggested for a case's subject, each opening in the knowledge base. */
export function CaseSuggestions({
  view,
  base,
  meta,
  articles,
}: {
  view: ViewContext;
  base: string;
  meta: ModuleMeta;
  articles: { id: string; name: string }[];
}) {
  const { t, lang } = view;
  if (articles.length === 0)
    return (
      <p class="hint">
        {t('portal:cases.suggestHint')} <a href={`${base}/m/${meta.module.api_name}`}>{t('portal:cases.searchKnowledge')}</a>
      </p>
    );
  return (
    <>
      <p class="suggestions-title">{t('portal:cases.suggested')}</p>
      <ul>
        {articles.map((a) => (
          <li>
            <a href={`${base}/m/${meta.module.api_name}/${a.id}?from=case`} target="_blank" rel="noopener">
              {a.name || moduleLabel(t, lang, meta.module, 'singular')}
              <span class="visually-hidden"> ({t('portal:cases.newTab')})</span>
            </a>
          </li>
        ))}
      </ul>
    </>
  );
}
