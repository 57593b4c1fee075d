import { moduleLabel } from '../../../src/crm/metadata.js';
import type { Module, Portal } from '../../../src/db/schema.js';
import type { ViewContext } from '../../../src/http/env.js';
import { portalBrand, portalPublicUrl } from '../../../src/portals/branding.js';
import type { PortalErrors } from '../../../src/portals/portals.js';
import type { TypeErrors, UserTypeWithCounts } from '../../../src/portals/user-types.js';
import { Alert } from '../../components/Alert.js';
import { SelectField, TextField } from '../../components/Field.js';
import { PORTALS_PATH, SlugField, say } from './messages.js';
import { PortalAddress } from './PortalAddress.js';
import { SetupSteps } from './SetupSteps.js';
import { UserTypesTable } from './UserTypesTable.js';

export type PortalPageProps = {
  view: ViewContext;
  portal: Portal;
  oldSlugs: string[];
  types: UserTypeWithCounts[];
  baseModules: Module[];
  /** BASE_URL, to show the portal's full address. */
  baseUrl: string;
  /** Cases the knowledge-base suggestions answered over the last 30 days. */
  deflected?: number;
  /** Every live module, to choose the knowledge base from. */
  modules?: Module[];
  notice?: string | undefined;
  values?: Partial<Record<'name' | 'slug' | 'domain' | 'reopenDays' | 'knowledgeBase' | 'accent' | 'typeName' | 'baseModule', string | undefined>>;
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
  baseUrl,
  deflected,
  modules = [],
  notice,
  values = {},
  portalErrors = {},
  typeErrors = {},
}: PortalPageProps) {
  const { t, lang } = view;
  const base = `${PORTALS_PATH}/${portal.id}`;
  const first = types[0];
  const logo = portalBrand(portal).logoSrc;
  const slugAddress = (slug: string) => portalPublicUrl(baseUrl, { slug, domain: null });
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
      <PortalAddress view={view} url={portalPublicUrl(baseUrl, portal)} id="portal-address" />

      <form
        method="post"
        action={base}
        enctype="multipart/form-data"
        data-unsaved={t('portalsteps:unsaved')}
        data-unsaved-changed={Object.keys(portalErrors).length > 0 ? '' : undefined}
      >
        <fieldset>
          <legend>{t('portals:settings.identity')}</legend>
          <TextField name="name" label={t('portals:name.label')} value={values.name ?? portal.name} error={say(view, portalErrors.name)} required />
          <SlugField view={view} value={values.slug ?? portal.slug} error={say(view, portalErrors.slug)} checkUrl={`${base}/slug-check`} />
          <p class="hint">{t('portals:slug.changeNote')}</p>
          {oldSlugs.length > 0 && (
            <p class="hint">
              {t('portals:slug.oldSlugs')} {oldSlugs.map((s, i) => [i > 0 ? ', ' : '', <code>{slugAddress(s)}</code>])}
            </p>
          )}
          <p class="hint" id="domain-intro">
            {t('portals:domain.intro', { url: slugAddress(portal.slug) })}
          </p>
          <TextField
            name="domain"
            label={t('portals:domain.label')}
            hint={t('portals:domain.hint')}
            value={values.domain ?? portal.domain ?? ''}
            error={say(view, portalErrors.domain)}
          />
        </fieldset>

        <fieldset>
          <legend>{t('portals:cases.title')}</legend>
          <TextField
            name="reopenDays"
            type="number"
            label={t('portals:cases.reopenDays')}
            hint={t('portals:cases.reopenHint')}
            value={values.reopenDays ?? String(portal.reopen_days)}
            error={say(view, portalErrors.reopenDays)}
            required
          />
          <SelectField
            name="knowledgeBase"
            label={t('portals:cases.knowledgeBase')}
            hint={t('portals:cases.knowledgeBaseHint')}
            value={values.knowledgeBase ?? portal.knowledge_base_module_id ?? ''}
            error={say(view, portalErrors.knowledgeBase)}
            options={[
              { value: '', label: t('portals:cases.knowledgeBaseDefault') },
              ...modules.filter((m) => m.api_name !== 'solutions').map((m) => ({ value: m.id, label: moduleLabel(t, lang, m, 'plural') })),
            ]}
          />
          {deflected !== undefined && <p class="hint">{t('portals:deflections.count', { count: deflected })}</p>}
        </fieldset>

        <fieldset>
          <legend>{t('portals:branding.title')}</legend>
          <p class="hint">{t('portals:branding.intro')}</p>
          <TextField
            name="accent"
            label={t('portals:branding.accent')}
            hint={t('portals:branding.accentHint')}
            value={values.accent ?? portal.accent_color ?? ''}
            error={say(view, portalErrors.accent)}
          />
          {logo && (
            <p>
              {t('portals:branding.currentLogo')} <img src={logo} alt={t('portals:branding.logoAlt', { name: portal.name })} height="32" />
            </p>
          )}
          <div class={portalErrors.logo ? 'field has-error' : 'field'}>
            <label for="portal-logo">{t('portals:branding.logo')}</label>
            <input
              id="portal-logo"
              type="file"
              name="logo"
              accept=".png,.jpg,.jpeg,.gif,.webp"
              aria-describedby={portalErrors.logo ? 'portal-logo-hint portal-logo-error' : 'portal-logo-hint'}
              aria-invalid={portalErrors.logo ? 'true' : undefined}
            />
            <p class="hint" id="portal-logo-hint">
              {t('portals:branding.logoHint')}
            </p>
            {portalErrors.logo && (
              <p class="field-error" id="portal-logo-error">
                {say(view, portalErrors.logo)}
              </p>
            )}
          </div>
          {logo && (
            <div class="field checkbox">
              <input type="checkbox" id="remove-logo" name="removeLogo" />
              <label for="remove-logo">{t('portals:branding.logoRemove')}</label>
            </div>
          )}
        </fieldset>
        <p class="form-actions">
          <button type="submit" class="button">
            {t('portalsteps:saveContinue')}
          </button>
        </p>
      </form>

      <h2 id="types-title">{t('portals:types.title')}</h2>
      <UserTypesTable view={view} types={types} caption={t('portals:types.title')} typeHref={(id) => `${base}/types/${id}`} />
      <p>
        <a href={`${base}/users`}>{t('portalusers:link')}</a> · <a href={`${base}/invite`}>{t('bulkinvite:link')}</a> ·{' '}
        <a href={`${base}/invitation-email`}>{t('portalusers:email.link')}</a> · <a href={`${base}/sso`}>{t('sso:settings.link')}</a> ·{' '}
        <a href={`${base}/signup`}>{t('signup:settings.link')}</a>
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
        <button type="submit" class="button secondary">
          {t('portals:types.addSubmit')}
        </button>
      </form>
    </section>
  );
}
