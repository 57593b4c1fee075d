import { labelOf } from '../../src/crm/metadata.js';
import type { Layout } from '../../src/db/schema.js';
import type { ViewContext } from '../../src/http/env.js';

/** Choosing the layout of a new record: a plain GET form that draws the new-record form again in that layout. */
export function LayoutChooser({ view, action, layouts, layoutId }: { view: ViewContext; action: string; layouts: Layout[]; layoutId: string | undefined }) {
  const { t, lang } = view;
  return (
    <form method="get" action={action} class="inline-form">
      <label for="layout-choice">{t('crm:layout')}</label>
      <select id="layout-choice" name="layout">
        {layouts.map((l) => (
          <option value={l.id} selected={l.id === layoutId}>
            {labelOf(t, lang, l, l.api_name)}
          </option>
        ))}
      </select>
      <button type="submit" class="button secondary small">
        {t('crm:useLayout')}
      </button>
    </form>
  );
}
