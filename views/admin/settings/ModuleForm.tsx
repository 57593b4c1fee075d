import { SHARING_LEVELS } from '../../../src/crm/module-admin.js';
import type { Labels } from '../../../src/db/schema.js';
import type { ViewContext } from '../../../src/http/env.js';
import { Alert } from '../../components/Alert.js';
import { SelectField } from '../../components/Field.js';
import { type FormErrors, LabelInputs } from './LabelInputs.js';
import { SETTINGS_BASE } from './ModuleList.js';

export type ModuleFormValues = { singular: Labels; plural: Labels; sharing: string };

export function SharingSelect({ view, value, errors }: { view: ViewContext; value: string; errors: FormErrors }) {
  const { t } = view;
  return (
    <SelectField
      name="sharing"
      label={t('settings:sharing.label')}
      hint={t('settings:sharing.hint')}
      options={SHARING_LEVELS.map((s) => ({ value: s, label: t(`settings:sharing.${s}`) }))}
      value={value}
      error={errors.sharing ? t(errors.sharing) : undefined}
    />
  );
}

/** Singular and plural names in each language; what a module's records are called. */
export function ModuleNames({ view, values, errors }: { view: ViewContext; values: ModuleFormValues; errors: FormErrors }) {
  const { t } = view;
  return (
    <>
      <LabelInputs
        view={view}
        name="singular"
        legend={t('settings:modules.singular')}
        hint={t('settings:labelsHint')}
        labels={values.singular}
        errors={errors}
        required
      />
      <LabelInputs view={view} name="plural" legend={t('settings:modules.plural')} labels={values.plural} errors={errors} required />
    </>
  );
}

/** A new custom module: its names and who sees its records. */
export function ModuleForm({ view, values, errors }: { view: ViewContext; values: ModuleFormValues; errors: FormErrors }) {
  const { t } = view;
  return (
    <section>
      <p>
        <a href={SETTINGS_BASE}>← {t('settings:modules.title')}</a>
      </p>
      <h1>{t('settings:modules.new')}</h1>
      <p>{t('settings:modules.newIntro')}</p>
      {Object.keys(errors).length > 0 && <Alert kind="error">{t('errors:formHasErrors')}</Alert>}
      <form method="post" action={SETTINGS_BASE} novalidate>
        <ModuleNames view={view} values={values} errors={errors} />
        <SharingSelect view={view} value={values.sharing} errors={errors} />
        <div class="form-actions">
          <button type="submit" class="button">
            {t('settings:modules.create')}
          </button>
          <a class="button secondary" href={SETTINGS_BASE}>
            {t('common:cancel')}
          </a>
        </div>
      </form>
    </section>
  );
}
