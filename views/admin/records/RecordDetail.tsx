import type { Child } from 'hono/jsx';
import type { StoredValue } from '../../../src/crm/field-types.js';
import { fieldLabel, labelOf, moduleLabel } from '../../../src/crm/metadata.js';
import type { ModulePermissions } from '../../../src/crm/staff-access.js';
import type { CrmRecord, Field, Module, Note, RecordChange } from '../../../src/db/schema.js';
import type { ViewContext } from '../../../src/http/env.js';
import { Alert } from '../../components/Alert.js';
import { repeatsHeading } from '../../components/FieldInput.js';
import { FieldValue, type LookupNames } from '../../components/FieldValue.js';
import type { FormSection } from './RecordForm.js';

export type RelatedListView = {
  title: string;
  fieldLabel: string;
  base: string;
  records: Pick<CrmRecord, 'id' | 'display_name'>[];
  total: number;
  createHref?: string | undefined;
};
export type AttachmentRow = { id: string; filename: string; size: number; content_type: string; created_at: Date; internal: boolean; author: string };
export type StaffOption = { id: string; name: string };

export type RecordDetailProps = {
  view: ViewContext;
  module: Module;
  record: CrmRecord;
  base: string;
  sections: FormSection[];
  names: LookupNames;
  currency: string;
  children: Map<string, Field[]>;
  related: RelatedListView[];
  notes: (Note & { author: string })[];
  attachments: AttachmentRow[];
  history: (RecordChange & { actor: string })[];
  fieldsById: Map<string, Field>;
  perms: ModulePermissions & { modify: boolean; remove: boolean };
  owner: string;
  staffOptions: StaffOption[];
  flash?: string | undefined;
  convertHref?: string | undefined;
  convertedTo?: { name: string; href: string } | undefined;
  /** Who sees the record in portals; only for staff who manage portals. */
  portalAccessHref?: string | undefined;
  /** The record's portal user or invitation, when a portal user type is based on its module. */
  portalAccess?: Child;
  /** The person's data privacy: consent history and requests (leads and contacts, with GDPR compliance on). */
  privacy?: Child;
};

