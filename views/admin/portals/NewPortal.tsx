import type { ViewContext } from '../../../src/http/env.js';
import type { PortalErrors } from '../../../src/portals/portals.js';
import { Alert } from '../../components/Alert.js';
import { TextField } from '../../components/Field.js';
import { PORTALS_PATH, SlugField, say } from './messages.js';
import { SetupSteps } from './SetupSteps.js';

export type NewPortalProps = {
  view: ViewContext;
  values: { name: string; slug: string };
  defaultName: string;
  errors?: PortalErrors | undefined;
};

/** The first step: the portal's name and its address. */
export function NewPortal({ view, values, defaultName, errors = {} }: NewPortalProps) {
  const { t } = view;
  return (
    <section>
      <p>
        <a href={PORTALS_PATH}>← {t('portals:backToList')}</a>
      </p>
      <SetupSteps view={view} current="portal" at={{}} />
      <h1>{t('portals:create.title')}</h1>
      <p>{t('portals:create.intro')}</p>
      {errors.form && <Alert kind="error">{say(view, errors.form)}</Alert>}
      <form method="post" action={PORTALS_PATH}>
        <TextField
          name="name"
          label={t('portals:name.label')}
          value={values.name}
          error={say(view, errors.name)}
          hint={t('portals:name.defaultHint', { name: defaultName })}
        />
        <SlugField view={view} value={values.slug} error={say(view, errors.slug)} checkUrl={`${PORTALS_PATH}/slug-check`} />
        <button type="submit" class="button">
          {t('portals:create.submit')}
        </button>
      </form>
    </section>
  );
}
