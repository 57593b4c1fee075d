import type { Transaction } from 'kysely';
import type { PgBoss } from 'pg-boss';
import { type CaseUpdateKind, caseUpdateEmail } from '../../views/emails/case-update.js';
import { type ModuleMeta, picklistValueLabel } from '../crm/metadata.js';
import type { RecordData } from '../crm/records.js';
import type { Database } from '../db/database.js';
import type { CrmRecord, DB } from '../db/schema.js';
import { translator } from '../i18n/i18n.js';
import { isLanguage, type Language } from '../i18n/languages.js';
import { enqueueEmail } from '../mail/outbox.js';
import { renderEmail } from '../mail/render.js';
import { emailBrand, portalPublicUrl } from '../portals/branding.js';
import { issueReplyToken, replyAddress } from './reply-tokens.js';
import { caseSetup, caseState } from './status.js';

// Who hears about a case, through the outbox in the same transaction as what
// happened: the customer (each active portal user whose own record the case
// is linked to, in a portal showing cases) when staff reply or change the
// status; the case's owner when a customer opens a case or replies.

export type NotifyDeps = {
  boss: PgBoss;
  baseUrl: string;
  /** Where customers' replies by email go (replies@…), when Porta receives mail; each email gets its own reply address. */
  inboundAddress?: string | undefined;
};

const languageOf = (preferred: string | null | undefined, fallback: string): Language =>
  isLanguage(preferred) ? preferred : isLanguage(fallback) ? fallback : 'en';

const subjectOf = (record: CrmRecord) => {
  const subject = (record.data as RecordData).subject;
  return typeof subject === 'string' && subject.trim() ? subject : record.display_name;
};

/** The customer hears of a staff reply visible to them, or of a new status. */
export async function notifyCustomer(trx: Transaction<DB>, deps: NotifyDeps, meta: ModuleMeta, record: CrmRecord, kind: 'reply' | 'status', detail: string) {
  const [users, org] = await Promise.all([
    // Linked through the filter-by lookup of a tab that shows cases to their type.
    trx
      .selectFrom('portal_users as u')
      .innerJoin('portals as p', 'p.id', 'u.portal_id')
      .innerJoin('portal_type_tabs as tab', (j) =>
        j.onRef('tab.user_type_id', '=', 'u.user_type_id').on('tab.module_id', '=', meta.module.id).on('tab.shown', '=', true),
      )
      .innerJoin('record_refs as rr', (j) =>
        j.onRef('rr.field_id', '=', 'tab.filter_field_id').onRef('rr.target_id', '=', 'u.record_id').on('rr.record_id', '=', record.id),
      )
      .select(['u.id', 'u.email', 'u.language', 'p.slug', 'p.name', 'p.name as portal_name', 'p.domain', 'p.accent_color', 'p.logo_hash'])
      .where('u.status', '=', 'active')
      .execute(),
    trx.selectFrom('org').select(['name', 'default_language']).executeTakeFirstOrThrow(),
  ]);
  const status = caseSetup(meta)?.status;
  for (const u of users) {
    const language = languageOf(u.language, org.default_language);
    const t = translator(language);
    const shown = kind === 'status' && status ? picklistValueLabel(t, language, status, detail) : detail;
    const email = await renderEmail(
      caseUpdateEmail,
      {
        kind: kind as CaseUpdateKind,
        subject: subjectOf(record),
        detail: shown,
        who: '',
        url: `${portalPublicUrl(deps.baseUrl, u)}/m/${meta.module.api_name}/${record.id}`,
        brand: emailBrand(deps.baseUrl, u),
        portalName: u.portal_name,
        orgName: org.name,
        replyByEmail: deps.inboundAddress !== undefined,
      },
      language,
    );
    // A reply to this email answers the case: its own reply address, matched back to this user and case.
    const reply = deps.inboundAddress ? issueReplyToken(trx, record.id, u.id) : undefined;
    const outboxId = await enqueueEmail(trx, deps.boss, { address: u.email }, email, {
      replyTo: reply && deps.inboundAddress ? replyAddress(deps.inboundAddress, reply.token) : undefined,
    });
    await reply?.link(outboxId);
  }
}

/** After staff saved a case: its customer hears of a new status (in its own transaction, after the save). */
export async function notifyStatusChange(db: Database, deps: NotifyDeps, meta: ModuleMeta, before: CrmRecord, after: CrmRecord): Promise<void> {
  const setup = caseSetup(meta);
  const status = caseState(meta, after);
  if (!setup || !status || status === caseState(meta, before)) return;
  await db.transaction().execute((trx) => notifyCustomer(trx, deps, meta, after, 'status', setup.values[status]));
}

/** The case's owner hears of a new case or of a customer's reply. */
export async function notifyOwner(
  trx: Transaction<DB>,
  deps: NotifyDeps,
  meta: ModuleMeta,
  record: CrmRecord,
  kind: 'opened' | 'replied',
  portalUserId: string,
  detail: string,
) {
  const [owner, from, org] = await Promise.all([
    trx.selectFrom('staff_users').select(['email', 'name', 'language', 'active']).where('id', '=', record.owner_id).executeTakeFirst(),
    trx
      .selectFrom('portal_users as u')
      .innerJoin('portals as p', 'p.id', 'u.portal_id')
      .select(['u.email', 'p.name as portal_name'])
      .where('u.id', '=', portalUserId)
      .executeTakeFirst(),
    trx.selectFrom('org').select(['name', 'default_language']).executeTakeFirstOrThrow(),
  ]);
  if (!owner?.active || !from) return;
  const language = languageOf(owner.language, org.default_language);
  const email = await renderEmail(
    caseUpdateEmail,
    {
      kind,
      subject: subjectOf(record),
      detail,
      who: from.email,
      url: `${deps.baseUrl}/admin/m/${meta.module.api_name}/${record.id}`,
      portalName: from.portal_name,
      orgName: org.name,
      replyByEmail: false,
    },
    language,
  );
  await enqueueEmail(trx, deps.boss, { address: owner.email, name: owner.name }, email);
}
