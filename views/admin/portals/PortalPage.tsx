import { moduleLabel } from '../../../src/crm/metadata.js';
import type { Module, Portal } from '../../../src/db/schema.js';
import type { ViewContext } from '../../../src/http/env.js';
import type { PortalErrors } from '../../../src/portals/portals.js';
import type { TypeErrors, UserTypeWithCounts } from '../../../src/portals/user-types.js';
import { Alert } from '../../components/Alert.js';
import { SelectField, TextField } from '../../components/Field.js';
import { PORTALS_PATH, portalUrl, SlugField, say } from './messages.js';
import { NextStep, SetupSteps } from './SetupSteps.js';
import { UserTypesTable } from './UserTypesTable.js';

export type PortalPageProps = {
  view: ViewContext;
  portal: Portal;
  oldSlugs: string[];
  types: UserTypeWithCounts[];
  baseModules: Module[];
  /** Cases the knowledge-base suggestions answered over the last 30 days. */
  deflected?: number;
  notice?: string | undefined;
  values?: { name?: string; slug?: string; typeName?: string; baseModule?: string; reopenDays?: string };
  portalErrors?: PortalErrors | undefined;
  typeErrors?: TypeErrors | undefined;
};

/** A portal: its name and address, and its user types with their licences. */
export function PortalPage({
  view,
  portal,
  oldSlugs,
  types,
  baseModules,
  deflected,
  notice,
  values = {},
  portalErrors = {},
  typeErrors = {},
}: PortalPageProps) {
  const { t, lang } = view;
  const base = `${PORTALS_PATH}/${portal.id}`;
  const first = types[0];
  const steps = { portalId: portal.id, typeId: first?.id, baseModule: first?.baseModule.api_name };
  return (
    <section>
      <p>
        <a href={PORTALS_PATH}>← {t('portals:backToList')}</a>
      </p>
      <SetupSteps view={view} current="portal" at={steps} />
      <h1>{portal.name}</h1>
      {notice && <Alert kind="success">{notice}</Alert>}
      {portalErrors.form && <Alert kind="error">{say(view, portalErrors.form)}</Alert>}
      <p>
        {t('portals:list.url')} <code>{portalUrl(portal.slug)}</code>
      </p>

      <h2>{t('portals:name.title')}</h2>
      <form method="post" action={`${base}/name`}>
        <TextField name="name" label={t('portals:name.label')} value={values.name ?? portal.name} error={say(view, portalErrors.name)} required />
        <button type="submit" class="button">
          {t('portals:name.submit')}
        </button>
      </form>

      <h2>{t('portals:slug.title')}</h2>
      <p>{t('portals:slug.changeNote')}</p>
      {oldSlugs.length > 0 && (
        <p>
          {t('portals:slug.oldSlugs')} {oldSlugs.map((s, i) => [i > 0 ? ', ' : '', <code>{portalUrl(s)}</code>])}
        </p>
      )}
      <form method="post" action={`${base}/slug`}>
        <SlugField view={view} value={values.slug ?? portal.slug} error={say(view, portalErrors.slug)} checkUrl={`${base}/slug-check`} />
        <button type="submit" class="button">
          {t('portals:slug.submit')}
        </button>
      </form>

      <section aria-labelledby="cases-title">
        <h2 id="cases-title">{t('portals:cases.title')}</h2>
        <form method="post" action={`${base}/cases`}>
          <TextField
            name="reopenDays"
            type="number"
            label={t('portals:cases.reopenDays')}
            hint={t('portals:cases.reopenHint')}
            value={values.reopenDays ?? String(portal.reopen_days)}
            error={say(view, portalErrors.reopenDays)}
            required
          />
          <button type="submit" class="button">
            {t('portals:cases.submit')}
          </button>
        </form>
        {deflected !== undefined && <p>{t('portals:deflections.count', { count: deflected })}</p>}
      </section>
      <h2 id="types-title">{t('portals:types.title')}</h2>
      <UserTypesTable view={view} types={types} caption={t('portals:types.title')} typeHref={(id) => `${base}/types/${id}`} />
      <p>
        <a href={`${base}/users`}>{t('portalusers:link')}</a> · <a href={`${base}/invite`}>{t('bulkinvite:link')}</a> ·{' '}
        <a href={`${base}/invitation-email`}>{t('portalusers:email.link')}</a>
      </p>

      <h3>{t('portals:types.add')}</h3>
      <form method="post" action={`${base}/types`}>
        <TextField
          name="typeName"
          label={t('portals:types.name')}
          value={values.typeName}
          error={say(view, typeErrors.name)}
          hint={t('portals:types.nameHint')}
          required
        />
        <SelectField
          name="baseModule"
          label={t('portals:types.baseModule')}
          value={values.baseModule}
          error={say(view, typeErrors.baseModule)}
          hint={t('portals:types.baseModuleHint')}
          required
          options={[{ value: '', label: t('portals:choose') }, ...baseModules.map((m) => ({ value: m.id, label: moduleLabel(t, lang, m, 'plural') }))]}
        />
        <button type="submit" class="button">
          {t('portals:types.addSubmit')}
        </button>
      </form>
      <NextStep view={view} current="portal" at={steps} />
    </section>
  );
}
