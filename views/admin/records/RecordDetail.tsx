import type { Child } from 'hono/jsx';
import type { StoredValue } from '../../../src/crm/field-types.js';
import { fieldLabel, labelOf, moduleLabel } from '../../../src/crm/metadata.js';
import type { PageAuthor, RecordFlash, StaffRecordPage } from '../../../src/crm/record-page.js';
import type { CrmRecord, Field, Module } from '../../../src/db/schema.js';
import type { ViewContext } from '../../../src/http/env.js';
import { Alert } from '../../components/Alert.js';
import { repeatsHeading } from '../../components/FieldInput.js';
import { FieldValue } from '../../components/FieldValue.js';

/** A staff form on the record page that came back with a problem: its message and what was typed. */
export type RecordFormEcho =
  | { form: 'note'; message: string; body: string; visibility: string | undefined }
  | { form: 'attachment'; message: string; visibility: string | undefined }
  | { form: 'state'; message: string; state: string }
  | { form: 'owner'; message: string; owner: string };

export type RecordDetailProps = {
  view: ViewContext;
  module: Module;
  record: CrmRecord;
  base: string;
  page: StaffRecordPage;
  currency: string;
  children: Map<string, Field[]>;
  fieldsById: Map<string, Field>;
  flash?: RecordFlash | undefined;
  echo?: RecordFormEcho | undefined;
  /** Who sees the record in portals; only for staff who manage portals. */
  portalAccessHref?: string | undefined;
  /** The record's portal user or invitation, when a portal user type is based on its module. */
  portalAccess?: Child;
  /** The person's data privacy: consent history and requests (leads and contacts, with GDPR compliance on). */
  privacy?: Child;
};

export function RecordDetail(props: RecordDetailProps) {
  const { view, module, record, base, currency, children } = props;
  const { access, sections, names, convertedTo } = props.page;
  const { t, lang, fmt } = view;
  const url = `${base}/${record.id}`;
  const locked = record.state !== 'active';
  return (
    <article>
      <p>
        <a href={base}>← {moduleLabel(t, lang, module, 'plural')}</a>
      </p>
      <div class="page-head">
        <h1>
          {record.display_name || t('crm:untitled')}
          {locked && <span class="badge badge-held"> {t(`crm:states.${record.state}`)}</span>}
        </h1>
        <div class="actions">
          {access.edit && (
            <a class="button" href={`${url}/edit`}>
              {t('crm:actions.edit')}
            </a>
          )}
          {access.create && (
            <a class="button secondary" href={`${url}/clone`}>
              {t('crm:actions.clone')}
            </a>
          )}
          {access.convert && (
            <a class="button secondary" href={`${url}/convert`}>
              {t('crm:convert.action')}
            </a>
          )}
          {props.portalAccessHref && (
            <a class="button secondary" href={props.portalAccessHref}>
              {t('portalexplain:recordLink')}
            </a>
          )}
          {access.delete && (
            <form method="post" action={`${url}/delete`} class="inline-form">
              <button type="submit" class="button secondary">
                {t('crm:actions.delete')}
              </button>
            </form>
          )}
        </div>
      </div>
      {props.flash && <Alert kind="success">{t(`crm:flash.${props.flash}`)}</Alert>}
      {convertedTo && (
        <Alert kind="info">
          {t('crm:convert.convertedTo')} <a href={convertedTo.href}>{convertedTo.name}</a>
        </Alert>
      )}
      <dl class="details record-meta">
        <dt>{t('crm:owner')}</dt>
        <dd>{props.page.owner}</dd>
        <dt>{t('crm:list.created')}</dt>
        <dd>{fmt.dateTime(record.created_at)}</dd>
        <dt>{t('crm:updated')}</dt>
        <dd>{fmt.dateTime(record.updated_at)}</dd>
      </dl>
      {sections.map((s) => {
        const heading = labelOf(t, lang, s, t('crm:sections.details'));
        return (
          <section class="card record-section">
            <h2>{heading}</h2>
            <dl class="details">
              {s.fields.map((f) => {
                const repeated = repeatsHeading(heading, fieldLabel(t, lang, f));
                return (
                  <>
                    <dt class={repeated ? 'visually-hidden' : undefined}>{fieldLabel(t, lang, f)}</dt>
                    <dd class={repeated ? 'label-in-heading' : undefined}>
                      <FieldValue
                        view={view}
                        field={f}
                        value={(record.data as Record<string, StoredValue>)[f.api_name]}
                        names={names}
                        currency={currency}
                        children={children.get(f.id)}
                      />
                    </dd>
                  </>
                );
              })}
            </dl>
          </section>
        );
      })}
      {(access.state || access.reassign) && <RecordControls {...props} url={url} />}
      {props.portalAccess}
      {props.privacy}
      {props.page.related.map((r) => (
        <section class="card related">
          <h2>
            {moduleLabel(t, lang, r.module, 'plural')} <span class="count">({fmt.number(r.total)})</span>
          </h2>
          <p class="hint">{t('crm:related.by', { field: fieldLabel(t, lang, r.field) })}</p>
          {r.records.length === 0 ? (
            <p>{t('crm:related.none')}</p>
          ) : (
            <ul>
              {r.records.map((rec) => (
                <li>
                  <a href={`${r.base}/${rec.id}`}>{rec.display_name || t('crm:untitled')}</a>
                </li>
              ))}
            </ul>
          )}
          {r.total > r.records.length && <p class="hint">{t('crm:related.more', { count: r.total - r.records.length })}</p>}
          {r.createHref && (
            <a class="button secondary small" href={r.createHref}>
              {t('crm:actions.add')}
            </a>
          )}
        </section>
      ))}
      <Notes {...props} url={url} />
      <Attachments {...props} url={url} />
      <History {...props} />
    </article>
  );
}

