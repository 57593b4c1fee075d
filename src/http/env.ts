import type { PortalRequest } from '../auth/portal-request.js';
import type { SignedInStaff } from '../auth/staff.js';
import type { Org, Session } from '../db/schema.js';
import type { Deps } from '../deps.js';
import type { Formatters } from '../i18n/format.js';
import type { T } from '../i18n/i18n.js';
import type { Language } from '../i18n/languages.js';
import type { PortalSurface } from '../portals/surface.js';
import type { PortalHost, PortalHosts } from './portal-hosts.js';

/** What every view receives besides its own data: never a database, never the clock. */
export type ViewContext = {
  t: T;
  lang: Language;
  fmt: Formatters;
  asset(path: string): string;
  path: string;
  orgName: string | undefined;
  staff: { name: string; email: string; isAdmin: boolean } | undefined;
};

export type AppEnv = {
  Bindings: {
    /** Set when the request came for a portal's own host name (see servePortalHosts). */
    portalHost?: PortalHost;
    /** Set when the request named a host Porta does not answer for (see servePortalHosts). */
    misdirected?: boolean;
  };
  Variables: {
    portalHosts: PortalHosts;
    deps: Deps;
    requestId: string;
    org: Org | undefined;
    session: Session | undefined;
    staff: SignedInStaff | undefined;
    lang: Language;
    t: T;
    fmt: Formatters;
    view: ViewContext;
    /** Set on /p/:slug requests: the portal and its signed-in user, if any. */
    portal: PortalRequest | undefined;
    /** Set on a portal's tab pages, for the portal itself or its preview. */
    surface: PortalSurface | undefined;
  };
};

/** The portal host name a request came for, if any. */
export const portalHostOf = (c: { env: AppEnv['Bindings'] | undefined }): PortalHost | undefined => c.env?.portalHost;
