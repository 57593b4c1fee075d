import { fieldLabel, moduleLabel } from '../../../src/crm/metadata.js';
import type { Indicator, IndicatorErrors, IndicatorInput, IndicatorOption } from '../../../src/dashboards/indicators.js';
import type { ViewContext } from '../../../src/http/env.js';
import { Alert } from '../../components/Alert.js';
import { SelectField } from '../../components/Field.js';

export type DashboardPageProps = {
  view: ViewContext;
  base: string;
  typeName: string;
  portalName: string;
  options: IndicatorOption[];
  indicators: Indicator[];
  values: Partial<IndicatorInput>;
  errors: IndicatorErrors;
};

/** The indicators a user type's portal home shows, and a form to add one. */
export function DashboardPage({ view, base, typeName, portalName, options, indicators, values, errors }: DashboardPageProps) {
  const { t, lang } = view;
  const err = (k: keyof IndicatorErrors) => (errors[k] ? t(errors[k] as string) : undefined);
  const field = (id: string | null) => (id ? options.flatMap((o) => [...o.currencies, ...o.picklists]).find((f) => f.id === id) : undefined);
  const describe = (i: Indicator) => {
    const option = options.find((o) => o.module.id === i.moduleId);
    const module = option ? moduleLabel(t, lang, option.module, 'plural') : '—';
    const groupField = field(i.groupFieldId);
    const group = groupField ? fieldLabel(t, lang, groupField) : t('portal:dashboards.owner');
    const sum = field(i.sumFieldId);
    return i.measure === 'sum' && sum
      ? t('portal:dashboards.sumTitle', { field: fieldLabel(t, lang, sum), module, group })
      : t('portal:dashboards.countTitle', { module, group });
  };
  return (
    <section>
      <h1>{t('portalconfig:dashboards.title', { type: typeName, portal: portalName })}</h1>
      <p>{t('portalconfig:dashboards.intro')}</p>
      {indicators.length === 0 ? (
        <Alert kind="info">{t('portalconfig:dashboards.none')}</Alert>
      ) : (
        <ul class="web-tabs">
          {indicators.map((i) => (
            <li>
              <strong>{describe(i)}</strong>{' '}
              <form method="post" action={`${base}/${i.id}/remove`} class="inline-form">
                <button type="submit" class="button secondary small">
                  {t('portalconfig:dashboards.remove')}
                  <span class="visually-hidden">: {describe(i)}</span>
                </button>
              </form>
            </li>
          ))}
        </ul>
      )}
      <form method="post" action={base} class="card">
        <h2>{t('portalconfig:dashboards.add')}</h2>
        {Object.keys(errors).length > 0 && <Alert kind="error">{err('form') ?? t('errors:formHasErrors')}</Alert>}
        <SelectField
          name="moduleId"
          label={t('portalconfig:dashboards.module')}
          options={options.map((o) => ({ value: o.module.id, label: moduleLabel(t, lang, o.module, 'plural') }))}
          value={values.moduleId}
          error={err('module')}
        />
        <SelectField
          name="measure"
          label={t('portalconfig:dashboards.measure')}
          options={[
            { value: 'count', label: t('portalconfig:dashboards.count') },
            { value: 'sum', label: t('portalconfig:dashboards.sum') },
          ]}
          value={values.measure}
          error={err('measure')}
        />
        <SelectField
          name="sumFieldId"
          label={t('portalconfig:dashboards.sumField')}
          hint={t('portalconfig:dashboards.sumFieldHint')}
          options={[
            { value: '', label: '—' },
            ...options.flatMap((o) =>
              o.currencies.map((f) => ({ value: f.id, label: `${moduleLabel(t, lang, o.module, 'plural')}: ${fieldLabel(t, lang, f)}` })),
            ),
          ]}
          value={values.sumFieldId}
          error={err('sumField')}
        />
        <SelectField
          name="groupBy"
          label={t('portalconfig:dashboards.groupBy')}
          options={[
            { value: 'owner', label: t('portalconfig:dashboards.byOwner') },
            ...options.flatMap((o) =>
              o.picklists.map((f) => ({ value: f.id, label: `${moduleLabel(t, lang, o.module, 'plural')}: ${fieldLabel(t, lang, f)}` })),
            ),
          ]}
          value={values.groupBy}
          error={err('groupBy')}
        />
        <button type="submit" class="button">
          {t('portalconfig:dashboards.add')}
        </button>
      </form>
    </section>
  );
}
