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
  created_at: Timestamp;
}

export interface StaffUsersTable {
  id: Generated<string>;
  email: string;
  name: string;
  password_hash: string;
  is_admin: Generated<boolean>;
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
}

export type LoginAttemptScope = 'account' | 'address';

export interface LoginAttemptsTable {
  id: Generated<string>;
  scope: LoginAttemptScope;
  key: string;
  succeeded: boolean;
  created_at: Timestamp;
}

export type OutboxStatus = 'pending' | 'sent' | 'failed' | 'held';

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
  created_at: Timestamp;
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
}

export interface DB {
  org: OrgTable;
  staff_users: StaffUsersTable;
  sessions: SessionsTable;
  login_attempts: LoginAttemptsTable;
  email_outbox: EmailOutboxTable;
  audit_log: AuditLogTable;
  modules: ModulesTable;
  records: RecordsTable;
}

export type Org = Selectable<OrgTable>;
export type StaffUser = Selectable<StaffUsersTable>;
export type NewStaffUser = Insertable<StaffUsersTable>;
export type StaffUserUpdate = Updateable<StaffUsersTable>;
export type Session = Selectable<SessionsTable>;
export type OutboxEmail = Selectable<EmailOutboxTable>;
export type Module = Selectable<ModulesTable>;
export type CrmRecord = Selectable<RecordsTable>;
