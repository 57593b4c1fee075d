import type { StoredValue } from '../../src/crm/field-types.js';
import { UPLOAD_EXTENSIONS } from '../../src/crm/file-types.js';
import { fieldLabel, labelOf, moduleLabel } from '../../src/crm/metadata.js';
import { ATTACHMENT_MAX_BYTES } from '../../src/crm/notes.js';
import type { ViewContext } from '../../src/http/env.js';
import type { Author, PortalRecord } from '../../src/portals/portal-record.js';
import { Alert } from '../components/Alert.js';
import { repeatsHeading } from '../components/FieldInput.js';
import { FieldValue } from '../components/FieldValue.js';

export type RecordPageProps = {
  view: ViewContext;
  rec: PortalRecord;
  /** The module's address in this portal. */
  href: string;
  currency: string;
  /** After a save: what the user just did. */
  notice?: 'created' | 'saved' | 'noted' | 'attached' | 'closed' | 'reopened' | 'statusUnchanged' | 'followup' | undefined;
  /** A refused note: its message (a locale key) and the text kept. */
  noteError?: string | undefined;
  noteBody?: string | undefined;
  /** A refused upload's message (a locale key). */
  fileError?: string | undefined;
};

/** One record as a portal user sees it: the visible fields of its layout, its notes and files when the tab shares them. */
export function RecordPage({ view, rec, href, currency, notice, noteError, noteBody, fileError }: RecordPageProps) {
  // A closed case: what a reply will do to it.
  const replyHint =
    rec.caseActions && !rec.caseActions.close ? (rec.caseActions.reopen ? 'portal:cases.replyReopens' : 'portal:cases.replyOpensNew') : undefined;
  const { t, lang, fmt } = view;
  const { record, meta } = rec;
  const locked = record.state === 'pending_approval' || record.state === 'under_review';
  const showReadOnly = rec.tab.canEdit && !locked;
  return (
    <article class="portal-record" aria-labelledby="record-title">
      <p>
        <a href={href}>{t('portal:record.back', { module: moduleLabel(t, lang, meta.module, 'plural', rec.tab.labels) })}</a>
      </p>
      {notice && (
        <Alert kind="success">
          {t(`portal:recordNotice.${notice === 'closed' && rec.reopenDays === 0 ? 'closedFinal' : notice}`, { days: rec.reopenDays })}
        </Alert>
      )}
      <div class="page-head">
        <h1 id="record-title">{record.name || moduleLabel(t, lang, meta.module, 'singular')}</h1>
        <div class="actions">
          {rec.actions.edit && (
            <a class="button" href={`${href}/${record.id}/edit`}>
              {t('portal:record.edit')}
            </a>
          )}
          {rec.actions.clone && (
            <a class="button secondary" href={`${href}/new?clone=${record.id}`}>
              {t('portal:record.clone')}
            </a>
          )}
          {rec.actions.delete && (
            <a class="button secondary danger" href={`${href}/${record.id}/delete`}>
              {t('portal:record.delete')}
            </a>
          )}
          {rec.caseActions?.close && (
            <form method="post" action={`${href}/${record.id}/close`} class="inline-form">
              <button type="submit" class="button secondary" disabled={rec.inert}>
                {t('portal:cases.close')}
              </button>
            </form>
          )}
          {rec.caseActions?.reopen && (
            <form method="post" action={`${href}/${record.id}/reopen`} class="inline-form">
              <button type="submit" class="button secondary" disabled={rec.inert}>
                {t('portal:cases.reopen')}
              </button>
            </form>
          )}
        </div>
      </div>
      {locked && <p class="badge">{t(`portal:record.locked.${record.state}`)}</p>}
      {rec.sections.map((s) => {
        const heading = labelOf(t, lang, s, t('crm:sections.details'));
        return (
          <section class="card record-section">
            <h2>{heading}</h2>
            <dl class="details">
              {s.fields.map((f) => {
                // A label that repeats the heading is read out, not shown twice; a read-only badge keeps it visible.
                const repeated = repeatsHeading(heading, fieldLabel(t, lang, f)) && !(showReadOnly && rec.readOnly.has(f.id));
                return (
                  <div class="detail" data-field={f.api_name}>
                    <dt class={repeated ? 'visually-hidden' : undefined}>
                      {fieldLabel(t, lang, f)}
                      {showReadOnly && rec.readOnly.has(f.id) && (
                        <>
                          {' '}
                          <span class="badge read-only">{t('portal:record.readOnly')}</span>
                        </>
                      )}
                    </dt>
                    <dd class={repeated ? 'label-in-heading' : undefined}>
                      <FieldValue
                        view={view}
                        field={f}
                        value={record.data[f.api_name] as StoredValue | undefined}
                        names={rec.names}
                        currency={currency}
                        children={meta.children.get(f.id)}
                      />
                    </dd>
                  </div>
                );
              })}
            </dl>
          </section>
        );
      })}
      {rec.notes && (
        <section class="card" id="notes" aria-labelledby="notes-title">
          <h2 id="notes-title">{t(rec.conversation ? 'portal:cases.conversation' : 'portal:record.notes')}</h2>
          {(rec.conversation ?? rec.notes).length === 0 ? (
            <p>{t('portal:record.noNotes')}</p>
          ) : (
            <ol class="notes conversation">
              {(rec.conversation ?? rec.notes.map((n) => ({ kind: 'note' as const, ...n }))).map((entry) => (
                <li class={`entry entry-${entry.author.kind}`}>
                  {entry.kind === 'note' ? (
                    <p class="multiline">{entry.body}</p>
                  ) : (
                    <p>
                      <a href={`${href}/${record.id}/files/${entry.id}`} download>
                        {entry.filename}
                      </a>{' '}
                      <span class="hint">({t('crm:attachments.size', { size: fmt.number(Math.ceil(entry.size / 1024)) })})</span>
                    </p>
                  )}
                  <p class="muted">
                    {authorLabel(view, entry.author)} · <time datetime={entry.createdAt.toISOString()}>{fmt.dateTime(entry.createdAt)}</time>
                  </p>
                </li>
              ))}
            </ol>
          )}
          {rec.tab.notes === 'add' && (
            <form method="post" action={`${href}/${record.id}/notes`} class="note-form">
              <fieldset class="plain" disabled={rec.inert}>
                <div class={noteError ? 'field has-error' : 'field'}>
                  <label for="note-body">{t('portal:record.addNote')}</label>
                  <textarea
                    id="note-body"
                    name="body"
                    rows={4}
                    maxlength={10000}
                    aria-invalid={noteError ? 'true' : undefined}
                    aria-describedby={[noteError && 'note-body-error', replyHint && 'note-body-hint'].filter(Boolean).join(' ') || undefined}
                  >
                    {noteBody ?? ''}
                  </textarea>
                  {replyHint && (
                    <p class="hint" id="note-body-hint">
                      {t(replyHint)}
                    </p>
                  )}
                  {noteError && (
                    <p class="field-error" id="note-body-error">
                      {t(noteError)}
                    </p>
                  )}
                </div>
                <button type="submit" class="button">
                  {t('portal:record.saveNote')}
                </button>
              </fieldset>
            </form>
          )}
        </section>
      )}
      {rec.attachments && (
        <section class="card" id="attachments" aria-labelledby="attachments-title">
          <h2 id="attachments-title">{t('portal:record.attachments')}</h2>
          {rec.conversation ? (
            <p class="hint">{t('portal:cases.filesInConversation')}</p>
          ) : rec.attachments.length === 0 ? (
            <p>{t('portal:record.noAttachments')}</p>
          ) : (
            <ul>
              {rec.attachments.map((a) => (
                <li>
                  <a href={`${href}/${record.id}/files/${a.id}`} download>
                    {a.filename}
                  </a>{' '}
                  <span class="hint">({t('crm:attachments.size', { size: fmt.number(Math.ceil(a.size / 1024)) })})</span>
                </li>
              ))}
            </ul>
          )}
          {rec.tab.attachments === 'add' && (
            <form method="post" action={`${href}/${record.id}/attachments`} enctype="multipart/form-data" class="upload-form">
              <fieldset class="plain" disabled={rec.inert}>
                <div class={fileError ? 'field has-error' : 'field'}>
                  <label for="attachment-file">{t('portal:upload.label')}</label>
                  <input
                    id="attachment-file"
                    type="file"
                    name="file"
                    accept={UPLOAD_EXTENSIONS.map((e) => `.${e}`).join(',')}
                    aria-describedby={fileError ? 'attachment-hint attachment-error' : 'attachment-hint'}
                    aria-invalid={fileError ? 'true' : undefined}
                  />
                  <p class="hint" id="attachment-hint">
                    {t('portal:upload.hint', { size: fmt.number(ATTACHMENT_MAX_BYTES / 1024 / 1024), types: UPLOAD_EXTENSIONS.join(', ') })}
                  </p>
                  {fileError && (
                    <p class="field-error" id="attachment-error">
                      {t(fileError, { size: fmt.number(ATTACHMENT_MAX_BYTES / 1024 / 1024) })}
                    </p>
                  )}
                </div>
                <button type="submit" class="button">
                  {t('portal:upload.submit')}
                </button>
              </fieldset>
            </form>
          )}
        </section>
      )}
    </article>
  );
}

/** Who wrote a note or added a file: "You", a staff member of the organization, or someone else in the portal. */
function authorLabel(view: ViewContext, author: Author): string {
  const { t } = view;
  if (author.kind === 'you') return t('portal:record.you');
  if (author.kind === 'portal') return t('portal:record.fromPortal');
  return author.name && view.orgName ? t('portal:record.staffAuthor', { name: author.name, org: view.orgName }) : (author.name ?? view.orgName ?? '');
}
