import { type Kysely, sql } from 'kysely';
import type { PgBoss } from 'pg-boss';
import { welcomeStaffEmail } from '../../views/emails/welcome-staff.js';
import { type Actor, audit } from '../audit/audit.js';
import type { Database } from '../db/database.js';
import type { DB, Profile, StaffUser } from '../db/schema.js';
import { isEmail, isUuid } from '../http/input.js';
import { isLanguage, type Language } from '../i18n/languages.js';
import { enqueueEmail } from '../mail/outbox.js';
import { renderEmail } from '../mail/render.js';
import type { FieldErrors } from '../org/setup-input.js';
import { hashPassword, passwordProblem } from './passwords.js';
import { invalidateUserSessions } from './sessions.js';

export type StaffProfileRef = Pick<Profile, 'id' | 'api_name' | 'label_key' | 'name' | 'is_admin'>;
export type StaffListItem = Pick<StaffUser, 'id' | 'name' | 'email' | 'active' | 'language' | 'created_at'> & { profile: StaffProfileRef };

export const STAFF_NAME_MAX = 120;

// Serializes every change that could leave the organization without an active administrator.
const ADMIN_COUNT_LOCK = 7_320_102;

function staffQuery(db: Kysely<DB>) {
  return db
    .selectFrom('staff_users as s')
    .innerJoin('profiles as p', 'p.id', 's.profile_id')
    .select(['s.id', 's.name', 's.email', 's.active', 's.language', 's.created_at'])
    .select(['p.id as profile_id', 'p.api_name', 'p.label_key', 'p.name as profile_name', 'p.is_admin']);
}

type StaffRow = Awaited<ReturnType<ReturnType<typeof staffQuery>['executeTakeFirstOrThrow']>>;

function toItem({ profile_id, api_name, label_key, profile_name, is_admin, ...s }: StaffRow): StaffListItem {
  return { ...s, profile: { id: profile_id, api_name, label_key, name: profile_name, is_admin } };
}

/** Active users first, then by name. */
export async function listStaff(db: Database): Promise<StaffListItem[]> {
  const rows = await staffQuery(db)
    .orderBy('s.active', 'desc')
    .orderBy((eb) => eb.fn('lower', ['s.name']))
    .execute();
  return rows.map(toItem);
}

export async function getStaff(db: Database, id: string): Promise<StaffListItem | undefined> {
  if (!isUuid(id)) return undefined;
  const row = await staffQuery(db).where('s.id', '=', id).executeTakeFirst();
  return row ? toItem(row) : undefined;
}

export type NewStaffInput = { name: string; email: string; profileId: string; language: Language | null; password: string };

/** Checks the form for a new staff user; every problem is a locale key next to its field. */
export function validateNewStaff(form: Record<string, string | undefined>): { ok: true; input: NewStaffInput } | { ok: false; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const name = (form.name ?? '').trim();
  if (!name) errors.name = 'errors:required';
  else if (name.length > STAFF_NAME_MAX) errors.name = 'errors:tooLong';
  const email = (form.email ?? '').trim().toLowerCase();
  if (!email) errors.email = 'errors:required';
  else if (!isEmail(email)) errors.email = 'errors:email';
  const profileId = form.profile ?? '';
  if (!isUuid(profileId)) errors.profile = 'errors:choose';
  const language = form.language ?? '';
  if (language && !isLanguage(language)) errors.language = 'errors:choose';
  const password = form.password ?? '';
  const problem = passwordProblem(password);
  if (problem) errors.password = `errors:password.${problem}`;
  else if (password !== (form.passwordConfirm ?? '')) errors.passwordConfirm = 'errors:password.mismatch';
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, input: { name, email, profileId, language: language ? (language as Language) : null, password } };
}

export type WelcomeContext = { orgName: string; defaultLanguage: Language; baseUrl: string; addedBy: string };
export type CreateStaffResult = { ok: true; staff: StaffUser } | { ok: false; errors: FieldErrors };

const emailTaken = { ok: false, errors: { email: 'access:users.errors.emailTaken' } } as const;

