import type { ViewContext } from '../src/http/env.js';

export function ErrorPage({ view, title, message, requestId }: { view: ViewContext; title: string; message: string; requestId?: string | undefined }) {
  return (
    <section>
      <h1>{title}</h1>
      <p>{message}</p>
      {requestId && <p class="hint">{view.t('errors:reference', { id: requestId })}</p>}
      <p>
        <a href={view.staff ? '/admin' : '/'}>{view.t('errors:home')}</a>
      </p>
    </section>
  );
}
