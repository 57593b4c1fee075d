import { INVITATION_PLACEHOLDERS, invitationEmail } from '../../views/emails/portal-invitation.js';
import { audit } from '../audit/audit.js';
import type { Database } from '../db/database.js';
import type { Portal } from '../db/schema.js';
import { createFormatters } from '../i18n/format.js';
import { translator } from '../i18n/i18n.js';
import type { Language } from '../i18n/languages.js';
import { type RenderedEmail, renderEmail } from '../mail/render.js';
import { emailBrand, portalPublicUrl } from '../portals/branding.js';
import { INVITATION_DAYS } from './tokens.js';

// A portal's own invitation email, per language: a subject and a plain-text
// body with placeholders. Without one, the built-in wording is sent.

export const SUBJECT_MAX = 200;
export const BODY_MAX = 5000;

export type TemplateInput = { subject: string; body: string };
export type TemplateErrors = Partial<Record<'subject' | 'body', { key: string; params?: Record<string, string | number> }>>;

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** Placeholders of a text that are not among the ones the email fills, once each, as typed. */
export function unknownPlaceholders(text: string): string[] {
  const known = new Set<string>(INVITATION_PLACEHOLDERS);
  const unknown = new Set<string>();
  for (const m of text.matchAll(PLACEHOLDER)) if (!known.has(m[1] ?? '')) unknown.add(`{{${m[1]}}}`);
  return [...unknown];
}

export function checkTemplate(input: TemplateInput): TemplateErrors {
  const errors: TemplateErrors = {};
  for (const [name, max] of [
    ['subject', SUBJECT_MAX],
    ['body', BODY_MAX],
  ] as const) {
    const value = input[name].trim();
    const unknown = unknownPlaceholders(value);
    if (!value) errors[name] = { key: `portalusers:email.errors.${name}Required` };
    else if (value.length > max) errors[name] = { key: 'portalusers:email.errors.tooLong', params: { max } };
    else if (unknown.length) errors[name] = { key: 'portalusers:email.errors.unknownPlaceholders', params: { placeholders: unknown.join(', ') } };
  }
  return errors;
}

export function findTemplate(db: Database, portalId: string, language: Language) {
  return db.selectFrom('invitation_templates').selectAll().where('portal_id', '=', portalId).where('language', '=', language).executeTakeFirst();
}

/** The languages a portal has its own invitation email for. */
export async function customLanguages(db: Database, portalId: string): Promise<string[]> {
  const rows = await db.selectFrom('invitation_templates').select('language').where('portal_id', '=', portalId).execute();
  return rows.map((r) => r.language);
}

/** The built-in wording in a language, written with placeholders: where an admin starts from. */
export function defaultTemplate(language: Language): TemplateInput {
  const t = translator(language);
  const keep = { name: '{{name}}', portal: '{{portal}}', organization: '{{organization}}' };
  return {
    subject: t('invitations:email.subject', keep),
    body: [t('invitations:email.greeting', keep), t('invitations:email.body', keep)].join('\n\n'),
  };
}

export type SaveResult = { ok: true } | { ok: false; errors: TemplateErrors };

export async function saveTemplate(db: Database, staffId: string, portalId: string, language: Language, input: TemplateInput): Promise<SaveResult> {
  const errors = checkTemplate(input);
  if (errors.subject || errors.body) return { ok: false, errors };
  const values = { subject: input.subject.trim(), body: input.body.trim().replace(/\r\n/g, '\n') };
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('invitation_templates')
      .values({ portal_id: portalId, language, ...values, updated_by: staffId, updated_at: new Date() })
      .onConflict((oc) => oc.columns(['portal_id', 'language']).doUpdateSet({ ...values, updated_by: staffId, updated_at: new Date() }))
      .execute();
    await audit(trx, { kind: 'staff', id: staffId }, 'portal.invitation_email_saved', { type: 'portal', id: portalId }, { language });
  });
  return { ok: true };
}

/** Back to the built-in wording for the language. */
export async function resetTemplate(db: Database, staffId: string, portalId: string, language: Language): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const gone = await trx.deleteFrom('invitation_templates').where('portal_id', '=', portalId).where('language', '=', language).executeTakeFirst();
    if (Number(gone.numDeletedRows) > 0) {
      await audit(trx, { kind: 'staff', id: staffId }, 'portal.invitation_email_reset', { type: 'portal', id: portalId }, { language });
    }
  });
}

/** The email as an invited person would read it, with a sample name and link; `input` undefined previews the built-in wording. */
export async function previewInvitation(
  db: Database,
  portal: Portal,
  language: Language,
  input: TemplateInput | undefined,
  baseUrl: string,
  now = new Date(),
): Promise<RenderedEmail> {
  const org = await db.selectFrom('org').select(['name', 'time_zone', 'time_format']).executeTakeFirstOrThrow();
  const fmt = createFormatters({ language, timeZone: org.time_zone, timeFormat: org.time_format });
  const portalUrl = portalPublicUrl(baseUrl, portal);
  return renderEmail(
    invitationEmail,
    {
      brand: emailBrand(baseUrl, portal),
      name: translator(language)('portalusers:email.sampleName'),
      portalName: portal.name,
      orgName: org.name,
      portalUrl,
      inviteUrl: `${portalUrl}/invite/${'x'.repeat(32)}`,
      expires: fmt.dateTimeZoned(new Date(now.getTime() + INVITATION_DAYS * 24 * 60 * 60 * 1000)),
      custom: input ? { subject: input.subject.trim(), body: input.body.trim() } : undefined,
    },
    language,
  );
}
