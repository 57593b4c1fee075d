import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env.js';
import { errorPage } from '../render.js';

// A NUL (or another C0 control other than tab and line breaks) is never part
// of anything a person types; PostgreSQL refuses it in text. Such a request is
// answered with a clear refusal before it reaches a form or a query.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is this pattern's whole purpose
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

function hasControl(text: string): boolean {
  if (!text.includes('%')) return CONTROL.test(text);
  try {
    return CONTROL.test(decodeURIComponent(text.replace(/\+/g, ' ')));
  } catch {
    return true;
  }
}

/** A portal's address with a well-formed slug: the portal refuses such requests itself, once it knows its visitor's language. */
const PORTAL_PATH = /^\/p\/[a-z0-9-]{1,60}(\/|$)/;

export function refuseControlCharacters(opts: { exceptPortals?: boolean } = {}): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (opts.exceptPortals && PORTAL_PATH.test(c.req.path)) return next();
    const url = new URL(c.req.url);
    let bad = hasControl(url.pathname) || hasControl(url.search);
    const type = c.req.header('Content-Type') ?? '';
    if (!bad && type.startsWith('application/x-www-form-urlencoded')) bad = hasControl(await c.req.text());
    // A multipart form's text fields (files keep their bytes; their names are cleaned where they are stored).
    // Hono keeps the parsed body, so the route reads the same form without parsing it again.
    if (!bad && type.startsWith('multipart/form-data')) {
      const form = await c.req.parseBody({ all: true }).catch(() => ({}) as Record<string, unknown>);
      bad = Object.values(form)
        .flat()
        .some((v) => typeof v === 'string' && CONTROL.test(v));
    }
    if (!bad) return next();
    const t = c.get('t');
    return errorPage(c, 400, t('errors:badInput.title'), t('errors:badInput.message'));
  };
}