function RecordControls({ view, record, url, page, echo }: RecordDetailProps & { url: string }) {
  const { t } = view;
  const state = echo?.form === 'state' ? echo : undefined;
  const owner = echo?.form === 'owner' ? echo : undefined;
  return (
    <section class="card">
      <h2>{t('crm:controls.title')}</h2>
      {page.access.state && (
        <form method="post" action={`${url}/state`} class="inline-form">
          <label for="record-state">{t('crm:controls.state')}</label>
          <select id="record-state" name="state" {...problemOf('record-state', state)}>
            {(['active', 'pending_approval', 'under_review'] as const).map((s) => (
              <option value={s} selected={(state?.state ?? record.state) === s}>
                {t(`crm:states.${s}`)}
              </option>
            ))}
          </select>
          <button type="submit" class="button secondary small">
            {t('common:save')}
          </button>
          <FormProblem id="record-state" echo={state} />
        </form>
      )}
      {page.access.reassign && (
        <form method="post" action={`${url}/owner`} class="inline-form">
          <label for="record-owner">{t('crm:owner')}</label>
          <select id="record-owner" name="owner" {...problemOf('record-owner', owner)}>
            {page.staffOptions.map((s) => (
              <option value={s.id} selected={(owner?.owner ?? record.owner_id) === s.id}>
                {s.name}
              </option>
            ))}
          </select>
          <button type="submit" class="button secondary small">
            {t('crm:controls.reassign')}
          </button>
          <FormProblem id="record-owner" echo={owner} />
        </form>
      )}
    </section>
  );
}

/** The attributes that tie a control to the problem its form came back with. */
const problemOf = (id: string, echo: RecordFormEcho | undefined) =>
  echo ? { 'aria-invalid': 'true' as const, 'aria-describedby': `${id}-error` } : { 'aria-invalid': undefined, 'aria-describedby': undefined };

function FormProblem({ id, echo }: { id: string; echo: RecordFormEcho | undefined }) {
  return echo ? (
    <p class="field-error" id={`${id}-error`} role="alert">
      {echo.message}
    </p>
  ) : null;
}

/** Names the author of a note, file or change; what came from the portal says so. */
function authorName(t: ViewContext['t'], author: PageAuthor): string {
  if (author.kind === 'system') return t('crm:history.system');
  if (author.kind === 'portal') return author.name ? `${author.name} (${t('crm:history.portalUser')})` : t('crm:history.portalUser');
  return author.name ?? t('crm:history.portalUser');
}

function Notes({ view, page, url, echo }: RecordDetailProps & { url: string }) {
  const { t, fmt } = view;
  const typed = echo?.form === 'note' ? echo : undefined;
  return (
    <section class="card" id="notes">
      <h2>{t('crm:notes.title')}</h2>
      {page.notes.length === 0 && <p>{t('crm:notes.none')}</p>}
      <ul class="notes">
        {page.notes.map((n) => (
          <li>
            <p class="multiline">{n.body}</p>
            <p class="hint">
              {authorName(t, n.author)} · <time datetime={n.created_at.toISOString()}>{fmt.dateTime(n.created_at)}</time>
              {n.internal && <span class="badge"> {t('crm:notes.internal')}</span>}
            </p>
          </li>
        ))}
      </ul>
      {page.access.note && (
        <form method="post" action={`${url}/notes`}>
          <div class={typed ? 'field has-error' : 'field'}>
            <label for="note-body">{t('crm:notes.add')}</label>
            <textarea id="note-body" name="body" rows={3} required {...problemOf('note-body', typed)}>
              {typed?.body ?? ''}
            </textarea>
            <FormProblem id="note-body" echo={typed} />
          </div>
          <Visibility view={view} name="visibility" id="note" customer={typed?.visibility === 'customer'} />
          <button type="submit" class="button secondary small">
            {t('crm:notes.save')}
          </button>
        </form>
      )}
    </section>
  );
}

