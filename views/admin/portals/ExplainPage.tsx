import { fieldLabel, labelOf, moduleLabel } from '../../../src/crm/metadata.js';
import type { ViewContext } from '../../../src/http/env.js';
import type { PortalUserChoice, RecordMatch, UserExplanation } from '../../../src/portals/explain.js';
import { Alert } from '../../components/Alert.js';
import { TextField } from '../../components/Field.js';

/** Locale keys of the picker's problems. */
export type ExplainPickerErrors = { user?: string; record?: string; form?: string };

export type RecordSearchResult = { text: string; everywhere: boolean; records: RecordMatch[]; more: boolean };

export type ExplainPageProps = {
  view: ViewContext;
  base: string;
  search: string;
  userId: string;
  record: string;
  choices: PortalUserChoice[];
  moreChoices: boolean;
  /** Portal users found by name or email (before a user is chosen). */
  userMatches?: { users: PortalUserChoice[]; more: boolean } | undefined;
  /** Once a user is chosen by name: the records found by name. */
  recordSearch?: RecordSearchResult | undefined;
  errors: ExplainPickerErrors;
  explanation?: UserExplanation | undefined;
};

/** Why a portal user can or cannot see a record, and which of its fields they get. */
export function ExplainPage(props: ExplainPageProps) {
  const { view, explanation } = props;
  const { t } = view;
  return (
    <section>
      <p>
        <a href="/admin/settings/portals">← {t('portalexplain:backToPortals')}</a>
      </p>
      <h1>{t('portalexplain:title')}</h1>
      <p>{t('portalexplain:intro')}</p>
      {props.errors.form && <Alert kind="error">{t(props.errors.form)}</Alert>}
      {explanation && <Explanation view={view} base={props.base} explanation={explanation} />}
      <FindByName {...props} />
      <Picker {...props} />
    </section>
  );
}

/** Find the portal user, then the record, by typing part of a name: a plain GET form, with suggestions as one types (htmx). */
function FindByName(props: ExplainPageProps) {
  const { view, base, recordSearch } = props;
  const { t } = view;
  const chosen = recordSearch ? props.choices.find((u) => u.id === props.userId) : undefined;
  return (
    <section class="card" aria-labelledby="find-title">
      <h2 id="find-title">{t('portalexplain:find.title')}</h2>
      {chosen && recordSearch ? (
        <>
          <p>
            {t('portalexplain:find.chosen')}: <strong>{t('portalexplain:picker.option', { name: chosen.name, email: chosen.email })}</strong> ·{' '}
            {t('portalexplain:picker.group', { portal: chosen.portalName, type: chosen.userTypeName })} ·{' '}
            <a href={props.search ? `${base}?q=${encodeURIComponent(props.search)}` : base}>{t('portalexplain:find.changeUser')}</a>
          </p>
          <form method="get" action={base} class="search-form">
            <input type="hidden" name="user" value={chosen.id} />
            {props.search && <input type="hidden" name="q" value={props.search} />}
            <SearchInput
              view={view}
              name="rq"
              label={t('portalexplain:find.record')}
              value={recordSearch.text}
              suggest={`${base}/suggest/records`}
              results="record-matches"
            />
            <div class="field checkbox">
              <label>
                <input
                  type="checkbox"
                  name="all"
                  value="1"
                  checked={recordSearch.everywhere}
                  hx-get={`${base}/suggest/records`}
                  hx-trigger="change"
                  hx-include="closest form"
                  hx-target="#record-matches"
                  hx-swap="innerHTML"
                />{' '}
                {t('portalexplain:find.everywhere')}
              </label>
            </div>
            <button type="submit" class="button secondary">
              {t('portalexplain:find.button')}
            </button>
          </form>
          <div id="record-matches" aria-live="polite">
            <RecordMatches view={view} base={base} userId={chosen.id} search={recordSearch} />
          </div>
        </>
      ) : (
        <>
          <form method="get" action={base} class="search-form">
            <SearchInput
              view={view}
              name="q"
              label={t('portalexplain:find.user')}
              value={props.search}
              suggest={`${base}/suggest/users`}
              results="user-matches"
            />
            <button type="submit" class="button secondary">
              {t('portalexplain:find.button')}
            </button>
          </form>
          <div id="user-matches" aria-live="polite">
            {props.userMatches && <UserMatches view={view} base={base} search={props.search} users={props.userMatches.users} more={props.userMatches.more} />}
          </div>
        </>
      )}
    </section>
  );
}

