import { randomUUID } from 'node:crypto';
import { type Kysely, sql } from 'kysely';

// The CRM's metadata (fields, layouts, profiles), record references for lookups,
// notes, attachments, the audit trail of record changes, imports, and the
// standard modules with their fields and default layouts.
//
// This file is frozen history: the definitions below are the standard modules
// as they were when this migration was written; later changes get their own
// migration.

type FieldDef = {
  name: string;
  type: string;
  required?: boolean;
  values?: string[];
  target?: string;
  children?: FieldDef[];
  options?: Record<string, unknown>;
};
type SectionDef = { key: string; fields: string[] };
type ModuleDef = {
  name: string;
  nameFields: string[];
  sharing?: 'private' | 'public_read' | 'public_full';
  fields: FieldDef[];
  sections: SectionDef[];
};

const PRIVACY_FIELDS: FieldDef[] = [
  {
    name: 'processing_basis',
    type: 'picklist',
    values: ['legitimate_interests', 'contract', 'legal_obligation', 'vital_interests', 'public_interest', 'consent'],
  },
  { name: 'consent_status', type: 'picklist', values: ['not_asked', 'given', 'refused', 'withdrawn'] },
  { name: 'consent_date', type: 'date' },
  { name: 'consent_channels', type: 'multiselect', values: ['email', 'phone', 'post', 'sms'] },
  { name: 'stop_processing', type: 'boolean' },
];
const PRIVACY_SECTION: SectionDef = { key: 'privacy', fields: PRIVACY_FIELDS.map((f) => f.name) };
const LANGUAGE_FIELD: FieldDef = { name: 'language', type: 'picklist', values: ['en', 'es', 'fr', 'pt-BR'] };

const LINE_ITEMS: FieldDef = {
  name: 'line_items',
  type: 'subform',
  children: [
    { name: 'product', type: 'lookup', target: 'products', required: true },
    { name: 'description', type: 'text' },
    { name: 'quantity', type: 'decimal', required: true, options: { scale: 2 } },
    { name: 'unit_price', type: 'currency', required: true },
    { name: 'discount', type: 'percent' },
  ],
};
const TOTALS: FieldDef[] = [
  { name: 'subtotal', type: 'currency', options: { computed: 'line_items_subtotal' } },
  { name: 'tax', type: 'currency' },
  { name: 'total', type: 'currency', options: { computed: 'line_items_total' } },
];

