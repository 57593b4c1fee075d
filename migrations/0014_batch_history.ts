import { type Kysely, sql } from 'kysely';

// Invitation batches outlive the user type they invited to: deleting a type
// keeps its batches and their outcomes readable from the portal, with the
// type's name and base module as they were when the batch ran.

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not today's types
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table invitation_batches add column user_type_name text, add column base_module_id uuid references modules(id)`.execute(db);
  await sql`update invitation_batches b set user_type_name = t.name, base_module_id = t.base_module_id
    from portal_user_types t where t.id = b.user_type_id`.execute(db);
  await sql`alter table invitation_batches alter column user_type_name set not null, alter column base_module_id set not null`.execute(db);
  // A new batch takes its type's name and base module unless the insert gives them, so no code path can leave them empty.
  await sql`create function invitation_batch_type_facts() returns trigger language plpgsql as $$
    begin
      if new.user_type_name is null or new.base_module_id is null then
        select coalesce(new.user_type_name, t.name), coalesce(new.base_module_id, t.base_module_id)
          into new.user_type_name, new.base_module_id
          from portal_user_types t where t.id = new.user_type_id;
      end if;
      return new;
    end $$`.execute(db);
  await sql`create trigger invitation_batches_type_facts before insert on invitation_batches
    for each row execute function invitation_batch_type_facts()`.execute(db);
  for (const table of ['invitation_batches', 'invitation_results']) {
    await sql`alter table ${sql.table(table)} drop constraint ${sql.raw(`${table}_user_type_id_fkey`)},
      alter column user_type_id drop not null,
      add constraint ${sql.raw(`${table}_user_type_id_fkey`)} foreign key (user_type_id) references portal_user_types(id) on delete set null`.execute(db);
  }
}
