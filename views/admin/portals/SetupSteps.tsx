import type { ViewContext } from '../../../src/http/env.js';
import { PORTALS_PATH } from './messages.js';

export const STEPS = ['portal', 'type', 'tabs', 'fields', 'finish'] as const;
export type Step = (typeof STEPS)[number];

export type StepPlace = {
  portalId?: string | undefined;
  typeId?: string | undefined;
  baseModule?: string | undefined;
  /** Every user type of the portal, so the user-type step reaches each of them. */
  types?: { id: string; name: string }[] | undefined;
};

/** Where each step of a portal's configuration is edited; undefined until the earlier steps exist. */
export function stepHref(step: Step, at: StepPlace): string | undefined {
  const { portalId, typeId, baseModule } = at;
  switch (step) {
    case 'portal':
      return portalId ? `${PORTALS_PATH}/${portalId}` : `${PORTALS_PATH}/new`;
    case 'type':
      if (!portalId) return undefined;
      return typeId ? `${PORTALS_PATH}/${portalId}/types/${typeId}` : `${PORTALS_PATH}/${portalId}#types-title`;
    case 'tabs':
      return typeId ? `/admin/settings/portals/types/${typeId}/tabs` : undefined;
    case 'fields':
      return typeId && baseModule ? `/admin/settings/portals/types/${typeId}/fields/${baseModule}` : undefined;
    case 'finish':
      return portalId ? `${PORTALS_PATH}/${portalId}/summary` : undefined;
  }
}

/**
 * The configuration as steps — portal, user type, tabs, field permissions,
 * finish — each one a link once reachable. Its script warns before leaving a
 * step whose form (marked data-unsaved) has changes not saved yet.
 */
export function SetupSteps({ view, current, at }: { view: ViewContext; current: Step; at: StepPlace }) {
  const { t } = view;
  return (
    <nav class="steps" aria-label={t('portalsteps:label')}>
      <script type="module" src={view.asset('js/unsaved.js')}></script>
      <ol>
        {STEPS.map((step, i) => {
          const href = stepHref(step, at);
          const label = t('portalsteps:step', { n: i + 1, name: t(`portalsteps:names.${step}`) });
          if (step === 'type' && at.portalId && at.types && at.types.length > 1)
            return <TypeStep view={view} label={label} current={step === current} at={at} types={at.types} />;
          if (step === current)
            return (
              <li class="current">
                <span aria-current="step">{label}</span>
              </li>
            );
          return <li>{href ? <a href={href}>{label}</a> : <span class="muted">{label}</span>}</li>;
        })}
      </ol>
    </nav>
  );
}

/** The user-type step of a portal with several types: one link per type, the one at hand marked. */
function TypeStep({
  view,
  label,
  current,
  at,
  types,
}: {
  view: ViewContext;
  label: string;
  current: boolean;
  at: StepPlace;
  types: { id: string; name: string }[];
}) {
  return (
    <li class={current ? 'current step-types' : 'step-types'}>
      {current ? <span aria-current="step">{label}</span> : <span>{label}</span>}
      <ul aria-label={view.t('portalsteps:types')}>
        {types.map((type) => (
          <li>
            <a
              href={`${PORTALS_PATH}/${at.portalId}/types/${type.id}`}
              class={type.id === at.typeId ? 'selected' : undefined}
              aria-current={current && type.id === at.typeId ? 'page' : undefined}
            >
              {type.name}
            </a>
          </li>
        ))}
      </ul>
    </li>
  );
}