const MODULES: ModuleDef[] = [
  {
    name: 'leads',
    nameFields: ['first_name', 'last_name'],
    fields: [
      { name: 'first_name', type: 'text' },
      { name: 'last_name', type: 'text', required: true },
      { name: 'company', type: 'text' },
      { name: 'title', type: 'text' },
      { name: 'email', type: 'email' },
      { name: 'phone', type: 'phone' },
      { name: 'mobile', type: 'phone' },
      { name: 'website', type: 'url' },
      { name: 'lead_source', type: 'picklist', values: ['web', 'referral', 'partner', 'trade_show', 'advertisement', 'other'] },
      { name: 'lead_status', type: 'picklist', values: ['new', 'contacted', 'qualified', 'unqualified'] },
      { name: 'annual_revenue', type: 'currency' },
      LANGUAGE_FIELD,
      { name: 'country', type: 'text' },
      { name: 'description', type: 'textarea' },
      ...PRIVACY_FIELDS,
    ],
    sections: [
      { key: 'overview', fields: ['first_name', 'last_name', 'company', 'title', 'email', 'phone', 'mobile', 'website'] },
      { key: 'details', fields: ['lead_source', 'lead_status', 'annual_revenue', 'language', 'country', 'description'] },
      PRIVACY_SECTION,
    ],
  },
  {
    name: 'accounts',
    nameFields: ['name'],
    fields: [
      { name: 'name', type: 'text', required: true },
      { name: 'website', type: 'url' },
      { name: 'phone', type: 'phone' },
      { name: 'industry', type: 'picklist', values: ['technology', 'manufacturing', 'retail', 'finance', 'healthcare', 'education', 'services', 'other'] },
      { name: 'account_type', type: 'picklist', values: ['customer', 'prospect', 'partner', 'reseller', 'other'] },
      { name: 'employees', type: 'number' },
      { name: 'annual_revenue', type: 'currency' },
      { name: 'billing_street', type: 'text' },
      { name: 'billing_city', type: 'text' },
      { name: 'billing_postal_code', type: 'text' },
      { name: 'billing_country', type: 'text' },
      { name: 'description', type: 'textarea' },
    ],
    sections: [
      { key: 'overview', fields: ['name', 'website', 'phone', 'industry', 'account_type', 'employees', 'annual_revenue'] },
      { key: 'address', fields: ['billing_street', 'billing_city', 'billing_postal_code', 'billing_country'] },
      { key: 'description', fields: ['description'] },
    ],
  },
  {
    name: 'contacts',
    nameFields: ['first_name', 'last_name'],
    fields: [
      { name: 'first_name', type: 'text' },
      { name: 'last_name', type: 'text', required: true },
      { name: 'email', type: 'email' },
      { name: 'phone', type: 'phone' },
      { name: 'mobile', type: 'phone' },
      { name: 'title', type: 'text' },
      { name: 'department', type: 'text' },
      { name: 'account', type: 'lookup', target: 'accounts' },
      LANGUAGE_FIELD,
      { name: 'mailing_street', type: 'text' },
      { name: 'mailing_city', type: 'text' },
      { name: 'mailing_postal_code', type: 'text' },
      { name: 'mailing_country', type: 'text' },
      { name: 'description', type: 'textarea' },
      ...PRIVACY_FIELDS,
    ],
    sections: [
      { key: 'overview', fields: ['first_name', 'last_name', 'email', 'phone', 'mobile', 'title', 'department', 'account', 'language'] },
      { key: 'address', fields: ['mailing_street', 'mailing_city', 'mailing_postal_code', 'mailing_country'] },
      { key: 'description', fields: ['description'] },
      PRIVACY_SECTION,
    ],
  },
  {
    name: 'deals',
    nameFields: ['name'],
    fields: [
      { name: 'name', type: 'text', required: true },
      { name: 'account', type: 'lookup', target: 'accounts' },
      { name: 'contact', type: 'lookup', target: 'contacts' },
      { name: 'amount', type: 'currency' },
      { name: 'stage', type: 'picklist', required: true, values: ['qualification', 'needs_analysis', 'proposal', 'negotiation', 'closed_won', 'closed_lost'] },
      { name: 'closing_date', type: 'date', required: true },
      { name: 'probability', type: 'percent' },
      { name: 'description', type: 'textarea' },
    ],
    sections: [
      { key: 'overview', fields: ['name', 'account', 'contact', 'amount', 'stage', 'closing_date', 'probability'] },
      { key: 'description', fields: ['description'] },
    ],
  },
  {
    name: 'products',
    nameFields: ['name'],
    fields: [
      { name: 'name', type: 'text', required: true },
      { name: 'code', type: 'text' },
      { name: 'unit_price', type: 'currency' },
      { name: 'active', type: 'boolean' },
      { name: 'description', type: 'textarea' },
    ],
    sections: [{ key: 'overview', fields: ['name', 'code', 'unit_price', 'active', 'description'] }],
  },
  {
    name: 'vendors',
    nameFields: ['name'],
    fields: [
      { name: 'name', type: 'text', required: true },
      { name: 'email', type: 'email' },
      { name: 'phone', type: 'phone' },
      { name: 'website', type: 'url' },
      LANGUAGE_FIELD,
      { name: 'description', type: 'textarea' },
    ],
    sections: [{ key: 'overview', fields: ['name', 'email', 'phone', 'website', 'language', 'description'] }],
  },
  {
    name: 'quotes',
    nameFields: ['subject'],
    fields: [
      { name: 'subject', type: 'text', required: true },
      { name: 'contact', type: 'lookup', target: 'contacts' },
      { name: 'account', type: 'lookup', target: 'accounts' },
      { name: 'deal', type: 'lookup', target: 'deals' },
      { name: 'status', type: 'picklist', required: true, values: ['draft', 'negotiation', 'delivered', 'on_hold', 'accepted', 'rejected'] },
      { name: 'valid_until', type: 'date' },
      LINE_ITEMS,
      ...TOTALS,
      { name: 'terms', type: 'textarea' },
    ],
    sections: [
      { key: 'overview', fields: ['subject', 'contact', 'account', 'deal', 'status', 'valid_until'] },
      { key: 'line_items', fields: ['line_items', 'subtotal', 'tax', 'total'] },
      { key: 'terms', fields: ['terms'] },
    ],
  },
  {
    name: 'invoices',
    nameFields: ['subject'],
    fields: [
      { name: 'subject', type: 'text', required: true },
      { name: 'contact', type: 'lookup', target: 'contacts' },
      { name: 'account', type: 'lookup', target: 'accounts' },
      { name: 'status', type: 'picklist', required: true, values: ['draft', 'sent', 'paid', 'overdue', 'cancelled'] },
      { name: 'invoice_date', type: 'date' },
      { name: 'due_date', type: 'date' },
      LINE_ITEMS,
      ...TOTALS,
      { name: 'terms', type: 'textarea' },
    ],
    sections: [
      { key: 'overview', fields: ['subject', 'contact', 'account', 'status', 'invoice_date', 'due_date'] },
      { key: 'line_items', fields: ['line_items', 'subtotal', 'tax', 'total'] },
      { key: 'terms', fields: ['terms'] },
    ],
  },
  {
    name: 'sales_orders',
    nameFields: ['subject'],
    fields: [
      { name: 'subject', type: 'text', required: true },
      { name: 'contact', type: 'lookup', target: 'contacts' },
      { name: 'account', type: 'lookup', target: 'accounts' },
      { name: 'quote', type: 'lookup', target: 'quotes' },
      { name: 'status', type: 'picklist', required: true, values: ['created', 'approved', 'delivered', 'cancelled'] },
      { name: 'due_date', type: 'date' },
      LINE_ITEMS,
      ...TOTALS,
    ],
    sections: [
      { key: 'overview', fields: ['subject', 'contact', 'account', 'quote', 'status', 'due_date'] },
      { key: 'line_items', fields: ['line_items', 'subtotal', 'tax', 'total'] },
    ],
  },
  {
    name: 'purchase_orders',
    nameFields: ['subject'],
    fields: [
      { name: 'subject', type: 'text', required: true },
      { name: 'vendor', type: 'lookup', target: 'vendors', required: true },
      { name: 'contact', type: 'lookup', target: 'contacts' },
      { name: 'status', type: 'picklist', required: true, values: ['created', 'approved', 'delivered', 'cancelled'] },
      { name: 'due_date', type: 'date' },
      LINE_ITEMS,
      ...TOTALS,
    ],
    sections: [
      { key: 'overview', fields: ['subject', 'vendor', 'contact', 'status', 'due_date'] },
      { key: 'line_items', fields: ['line_items', 'subtotal', 'tax', 'total'] },
    ],
  },
  {
    name: 'cases',
    nameFields: ['subject'],
    fields: [
      { name: 'subject', type: 'text', required: true },
      { name: 'description', type: 'textarea' },
      { name: 'priority', type: 'picklist', values: ['low', 'medium', 'high', 'urgent'] },
      { name: 'status', type: 'picklist', required: true, values: ['open', 'in_progress', 'waiting', 'closed'] },
      { name: 'contact', type: 'lookup', target: 'contacts' },
      { name: 'account', type: 'lookup', target: 'accounts' },
      { name: 'product', type: 'lookup', target: 'products' },
      { name: 'resolution', type: 'textarea' },
    ],
    sections: [
      { key: 'overview', fields: ['subject', 'status', 'priority', 'contact', 'account', 'product'] },
      { key: 'description', fields: ['description', 'resolution'] },
    ],
  },
  {
    name: 'solutions',
    nameFields: ['title'],
    sharing: 'public_read',
    fields: [
      { name: 'title', type: 'text', required: true },
      { name: 'question', type: 'textarea', required: true },
      { name: 'answer', type: 'textarea', required: true },
      { name: 'published', type: 'boolean' },
      { name: 'product', type: 'lookup', target: 'products' },
    ],
    sections: [{ key: 'overview', fields: ['title', 'question', 'answer', 'published', 'product'] }],
  },
];

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not today's types
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table org add column currency text not null default 'EUR'`.execute(db);

  // Modules: name fields, soft removal for custom ones.
  await sql`alter table modules add column name_fields text[] not null default '{}'`.execute(db);
  await sql`alter table modules add column deleted_at timestamptz`.execute(db);

  await db.schema
    .createTable('fields')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('module_id', 'uuid', (c) => c.notNull().references('modules.id'))
    .addColumn('parent_field_id', 'uuid', (c) => c.references('fields.id'))
    .addColumn('api_name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('standard', 'custom')`))
    .addColumn('type', 'text', (c) =>
      c
        .notNull()
        .check(
          sql`type in ('text', 'textarea', 'email', 'phone', 'url', 'number', 'decimal', 'currency', 'percent', 'boolean', 'date', 'datetime', 'picklist', 'multiselect', 'lookup', 'subform')`,
        ),
    )
    .addColumn('required', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('label_key', 'text')
    .addColumn('labels', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('options', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    // Removing a field hides it; its values stay in records until purged.
    .addColumn('deleted_at', 'timestamptz')
    .execute();
  await sql`create unique index fields_module_name_key on fields (module_id, coalesce(parent_field_id, '00000000-0000-0000-0000-000000000000'::uuid), api_name)`.execute(
    db,
  );

  await db.schema
    .createTable('layouts')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('module_id', 'uuid', (c) => c.notNull().references('modules.id'))
    .addColumn('api_name', 'text', (c) => c.notNull())
    .addColumn('label_key', 'text')
    .addColumn('labels', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('is_default', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    // [{ id, labelKey?, labels?, fields: [fieldId, …] }] in display order.
    .addColumn('sections', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('deleted_at', 'timestamptz')
    .addUniqueConstraint('layouts_module_name_key', ['module_id', 'api_name'])
    .execute();

  // Records: layout, search vector, lead conversion link.
  await sql`alter table records add column layout_id uuid references layouts(id)`.execute(db);
  await sql`alter table records add column search tsvector not null default ''::tsvector`.execute(db);
  await sql`alter table records add column converted_at timestamptz`.execute(db);
  await sql`alter table records add column converted_to uuid references records(id)`.execute(db);
  await sql`create index records_search_idx on records using gin (search) where deleted_at is null`.execute(db);
  await sql`create index records_data_idx on records using gin (data jsonb_path_ops)`.execute(db);
  await sql`create index records_module_updated_idx on records (module_id, updated_at desc, id desc) where deleted_at is null`.execute(db);
  await sql`create index records_module_deleted_idx on records (module_id, deleted_at desc, id desc) where deleted_at is not null`.execute(db);
  await sql`create index records_owner_module_created_idx on records (owner_id, module_id, created_at desc, id desc) where deleted_at is null`.execute(db);

  // "Records of module M whose lookup F points at X" is one range scan at any size.
  await db.schema
    .createTable('record_refs')
    .addColumn('field_id', 'uuid', (c) => c.notNull().references('fields.id'))
    .addColumn('target_id', 'uuid', (c) => c.notNull())
    .addColumn('record_id', 'uuid', (c) => c.notNull().references('records.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('record_refs_pkey', ['field_id', 'target_id', 'record_id'])
    .execute();
  await db.schema.createIndex('record_refs_record_idx').on('record_refs').column('record_id').execute();
  await db.schema.createIndex('record_refs_target_idx').on('record_refs').columns(['target_id', 'field_id']).execute();

  await db.schema
    .createTable('notes')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('record_id', 'uuid', (c) => c.notNull().references('records.id').onDelete('cascade'))
    .addColumn('author_kind', 'text', (c) => c.notNull().check(sql`author_kind in ('staff', 'portal')`))
    .addColumn('author_id', 'uuid', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    // Internal notes are for staff only and never reach a portal.
    .addColumn('internal', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('notes_record_idx').on('notes').columns(['record_id', 'created_at desc']).execute();

  await db.schema
    .createTable('attachments')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('record_id', 'uuid', (c) => c.notNull().references('records.id').onDelete('cascade'))
    .addColumn('author_kind', 'text', (c) => c.notNull().check(sql`author_kind in ('staff', 'portal')`))
    .addColumn('author_id', 'uuid', (c) => c.notNull())
    .addColumn('filename', 'text', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('content', 'bytea', (c) => c.notNull())
    .addColumn('internal', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('attachments_record_idx').on('attachments').columns(['record_id', 'created_at desc']).execute();

  // Who changed what on a record, field by field.
  await db.schema
    .createTable('record_changes')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('record_id', 'uuid', (c) => c.notNull().references('records.id').onDelete('cascade'))
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('actor_kind', 'text', (c) => c.notNull().check(sql`actor_kind in ('staff', 'portal', 'system')`))
    .addColumn('actor_id', 'uuid')
    .addColumn('action', 'text', (c) => c.notNull())
    // [{ field: fieldId, old, new }]
    .addColumn('changes', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .execute();
  await db.schema.createIndex('record_changes_record_idx').on('record_changes').columns(['record_id', 'at desc', 'id desc']).execute();

  // Profiles: what a staff user may do, module by module.
  await db.schema
    .createTable('profiles')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('api_name', 'text', (c) => c.notNull().unique())
    .addColumn('label_key', 'text')
    .addColumn('name', 'text')
    .addColumn('is_admin', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('manage_portals', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('manage_portal_users', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createTable('profile_permissions')
    .addColumn('profile_id', 'uuid', (c) => c.notNull().references('profiles.id').onDelete('cascade'))
    .addColumn('module_id', 'uuid', (c) => c.notNull().references('modules.id'))
    .addColumn('can_view', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('can_create', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('can_edit', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('can_delete', 'boolean', (c) => c.notNull().defaultTo(false))
    .addPrimaryKeyConstraint('profile_permissions_pkey', ['profile_id', 'module_id'])
    .execute();
  await sql`alter table staff_users add column profile_id uuid references profiles(id)`.execute(db);

  await db.schema
    .createTable('imports')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('module_id', 'uuid', (c) => c.notNull().references('modules.id'))
    .addColumn('staff_id', 'uuid', (c) => c.notNull().references('staff_users.id'))
    .addColumn('filename', 'text', (c) => c.notNull())
    .addColumn('content', 'bytea', (c) => c.notNull())
    // { csvColumn: fieldId | null }
    .addColumn('mapping', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('skip_bad_rows', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('uploaded').check(sql`status in ('uploaded', 'queued', 'running', 'done', 'failed')`))
    .addColumn('total_rows', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('processed_rows', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('imported_rows', 'integer', (c) => c.notNull().defaultTo(0))
    // [{ row, errors: [{ field, key }] }]
    .addColumn('row_errors', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz')
    .execute();

  await seedStandardModules(db);
  await seedProfiles(db);
}

// biome-ignore lint/suspicious/noExplicitAny: see above
async function seedStandardModules(db: Kysely<any>) {
  const existing = await db.selectFrom('modules').select(['id', 'api_name']).execute();
  const moduleIds = new Map<string, string>(existing.map((m: { id: string; api_name: string }) => [m.api_name, m.id]));
  let position = 0;
  for (const def of MODULES) {
    position += 10;
    if (moduleIds.has(def.name)) {
      await db
        .updateTable('modules')
        .set({ name_fields: def.nameFields, position, sharing: def.sharing ?? 'private' })
        .where('api_name', '=', def.name)
        .execute();
    } else {
      const id = randomUUID();
      await db
        .insertInto('modules')
        .values({ id, api_name: def.name, kind: 'standard', label_key: def.name, name_fields: def.nameFields, position, sharing: def.sharing ?? 'private' })
        .execute();
      moduleIds.set(def.name, id);
    }
  }
  for (const def of MODULES) {
    const moduleId = moduleIds.get(def.name) as string;
    const fieldIds = new Map<string, string>();
    const insertField = async (f: FieldDef, index: number, parent?: { id: string; name: string }) => {
      const id = randomUUID();
      const keyPath = parent ? `${def.name}.${parent.name}_${f.name}` : `${def.name}.${f.name}`;
      const options: Record<string, unknown> = { ...f.options };
      if (f.values) options.values = f.values.map((value) => ({ value, labelKey: `picklists:${keyPath}.${value}` }));
      if (f.target) options.targetModuleId = moduleIds.get(f.target);
      await db
        .insertInto('fields')
        .values({
          id,
          module_id: moduleId,
          parent_field_id: parent?.id ?? null,
          api_name: f.name,
          kind: 'standard',
          type: f.type,
          required: f.required ?? false,
          label_key: `fields:${keyPath}`,
          options: JSON.stringify(options),
          position: (index + 1) * 10,
        })
        .execute();
      if (!parent) fieldIds.set(f.name, id);
      for (const [i, child] of (f.children ?? []).entries()) await insertField(child, i, { id, name: f.name });
    };
    for (const [i, f] of def.fields.entries()) await insertField(f, i);
    const layoutId = randomUUID();
    await db
      .insertInto('layouts')
      .values({
        id: layoutId,
        module_id: moduleId,
        api_name: 'standard',
        label_key: 'crm:layouts.standard',
        is_default: true,
        sections: JSON.stringify(
          def.sections.map((s) => ({ id: randomUUID(), labelKey: `crm:sections.${s.key}`, fields: s.fields.map((name) => fieldIds.get(name)) })),
        ),
      })
      .execute();
    await db.updateTable('records').set({ layout_id: layoutId }).where('module_id', '=', moduleId).execute();
  }
}

// biome-ignore lint/suspicious/noExplicitAny: see above
async function seedProfiles(db: Kysely<any>) {
  const admin = randomUUID();
  const standard = randomUUID();
  await db
    .insertInto('profiles')
    .values([
      { id: admin, api_name: 'administrator', label_key: 'crm:profiles.administrator', is_admin: true, manage_portals: true, manage_portal_users: true },
      { id: standard, api_name: 'standard', label_key: 'crm:profiles.standard' },
    ])
    .execute();
  const modules = await db.selectFrom('modules').select('id').execute();
  await db
    .insertInto('profile_permissions')
    .values(
      modules.flatMap((m: { id: string }) => [
        { profile_id: admin, module_id: m.id, can_view: true, can_create: true, can_edit: true, can_delete: true },
        { profile_id: standard, module_id: m.id, can_view: true, can_create: true, can_edit: true, can_delete: false },
      ]),
    )
    .execute();
  await db.updateTable('staff_users').set({ profile_id: admin }).where('is_admin', '=', true).execute();
  await db.updateTable('staff_users').set({ profile_id: standard }).where('is_admin', '=', false).execute();
  // The profile now says who is an administrator.
  await sql`alter table staff_users alter column profile_id set not null`.execute(db);
  await sql`alter table staff_users drop column is_admin`.execute(db);
  await sql`update records set search = to_tsvector('simple', display_name)`.execute(db);
}