/** A search box that asks for suggestions as one types, shown in the `results` region. */
function SearchInput(props: { view: ViewContext; name: string; label: string; value: string; suggest: string; results: string }) {
  const { t } = props.view;
  return (
    <div class="field">
      <label for={props.name}>{props.label}</label>
      <input
        id={props.name}
        name={props.name}
        type="search"
        value={props.value}
        autocomplete="off"
        maxlength={100}
        aria-describedby={`${props.name}-hint`}
        aria-controls={props.results}
        hx-get={props.suggest}
        hx-trigger="keyup changed delay:300ms, search"
        hx-include="closest form"
        hx-target={`#${props.results}`}
        hx-swap="innerHTML"
      />
      <p class="hint" id={`${props.name}-hint`}>
        {t('portalexplain:find.hint')}
      </p>
    </div>
  );
}

/** The portal users found: each a link to the next step, finding the record. */
export function UserMatches(props: { view: ViewContext; base: string; search: string; users: PortalUserChoice[]; more: boolean }) {
  const { t } = props.view;
  const search = props.search.trim();
  if (!search) return null;
  if (props.users.length === 0) return <p>{t('portalexplain:find.noUsers', { q: search })}</p>;
  return (
    <>
      <ul class="search-results" aria-label={t('portalexplain:find.usersFound')}>
        {props.users.map((u) => (
          <li>
            <a href={`${props.base}?q=${encodeURIComponent(search)}&user=${u.id}`}>{t('portalexplain:picker.option', { name: u.name, email: u.email })}</a> ·{' '}
            {t('portalexplain:picker.group', { portal: u.portalName, type: u.userTypeName })}
            {u.status !== 'active' && <> · {t(`portalexplain:status.${u.status}`)}</>}
          </li>
        ))}
      </ul>
      {props.more && <p class="hint">{t('portalexplain:find.more', { count: props.users.length })}</p>}
    </>
  );
}

/** The records found: each a link to the explanation for the chosen user. */
export function RecordMatches(props: { view: ViewContext; base: string; userId: string; search: RecordSearchResult }) {
  const { t, lang } = props.view;
  const { records, more } = props.search;
  const text = props.search.text.trim();
  if (!text) return null;
  if (records.length === 0) return <p>{t(props.search.everywhere ? 'portalexplain:find.noRecords' : 'portalexplain:find.noRecordsHere', { q: text })}</p>;
  return (
    <>
      <ul class="search-results" aria-label={t('portalexplain:find.recordsFound')}>
        {records.map((r) => (
          <li>
            <a href={`${props.base}?user=${encodeURIComponent(props.userId)}&record=${r.id}`}>{r.name || t('portalexplain:untitled')}</a> ·{' '}
            {moduleLabel(t, lang, r.module, 'singular')}
          </li>
        ))}
      </ul>
      {more && <p class="hint">{t('portalexplain:find.more', { count: records.length })}</p>}
    </>
  );
}

