import { sql, type Transaction } from 'kysely';
import type { PgBoss } from 'pg-boss';
import { audit } from '../audit/audit.js';
import { revokePasswordResets } from '../auth/password-reset.js';
import { invalidateUserSessions } from '../auth/sessions.js';
import type { Database } from '../db/database.js';
import type { DB, Portal, PortalUserStatus } from '../db/schema.js';
import { isUuid } from '../http/input.js';
import { isLanguage, type Language } from '../i18n/languages.js';
import { enqueueInvitationEmail } from '../invitations/invitation-email.js';
import { issueInvitation } from '../invitations/tokens.js';
import { licenceCounts } from './user-types.js';

// What staff do to portal users, one at a time or on a selection: each user
// of the selection is done or refused with one reason, all in one
// transaction. The portal's types are locked first, so licence counts hold
// however many people act at once; every change is in the audit log.

export const PORTAL_USER_ACTIONS = ['deactivate', 'reactivate', 'resend', 'remove', 'change_type', 'reset_two_factor'] as const;
export type PortalUserAction = (typeof PORTAL_USER_ACTIONS)[number];
export const isPortalUserAction = (v: string | undefined): v is PortalUserAction => PORTAL_USER_ACTIONS.includes(v as PortalUserAction);

export const ACTION_REFUSALS = [
  'already_deactivated',
  'not_deactivated',
  'not_invited',
  'accepted',
  'licence_limit',
  'other_base_module',
  'same_type',
  'unknown_type',
  'not_found',
  'no_two_factor',
] as const;
export type ActionRefusal = (typeof ACTION_REFUSALS)[number];

export type ActionOutcome = { id: string; name: string; email: string } & (
  | { ok: true; status: PortalUserStatus; sessionsEnded?: number }
  | { ok: false; reason: ActionRefusal }
);

/** Actions that cannot be undone as they were (sessions end, people go): staff confirm them after seeing what they will do. */
export const CONFIRMED_ACTIONS: readonly PortalUserAction[] = ['deactivate', 'remove', 'reset_two_factor'];
export const needsConfirmation = (action: PortalUserAction) => CONFIRMED_ACTIONS.includes(action);

export type ActionDeps = { db: Database; boss: PgBoss; baseUrl: string };

export type ActionRequest = {
  staffId: string;
  portalId: string;
  action: PortalUserAction;
  userIds: string[];
  /** change_type: the type the users move to. */
  toTypeId?: string | undefined;
  now?: Date;
};

/** Statuses that hold one of the type's licences. */
const HOLDS_LICENCE: readonly PortalUserStatus[] = ['invited', 'active'];

type LockedUser = {
  id: string;
  email: string;
  status: PortalUserStatus;
  user_type_id: string;
  record_id: string;
  language: string | null;
  accepted: boolean;
  name: string;
};

type LockedType = { id: string; name: string; base_module_id: string; user_limit: number };

/** Thrown to roll a preview back, carrying what the action would have done. */
class Preview extends Error {
  constructor(readonly outcomes: ActionOutcome[]) {
    super('preview');
  }
}

/**
 * What the action would do, user by user, without doing it: the action runs
 * with every rule and lock it has, and its transaction is rolled back, so the
 * confirmation states exactly what confirming does (as things stand now).
 */
export async function previewPortalUserAction(deps: ActionDeps, req: ActionRequest): Promise<ActionOutcome[]> {
  try {
    await applyPortalUserAction(deps, req, { rollback: true });
  } catch (err) {
    if (err instanceof Preview) return err.outcomes;
    throw err;
  }
  return [];
}

