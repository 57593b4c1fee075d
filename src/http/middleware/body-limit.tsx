import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv } from '../env.js';
import { errorPage, page } from '../render.js';

export const FORM_MAX_BYTES = 1024 * 1024;
/** Uploads (attachments, CSV imports) may be larger than forms. */
export const UPLOAD_MAX_BYTES = 26 * 1024 * 1024;

const tooLarge = (c: Parameters<MiddlewareHandler<AppEnv>>[0]) => {
  const t = c.get('t');
  // Refused before any portal is loaded: a portal's visitor is still led back to that portal, never to the staff side.
  const portal = /^\/p\/([a-z0-9-]{1,80})(\/|$)/.exec(c.req.path)?.[1];
  if (portal)
    return page(c, {
      title: t('errors:tooLarge.title'),
      layout: 'auth',
      status: 413,
      body: (
        <section>
          <h1>{t('errors:tooLarge.title')}</h1>
          <p>{t('errors:tooLarge.message')}</p>
          <p>
            <a href={`/p/${portal}`}>{t('portal:backHome')}</a>
          </p>
        </section>
      ),
    });
  return errorPage(c, 413, t('errors:tooLarge.title'), t('errors:tooLarge.message'));
};

const forms = bodyLimit({ maxSize: FORM_MAX_BYTES, onError: tooLarge });
const uploads = bodyLimit({ maxSize: UPLOAD_MAX_BYTES, onError: tooLarge });

/** Refuses oversized bodies before they are read into memory. */
export function bodySizeLimit(): MiddlewareHandler<AppEnv> {
  return (c, next) => (/\/(attachments|import)(\/|$)/.test(c.req.path) ? uploads(c, next) : forms(c, next));
}
