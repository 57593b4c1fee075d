import { fieldLabel, labelOf, moduleLabel } from '../../../src/crm/metadata.js';
import type { ViewContext } from '../../../src/http/env.js';
import { LANGUAGES } from '../../../src/i18n/languages.js';
import { TAB_LABEL_MAX, type TabErrors, type TabInput, type TabOption } from '../../../src/portals/tabs.js';
import { Alert } from '../../components/Alert.js';
import { SelectField, TextField } from '../../components/Field.js';
import { SetupSteps, type StepPlace } from './SetupSteps.js';

export type TabsPageProps = {
  view: ViewContext;
  action: string;
  typeName: string;
  portalName: string;
  options: TabOption[];
  values: Record<string, TabInput> | undefined;
  errors: TabErrors;
  steps: StepPlace;
  notice?: string | undefined;
};

function current(option: TabOption, values: Record<string, TabInput> | undefined): TabInput {
  const submitted = values?.[option.module.id];
  if (submitted) return submitted;
  const tab = option.tab;
  return {
    shown: option.kind === 'base' || Boolean(tab?.shown),
    filterFieldId: tab?.filter_field_id ?? '',
    reach: tab?.reach ?? 'mine',
    layoutIds: tab?.layout_ids ?? [],
    view: tab?.can_view ?? true,
    create: tab?.can_create ?? false,
    edit: tab?.can_edit ?? false,
    delete: tab?.can_delete ?? false,
    viewMode: tab?.view_mode ?? 'list',
    notes: tab?.notes ?? 'none',
    attachments: tab?.attachments ?? 'none',
    labels: Object.fromEntries(Object.entries(tab?.labels ?? {}).map(([l, v]) => [l, v ?? ''])),
  };
}

const REACHES = ['mine', 'company'] as const;

/**
 * Which records a related tab reaches: those linked to the user, or those linked to anyone at the user's
 * company (records whose filter-by lookup points to a colleague sharing the user's account). Offered only
 * when the base module has an account lookup; shown with its error when one was submitted without.
 */
function ReachChoice({ view, option, value, name, error }: { view: ViewContext; option: TabOption; value: string; name: string; error: string | undefined }) {
  const { t, lang } = view;
  if (option.kind !== 'related' || (!option.accountField && !error)) return null;
  const options = REACHES.map((r) => ({ value: r, label: t(`portaltabs:reach.${r}`) }));
  // The colleagues are those sharing the account lookup's value: the hint names that field.
  const hint = option.accountField ? t('portaltabs:reach.hint', { field: fieldLabel(t, lang, option.accountField) }) : undefined;
  return <SelectField name={name} label={t('portaltabs:reach.legend')} hint={hint} options={options} value={value} error={error} />;
}

function FieldError({ id, message }: { id: string; message: string | undefined }) {
  return message ? (
    <p class="field-error" id={id}>
      {message}
    </p>
  ) : null;
}

