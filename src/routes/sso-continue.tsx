import type { Context } from 'hono';
import type { PortalShell } from '../../views/layouts/PortalLayout.js';
import { SsoContinue } from '../../views/portal/auth/SsoSignIn.js';
import type { AppEnv } from '../http/env.js';
import { page } from '../http/render.js';

/** The answer to a single sign-on start: a page that sends the browser on to the provider's address at once. */
export function continueToProvider(c: Context<AppEnv>, url: string, portal?: PortalShell) {
  c.header('Refresh', `0; url=${url}`);
  c.header('Cache-Control', 'no-store');
  const body = <SsoContinue view={c.get('view')} url={url} />;
  return page(c, portal ? { title: c.get('t')('sso:continue.title'), body, portal } : { title: c.get('t')('sso:continue.title'), body, layout: 'auth' });
}
