import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** A timestamptz column; optional on insert (most have a default). */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Json<T> = ColumnType<T, T | string, T | string>;

export type TimeFormat = '12h' | '24h';

export interface OrgTable {
  id: Generated<number>;
  name: string;
  email_domains: ColumnType<string[], string[], string[]>;
  default_language: string;
  time_zone: string;
  time_format: TimeFormat;
  country: string;
  gdpr_enabled: Generated<boolean>;
  /** Where new data-privacy requests are emailed; every active admin when null. */
  privacy_contact: string | null;
  currency: Generated<string>;
  created_at: Timestamp;
}

export interface StaffUsersTable {
  id: Generated<string>;
  email: string;
  name: string;
  password_hash: string;
  profile_id: string;
  active: Generated<boolean>;
  language: string | null;
  time_zone: string | null;
  time_format: TimeFormat | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type SessionUserKind = 'staff' | 'portal';

export interface SessionsTable {
  /** hex SHA-256 of the token held by the browser; the token itself is never stored. */
  id: string;
  user_kind: SessionUserKind;
  user_id: string;
  expires_at: Timestamp;
  created_at: Timestamp;
  ip: string | null;
  user_agent: string | null;
  /** Signed in with a password, still owing the second factor: grants nothing else. */
  two_factor_pending: Generated<boolean>;
}

export type LoginAttemptScope = 'account' | 'address';

export interface LoginAttemptsTable {
  id: Generated<string>;
  scope: LoginAttemptScope;
  key: string;
  succeeded: boolean;
  created_at: Timestamp;
}

export type OutboxStatus = 'pending' | 'sent' | 'failed' | 'held' | 'blocked';

export interface PortalIndicatorsTable {
  id: Generated<string>;
  user_type_id: string;
  module_id: string;
  measure: 'count' | 'sum';
  sum_field_id: string | null;
  /** NULL: grouped by owner. */
  group_field_id: string | null;
  position: Generated<number>;
  created_at: Generated<Date>;
}

export interface CaseDeflectionsTable {
  id: Generated<string>;
  portal_id: string;
  portal_user_id: string;
  article_id: string;
  opened_at: Generated<Date>;
}

export interface EmailOutboxTable {
  id: Generated<string>;
  to_address: string;
  to_name: string | null;
  subject: string;
  html: string;
  text: string;
  language: string;
  template: string;
  status: Generated<OutboxStatus>;
  attempts: Generated<number>;
  last_error: string | null;
  created_at: Timestamp;
  sent_at: NullableTimestamp;
  /** Where a reply goes: a case's per-email reply address. */
  reply_to: string | null;
  /** Why a `blocked` email is kept and not sent: the person may not be emailed (privacy). */
  blocked_reason: string | null;
}

export type ConsentSource = 'portal' | 'staff' | 'import' | 'privacy_request' | 'system';

export interface ConsentEventsTable {
  id: Generated<string>;
  record_id: string;
  at: Timestamp;
  actor_kind: 'staff' | 'portal' | 'system';
  actor_id: string | null;
  source: ConsentSource;
  /** Field api name → [old, new]. */
  changes: Json<Record<string, [unknown, unknown]>>;
}

export type PrivacyRequestKind = 'erasure' | 'stop_processing' | 'export' | 'rectification';
export type PrivacyRequestStatus = 'submitted' | 'in_progress' | 'extended' | 'completed' | 'rejected';

export interface PrivacyRequestsTable {
  id: Generated<string>;
  number: Generated<string>;
  record_id: string;
  kind: PrivacyRequestKind;
  status: Generated<PrivacyRequestStatus>;
  details: Generated<string>;
  requested_by_kind: 'portal' | 'staff';
  requested_by_id: string | null;
  portal_user_id: string | null;
  language: string;
  submitted_at: Timestamp;
  due_at: ColumnType<Date, Date | string, Date | string>;
  extended_at: NullableTimestamp;
  extension_reason: ColumnType<string | null, string | null | undefined, string | null>;
  rejection_reason: ColumnType<string | null, string | null | undefined, string | null>;
  closed_at: NullableTimestamp;
  handled_by: ColumnType<string | null, string | null | undefined, string | null>;
  outcome: ColumnType<Record<string, unknown>, string | undefined, string>;
  version: Generated<number>;
}

export interface PrivacyRequestEventsTable {
  id: Generated<string>;
  request_id: string;
  at: Timestamp;
  actor_kind: 'staff' | 'portal' | 'system';
  actor_id: string | null;
  event: string;
  details: ColumnType<Record<string, unknown>, string | undefined, string>;
}

export interface PrivacyExportsTable {
  request_id: string;
  status: Generated<'queued' | 'ready' | 'failed' | 'expired'>;
  filename: string | null;
  size: number | null;
  content: Buffer | null;
  ready_at: NullableTimestamp;
  expires_at: NullableTimestamp;
  error: string | null;
}

export interface CaseReplyTokensTable {
  /** SHA-256 of the token in the reply address, hex. */
  token_hash: string;
  record_id: string;
  portal_user_id: string;
  outbox_id: string | null;
  created_at: Timestamp;
}

export type InboundOutcome = 'accepted' | 'refused' | 'duplicate';

export interface InboundMailTable {
  id: Generated<string>;
  received_at: Timestamp;
  via: 'smtp' | 'http';
  message_id: string | null;
  from_address: string | null;
  subject: string | null;
  outcome: InboundOutcome;
  reason: string | null;
  record_id: string | null;
  portal_user_id: string | null;
  attachments: Generated<number>;
  details: Json<Record<string, unknown>>;
}

export interface AuditLogTable {
  id: Generated<string>;
  at: Timestamp;
  actor_kind: 'staff' | 'portal' | 'system';
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  details: Json<Record<string, unknown>>;
}

export type ModuleSharing = 'private' | 'public_read' | 'public_full';

export interface ModulesTable {
  id: Generated<string>;
  api_name: string;
  kind: 'standard' | 'custom';
  label_key: string | null;
  labels: Json<Record<string, { singular: string; plural: string }>>;
  sharing: Generated<ModuleSharing>;
  position: Generated<number>;
  name_fields: ColumnType<string[], string[] | undefined, string[]>;
  created_at: Timestamp;
  deleted_at: NullableTimestamp;
  /** Set on a case module: its status picklist and which of its values are the four help-desk states. */
  case_config: ColumnType<CaseConfig | null, CaseConfig | string | null | undefined, CaseConfig | string | null>;
}

export type CaseConfig = { statusFieldId: string; states: Record<'open' | 'in_progress' | 'waiting' | 'closed', string> };

export type FieldType =
  | 'text'
  | 'textarea'
  | 'email'
  | 'phone'
  | 'url'
  | 'number'
  | 'decimal'
  | 'currency'
  | 'percent'
  | 'boolean'
  | 'date'
  | 'datetime'
  | 'picklist'
  | 'multiselect'
  | 'lookup'
  | 'subform';

/** Labels per language, for what admins name themselves (custom modules, fields, values). */
export type Labels = Partial<Record<string, string>>;

export type PicklistValue = { value: string; labelKey?: string; labels?: Labels };

export type FieldOptions = {
  values?: PicklistValue[];
  targetModuleId?: string;
  scale?: number;
  currency?: string;
  computed?: 'line_items_subtotal' | 'line_items_total';
};

export interface FieldsTable {
  id: string;
  module_id: string;
  parent_field_id: string | null;
  api_name: string;
  kind: 'standard' | 'custom';
  type: FieldType;
  required: Generated<boolean>;
  label_key: string | null;
  labels: Json<Labels>;
  options: Json<FieldOptions>;
  position: Generated<number>;
  created_at: Timestamp;
  deleted_at: NullableTimestamp;
}

export type LayoutSection = { id: string; labelKey?: string; labels?: Labels; fields: string[] };

export interface LayoutsTable {
  id: string;
  module_id: string;
  api_name: string;
  label_key: string | null;
  labels: Json<Labels>;
  is_default: Generated<boolean>;
  position: Generated<number>;
  sections: Json<LayoutSection[]>;
  created_at: Timestamp;
  deleted_at: NullableTimestamp;
}

export interface RecordRefsTable {
  field_id: string;
  target_id: string;
  record_id: string;
}

export interface NotesTable {
  id: Generated<string>;
  record_id: string;
  author_kind: 'staff' | 'portal';
  author_id: string;
  body: string;
  internal: Generated<boolean>;
  created_at: Timestamp;
}

export interface AttachmentsTable {
  id: Generated<string>;
  record_id: string;
  author_kind: 'staff' | 'portal';
  author_id: string;
  filename: string;
  content_type: string;
  size: number;
  content: Buffer;
  internal: Generated<boolean>;
  created_at: Timestamp;
}

export type FieldChange = { field: string; old: unknown; new: unknown };

export interface RecordChangesTable {
  id: Generated<string>;
  record_id: string;
  at: Timestamp;
  actor_kind: 'staff' | 'portal' | 'system';
  actor_id: string | null;
  action: string;
  changes: Json<FieldChange[]>;
}

export interface ProfilesTable {
  id: string;
  api_name: string;
  label_key: string | null;
  name: string | null;
  is_admin: Generated<boolean>;
  manage_portals: Generated<boolean>;
  manage_portal_users: Generated<boolean>;
  created_at: Timestamp;
}

export interface ProfilePermissionsTable {
  profile_id: string;
  module_id: string;
  can_view: Generated<boolean>;
  can_create: Generated<boolean>;
  can_edit: Generated<boolean>;
  can_delete: Generated<boolean>;
}

export type ImportStatus = 'uploaded' | 'queued' | 'running' | 'done' | 'failed';
export type ImportRowError = { row: number; errors: { field: string; key: string }[] };

export interface ImportsTable {
  id: Generated<string>;
  module_id: string;
  staff_id: string;
  filename: string;
  content: Buffer;
  mapping: Json<Record<string, string | null>>;
  skip_bad_rows: Generated<boolean>;
  status: Generated<ImportStatus>;
  total_rows: Generated<number>;
  processed_rows: Generated<number>;
  imported_rows: Generated<number>;
  row_errors: Json<ImportRowError[]>;
  created_at: Timestamp;
  finished_at: NullableTimestamp;
}

export type RecordState = 'active' | 'pending_approval' | 'under_review';

export interface RecordsTable {
  id: Generated<string>;
  module_id: string;
  owner_id: string;
  data: Json<Record<string, unknown>>;
  display_name: string;
  state: Generated<RecordState>;
  deleted_at: NullableTimestamp;
  created_by_staff_id: string | null;
  created_by_portal_user_id: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  version: Generated<number>;
  layout_id: string | null;
  search: ColumnType<string, string | undefined, string>;
  converted_at: NullableTimestamp;
  converted_to: string | null;
}

export interface PortalsTable {
  id: Generated<string>;
  name: string;
  slug: string;
  position: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
  /** Days after closing in which a customer may reopen a case. */
  reopen_days: Generated<number>;
  /** The public module whose articles are suggested beside a new case (Solutions when unset). */
  knowledge_base_module_id: string | null;
  /** #rrggbb, dark enough for white text (WCAG AA). */
  accent_color: string | null;
  /** The logo's SHA-256 (first 16 hex digits): its URL, cached for good. */
  logo_hash: string | null;
  /** A host name of its own (support.acme.com), lower case, besides /p/:slug. */
  domain: string | null;
  /** Self sign-up: the user type it feeds (off when null). */
  signup_user_type_id: string | null;
  /** The base-module fields the sign-up form asks for, besides the email. */
  signup_field_ids: ColumnType<string[], string[] | undefined, string[]>;
  /** The staff user who owns the records sign-ups create. */
  signup_owner_id: string | null;
  /** Email domains (lower case) whose confirmed sign-ups are accepted without approval. */
  signup_domains: ColumnType<string[], string[] | undefined, string[]>;
}

export interface PortalLogosTable {
  portal_id: string;
  hash: string;
  content_type: string;
  content: Buffer;
  updated_at: Timestamp;
}

export interface PortalSlugsTable {
  slug: string;
  portal_id: string;
  created_at: Timestamp;
}

export interface PortalUserTypesTable {
  id: Generated<string>;
  portal_id: string;
  name: string;
  base_module_id: string;
  is_default: Generated<boolean>;
  user_limit: Generated<number>;
  require_two_factor: Generated<boolean>;
  position: Generated<number>;
  created_at: Timestamp;
}

export type TabKind = 'base' | 'related' | 'public';
/** A related tab's records: those linked to the user, or to anyone at the user's company (ACCESS.md). */
export type TabReach = 'mine' | 'company';
export type TabAccess = 'none' | 'view' | 'add';

export interface PortalTypeTabsTable {
  id: Generated<string>;
  user_type_id: string;
  module_id: string;
  kind: TabKind;
  shown: Generated<boolean>;
  filter_field_id: string | null;
  reach: Generated<TabReach>;
  layout_ids: ColumnType<string[], string[] | undefined, string[]>;
  can_view: Generated<boolean>;
  can_create: Generated<boolean>;
  can_edit: Generated<boolean>;
  can_delete: Generated<boolean>;
  view_mode: Generated<'list' | 'canvas'>;
  notes: Generated<TabAccess>;
  attachments: Generated<TabAccess>;
  position: Generated<number>;
  /** The tab's own name per language; absent ones use the module's plural label. */
  labels: ColumnType<Labels, Labels | string | undefined, Labels | string>;
}

export interface PortalTypeFieldsTable {
  user_type_id: string;
  layout_id: string;
  field_id: string;
  visible: Generated<boolean>;
  read_only: Generated<boolean>;
}

export interface CanvasDesignsTable {
  module_id: string;
  title_field_id: string | null;
  subtitle_field_ids: ColumnType<string[], string[] | undefined, string[]>;
  badge_field_id: string | null;
}

export interface WebTabsTable {
  id: Generated<string>;
  user_type_id: string;
  name: string;
  url: string;
  position: Generated<number>;
}

export type PortalUserStatus = 'invited' | 'active' | 'deactivated' | 'expired';

export interface PortalUsersTable {
  id: Generated<string>;
  portal_id: string;
  user_type_id: string;
  record_id: string;
  email: string;
  password_hash: string | null;
  status: Generated<PortalUserStatus>;
  invited_by: string;
  language: string | null;
  time_format: TimeFormat | null;
  time_zone: string | null;
  country: string | null;
  created_at: Timestamp;
  activated_at: NullableTimestamp;
  deactivated_at: NullableTimestamp;
  invited_at: NullableTimestamp;
  last_login_at: NullableTimestamp;
}

export type SignupStatus = 'unconfirmed' | 'pending' | 'waiting' | 'approved' | 'rejected';

export interface PortalSignupsTable {
  id: Generated<string>;
  portal_id: string;
  user_type_id: string | null;
  /** Lower case. */
  email: string;
  /** The base-module fields typed on the form, by api name. */
  data: ColumnType<Record<string, unknown>, Record<string, unknown> | string | undefined, Record<string, unknown> | string>;
  language: string | null;
  consent: Generated<boolean>;
  status: Generated<SignupStatus>;
  /** A failure reason code (waiting, refused), or the administrator's reason for a rejection. */
  reason: string | null;
  /** hex SHA-256 of the one-time code; null once used. */
  code_hash: string | null;
  code_expires_at: NullableTimestamp;
  code_attempts: Generated<number>;
  confirmed_at: NullableTimestamp;
  decided_by: string | null;
  decided_at: NullableTimestamp;
  record_id: string | null;
  portal_user_id: string | null;
  created_at: Timestamp;
}

export interface PortalSsoTable {
  portal_id: string;
  enabled: Generated<boolean>;
  issuer: string;
  client_id: string;
  /** Encrypted with the application key (APP_KEY). */
  client_secret: string;
  scopes: Generated<string>;
  password_sign_in: Generated<boolean>;
  signup_allowed: Generated<boolean>;
  updated_at: Timestamp;
}

/** Staff sign-in's provider: at most one row. */
export interface StaffSsoTable {
  id: Generated<boolean>;
  enabled: Generated<boolean>;
  issuer: string;
  client_id: string;
  /** Encrypted with the application key (APP_KEY). */
  client_secret: string;
  scopes: Generated<string>;
  updated_at: Timestamp;
}

export interface SsoStatesTable {
  /** hex SHA-256 of the state sent to the provider. */
  state_hash: string;
  /** null: a staff sign-in. */
  portal_id: string | null;
  code_verifier: string;
  nonce: string;
  return_to: string | null;
  /** The redirect URI the start sent: the code is redeemed with it, and only a callback to it is taken. */
  redirect_uri: string;
  created_at: Timestamp;
  used_at: NullableTimestamp;
}

export interface PortalInvitationsTable {
  id: Generated<string>;
  portal_user_id: string;
  /** hex SHA-256 of the token in the emailed link; the token itself is never stored. */
  token_hash: string;
  invited_by: string | null;
  created_at: Timestamp;
  expires_at: Date;
  accepted_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
}

export type InvitationOutcome = 'sent' | 'failed' | 'would_send';

export interface InvitationBatchesTable {
  id: Generated<string>;
  portal_id: string;
  /** null once the type is deleted; its name and base module stay below. */
  user_type_id: string | null;
  /** Filled from the type on insert when not given. */
  user_type_name: Generated<string>;
  base_module_id: Generated<string>;
  created_by: string;
  dry_run: Generated<boolean>;
  total: number;
  status: Generated<'running' | 'done'>;
  created_at: Timestamp;
  finished_at: NullableTimestamp;
}

export interface InvitationResultsTable {
  id: Generated<string>;
  batch_id: string | null;
  record_id: string;
  /** null once the type is deleted. */
  user_type_id: string | null;
  outcome: InvitationOutcome;
  /** A stable failure reason code; null when sent. */
  reason: string | null;
  portal_user_id: string | null;
  created_by: string | null;
  created_at: Timestamp;
}

export interface InvitationTemplatesTable {
  portal_id: string;
  language: string;
  subject: string;
  body: string;
  updated_by: string | null;
  updated_at: Timestamp;
}

export interface AutoInviteRulesTable {
  id: Generated<string>;
  user_type_id: string;
  field_id: string;
  value: string;
  created_by: string | null;
  created_at: Timestamp;
}

export interface PasswordResetsTable {
  id: Generated<string>;
  user_kind: SessionUserKind;
  user_id: string;
  token_hash: string;
  created_at: Timestamp;
  expires_at: Date;
  used_at: NullableTimestamp;
}

export interface TwoFactorTable {
  user_kind: SessionUserKind;
  user_id: string;
  /** The TOTP key, base32. */
  secret: string;
  enabled_at: NullableTimestamp;
  /** The last accepted time step: a code is never accepted twice. */
  last_counter: ColumnType<string | null, string | number | null | undefined, string | number | null>;
  created_at: Timestamp;
}

export interface RecoveryCodesTable {
  id: Generated<string>;
  user_kind: SessionUserKind;
  user_id: string;
  code_hash: string;
  used_at: NullableTimestamp;
}

/** Moved on by triggers with every configuration change (see migrations/0013). */
export interface ConfigVersionTable {
  id: Generated<number>;
  version: string;
}

export interface DB {
  config_version: ConfigVersionTable;
  org: OrgTable;
  staff_users: StaffUsersTable;
  sessions: SessionsTable;
  login_attempts: LoginAttemptsTable;
  email_outbox: EmailOutboxTable;
  case_reply_tokens: CaseReplyTokensTable;
  inbound_mail: InboundMailTable;
  case_deflections: CaseDeflectionsTable;
  portal_indicators: PortalIndicatorsTable;
  audit_log: AuditLogTable;
  modules: ModulesTable;
  records: RecordsTable;
  fields: FieldsTable;
  layouts: LayoutsTable;
  record_refs: RecordRefsTable;
  notes: NotesTable;
  attachments: AttachmentsTable;
  record_changes: RecordChangesTable;
  profiles: ProfilesTable;
  profile_permissions: ProfilePermissionsTable;
  imports: ImportsTable;
  portals: PortalsTable;
  portal_slugs: PortalSlugsTable;
  portal_logos: PortalLogosTable;
  portal_user_types: PortalUserTypesTable;
  portal_type_tabs: PortalTypeTabsTable;
  portal_type_fields: PortalTypeFieldsTable;
  canvas_designs: CanvasDesignsTable;
  web_tabs: WebTabsTable;
  portal_users: PortalUsersTable;
  portal_invitations: PortalInvitationsTable;
  portal_signups: PortalSignupsTable;
  portal_sso: PortalSsoTable;
  sso_states: SsoStatesTable;
  staff_sso: StaffSsoTable;
  invitation_batches: InvitationBatchesTable;
  invitation_results: InvitationResultsTable;
  invitation_templates: InvitationTemplatesTable;
  auto_invite_rules: AutoInviteRulesTable;
  password_resets: PasswordResetsTable;
  two_factor: TwoFactorTable;
  recovery_codes: RecoveryCodesTable;
  consent_events: ConsentEventsTable;
  privacy_requests: PrivacyRequestsTable;
  privacy_request_events: PrivacyRequestEventsTable;
  privacy_exports: PrivacyExportsTable;
}

export type Org = Selectable<OrgTable>;
export type StaffUser = Selectable<StaffUsersTable>;
export type NewStaffUser = Insertable<StaffUsersTable>;
export type StaffUserUpdate = Updateable<StaffUsersTable>;
export type Session = Selectable<SessionsTable>;
export type OutboxEmail = Selectable<EmailOutboxTable>;
export type ConsentEvent = Selectable<ConsentEventsTable>;
export type PrivacyRequest = Selectable<PrivacyRequestsTable>;
export type PrivacyRequestEvent = Selectable<PrivacyRequestEventsTable>;
export type Module = Selectable<ModulesTable>;
export type CrmRecord = Selectable<RecordsTable>;
export type Field = Selectable<FieldsTable>;
export type Layout = Selectable<LayoutsTable>;
export type Profile = Selectable<ProfilesTable>;
export type Note = Selectable<NotesTable>;
export type RecordChange = Selectable<RecordChangesTable>;
export type Import = Selectable<ImportsTable>;
export type Portal = Selectable<PortalsTable>;
export type PortalUserType = Selectable<PortalUserTypesTable>;
export type PortalTypeTab = Selectable<PortalTypeTabsTable>;
export type PortalTypeField = Selectable<PortalTypeFieldsTable>;
export type PortalUser = Selectable<PortalUsersTable>;
export type PortalIndicator = Selectable<PortalIndicatorsTable>;
export type PortalInvitation = Selectable<PortalInvitationsTable>;
export type InvitationBatch = Selectable<InvitationBatchesTable>;
export type InvitationResult = Selectable<InvitationResultsTable>;