/** Applies one action to the selected users of a portal; users of other portals are not found. */
export async function applyPortalUserAction(deps: ActionDeps, req: ActionRequest, opts: { rollback?: boolean } = {}): Promise<ActionOutcome[]> {
  const ids = [...new Set(req.userIds.filter(isUuid))];
  if (ids.length === 0) return [];
  const now = req.now ?? new Date();
  return deps.db.transaction().execute(async (trx) => {
    const types = await trx
      .selectFrom('portal_user_types')
      .select(['id', 'name', 'base_module_id', 'user_limit'])
      .where('portal_id', '=', req.portalId)
      .orderBy('id')
      .forUpdate()
      .execute();
    const typeById = new Map<string, LockedType>(types.map((t) => [t.id, t]));
    const users: LockedUser[] = await trx
      .selectFrom('portal_users as u')
      // UNSCOPED READ: the own records' names of the portal users acted on, for staff who manage portal users.
      .innerJoin('records as r', 'r.id', 'u.record_id')
      .select(['u.id', 'u.email', 'u.status', 'u.user_type_id', 'u.record_id', 'u.language', 'r.display_name as name'])
      .select(sql<boolean>`(u.activated_at is not null or u.password_hash is not null)`.as('accepted'))
      .where('u.id', 'in', ids)
      .where('u.portal_id', '=', req.portalId)
      .orderBy('u.email')
      .forUpdate('u')
      .execute();
    const counts = await licenceCounts(trx, [...typeById.keys()]);
    const used = new Map([...counts].map(([id, c]) => [id, c.invited + c.active]));
    const ctx: ActionContext = { trx, deps, req, now, typeById, used, mail: undefined };

    const outcomes: ActionOutcome[] = [];
    for (const user of users) {
      const who = { id: user.id, name: user.name, email: user.email };
      const result = await ACTIONS[req.action](ctx, user);
      if (typeof result === 'string') outcomes.push({ ...who, ok: false, reason: result });
      else outcomes.push({ ...who, ok: true, status: result.status, ...(result.sessionsEnded === undefined ? {} : { sessionsEnded: result.sessionsEnded }) });
    }
    const found = new Set(users.map((u) => u.id));
    for (const id of ids.filter((id) => !found.has(id))) outcomes.push({ id, name: '', email: '', ok: false, reason: 'not_found' });
    if (opts.rollback) throw new Preview(outcomes);
    return outcomes;
  });
}

type MailFacts = {
  org: { name: string; time_zone: string; time_format: '12h' | '24h'; default_language: string };
  portal: Pick<Portal, 'name' | 'slug' | 'domain' | 'accent_color' | 'logo_hash'>;
  templates: { language: string; subject: string; body: string }[];
};

type ActionContext = {
  trx: Transaction<DB>;
  deps: ActionDeps;
  req: ActionRequest;
  now: Date;
  typeById: Map<string, LockedType>;
  /** Licences in use per type, kept current as the selection is worked through. */
  used: Map<string, number>;
  mail: MailFacts | undefined;
};

type Done = { status: PortalUserStatus; sessionsEnded?: number };
type Handler = (ctx: ActionContext, user: LockedUser) => Promise<Done | ActionRefusal>;

const seatFree = (ctx: ActionContext, typeId: string) => (ctx.used.get(typeId) ?? 0) < (ctx.typeById.get(typeId)?.user_limit ?? 0);
const take = (ctx: ActionContext, typeId: string, n: number) => ctx.used.set(typeId, (ctx.used.get(typeId) ?? 0) + n);

function log(ctx: ActionContext, action: string, user: LockedUser, details: Record<string, unknown> = {}) {
  return audit(
    ctx.trx,
    { kind: 'staff', id: ctx.req.staffId },
    action,
    { type: 'portal_user', id: user.id },
    {
      email: user.email,
      recordId: user.record_id,
      recordName: user.name,
      portalId: ctx.req.portalId,
      ...details,
    },
  );
}

async function revokeOpenLinks(ctx: ActionContext, userId: string) {
  await ctx.trx
    .updateTable('portal_invitations')
    .set({ revoked_at: ctx.now })
    .where('portal_user_id', '=', userId)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .execute();
}

/** A new personal link (revoking the earlier ones) and the invitation email, in the user's language. */
async function sendNewLink(ctx: ActionContext, user: LockedUser) {
  if (!ctx.mail) {
    const [org, portal, templates] = await Promise.all([
      ctx.trx.selectFrom('org').select(['name', 'time_zone', 'time_format', 'default_language']).executeTakeFirstOrThrow(),
      ctx.trx
        .selectFrom('portals')
        .select(['name', 'slug', 'domain', 'accent_color', 'logo_hash'])
        .where('id', '=', ctx.req.portalId)
        .executeTakeFirstOrThrow(),
      ctx.trx.selectFrom('invitation_templates').select(['language', 'subject', 'body']).where('portal_id', '=', ctx.req.portalId).execute(),
    ]);
    ctx.mail = { org, portal, templates };
  }
  const { org, portal, templates } = ctx.mail;
  const language: Language = isLanguage(user.language) ? user.language : isLanguage(org.default_language) ? org.default_language : 'en';
  const { token, expiresAt } = await issueInvitation(ctx.trx, user.id, ctx.req.staffId, ctx.now);
  const custom = templates.find((t) => t.language === language);
  await enqueueInvitationEmail(ctx.trx, ctx.deps, {
    portal,
    org,
    to: { address: user.email, name: user.name },
    language,
    token,
    expiresAt,
    custom: custom ? { subject: custom.subject, body: custom.body } : undefined,
  });
  await ctx.trx.updateTable('portal_users').set({ status: 'invited', invited_at: ctx.now, deactivated_at: null }).where('id', '=', user.id).execute();
}