function Picker(props: ExplainPageProps) {
  const { view, base, choices, errors } = props;
  const { t } = view;
  const groups = new Map<string, { label: string; users: PortalUserChoice[] }>();
  for (const u of [...choices].sort((a, b) => a.portalName.localeCompare(b.portalName) || a.userTypeName.localeCompare(b.userTypeName))) {
    const key = `${u.portalId}/${u.userTypeId}`;
    const group = groups.get(key) ?? { label: t('portalexplain:picker.group', { portal: u.portalName, type: u.userTypeName }), users: [] };
    group.users.push(u);
    groups.set(key, group);
  }
  const userError = errors.user ? t(errors.user) : undefined;
  return (
    <section class="card">
      <h2>{t('portalexplain:picker.title')}</h2>
      {props.moreChoices && <p class="hint">{t('portalexplain:picker.more', { max: choices.length })}</p>}
      <form method="get" action={base}>
        {props.search && <input type="hidden" name="q" value={props.search} />}
        <div class={userError ? 'field has-error' : 'field'}>
          <label for="user">{t('portalexplain:picker.user')}</label>
          <select id="user" name="user" aria-invalid={userError ? 'true' : undefined} aria-describedby={userError ? 'user-error' : undefined}>
            <option value="">{t('portalexplain:picker.choose')}</option>
            {[...groups.values()].map((g) => (
              <optgroup label={g.label}>
                {g.users.map((u) => (
                  <option value={u.id} selected={u.id === props.userId}>
                    {u.status === 'active'
                      ? t('portalexplain:picker.option', { name: u.name, email: u.email })
                      : t('portalexplain:picker.optionStatus', { name: u.name, email: u.email, status: t(`portalexplain:status.${u.status}`) })}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
          {userError && (
            <p class="field-error" id="user-error">
              {userError}
            </p>
          )}
        </div>
        <TextField
          name="record"
          label={t('portalexplain:picker.record')}
          hint={t('portalexplain:picker.recordHint')}
          value={props.record}
          error={errors.record ? t(errors.record) : undefined}
        />
        <button type="submit" class="button">
          {t('portalexplain:picker.submit')}
        </button>
      </form>
    </section>
  );
}

function Explanation({ view, base, explanation: e }: { view: ViewContext; base: string; explanation: UserExplanation }) {
  const { t, lang } = view;
  const moduleName = moduleLabel(t, lang, e.record.module, 'plural');
  const recordName = e.record.name || t('portalexplain:untitled');
  const layoutName = e.layout ? labelOf(t, lang, e.layout, e.layout.api_name) : undefined;
  const lookupName = e.lookupField ? fieldLabel(t, lang, e.lookupField) : undefined;
  const params = {
    user: e.user.name || e.user.email,
    record: recordName,
    module: moduleName,
    type: e.user.userTypeName,
    field: lookupName ?? '',
    colleague: e.colleague?.name || t('portalexplain:untitled'),
    layout: layoutName ?? '',
    status: t(`portalexplain:status.${e.user.status}`),
  };
  const company = e.tab?.kind === 'related' && e.tab.reach === 'company';
  const reasonKey =
    (e.reason === 'lookup_elsewhere' && !lookupName) || (e.reason === 'layout_not_allowed' && !layoutName)
      ? `${e.reason}_none`
      : e.reason === 'lookup_elsewhere' && company
        ? 'lookup_elsewhere_company'
        : e.reason;
  const tab = e.tab;
  const granted = tab
    ? [
        { key: 'view', on: tab.canView },
        { key: 'create', on: tab.canCreate },
        { key: 'edit', on: tab.canEdit },
        { key: 'delete', on: tab.canDelete },
      ]
    : [];
  const perms = granted.filter((p) => p.on).map((p) => p.key);
  return (
    <section class="card" aria-labelledby="verdict">
      <h2 id="verdict">{t(e.canSee ? 'portalexplain:verdict.canSee' : 'portalexplain:verdict.cannotSee', params)}</h2>
      <Alert kind={e.canSee ? 'success' : 'info'}>{t(`portalexplain:reasons.${reasonKey}`, params)}</Alert>
      <dl class="details">
        <dt>{t('portalexplain:details.user')}</dt>
        <dd>
          {params.user} &lt;{e.user.email}&gt; · {t('portalexplain:picker.group', { portal: e.user.portalName, type: e.user.userTypeName })} · {params.status}
        </dd>
        <dt>{t('portalexplain:details.record')}</dt>
        <dd>
          {e.record.inRecycleBin ? recordName : <a href={`/admin/m/${e.record.module.api_name}/${e.record.id}`}>{recordName}</a>} · {moduleName}
          {e.record.inRecycleBin && <span class="badge"> {t('portalexplain:details.inRecycleBin')}</span>}
        </dd>
        <dt>{t('portalexplain:details.tab')}</dt>
        <dd>
          {tab
            ? t('portalexplain:details.tabValue', {
                kind: t(`portalexplain:kinds.${tab.kind}`),
                perms: perms.length ? perms.map((p) => t(`portalexplain:perms.${p}`)).join(', ') : t('portalexplain:perms.none'),
              })
            : t('portalexplain:details.noTab')}
          {tab && !tab.shown && <span class="badge"> {t('portalexplain:details.tabHidden')}</span>}
        </dd>
        <dt>{t('portalexplain:details.lookup')}</dt>
        <dd>{lookupName ?? t('portalexplain:details.noLookup')}</dd>
        {tab?.kind === 'related' && (
          <>
            <dt>{t('portalexplain:details.reach')}</dt>
            <dd>{t(`portalexplain:reach.${tab.reach}`)}</dd>
          </>
        )}
        <dt>{t('portalexplain:details.layout')}</dt>
        <dd>
          {layoutName ?? t('portalexplain:details.noLayout')}
          {e.layoutAllowed !== undefined && (
            <span class="badge"> {t(e.layoutAllowed ? 'portalexplain:details.layoutAllowed' : 'portalexplain:details.layoutNotAllowed')}</span>
          )}
        </dd>
      </dl>
      <h3>{t('portalexplain:fields.title')}</h3>
      {!e.canSee ? (
        <p>{t('portalexplain:fields.noneVisible')}</p>
      ) : e.fields.length === 0 ? (
        <p>{t('portalexplain:fields.empty')}</p>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('portalexplain:fields.field')}</th>
                <th scope="col">{t('portalexplain:fields.access')}</th>
                <th scope="col">{t('portalexplain:fields.required')}</th>
              </tr>
            </thead>
            <tbody>
              {e.fields.map((f) => (
                <tr>
                  <th scope="row">{fieldLabel(t, lang, f.field)}</th>
                  <td>{t(f.readOnly ? 'portalexplain:fields.readOnly' : f.visible ? 'portalexplain:fields.editable' : 'portalexplain:fields.hidden')}</td>
                  <td>{f.required ? t('common:yes') : t('common:no')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p>
        <a href={`${base}/record/${e.record.id}`}>{t('portalexplain:whoElse')}</a>
      </p>
    </section>
  );
}
