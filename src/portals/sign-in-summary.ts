import { sql } from 'kysely';
import { loadModuleMetaById } from '../crm/metadata.js';
import { snapshotFor } from '../db/config-snapshot.js';
import type { Database } from '../db/database.js';
import type { Field, Portal } from '../db/schema.js';
import { emailField } from '../invitations/reasons.js';
import { providerName, providerProblem } from '../sso/provider.js';
import { portalRedirectUris } from '../sso/sign-in.js';

// The summary's "sign-in and sign-up" part: how people get into the portal
// (single sign-on, password) and how they may join it (self sign-up), in one
// statement (two without the request's configuration snapshot) whatever the
// number of fields and sign-ups. Never the secret.

export type SsoSummary = {
  enabled: boolean;
  issuer: string;
  /** A well-known provider's name, else undefined. */
  provider: string | undefined;
  clientId: string;
  scopes: string;
  signupAllowed: boolean;
  /** Single sign-on is on but cannot be used: no application key, or a secret it cannot decrypt. */
  problem: 'no_key' | 'unreadable_secret' | undefined;
};

export type SignInSummary = {
  /** undefined: never set up. */
  sso: SsoSummary | undefined;
  passwordSignIn: boolean;
  redirectUris: string[];
  signup: {
    /** The user type sign-ups feed; undefined: sign-up is off. */
    typeName: string | undefined;
    fields: Field[];
    ownerName: string | undefined;
    domains: string[];
    pending: number;
    waiting: number;
  };
};

/**
 * The fields a sign-up asks besides the email: the chosen ones and those the
 * CRM requires (always asked), in the module's order; from the request's
 * configuration snapshot when there is one.
 */
async function askedFieldsOf(db: Database, baseModuleId: string, chosen: readonly string[]): Promise<Field[]> {
  const all = snapshotFor(db)?.byId.get(baseModuleId)?.fields ?? (await loadModuleMetaById(db, baseModuleId))?.fields ?? [];
  const email = emailField(all);
  return all.filter((f) => !f.deleted_at && !f.parent_field_id && f.id !== email?.id && (chosen.includes(f.id) || (f.required && !f.options.computed)));
}

export async function signInSummary(db: Database, portal: Portal, opts: { baseUrl: string; appKey: Buffer | undefined }): Promise<SignInSummary> {
  const row = await db
    .selectFrom('portals as p')
    .leftJoin('portal_sso as s', 's.portal_id', 'p.id')
    .leftJoin('portal_user_types as ut', 'ut.id', 'p.signup_user_type_id')
    .leftJoin('staff_users as su', 'su.id', 'p.signup_owner_id')
    .select(['s.enabled', 's.issuer', 's.client_id', 's.client_secret', 's.scopes', 's.password_sign_in', 's.signup_allowed'])
    .select(['ut.name as type_name', 'ut.base_module_id', 'su.name as owner_name'])
    .select((eb) => [
      eb
        .selectFrom('portal_signups')
        .select(sql<string>`count(*) filter (where status = 'pending')`.as('n'))
        .whereRef('portal_signups.portal_id', '=', 'p.id')
        .as('pending'),
      eb
        .selectFrom('portal_signups')
        .select(sql<string>`count(*) filter (where status = 'waiting')`.as('n'))
        .whereRef('portal_signups.portal_id', '=', 'p.id')
        .as('waiting'),
    ])
    .where('p.id', '=', portal.id)
    .executeTakeFirstOrThrow();
  const fields = row.base_module_id ? await askedFieldsOf(db, row.base_module_id, portal.signup_field_ids) : [];
  const sso =
    row.enabled === null || row.issuer === null || row.client_id === null || row.client_secret === null || row.scopes === null
      ? undefined
      : {
          enabled: row.enabled,
          issuer: row.issuer,
          provider: providerName(row.issuer),
          clientId: row.client_id,
          scopes: row.scopes,
          signupAllowed: row.signup_allowed ?? false,
          problem: providerProblem(
            { enabled: row.enabled, issuer: row.issuer, client_id: row.client_id, client_secret: row.client_secret, scopes: row.scopes },
            opts.appKey,
          ),
        };
  return {
    sso,
    // Password sign-in is off only while single sign-on can really be used, as on the sign-in page.
    passwordSignIn: !sso?.enabled || sso.problem !== undefined || (row.password_sign_in ?? true),
    redirectUris: portalRedirectUris(opts.baseUrl, portal),
    signup: {
      typeName: portal.signup_user_type_id ? (row.type_name ?? undefined) : undefined,
      fields,
      ownerName: row.owner_name ?? undefined,
      domains: portal.signup_domains,
      pending: Number(row.pending ?? 0),
      waiting: Number(row.waiting ?? 0),
    },
  };
}