const ACTIONS: Record<PortalUserAction, Handler> = {
  /** Signed out at once: every session ends and open links stop working. */
  async deactivate(ctx, user) {
    if (user.status === 'deactivated') return 'already_deactivated';
    await ctx.trx.updateTable('portal_users').set({ status: 'deactivated', deactivated_at: ctx.now }).where('id', '=', user.id).execute();
    await revokeOpenLinks(ctx, user.id);
    await revokePasswordResets(ctx.trx, { kind: 'portal', id: user.id }, ctx.now);
    const sessionsEnded = await invalidateUserSessions(ctx.trx, { kind: 'portal', id: user.id });
    if (HOLDS_LICENCE.includes(user.status)) take(ctx, user.user_type_id, -1);
    await log(ctx, 'portal_user.deactivated', user, { from: user.status, sessionsEnded });
    return { status: 'deactivated', sessionsEnded };
  },

  /** Back to active; someone who never accepted gets a new link instead. Either way a licence is taken. */
  async reactivate(ctx, user) {
    if (user.status !== 'deactivated') return 'not_deactivated';
    if (!seatFree(ctx, user.user_type_id)) return 'licence_limit';
    take(ctx, user.user_type_id, 1);
    if (user.accepted) {
      await ctx.trx.updateTable('portal_users').set({ status: 'active', deactivated_at: null }).where('id', '=', user.id).execute();
      await log(ctx, 'portal_user.reactivated', user, { to: 'active' });
      return { status: 'active' };
    }
    await sendNewLink(ctx, user);
    await log(ctx, 'portal_user.reactivated', user, { to: 'invited' });
    return { status: 'invited' };
  },

  async resend(ctx, user) {
    if (user.status !== 'invited' && user.status !== 'expired') return 'not_invited';
    if (user.status === 'expired') {
      if (!seatFree(ctx, user.user_type_id)) return 'licence_limit';
      take(ctx, user.user_type_id, 1);
    }
    await sendNewLink(ctx, user);
    await log(ctx, 'portal_user.invitation_resent', user, { from: user.status });
    return { status: 'invited' };
  },

  /**
   * For someone who lost both their authenticator and their recovery codes:
   * two-factor is off until they set it up again (at once, if their type
   * requires it), and their sessions end.
   */
  async reset_two_factor(ctx, user) {
    const removed = await ctx.trx.deleteFrom('two_factor').where('user_kind', '=', 'portal').where('user_id', '=', user.id).returning('user_id').execute();
    if (removed.length === 0) return 'no_two_factor';
    await ctx.trx.deleteFrom('recovery_codes').where('user_kind', '=', 'portal').where('user_id', '=', user.id).execute();
    const sessionsEnded = await invalidateUserSessions(ctx.trx, { kind: 'portal', id: user.id });
    await log(ctx, 'portal_user.two_factor_reset', user, { sessionsEnded });
    return { status: user.status, sessionsEnded };
  },

  /** Only someone who never accepted: the portal user and their links go, the record stays. */
  async remove(ctx, user) {
    if (user.accepted || user.status === 'active') return 'accepted';
    await ctx.trx.deleteFrom('portal_users').where('id', '=', user.id).execute();
    if (HOLDS_LICENCE.includes(user.status)) take(ctx, user.user_type_id, -1);
    await log(ctx, 'portal_user.removed', user, { status: user.status, userTypeId: user.user_type_id });
    return { status: user.status };
  },

  /** To another type of the same portal and base module; a user holding a licence needs a free one there. */
  async change_type(ctx, user) {
    const target = ctx.req.toTypeId ? ctx.typeById.get(ctx.req.toTypeId) : undefined;
    const current = ctx.typeById.get(user.user_type_id);
    if (!target || !current) return 'unknown_type';
    if (target.id === current.id) return 'same_type';
    if (target.base_module_id !== current.base_module_id) return 'other_base_module';
    if (HOLDS_LICENCE.includes(user.status)) {
      if (!seatFree(ctx, target.id)) return 'licence_limit';
      take(ctx, target.id, 1);
      take(ctx, current.id, -1);
    }
    await ctx.trx.updateTable('portal_users').set({ user_type_id: target.id }).where('id', '=', user.id).execute();
    await log(ctx, 'portal_user.type_changed', user, { from: current.id, fromName: current.name, to: target.id, toName: target.name });
    return { status: user.status };
  },
};
