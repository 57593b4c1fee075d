import { sql } from 'kysely';
import { type AccessContext, loadAccessContext, previewUserContext } from '../access/context.js';
import { loadModuleMetaById, type ModuleMeta } from '../crm/metadata.js';
import type { Database } from '../db/database.js';
import type { CrmRecord, PrivacyRequest } from '../db/schema.js';
import { type T, translator } from '../i18n/i18n.js';
import { type Language, matchLanguage } from '../i18n/languages.js';

// Whose export it is: the request, the person's record and portal accounts,
// the language the archive speaks, and how the people in it are named.

export type Account = Awaited<ReturnType<typeof accountsOf>>[number];

export type Person = {
  request: PrivacyRequest;
  subject: CrmRecord;
  meta: ModuleMeta;
  accounts: Account[];
  /** The person's own portal user ids: what they did is marked as theirs. */
  self: Set<string>;
  /** Filed by a portal user for a record they created: the archive holds what that user may see of it. */
  behalf: { ctx: AccessContext | undefined; requesterId: string } | undefined;
  t: T;
  lang: Language;
  org: { name: string; time_zone: string };
};

/** Someone who did something, as the person may read it: themselves, or only the kind of anyone else. */
export type Actor = { kind: 'portal'; self: true } | { kind: 'staff' | 'portal' | 'system' };

export const actorOf = (p: Person, kind: Actor['kind'], id: string | null): Actor =>
  kind === 'portal' && id !== null && p.self.has(id) ? { kind, self: true } : { kind };

export const actorText = (p: Person, actor: Actor) => p.t(`privacy:export.actors.${'self' in actor ? 'you' : actor.kind}`);

export async function loadPerson(db: Database, requestId: string): Promise<Person> {
  const request = await db.selectFrom('privacy_requests').selectAll().where('id', '=', requestId).executeTakeFirstOrThrow();
  const [subject, ownAccounts, org, requester] = await Promise.all([
    // UNSCOPED READ: worker job building the export of a request an administrator accepted: the person's own record.
    db.selectFrom('records').selectAll().where('id', '=', request.record_id).executeTakeFirstOrThrow(),
    accountsOf(db, request.record_id),
    db.selectFrom('org').select(['name', 'time_zone']).where('id', '=', 1).executeTakeFirstOrThrow(),
    request.portal_user_id
      ? db.selectFrom('portal_users').select(['id', 'record_id', 'portal_id']).where('id', '=', request.portal_user_id).executeTakeFirst()
      : undefined,
  ]);
  const meta = await loadModuleMetaById(db, subject.module_id);
  if (!meta) throw new Error(`privacy export ${request.number}: the module of record ${subject.id} is gone`);
  const lang = matchLanguage(request.language) ?? 'en';
  const onBehalf = requester !== undefined && requester.record_id !== subject.id;
  const behalf = onBehalf
    ? {
        requesterId: requester.id,
        ctx: (await loadAccessContext(db, { portalUserId: requester.id, portalId: requester.portal_id })) ?? (await previewUserContext(db, requester.id)),
      }
    : undefined;
  const accounts = behalf ? [] : ownAccounts;
  const self = new Set(behalf ? [behalf.requesterId] : accounts.map((a) => a.id));
  return { request, subject, meta, accounts, self, behalf, t: translator(lang), lang, org };
}

/** The person's portal accounts, column by column: a password hash or second-factor key is never read. */
function accountsOf(db: Database, recordId: string) {
  return db
    .selectFrom('portal_users as u')
    .innerJoin('portals as p', 'p.id', 'u.portal_id')
    .leftJoin('two_factor as tf', (j) => j.onRef('tf.user_id', '=', 'u.id').on('tf.user_kind', '=', 'portal'))
    .select(['u.id', 'u.portal_id', 'p.name as portal', 'u.email', 'u.status', 'u.language', 'u.time_format', 'u.time_zone', 'u.country'])
    .select(['u.created_at', 'u.invited_at', 'u.activated_at', 'u.deactivated_at', 'u.last_login_at'])
    .select(sql<boolean>`tf.enabled_at is not null`.as('two_factor_enabled'))
    .where('u.record_id', '=', recordId)
    .orderBy('u.created_at')
    .orderBy('u.id')
    .execute();
}