export function RecordDetail(props: RecordDetailProps) {
  const { view, module, record, base, sections, names, currency, children, perms } = props;
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
          {perms.modify && (
            <a class="button" href={`${url}/edit`}>
              {t('crm:actions.edit')}
            </a>
          )}
          {perms.create && (
            <a class="button secondary" href={`${url}/clone`}>
              {t('crm:actions.clone')}
            </a>
          )}
          {props.convertHref && (
            <a class="button secondary" href={props.convertHref}>
              {t('crm:convert.action')}
            </a>
          )}
          {props.portalAccessHref && (
            <a class="button secondary" href={props.portalAccessHref}>
              {t('portalexplain:recordLink')}
            </a>
          )}
          {perms.remove && (
            <form method="post" action={`${url}/delete`} class="inline-form">
              <button type="submit" class="button secondary">
                {t('crm:actions.delete')}
              </button>
            </form>
          )}
        </div>
      </div>
      {props.flash && <Alert kind="success">{props.flash}</Alert>}
      {props.convertedTo && (
        <Alert kind="info">
          {t('crm:convert.convertedTo')} <a href={props.convertedTo.href}>{props.convertedTo.name}</a>
        </Alert>
      )}
      <dl class="details record-meta">
        <dt>{t('crm:owner')}</dt>
        <dd>{props.owner}</dd>
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
      {perms.modify && <RecordControls {...props} url={url} />}
      {props.portalAccess}
      {props.privacy}
      {props.related.map((r) => (
        <section class="card related">
          <h2>
            {r.title} <span class="count">({fmt.number(r.total)})</span>
          </h2>
          <p class="hint">{t('crm:related.by', { field: r.fieldLabel })}</p>
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

function RecordControls({ view, record, url, staffOptions }: RecordDetailProps & { url: string }) {
  const { t } = view;
  return (
    <section class="card">
      <h2>{t('crm:controls.title')}</h2>
      <form method="post" action={`${url}/state`} class="inline-form">
        <label for="record-state">{t('crm:controls.state')}</label>
        <select id="record-state" name="state">
          {(['active', 'pending_approval', 'under_review'] as const).map((s) => (
            <option value={s} selected={record.state === s}>
              {t(`crm:states.${s}`)}
            </option>
          ))}
        </select>
        <button type="submit" class="button secondary small">
          {t('common:save')}
        </button>
      </form>
      <form method="post" action={`${url}/owner`} class="inline-form">
        <label for="record-owner">{t('crm:owner')}</label>
        <select id="record-owner" name="owner">
          {staffOptions.map((s) => (
            <option value={s.id} selected={record.owner_id === s.id}>
              {s.name}
            </option>
          ))}
        </select>
        <button type="submit" class="button secondary small">
          {t('crm:controls.reassign')}
        </button>
      </form>
    </section>
  );
}

function Notes({ view, notes, url, perms }: RecordDetailProps & { url: string }) {
  const { t, fmt } = view;
  return (
    <section class="card" id="notes">
      <h2>{t('crm:notes.title')}</h2>
      {notes.length === 0 && <p>{t('crm:notes.none')}</p>}
      <ul class="notes">
        {notes.map((n) => (
          <li>
            <p class="multiline">{n.body}</p>
            <p class="hint">
              {n.author} · <time datetime={n.created_at.toISOString()}>{fmt.dateTime(n.created_at)}</time>
              {n.internal && <span class="badge"> {t('crm:notes.internal')}</span>}
            </p>
          </li>
        ))}
      </ul>
      {perms.modify && (
        <form method="post" action={`${url}/notes`}>
          <div class="field">
            <label for="note-body">{t('crm:notes.add')}</label>
            <textarea id="note-body" name="body" rows={3} required></textarea>
          </div>
          <Visibility view={view} name="visibility" id="note" />
          <button type="submit" class="button secondary small">
            {t('crm:notes.save')}
          </button>
        </form>
      )}
    </section>
  );
}

function Attachments({ view, attachments, url, perms }: RecordDetailProps & { url: string }) {
  const { t, fmt } = view;
  return (
    <section class="card" id="attachments">
      <h2>{t('crm:attachments.title')}</h2>
      {attachments.length === 0 && <p>{t('crm:attachments.none')}</p>}
      <ul>
        {attachments.map((a) => (
          <li>
            <a href={`${url}/attachments/${a.id}`}>{a.filename}</a>{' '}
            <span class="hint">
              ({t('crm:attachments.size', { size: fmt.number(Math.ceil(a.size / 1024)) })}) · {a.author} ·{' '}
              <time datetime={a.created_at.toISOString()}>{fmt.dateTime(a.created_at)}</time>
            </span>
            {a.internal && <span class="badge"> {t('crm:notes.internal')}</span>}
          </li>
        ))}
      </ul>
      {perms.modify && (
        <form method="post" action={`${url}/attachments`} enctype="multipart/form-data">
          <div class="field">
            <label for="attachment-file">{t('crm:attachments.add')}</label>
            <input id="attachment-file" name="file" type="file" required />
            <p class="hint">{t('crm:attachments.limit')}</p>
          </div>
          <Visibility view={view} name="visibility" id="attachment" />
          <button type="submit" class="button secondary small">
            {t('crm:attachments.upload')}
          </button>
        </form>
      )}
    </section>
  );
}

function History({ view, history, fieldsById, names, currency, staffOptions }: RecordDetailProps) {
  const staffNames = new Map(staffOptions.map((s) => [s.id, s.name]));
  const { t, fmt, lang } = view;
  return (
    <section class="card" id="history">
      <h2>{t('crm:history.title')}</h2>
      {history.length === 0 && <p>{t('crm:history.none')}</p>}
      <ol class="history">
        {history.map((h) => (
          <li>
            <p>
              <strong>{t(`crm:history.actions.${h.action}`, { defaultValue: h.action })}</strong> · {h.actor} ·{' '}
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
function Visibility({ view, name, id }: { view: ViewContext; name: string; id: string }) {
  const { t } = view;
  return (
    <fieldset class="choices visibility">
      <legend>{t('crm:notes.visibility')}</legend>
      <label class="choice" for={`${id}-internal`}>
        <input type="radio" id={`${id}-internal`} name={name} value="internal" checked /> {t('crm:notes.internalHint')}
      </label>
      <label class="choice" for={`${id}-customer`}>
        <input type="radio" id={`${id}-customer`} name={name} value="customer" /> {t('crm:notes.customerVisible')}
      </label>
    </fieldset>
  );
}
