import { randomUUID } from 'node:crypto';
import type { Database } from '../db/database.js';
import type { Labels, LayoutSection, Module, ModuleSharing } from '../db/schema.js';
import { translator } from '../i18n/i18n.js';
import { LANGUAGES } from '../i18n/languages.js';
import { apiNameFrom, cleanLabels, type FormErrors, keyedLabels, LABEL_MAX, type Outcome, sameText } from './admin-labels.js';
import { moduleLabel } from './metadata.js';

export const SHARING_LEVELS = ['private', 'public_read', 'public_full'] as const satisfies readonly ModuleSharing[];

// Path segments of the staff and settings pages.
const RESERVED_MODULE_NAMES = new Set(['new', 'm', 'admin', 'settings', 'modules', 'fields', 'layouts', 'lookup', 'recycle_bin', 'static', 'api', 'p']);

export type ModuleInput = { singular: Labels; plural: Labels; sharing?: string | undefined };

function checkModuleLabels(input: ModuleInput, others: Module[], errors: FormErrors) {
  if (Object.keys(input.singular).length === 0 && Object.keys(input.plural).length === 0) {
    errors.singular = 'settings:errors.labelRequired';
    return;
  }
  for (const lang of LANGUAGES) {
    const singular = input.singular[lang];
    const plural = input.plural[lang];
    const t = translator(lang);
    if (singular && !plural) errors[`plural.${lang}`] = 'settings:errors.pluralRequired';
    if (plural && !singular) errors[`singular.${lang}`] = 'settings:errors.singularRequired';
    for (const [form, label] of [
      ['singular', singular],
      ['plural', plural],
    ] as const) {
      if (!label) continue;
      if (label.length > LABEL_MAX) errors[`${form}.${lang}`] = 'settings:errors.labelTooLong';
      else if (others.some((m) => sameText(moduleLabel(t, lang, m, form), label))) errors[`${form}.${lang}`] = 'settings:errors.moduleDuplicate';
    }
  }
}

const cleanModuleInput = (input: ModuleInput): ModuleInput => ({ ...input, singular: cleanLabels(input.singular), plural: cleanLabels(input.plural) });

function moduleLabels(input: ModuleInput): Module['labels'] {
  const out: Module['labels'] = {};
  for (const lang of LANGUAGES) {
    const singular = input.singular[lang];
    const plural = input.plural[lang];
    if (singular && plural) out[lang] = { singular, plural };
  }
  return out;
}

function checkSharing(value: string | undefined, errors: FormErrors): ModuleSharing | undefined {
  if (value === undefined) return undefined;
  if ((SHARING_LEVELS as readonly string[]).includes(value)) return value as ModuleSharing;
  errors.sharing = 'settings:errors.sharingInvalid';
  return undefined;
}

/**
 * A custom module with a required text field "name" that names its records,
 * and a default layout with one section holding it. Administrators' profiles
 * get every permission on it; other profiles none until an administrator grants them.
 */
export async function createCustomModule(db: Database, raw: ModuleInput): Promise<Outcome<Module>> {
  const input = cleanModuleInput(raw);
  const errors: FormErrors = {};
  const all = await db.selectFrom('modules').selectAll().execute();
  checkModuleLabels(
    input,
    all.filter((m) => !m.deleted_at),
    errors,
  );
  const sharing = checkSharing(input.sharing, errors) ?? 'private';
  if (Object.keys(errors).length > 0) return { ok: false, errors };

  const labels = moduleLabels(input);
  const source = input.plural.en ?? LANGUAGES.map((l) => input.plural[l]).find(Boolean) ?? '';
  const apiName = apiNameFrom(source, new Set(all.map((m) => m.api_name)), RESERVED_MODULE_NAMES, 'module');
  const position = Math.max(0, ...all.map((m) => m.position)) + 10;
  const module = await db.transaction().execute(async (trx) => {
    const module = await trx
      .insertInto('modules')
      .values({ api_name: apiName, kind: 'custom', labels: JSON.stringify(labels), sharing, position, name_fields: ['name'] })
      .returningAll()
      .executeTakeFirstOrThrow();
    const nameFieldId = randomUUID();
    await trx
      .insertInto('fields')
      .values({
        id: nameFieldId,
        module_id: module.id,
        api_name: 'name',
        kind: 'custom',
        type: 'text',
        required: true,
        labels: JSON.stringify(keyedLabels('settings:defaults.nameField')),
        options: '{}',
        position: 10,
      })
      .execute();
    await trx
      .insertInto('layouts')
      .values({
        id: randomUUID(),
        module_id: module.id,
        api_name: 'standard',
        label_key: 'crm:layouts.standard',
        labels: '{}',
        is_default: true,
        position: 10,
        sections: JSON.stringify([{ id: randomUUID(), labelKey: 'crm:sections.overview', fields: [nameFieldId] }] satisfies LayoutSection[]),
      })
      .execute();
    const profiles = await trx.selectFrom('profiles').select(['id', 'is_admin']).execute();
    if (profiles.length > 0)
      await trx
        .insertInto('profile_permissions')
        .values(
          profiles.map((p) => ({
            profile_id: p.id,
            module_id: module.id,
            can_view: p.is_admin,
            can_create: p.is_admin,
            can_edit: p.is_admin,
            can_delete: p.is_admin,
          })),
        )
        .execute();
    return module;
  });
  return { ok: true, value: module };
}

/** Labels (custom modules only: standard ones are named by the locale files) and sharing. */
export async function updateModule(db: Database, module: Module, raw: ModuleInput): Promise<Outcome<Module>> {
  const input = cleanModuleInput(raw);
  const errors: FormErrors = {};
  if (module.kind === 'custom') {
    const others = await db.selectFrom('modules').selectAll().where('deleted_at', 'is', null).where('id', '<>', module.id).execute();
    checkModuleLabels(input, others, errors);
  }
  const sharing = checkSharing(input.sharing, errors);
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const changes = { ...(module.kind === 'custom' ? { labels: JSON.stringify(moduleLabels(input)) } : {}), ...(sharing ? { sharing } : {}) };
  // A standard module's labels come from the locale files: sent without a sharing level, there is nothing to save.
  if (Object.keys(changes).length === 0) return { ok: true, value: module };
  const updated = await db.updateTable('modules').set(changes).where('id', '=', module.id).returningAll().executeTakeFirstOrThrow();
  return { ok: true, value: updated };
}