/** Which modules a user type's portal shows, and what its users may do in each. */
export function TabsPage({ view, action, typeName, portalName, options, values, errors, steps, notice }: TabsPageProps) {
  const { t, lang } = view;
  const access = ['none', 'view', 'add'].map((v) => ({ value: v, label: t(`portaltabs:access.${v}`) }));
  return (
    <section>
      <SetupSteps view={view} current="tabs" at={steps} />
      <h1>{t('portaltabs:title', { type: typeName, portal: portalName })}</h1>
      <p>{t('portaltabs:intro')}</p>
      {notice && <Alert kind="success">{notice}</Alert>}
      {Object.keys(errors).length > 0 && <Alert kind="error">{t('errors:formHasErrors')}</Alert>}
      <form method="post" action={action} data-unsaved={t('portalsteps:unsaved')} data-unsaved-changed={Object.keys(errors).length > 0 ? '' : undefined}>
        {options.map((option) => {
          const id = option.module.id;
          const v = current(option, values);
          const err = (k: string) => (errors[id]?.[k] ? t(errors[id]?.[k] ?? '', { cards: '/admin/settings/portals/cards' }) : undefined);
          const n = (k: string) => `${id}.${k}`;
          const viewOnly = option.kind === 'public';
          const perms = viewOnly ? ['view'] : option.kind === 'base' ? ['view', 'create', 'edit'] : ['view', 'create', 'edit', 'delete'];
          const name = moduleLabel(t, lang, option.module, 'plural');
          const granted = perms.filter((p) => v[p as 'view' | 'create' | 'edit' | 'delete']).map((p) => t(`portaltabs:perm.${p}`));
          const state = t('portaltabs:state.summary', {
            shown: t(v.shown ? 'portaltabs:state.shown' : 'portaltabs:state.hidden'),
            mode: t(`portaltabs:mode.${v.viewMode}`),
            perms: granted.length ? new Intl.ListFormat(lang, { type: 'unit', style: 'short' }).format(granted) : t('portaltabs:state.noPerms'),
          });
          return (
            <details class="card tab-module" id={`module-${id}`} open={v.shown || Object.keys(errors[id] ?? {}).length > 0}>
              <summary>
                <span class="tab-module-name">
                  {name} — {t(`portaltabs:kind.${option.kind}`)}
                </span>{' '}
                <span class="tab-module-state">{state}</span>
              </summary>
              <fieldset class="plain tab-module-body">
                <legend class="visually-hidden">{name}</legend>
                <p>
                  <a href={`${action.replace(/\/tabs$/, '/fields')}/${option.module.api_name}`}>
                    {t('portalfields:link')}
                    <span class="visually-hidden">: {name}</span>
                  </a>
                </p>
                {option.kind === 'base' ? (
                  <p>{t('portaltabs:baseAlwaysShown')}</p>
                ) : (
                  <div class="field">
                    <input type="checkbox" id={n('shown')} name={n('shown')} checked={v.shown} />
                    <label for={n('shown')}>{t('portaltabs:shown')}</label>
                    <FieldError id={`${n('shown')}-error`} message={err('shown')} />
                  </div>
                )}
                {viewOnly && <p>{t(option.forLineItems ? 'portaltabs:productsForLineItems' : 'portaltabs:publicViewOnly')}</p>}
                {option.kind === 'related' && option.lookups.length > 1 && (
                  <SelectField
                    name={n('filter')}
                    label={t('portaltabs:filterBy')}
                    hint={t('portaltabs:filterHint')}
                    options={[{ value: '', label: t('portaltabs:choose') }, ...option.lookups.map((f) => ({ value: f.id, label: fieldLabel(t, lang, f) }))]}
                    value={v.filterFieldId}
                    error={err('filter')}
                  />
                )}
                <fieldset>
                  <legend>{t('portaltabs:layouts')}</legend>
                  {option.layouts.map((l) => (
                    <div>
                      <input type="checkbox" id={`${n('layouts')}-${l.id}`} name={n('layouts')} value={l.id} checked={v.layoutIds.includes(l.id)} />
                      <label for={`${n('layouts')}-${l.id}`}>{labelOf(t, lang, l, l.api_name)}</label>
                    </div>
                  ))}
                  <FieldError id={`${n('layouts')}-error`} message={err('layouts')} />
                </fieldset>
                <fieldset>
                  <legend>{t('portaltabs:permissions')}</legend>
                  {perms.map((p) => (
                    <div>
                      <input type="checkbox" id={n(p)} name={n(p)} checked={Boolean(v[p as 'view' | 'create' | 'edit' | 'delete'])} />
                      <label for={n(p)}>{t(`portaltabs:perm.${p}`)}</label>
                    </div>
                  ))}
                  <FieldError id={`${n('delete')}-error`} message={err('delete')} />
                </fieldset>
                <fieldset>
                  <legend>{t('portaltabs:viewMode')}</legend>
                  {['list', 'canvas'].map((m) => (
                    <div>
                      <input type="radio" id={`${n('viewMode')}-${m}`} name={n('viewMode')} value={m} checked={v.viewMode === m} />
                      <label for={`${n('viewMode')}-${m}`}>{t(`portaltabs:mode.${m}`)}</label>
                    </div>
                  ))}
                  {err('viewMode') && (
                    <p class="field-error" id={`${n('viewMode')}-error`}>
                      {err('viewMode')} <a href="/admin/settings/portals/cards">{t('portaltabs:cardsLink')}</a>
                    </p>
                  )}
                </fieldset>
                <SelectField name={n('notes')} label={t('portaltabs:notes')} options={access} value={v.notes} error={err('notes')} />
                <SelectField name={n('attachments')} label={t('portaltabs:attachments')} options={access} value={v.attachments} error={err('attachments')} />
                <ReachChoice view={view} option={option} value={v.reach ?? 'mine'} name={n('reach')} error={err('reach')} />
                <details class="tab-labels" open={LANGUAGES.some((l) => v.labels?.[l] || err(`label.${l}`))}>
                  <summary>{t('portaltabs:labels.title')}</summary>
                  <p class="hint">{t('portaltabs:labels.hint', { module: name })}</p>
                  {LANGUAGES.map((l) => (
                    <TextField
                      name={n(`label.${l}`)}
                      label={t('portaltabs:labels.in', { language: view.fmt.languageName(l) })}
                      value={v.labels?.[l] ?? ''}
                      maxlength={TAB_LABEL_MAX}
                      error={err(`label.${l}`)}
                    />
                  ))}
                </details>
              </fieldset>
            </details>
          );
        })}
        <p class="form-actions">
          <button type="submit" class="button">
            {t('portalsteps:saveContinue')}
          </button>
        </p>
      </form>
    </section>
  );
}
