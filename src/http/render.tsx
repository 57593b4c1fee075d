import type { Context } from 'hono';
import type { Child } from 'hono/jsx';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ErrorPage } from '../../views/ErrorPage.js';
import { AdminLayout } from '../../views/layouts/AdminLayout.js';
import { AuthLayout } from '../../views/layouts/AuthLayout.js';
import { PortalLayout, type PortalShell } from '../../views/layouts/PortalLayout.js';
import type { AppEnv } from './env.js';

export type PageOptions = {
  title: string;
  /** The page's main content; also the fragment answered to htmx requests unless `fragment` is given. */
  body: Child;
  fragment?: Child;
  layout?: 'admin' | 'auth';
  /** A portal page: rendered in the portal's shell (its name, tabs and, in a preview, the banner). */
  portal?: PortalShell;
  status?: ContentfulStatusCode;
};

/** htmx asked for a piece of the page (boosted navigation wants the whole page). */
export function wantsFragment(c: Context): boolean {
  return c.req.header('HX-Request') === 'true' && c.req.header('HX-Boosted') !== 'true';
}

/** The one way routes answer HTML: the full page, or for htmx the fragment alone. */
export async function page(c: Context<AppEnv>, opts: PageOptions): Promise<Response> {
  c.header('Vary', 'HX-Request, HX-Boosted, Cookie, Accept-Language', { append: true });
  // Pages of a signed-in user must not come back from a cache (or the back button) after signing out.
  if (c.get('staff')) c.header('Cache-Control', 'no-store');
  const status = opts.status ?? 200;
  if (wantsFragment(c)) {
    // biome-ignore lint/complexity/noUselessFragments: the fragment turns any child into an element c.html can render
    return c.html(<>{opts.fragment ?? opts.body}</>, status);
  }
  const view = c.get('view');
  const Layout = opts.layout === 'auth' ? AuthLayout : AdminLayout;
  const html = opts.portal ? (
    <PortalLayout view={view} title={opts.title} portal={opts.portal}>
      {opts.body}
    </PortalLayout>
  ) : (
    <Layout view={view} title={opts.title}>
      {opts.body}
    </Layout>
  );
  return c.html(`<!DOCTYPE html>${await html.toString()}`, status);
}

/** A refusal or failure as a page in the visitor's language (or the fragment, for htmx). */
export function errorPage(c: Context<AppEnv>, status: ContentfulStatusCode, title: string, message: string, requestId?: string): Promise<Response> {
  return page(c, {
    title,
    layout: c.get('staff') ? 'admin' : 'auth',
    status,
    body: <ErrorPage view={c.get('view')} title={title} message={message} requestId={requestId} />,
  });
}

/** The page for an address that names nothing (or nothing this user may reach: the same answer). */
export function notFound(c: Context<AppEnv>): Promise<Response> {
  const t = c.get('t');
  return errorPage(c, 404, t('errors:notFound.title'), t('errors:notFound.message'));
}

/** The page for an action this user may not take. */
export function forbidden(c: Context<AppEnv>): Promise<Response> {
  const t = c.get('t');
  return errorPage(c, 403, t('errors:forbiddenTitle'), t('errors:forbidden'));
}