function Attachments({ view, page, url, echo }: RecordDetailProps & { url: string }) {
  const { t, fmt } = view;
  const typed = echo?.form === 'attachment' ? echo : undefined;
  return (
    <section class="card" id="attachments">
      <h2>{t('crm:attachments.title')}</h2>
      {page.attachments.length === 0 && <p>{t('crm:attachments.none')}</p>}
      <ul>
        {page.attachments.map((a) => (
          <li>
            <a href={`${url}/attachments/${a.id}`}>{a.filename}</a>{' '}
            <span class="hint">
              ({t('crm:attachments.size', { size: fmt.number(Math.ceil(a.size / 1024)) })}) · {authorName(t, a.author)} ·{' '}
              <time datetime={a.created_at.toISOString()}>{fmt.dateTime(a.created_at)}</time>
            </span>
            {a.internal && <span class="badge"> {t('crm:notes.internal')}</span>}
          </li>
        ))}
      </ul>
      {page.access.attach && (
        <form method="post" action={`${url}/attachments`} enctype="multipart/form-data">
          <div class={typed ? 'field has-error' : 'field'}>
            <label for="attachment-file">{t('crm:attachments.add')}</label>
            <input id="attachment-file" name="file" type="file" required {...problemOf('attachment-file', typed)} />
            <p class="hint">{t('crm:attachments.limit')}</p>
            <FormProblem id="attachment-file" echo={typed} />
          </div>
          <Visibility view={view} name="visibility" id="attachment" customer={typed?.visibility === 'customer'} />
          <button type="submit" class="button secondary small">
            {t('crm:attachments.upload')}
          </button>
        </form>
      )}
    </section>
  );
}

function History({ view, page, fieldsById, currency }: RecordDetailProps) {
  const { history, names } = page;
  const staffNames = new Map(page.staffOptions.map((s) => [s.id, s.name]));
  const { t, fmt, lang } = view;
  return (
    <section class="card" id="history">
      <h2>{t('crm:history.title')}</h2>
      {history.length === 0 && <p>{t('crm:history.none')}</p>}
      <ol class="history">
        {history.map((h) => (
          <li>
            <p>
              <strong>{t(`crm:history.actions.${h.action}`, { defaultValue: h.action })}</strong> · {authorName(t, h.actor)} ·{' '}
              <time datetime={h.at.toISOString()}>{fmt.dateTime(h.at)}</time>
            </p>
            {h.changes.length > 0 && (
              <ul>
                {h.changes.map((c) => {
                  const field = fieldsById.get(c.field);
                  const label = field ? fieldLabel(t, lang, field) : t(`crm:history.fields.${c.field}`, { defaultValue: t('crm:history.removedField') });
                  if (c.field === 'state' || c.field === 'owner') {
                    const show = (v: unknown) => (c.field === 'state' ? t(`crm:states.${String(v)}`) : (staffNames.get(String(v)) ?? '—'));
                    return (
                      <li>
                        {label}: {show(c.old)} → {show(c.new)}
                      </li>
                    );
                  }
                  return (
                    <li>
                      {label}:{' '}
                      {field ? <FieldValue view={view} field={field} value={c.old as StoredValue} names={names} currency={currency} /> : String(c.old ?? '—')} →{' '}
                      {field ? <FieldValue view={view} field={field} value={c.new as StoredValue} names={names} currency={currency} /> : String(c.new ?? '—')}
                    </li>
                  );
                })}
              </ul>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}

/** Who sees a staff note or file: staff only unless "visible to the customer" is chosen. */
function Visibility({ view, name, id, customer }: { view: ViewContext; name: string; id: string; customer: boolean }) {
  const { t } = view;
  return (
    <fieldset class="choices visibility">
      <legend>{t('crm:notes.visibility')}</legend>
      <label class="choice" for={`${id}-internal`}>
        <input type="radio" id={`${id}-internal`} name={name} value="internal" checked={!customer} /> {t('crm:notes.internalHint')}
      </label>
      <label class="choice" for={`${id}-customer`}>
        <input type="radio" id={`${id}-customer`} name={name} value="customer" checked={customer} /> {t('crm:notes.customerVisible')}
      </label>
    </fieldset>
  );
}
