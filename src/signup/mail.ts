import type { Transaction } from 'kysely';
import type { PgBoss } from 'pg-boss';
import { portalSignupEmail, type SignupMailProps } from '../../views/emails/portal-signup.js';
import type { DB, Portal } from '../db/schema.js';
import { isLanguage, type Language } from '../i18n/languages.js';
import { enqueueEmail } from '../mail/outbox.js';
import { renderEmail } from '../mail/render.js';
import { emailBrand, portalPublicUrl } from '../portals/branding.js';

export type SignupMailDeps = { boss: PgBoss; baseUrl: string };

/** The language a sign-up's emails speak: the one it was made in, else the organization's. */
export function mailLanguage(own: string | null | undefined, orgDefault: string | undefined): Language {
  return isLanguage(own) ? own : isLanguage(orgDefault) ? orgDefault : 'en';
}

/** Writes one sign-up email into the outbox, in the caller's transaction. */
export async function queueSignupMail(
  trx: Transaction<DB>,
  deps: SignupMailDeps,
  portal: Portal,
  to: string,
  language: string | null | undefined,
  props: Omit<SignupMailProps, 'portalName' | 'orgName' | 'brand'>,
): Promise<void> {
  const org = await trx.selectFrom('org').select(['name', 'default_language']).executeTakeFirst();
  const rendered = await renderEmail(
    portalSignupEmail,
    { ...props, portalName: portal.name, orgName: org?.name ?? portal.name, brand: emailBrand(deps.baseUrl, portal) },
    mailLanguage(language, org?.default_language),
  );
  await enqueueEmail(trx, deps.boss, { address: to }, rendered);
}

/** The portal's pages under BASE_URL (or its own host), for the links in these emails. */
export const portalUrl = (deps: SignupMailDeps, portal: Portal) => portalPublicUrl(deps.baseUrl, portal);
