import type { AccessContext } from '../access/context.js';
import type { Portal, TimeFormat } from '../db/schema.js';
import type { ValidSession } from './sessions.js';

/** The signed-in portal user as the pages need them: their name, preferences and what two-factor asks of them. */
export type PortalAccount = {
  id: string;
  email: string;
  name: string;
  recordId: string;
  userTypeId: string;
  language: string | null;
  timeZone: string | null;
  timeFormat: TimeFormat | null;
  country: string | null;
  twoFactorRequired: boolean;
  twoFactorEnabled: boolean;
};

/** What a request to /p/:slug knows about its portal and its visitor. */
export type PortalRequest = {
  portal: Portal;
  /** /p/:slug */
  base: string;
  session: ValidSession | undefined;
  user: PortalAccount | undefined;
  /** Undefined while the session still owes its second factor: nothing is reachable yet. */
  access: AccessContext | undefined;
  pendingTwoFactor: boolean;
};
