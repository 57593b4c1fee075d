import { randomUUID } from 'node:crypto';
import { type Kysely, sql } from 'kysely';

// Cases by email and configurable help-desk modules:
// - a reply token per notification email (stored hashed) and the Reply-To it
//   was sent with, so a reply threads into the case it answers;
// - a log of every inbound message, accepted or refused, with the reason;
// - which module is a case module and which picklist values are its four
//   states (the Cases module by default), and per portal which public module
//   is the knowledge base (Solutions when unset);
// - a "previous case" lookup, for the case a late reply opens.

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not today's types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('email_outbox').addColumn('reply_to', 'text').execute();

  await db.schema
    .createTable('case_reply_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('record_id', 'uuid', (c) => c.notNull().references('records.id').onDelete('cascade'))
    .addColumn('portal_user_id', 'uuid', (c) => c.notNull().references('portal_users.id').onDelete('cascade'))
    .addColumn('outbox_id', 'uuid', (c) => c.references('email_outbox.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('case_reply_tokens_outbox_idx').on('case_reply_tokens').column('outbox_id').execute();

  await db.schema
    .createTable('inbound_mail')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('via', 'text', (c) => c.notNull().check(sql`via in ('smtp', 'http')`))
    .addColumn('message_id', 'text')
    .addColumn('from_address', 'text')
    .addColumn('subject', 'text')
    .addColumn('outcome', 'text', (c) => c.notNull().check(sql`outcome in ('accepted', 'refused', 'duplicate')`))
    .addColumn('reason', 'text')
    .addColumn('record_id', 'uuid', (c) => c.references('records.id').onDelete('set null'))
    .addColumn('portal_user_id', 'uuid', (c) => c.references('portal_users.id').onDelete('set null'))
    .addColumn('attachments', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('details', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();
  await db.schema.createIndex('inbound_mail_received_idx').on('inbound_mail').columns(['received_at desc', 'id desc']).execute();
  // A message the listener or a provider hands over twice lands once.
  await sql`create unique index inbound_mail_accepted_key on inbound_mail (message_id) where outcome = 'accepted'`.execute(db);

  await db.schema.alterTable('modules').addColumn('case_config', 'jsonb').execute();
  await db.schema
    .alterTable('portals')
    .addColumn('knowledge_base_module_id', 'uuid', (c) => c.references('modules.id'))
    .execute();

  const cases = await db.selectFrom('modules').select('id').where('api_name', '=', 'cases').executeTakeFirst();
  if (!cases) return;
  const status = await db
    .selectFrom('fields')
    .select('id')
    .where('module_id', '=', cases.id)
    .where('api_name', '=', 'status')
    .where('parent_field_id', 'is', null)
    .executeTakeFirst();
  if (status) {
    const states = { open: 'open', in_progress: 'in_progress', waiting: 'waiting', closed: 'closed' };
    await db
      .updateTable('modules')
      .set({ case_config: JSON.stringify({ statusFieldId: status.id, states }) })
      .where('id', '=', cases.id)
      .execute();
  }
  const exists = await db.selectFrom('fields').select('id').where('module_id', '=', cases.id).where('api_name', '=', 'previous_case').executeTakeFirst();
  if (exists) return;
  const fieldId = randomUUID();
  await db
    .insertInto('fields')
    .values({
      id: fieldId,
      module_id: cases.id,
      api_name: 'previous_case',
      kind: 'standard',
      type: 'lookup',
      required: false,
      label_key: 'fields:cases.previous_case',
      options: JSON.stringify({ targetModuleId: cases.id }),
      position: 90,
    })
    .execute();
  // Shown in the default layout's first section, after what is there.
  const layout = await db.selectFrom('layouts').select(['id', 'sections']).where('module_id', '=', cases.id).where('is_default', '=', true).executeTakeFirst();
  const sections = layout?.sections as { fields: string[] }[] | undefined;
  if (layout && sections?.[0]) {
    sections[0].fields.push(fieldId);
    await db
      .updateTable('layouts')
      .set({ sections: JSON.stringify(sections) })
      .where('id', '=', layout.id)
      .execute();
  }
}
