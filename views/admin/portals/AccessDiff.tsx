import { fieldLabel, labelOf, moduleLabel } from '../../../src/crm/metadata.js';
import type { Field } from '../../../src/db/schema.js';
import type { ViewContext } from '../../../src/http/env.js';
import type { AccessDiff, LayoutDiff, ModuleDiff, TypeDiff } from '../../../src/portals/access-diff.js';

export type AccessDiffReviewProps = {
  view: ViewContext;
  diff: AccessDiff;
  /** Where the edited form posts: confirming and going back post there too. */
  action: string;
  /** Every value the form submitted, repeated so that confirming saves exactly what was reviewed. */
  values: [string, string][];
};

const FIELD_CHANGES = ['nowVisible', 'noLongerVisible', 'nowReadOnly', 'noLongerReadOnly'] as const;

function HiddenValues({ values }: { values: [string, string][] }) {
  return (
    <>
      {values.map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
    </>
  );
}

function RecordChanges({ view, type }: { view: ViewContext; type: TypeDiff }) {
  const { t, lang } = view;
  const lines = type.modules
    .filter((m) => m.scopeChanged)
    .flatMap((m: ModuleDiff) => {
      const module = moduleLabel(t, lang, m.module, 'plural');
      const out: string[] = [];
      if (m.reach) out.push(t(`accessdiff:reach.${m.reach}`, { module }));
      if (m.gained > 0) out.push(t('accessdiff:gains', { count: m.gained, formatted: view.fmt.number(m.gained), module }));
      if (m.lost > 0) out.push(t('accessdiff:loses', { count: m.lost, formatted: view.fmt.number(m.lost), module }));
      if (out.length === 0) out.push(t('accessdiff:noRecordMoves', { module }));
      return out;
    });
  if (lines.length === 0) return null;
  return (
    <ul>
      {lines.map((line) => (
        <li>{line}</li>
      ))}
    </ul>
  );
}

function FieldChanges({ view, module, layout }: { view: ViewContext; module: ModuleDiff['module']; layout: LayoutDiff }) {
  const { t, lang } = view;
  const list = new Intl.ListFormat(lang, { style: 'long', type: 'conjunction' });
  const names = (fields: Field[]) => list.format(fields.map((f) => fieldLabel(t, lang, f)));
  return (
    <>
      <h3>{t('accessdiff:layout', { module: moduleLabel(t, lang, module, 'plural'), layout: labelOf(t, lang, layout.layout, layout.layout.api_name) })}</h3>
      <dl class="details">
        {FIELD_CHANGES.filter((k) => layout[k].length > 0).map((k) => (
          <>
            <dt>{t(`accessdiff:fields.${k}`)}</dt>
            <dd>{names(layout[k])}</dd>
          </>
        ))}
      </dl>
    </>
  );
}

/** What saving a portal configuration changes for each affected user type, before it is saved. */
export function AccessDiffReview({ view, diff, action, values }: AccessDiffReviewProps) {
  const { t } = view;
  return (
    <section class="access-diff">
      <h1>{t('accessdiff:title')}</h1>
      <p>{t('accessdiff:intro')}</p>
      {diff.types.map((type) => (
        <section class="card">
          <h2>{t('accessdiff:type', { type: type.typeName, portal: type.portalName })}</h2>
          <p>
            {type.activeUsers > 0
              ? t('accessdiff:activeUsers', { count: type.activeUsers, formatted: view.fmt.number(type.activeUsers) })
              : t('accessdiff:noActiveUsers')}
          </p>
          <RecordChanges view={view} type={type} />
          {type.modules.flatMap((m) => m.layouts.map((layout) => <FieldChanges view={view} module={m.module} layout={layout} />))}
        </section>
      ))}
      <div class="actions">
        <form method="post" action={action} class="inline-form">
          <HiddenValues values={values} />
          <input type="hidden" name="confirm" value="1" />
          <button type="submit" class="button">
            {t('accessdiff:confirm')}
          </button>
        </form>
        <form method="post" action={action} class="inline-form">
          <HiddenValues values={values} />
          <input type="hidden" name="back" value="1" />
          <button type="submit" class="button secondary">
            {t('accessdiff:back')}
          </button>
        </form>
      </div>
    </section>
  );
}