/** Adds a staff user and writes their welcome email to the outbox in the same transaction. */
export async function createStaffUser(db: Database, boss: PgBoss, actor: Actor, input: NewStaffInput, welcome: WelcomeContext): Promise<CreateStaffResult> {
  const language = input.language ?? welcome.defaultLanguage;
  const [passwordHash, email] = await Promise.all([
    hashPassword(input.password),
    renderEmail(
      welcomeStaffEmail,
      { name: input.name, orgName: welcome.orgName, email: input.email, loginUrl: `${welcome.baseUrl}/admin/login`, addedBy: welcome.addedBy },
      language,
    ),
  ]);
  try {
    return await db.transaction().execute(async (trx) => {
      const profile = await trx.selectFrom('profiles').select('id').where('id', '=', input.profileId).executeTakeFirst();
      if (!profile) return { ok: false, errors: { profile: 'errors:choose' } } as const;
      const existing = await trx
        .selectFrom('staff_users')
        .select('id')
        .where((eb) => eb(eb.fn('lower', ['email']), '=', input.email))
        .executeTakeFirst();
      if (existing) return emailTaken;
      const staff = await trx
        .insertInto('staff_users')
        .values({ name: input.name, email: input.email, password_hash: passwordHash, profile_id: profile.id, language: input.language })
        .returningAll()
        .executeTakeFirstOrThrow();
      await audit(trx, actor, 'staff.create', { type: 'staff_user', id: staff.id }, { email: staff.email, profileId: profile.id });
      await enqueueEmail(trx, boss, { address: staff.email, name: staff.name }, email);
      return { ok: true, staff } as const;
    });
  } catch (err) {
    // Two admins adding the same address at once: the unique index on lower(email) decides.
    if ((err as { code?: string }).code === '23505') return emailTaken;
    throw err;
  }
}

export type StaffChangeResult = { ok: true } | { ok: false; reason: 'not_found' | 'self' | 'last_admin' | 'profile_not_found' };

/** Whether anyone other than this user is an active administrator. */
async function otherActiveAdmins(trx: Kysely<DB>, userId: string): Promise<boolean> {
  const row = await trx
    .selectFrom('staff_users as s')
    .innerJoin('profiles as p', 'p.id', 's.profile_id')
    .select('s.id')
    .where('p.is_admin', '=', true)
    .where('s.active', '=', true)
    .where('s.id', '!=', userId)
    .limit(1)
    .executeTakeFirst();
  return Boolean(row);
}

/** Locks the admin count and reads the user; undefined when there is no such user. */
async function lockedTarget(trx: Kysely<DB>, userId: string) {
  await sql`select pg_advisory_xact_lock(${ADMIN_COUNT_LOCK})`.execute(trx);
  return staffQuery(trx).where('s.id', '=', userId).executeTakeFirst();
}

/**
 * Gives a user another profile. The last active administrator keeps theirs,
 * and nobody changes their own (they would lock themselves out of this page).
 */
export async function changeStaffProfile(db: Database, actor: Actor, userId: string, profileId: string): Promise<StaffChangeResult> {
  if (!isUuid(userId)) return { ok: false, reason: 'not_found' };
  if (!isUuid(profileId)) return { ok: false, reason: 'profile_not_found' };
  return db.transaction().execute(async (trx) => {
    const target = await lockedTarget(trx, userId);
    if (!target) return { ok: false, reason: 'not_found' } as const;
    const profile = await trx.selectFrom('profiles').select(['id', 'is_admin']).where('id', '=', profileId).executeTakeFirst();
    if (!profile) return { ok: false, reason: 'profile_not_found' } as const;
    if (profile.id === target.profile_id) return { ok: true } as const;
    if (target.is_admin && target.active && !profile.is_admin && !(await otherActiveAdmins(trx, userId))) return { ok: false, reason: 'last_admin' } as const;
    if (actor.kind === 'staff' && actor.id === userId) return { ok: false, reason: 'self' } as const;
    await trx.updateTable('staff_users').set({ profile_id: profile.id, updated_at: new Date() }).where('id', '=', userId).execute();
    await audit(trx, actor, 'staff.profile', { type: 'staff_user', id: userId }, { old: target.profile_id, new: profile.id });
    return { ok: true } as const;
  });
}

/**
 * Deactivates or reactivates a user. Deactivation ends every session they
 * have at once; the last active administrator and the acting user stay active.
 */
export async function setStaffActive(db: Database, actor: Actor, userId: string, active: boolean): Promise<StaffChangeResult> {
  if (!isUuid(userId)) return { ok: false, reason: 'not_found' };
  return db.transaction().execute(async (trx) => {
    const target = await lockedTarget(trx, userId);
    if (!target) return { ok: false, reason: 'not_found' } as const;
    if (target.active === active) return { ok: true } as const;
    if (!active) {
      if (target.is_admin && !(await otherActiveAdmins(trx, userId))) return { ok: false, reason: 'last_admin' } as const;
      if (actor.kind === 'staff' && actor.id === userId) return { ok: false, reason: 'self' } as const;
    }
    await trx.updateTable('staff_users').set({ active, updated_at: new Date() }).where('id', '=', userId).execute();
    const ended = active ? 0 : await invalidateUserSessions(trx, { kind: 'staff', id: userId });
    await audit(trx, actor, active ? 'staff.reactivate' : 'staff.deactivate', { type: 'staff_user', id: userId }, active ? {} : { sessionsEnded: ended });
    return { ok: true } as const;
  });
}
