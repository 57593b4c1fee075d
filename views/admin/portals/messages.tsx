import type { ViewContext } from '../../../src/http/env.js';
import type { Message } from '../../../src/portals/portals.js';

export const PORTALS_PATH = '/admin/settings/portals';

/** A domain message in the reader's language. */
export function say(view: ViewContext, message: Message | undefined): string | undefined {
  return message ? view.t(message.key, message.params ?? {}) : undefined;
}

/**
 * The slug field with its live availability message. The message region is
 * what the check endpoint answers, so typing and submitting show the same text.
 */
export function SlugField({
  view,
  value,
  error,
  checkUrl,
  available,
}: {
  view: ViewContext;
  value: string;
  error?: string | undefined;
  checkUrl: string;
  available?: boolean;
}) {
  const { t } = view;
  return (
    <div class={error ? 'field has-error' : 'field'}>
      <label for="slug">{t('portals:slug.label')}</label>
      <input
        id="slug"
        name="slug"
        type="text"
        value={value}
        autocomplete="off"
        spellcheck={false}
        maxlength={40}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby="slug-hint slug-status"
        hx-get={checkUrl}
        hx-trigger="input changed delay:300ms"
        hx-target="#slug-status"
        hx-swap="outerHTML"
      />
      <p class="hint" id="slug-hint">
        {t('portals:slug.hint')}
      </p>
      <SlugStatus view={view} error={error} available={available} />
    </div>
  );
}

export function SlugStatus({ view, error, available }: { view: ViewContext; error?: string | undefined; available?: boolean | undefined }) {
  return (
    <p id="slug-status" class={error ? 'field-error' : 'hint'} aria-live="polite">
      {error ?? (available ? view.t('portals:slug.available') : '')}
    </p>
  );
}
